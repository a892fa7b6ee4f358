// The Kubernetes status writer's queue: one pending status per object, the latest one, written
// after the object's status has held still for a moment, and never later than a bound.
//
// Status is for people and for `kubectl wait`, not on the path of an edit to the dataplanes, and
// each status PATCH costs the API server about what the edit itself cost it (it validates and
// re-encodes the whole object, CEL rules included). So, as production controllers do (Contour's
// and Envoy Gateway's status updaters: asynchronous, coalesced per object, rate-limited):
//
// - put() replaces what is pending for the object (the last state wins) and returns at once;
// - an object is written `holdoffMs` after its last put, or `maxDelayMs` after its first pending
//   put if puts keep coming (an object edited without pause still gets its status written);
// - due objects go out oldest due first, `concurrency` at a time, never two of one object at
//   once: a put during an object's write waits for that write to end, so an older status cannot
//   land after a newer one;
// - a failed write is retried with a per-object exponential backoff (what was put meanwhile, the
//   newer status, is what the retry writes).
//
// The clock and timers are injectable so that tests step through time instead of measuring it.

export interface StatusQueueTimers {
  now(): number;
  /** Calls `fn` after `ms`; the handle cancels it. */
  set(fn: () => void, ms: number): { cancel(): void };
}

export const realTimers: StatusQueueTimers = {
  now: () => Date.now(),
  set(fn, ms) {
    const t = setTimeout(fn, ms);
    // Pending status must not keep a stopping process alive.
    t.unref();
    return { cancel: () => clearTimeout(t) };
  },
};

export interface StatusQueueOptions<T> {
  /** Writes one object's status; a rejection is retried after a backoff. */
  send(key: string, item: T): Promise<void>;
  /** Quiet after an object's last put before its write (default 500 ms). */
  holdoffMs?: number;
  /** Longest an object's first pending put waits while puts keep coming (default 2,000 ms). */
  maxDelayMs?: number;
  /** Writes in flight at once, each of another object (default 4). */
  concurrency?: number;
  /** Backoff after a failed write: first delay and cap (defaults 500 ms and 30 s). */
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** Called with each failed write (logging); the write is retried regardless. */
  onError?(key: string, err: unknown, retryInMs: number): void;
  timers?: StatusQueueTimers;
}

interface Pending<T> {
  item: T;
  /** The first put since the object's last write started: the bound counts from here. */
  firstAt: number;
  lastAt: number;
  /** Not before this instant (a retry's backoff). */
  notBefore: number;
}

export class StatusWriteQueue<T> {
  private readonly pending = new Map<string, Pending<T>>();
  private readonly inFlight = new Set<string>();
  /** Failed writes in a row per object (the backoff's exponent); cleared by a success. */
  private readonly failures = new Map<string, number>();
  private readonly holdoffMs: number;
  private readonly maxDelayMs: number;
  private readonly concurrency: number;
  private readonly retryBaseMs: number;
  private readonly retryMaxMs: number;
  private readonly timers: StatusQueueTimers;
  private timer: { at: number; handle: { cancel(): void } } | undefined;
  private idleWaiters: (() => void)[] = [];
  private closed = false;
  /** Counters (tests): puts that replaced a pending status, writes started, failed writes retried. */
  readonly stats = { coalesced: 0, sent: 0, retries: 0 };

  constructor(private readonly opts: StatusQueueOptions<T>) {
    this.holdoffMs = opts.holdoffMs ?? 500;
    this.maxDelayMs = Math.max(opts.maxDelayMs ?? 2_000, this.holdoffMs);
    this.concurrency = Math.max(1, opts.concurrency ?? 4);
    this.retryBaseMs = opts.retryBaseMs ?? 500;
    this.retryMaxMs = Math.max(opts.retryMaxMs ?? 30_000, this.retryBaseMs);
    this.timers = opts.timers ?? realTimers;
  }

  /** Objects with a status waiting (not counting writes in flight). */
  get size(): number {
    return this.pending.size;
  }

  /** Whether a status of this object is waiting or being written. */
  has(key: string): boolean {
    return this.pending.has(key) || this.inFlight.has(key);
  }

  /** Whether a status of this object waits (a put now replaces it). */
  isPending(key: string): boolean {
    return this.pending.has(key);
  }

