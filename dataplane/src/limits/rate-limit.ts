// Per-client request rate (HAProxy stick-table http_req_rate(<period>) + deny). HAProxy's
// frequency counter: the count of the current period plus the previous period's count weighted
// by the part of it still inside the sliding window,
//     rate = current + previous * (period - elapsed) / period,
// so the limit holds over any window of one period without keeping a timestamp per request.
// Periods start at a client's first request, so a client that was quiet for a while gets exactly
// `requests` requests in its first period.
//
// A request that is refused does not count (a client that backs off as Retry-After says is
// served again on time; HAProxy counts refused requests too, see docs/traffic.md).
import { LruMap } from './lru.js';

/** Clients remembered per frontend; the least recently seen are forgotten first. */
export const MAX_RATE_ENTRIES = 100_000;

interface Counter {
  start: number; // start of the current period (ms)
  current: number;
  previous: number;
}

export type RateVerdict = { allowed: true } | { allowed: false; retryAfterSeconds: number };

export class RateLimiter {
  private readonly table: LruMap<string, Counter>;

  constructor(capacity = MAX_RATE_ENTRIES) {
    this.table = new LruMap(capacity);
  }

  get size(): number {
    return this.table.size;
  }

  /** Counts one request from `key` unless it is over `limit` per `periodMs`. */
  hit(key: string, limit: number, periodMs: number, now: number): RateVerdict {
    const period = Math.max(1, periodMs);
    let c = this.table.get(key);
    if (c === undefined) {
      this.sweep(period, now, 4); // amortized forgetting of idle clients
      c = { start: now, current: 0, previous: 0 };
      this.table.set(key, c);
    } else {
      roll(c, period, now);
    }
    const elapsed = now - c.start;
    const rate = c.current + (c.previous * (period - elapsed)) / period;
    if (rate + 1 <= limit + 1e-9) {
      c.current++;
      return { allowed: true };
    }
    return { allowed: false, retryAfterSeconds: retryAfter(c, limit, period, now) };
  }

  /** Forgets clients idle for two periods (called now and then; LRU bounds the size anyway). */
  sweep(periodMs: number, now: number, max = 1000): void {
    this.table.sweepOldest((c) => now - c.start >= 2 * Math.max(1, periodMs), max);
  }
}

function roll(c: Counter, period: number, now: number): void {
  const periods = Math.floor((now - c.start) / period);
  if (periods <= 0) return;
  c.previous = periods === 1 ? c.current : 0;
  c.current = 0;
  c.start += periods * period;
}

/** Whole seconds until one more request would fit (at least 1). */
function retryAfter(c: Counter, limit: number, period: number, now: number): number {
  const elapsed = now - c.start;
  let waitMs: number;
  if (c.current < limit && c.previous > 0) {
    // Still in this period, once enough of the previous one has slid out of the window.
    const t = period * (1 - (limit - 1 - c.current) / c.previous);
    waitMs = Math.max(0, t - elapsed);
  } else {
    // From the next period on, this one's count decays: current * (1 - e/period) + 1 <= limit.
    const e = c.current > 0 ? Math.max(0, period * (1 - (limit - 1) / c.current)) : 0;
    waitMs = period - elapsed + e;
  }
  return Math.max(1, Math.ceil(waitMs / 1000));
}
