// Inactivity limits of connections (timeouts.client, timeouts.server, timeouts.tunnel) without a
// timer touched per read or write. Node's socket.setTimeout() re-arms the socket's timer on every
// read and every write (a clock read and a timer-list move each time, four times per proxied
// request); here a connection only says which limit applies, and one sweep per limit value
// compares each watched socket's byte counters with those of the previous sweep. The limit then
// fires between `ms` and 1.25 × `ms` after the last byte moved (sweeps every ms/4), the price of
// not knowing when exactly that byte moved.
import type net from 'node:net';

/** A connection under an inactivity limit. */
export interface Inactive {
  /** The socket whose bytes count as activity. */
  readonly socket: net.Socket;
  /** Whether the limit applies now (e.g. an exchange is running); sweeps skip it otherwise. */
  watched(): boolean;
  /** No byte moved for the limit while watched. */
  expired(): void;
}

/** Quiet sweeps in a row that make a limit expire (each sweep is ms / QUIET_SWEEPS apart). */
const QUIET_SWEEPS = 4;

/**
 * What has moved on `s`: bytes read, writes completed, and progress of the write in flight
 * (libuv's queue size shrinks as the kernel takes a partial write — Node's own timeout counts
 * that too). Any change is activity; the value itself means nothing.
 */
function activity(s: net.Socket): number {
  const queued = (s as unknown as { _handle?: { writeQueueSize?: unknown } | null })._handle?.writeQueueSize;
  return s.bytesRead + s.bytesWritten - s.writableLength - (typeof queued === 'number' ? queued : 0);
}

/** The connections under one limit value, swept every ms / QUIET_SWEEPS. */
class Sweep {
  private readonly members = new Set<InactivityLimit>();
  private timer: NodeJS.Timeout | undefined;

  constructor(readonly ms: number) {}

  add(l: InactivityLimit): void {
    this.members.add(l);
    if (!this.timer) {
      this.timer = setInterval(this.sweep, Math.max(1, Math.floor(this.ms / QUIET_SWEEPS)));
      this.timer.unref(); // like socket timeouts: never what keeps the process alive
    }
  }

  delete(l: InactivityLimit): void {
    if (!this.members.delete(l) || this.members.size > 0) return;
    clearInterval(this.timer);
    this.timer = undefined;
    sweeps.delete(this.ms);
  }

  private readonly sweep = (): void => {
    let expired: InactivityLimit[] | undefined;
    for (const l of this.members) if (l.quietSweep()) (expired ??= []).push(l);
    if (expired) for (const l of expired) l.expire();
  };
}

const sweeps = new Map<number, Sweep>();

/**
 * The inactivity limit of one connection: `set(ms)` puts it under a limit (0: none), `restart()`
 * when a watched period begins, `clear()` when the connection ends. Once expired, it expires
 * again only after some activity and another full limit without any (as a socket timeout that
 * fired is re-armed by the next read or write).
 */
export class InactivityLimit {
  private sweep: Sweep | undefined;
  /** The socket's activity count at the previous sweep (NaN: none yet). */
  private mark = NaN;
  /** Sweeps in a row without activity while watched. */
  private quiet = 0;
  /** Expired, and nothing moved since. */
  private fired = false;

  constructor(private readonly conn: Inactive) {}

  get ms(): number {
    return this.sweep?.ms ?? 0;
  }

  set(ms: number): void {
    if (ms === this.ms) return;
    this.sweep?.delete(this);
    this.sweep = undefined;
    if (ms <= 0) return;
    let s = sweeps.get(ms);
    if (!s) sweeps.set(ms, (s = new Sweep(ms)));
    this.restart();
    s.add(this);
    this.sweep = s;
  }

  /**
   * A watched period starts now: quiet sweeps before it do not count, and the next sweep counts
   * as activity (it may come at once: the quiet ones after it make the whole limit).
   */
  restart(): void {
    this.mark = NaN;
    this.quiet = 0;
    this.fired = false;
  }

  clear(): void {
    this.set(0);
  }

  /** One sweep: true when the limit has expired. */
  quietSweep(): boolean {
    const now = activity(this.conn.socket);
    if (now !== this.mark || !this.conn.watched()) {
      this.mark = now;
      this.quiet = 0;
      this.fired = false;
      return false;
    }
    return !this.fired && ++this.quiet >= QUIET_SWEEPS;
  }

  expire(): void {
    if (!this.sweep || this.fired) return; // cleared (or expired) by an earlier expiry of this sweep
    this.fired = true;
    this.conn.expired();
  }
}