  isInFlight(key: string): boolean {
    return this.inFlight.has(key);
  }

  /** The object's status is now `item`: whatever was pending for it is replaced. */
  put(key: string, item: T): void {
    if (this.closed) return;
    const now = this.timers.now();
    const prev = this.pending.get(key);
    if (prev) {
      this.stats.coalesced++;
      prev.item = item;
      prev.lastAt = now;
    } else {
      this.pending.set(key, { item, firstAt: now, lastAt: now, notBefore: 0 });
    }
    this.arm(this.dueOf(this.pending.get(key)!));
  }

  /** Drop what is pending for the object (deleted, or its live status already is the latest). */
  drop(key: string): void {
    this.pending.delete(key);
    this.failures.delete(key);
    this.settle();
  }

  /** Drop everything pending (this replica stopped writing); writes in flight end on their own. */
  clear(): void {
    this.pending.clear();
    this.failures.clear();
    this.settle();
  }

  /** Stop: nothing pending is written, no timer stays. */
  close(): void {
    this.closed = true;
    this.clear();
    this.timer?.handle.cancel();
    this.timer = undefined;
  }

  /** Resolves once nothing is pending or in flight (tests; a caller that wants status written). */
  idle(): Promise<void> {
    if (this.pending.size === 0 && this.inFlight.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private dueOf(p: Pending<T>): number {
    return Math.max(p.notBefore, Math.min(p.lastAt + this.holdoffMs, p.firstAt + this.maxDelayMs));
  }

  /** Make sure the pump runs by `at`. */
  private arm(at: number): void {
    if (this.closed) return;
    if (this.timer && this.timer.at <= at) return;
    this.timer?.handle.cancel();
    const delay = Math.max(0, at - this.timers.now());
    this.timer = { at, handle: this.timers.set(() => this.fire(), delay) };
  }

  private fire(): void {
    this.timer = undefined;
    this.pump();
  }

  /**
   * Start the writes that are due, oldest due first, up to the concurrency; then arm the timer
   * for the next one. One pass over the pending objects (a few per edit in steady state; ~1,100
   * once after a start at 5,000 routes), run on a timer or when a write ends, never per put.
   */
  private pump(): void {
    if (this.closed) return;
    const now = this.timers.now();
    const due: { key: string; at: number }[] = [];
    let next = Infinity;
    for (const [key, p] of this.pending) {
      if (this.inFlight.has(key)) continue; // waits for its object's write to end (which pumps)
      const at = this.dueOf(p);
      if (at > now) next = Math.min(next, at);
      else due.push({ key, at });
    }
    // Oldest due first: an object cannot be passed over for ever by later ones. What is due
    // beyond the free slots starts when a write ends.
    due.sort((a, b) => a.at - b.at);
    const free = this.concurrency - this.inFlight.size;
    for (let i = 0; i < due.length && i < free; i++) this.start(due[i]!.key);
    if (next !== Infinity) this.arm(next);
    this.settle();
  }

  private start(key: string): void {
    const p = this.pending.get(key)!;
    this.pending.delete(key);
    this.inFlight.add(key);
    this.stats.sent++;
    let ok = true;
    let error: unknown;
    this.opts
      .send(key, p.item)
      .catch((err: unknown) => {
        ok = false;
        error = err;
      })
      .then(() => {
        this.inFlight.delete(key);
        if (ok) this.failures.delete(key);
        else if (!this.closed) this.retry(key, p.item, error);
        this.pump();
      });
  }

  private retry(key: string, item: T, err: unknown): void {
    const n = (this.failures.get(key) ?? 0) + 1;
    this.failures.set(key, n);
    const delay = Math.min(this.retryMaxMs, this.retryBaseMs * 2 ** Math.min(n - 1, 30));
    this.stats.retries++;
    this.opts.onError?.(key, err, delay);
    const now = this.timers.now();
    const newer = this.pending.get(key);
    // A status put during the failed write is newer: it is what gets retried.
    if (newer) newer.notBefore = now + delay;
    else this.pending.set(key, { item, firstAt: now, lastAt: now, notBefore: now + delay });
  }

  private settle(): void {
    if (this.pending.size > 0 || this.inFlight.size > 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }
}
