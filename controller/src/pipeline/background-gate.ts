// Background work waits for a moment when no edit is on its way. The controller's thread does two
// kinds of work beside the edits: the status pass (every object compared again, in chunks, about
// three times a second under churn) and the directory source's safety walk (a stat of every file
// every 2 s). Both used to start whenever their own timers said, so a chunk could run while an
// edit's batch was waiting for its holdoff or while its snapshot was on its way to a dataplane:
// the ACK (or the next file event) then waited for the chunk, and on a loaded machine for the
// scheduler's slice too. Through this gate each chunk starts only when no batch is pending in the
// feed and nothing is in flight to any dataplane (the idle test of idle-scavenge.ts); the
// controller calls check() at the moments that can make it so (an ACK, a NACK, a publish, a
// dataplane leaving). Nothing here can starve that work: a waiter is let through at the latest
// MAX_BACKGROUND_DEFER_MS after it asked, busy or not (a stream of edits with no gap, a dataplane
// that does not answer, a batch that changed nothing and so published nothing).

/** The longest a piece of background work waits for a quiet moment before it runs anyway. */
export const MAX_BACKGROUND_DEFER_MS = 250;

export interface BackgroundGateOptions {
  /** True while an edit is on its way: a batch pending, or a snapshot or delta unanswered. */
  busy: () => boolean;
  maxDeferMs?: number;
}

interface Waiter {
  resolve: () => void;
  timer: NodeJS.Timeout;
}

export class BackgroundGate {
  readonly maxDeferMs: number;
  private readonly busy: () => boolean;
  private readonly waiters = new Set<Waiter>();
  private closed = false;
  /** Waits that ended at a quiet moment, and those let through by the deferral bound. */
  releasedQuiet = 0;
  releasedByBound = 0;

  constructor(opts: BackgroundGateOptions) {
    this.busy = opts.busy;
    this.maxDeferMs = Math.max(0, opts.maxDeferMs ?? MAX_BACKGROUND_DEFER_MS);
  }

  /** Resolves now when nothing is in flight; else at the next quiet moment, at most maxDeferMs on. */
  wait(): Promise<void> {
    if (this.closed || !this.busy()) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const waiter: Waiter = {
        resolve,
        timer: setTimeout(() => {
          if (!this.waiters.delete(waiter)) return;
          this.releasedByBound++;
          resolve();
        }, this.maxDeferMs),
      };
      // A waiter must not keep the process alive on its own.
      waiter.timer.unref();
      this.waiters.add(waiter);
    });
  }

  /** Waiters right now (tests). */
  get waiting(): number {
    return this.waiters.size;
  }

  /** Something that may have ended the last edit's flight happened: release the waiters if so. */
  check(): void {
    if (this.waiters.size === 0 || this.busy()) return;
    this.releasedQuiet += this.releaseAll();
  }

  /** Everything waiting goes on, and later waits do not wait (shutdown). */
  close(): void {
    this.closed = true;
    this.releaseAll();
  }

  private releaseAll(): number {
    const all = [...this.waiters];
    this.waiters.clear();
    for (const w of all) {
      clearTimeout(w.timer);
      w.resolve();
    }
    return all.length;
  }
}
