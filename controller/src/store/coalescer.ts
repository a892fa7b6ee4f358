// Coalesces bursts of events into one run: the run starts once events have been quiet for
// `holdoffMs`, but never later than `maxDelayMs` after the first event of the burst, so a
// constant trickle cannot starve it. Runs never overlap: events during a run schedule another.
// With `leadingMs`, the first event after a quiet spell (no run for `holdoffMs`) runs after
// only that short delay: a single edit is not held back, events within that delay fold into
// the same run (one file write is often two watch events: the truncation and the write; were
// the second to restart the full holdoff, a single edit would wait it out whenever the two
// arrive apart), and the rest of a burst (events that arrive during or right after that run)
// still waits out the holdoff and folds into the next. A run that resolves to `false` made no
// change (what it looked at was the same): it does not end the quiet spell, once per holdoff
// (a stream of events that change nothing is still coalesced, as before). A few events that
// arrived while a run was in progress (at most LONE_EVENTS_DURING_RUN: one or two edits, each a
// write's one or two watch events) are run after the short leading delay once that run ends,
// not after the holdoff: they already waited out the run, and holding them 20 ms more after a
// slow run made the edit that followed a slow one slow too (a quarter of the slowest edits of a
// churn run had ~20 ms of holdoff on top of the slow run before them). More events than that
// during a run are a burst and wait out the holdoff as before. Events the loop takes in the turn
// a run that changed something ended in (before the loop's next check phase) count as events
// during that run: they were already waiting when it ended (a watcher's event that came while
// the run's synchronous part, the compile, held the thread is only read after it), and were
// otherwise held for the full holdoff after the run (the edit after a slow one, +20 ms).

export interface CoalescerOptions {
  holdoffMs?: number;
  maxDelayMs?: number;
  /** Delay for the first event after a quiet spell (default: the holdoff, i.e. no lead). */
  leadingMs?: number;
  /** Called when a run throws or rejects; the coalescer keeps working. */
  onError?: (err: unknown) => void;
}

/** Events during a run up to which the next run follows it after the leading delay. */
export const LONE_EVENTS_DURING_RUN = 4;

/** What a run resolves to: `false` when it changed nothing; anything else counts as a run. */
export type RunOutcome = void | boolean;

export class Coalescer {
  readonly holdoffMs: number;
  readonly maxDelayMs: number;
  readonly leadingMs: number;
  /** performance.now() when the last run ended (-Infinity before the first). */
  private lastRunEnded = -Infinity;
  /** performance.now() when the last run that changed something ended. */
  private lastChangeEnded = -Infinity;
  /** When an event last led right after a run that changed nothing (once per holdoff). */
  private lastExemptLead = -Infinity;
  private readonly run: () => RunOutcome | Promise<RunOutcome>;
  private readonly onError: (err: unknown) => void;
  private holdoffTimer: NodeJS.Timeout | undefined;
  /** The pending holdoff timer is the short leading one. */
  private leading = false;
  private maxTimer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private dirtyWhileRunning = false;
  /** Events (triggers) since the run in progress started. */
  private eventsWhileRunning = 0;
  /**
   * Set when a run that changed something ends, cleared at the loop's next check phase
   * (setImmediate): events taken meanwhile were waiting while it ran. With their count, which
   * starts at the events taken during the run.
   */
  private endedThisTurn = false;
  private eventsAtRunEnd = 0;
  private closed = false;

  constructor(run: () => RunOutcome | Promise<RunOutcome>, opts: CoalescerOptions = {}) {
    this.run = run;
    this.holdoffMs = opts.holdoffMs ?? 20;
    this.maxDelayMs = Math.max(opts.maxDelayMs ?? 200, this.holdoffMs);
    this.leadingMs = Math.min(opts.leadingMs ?? this.holdoffMs, this.holdoffMs);
    this.onError = opts.onError ?? (() => {});
  }

  /** Something changed: schedule a run. */
  trigger(): void {
    if (this.closed) return;
    if (this.running) {
      this.dirtyWhileRunning = true;
      this.eventsWhileRunning++;
      return;
    }
    if (this.endedThisTurn && this.leadingMs < this.holdoffMs) {
      // Taken in the turn the last run ended in: as if during it (a few lead, a burst waits).
      if (++this.eventsAtRunEnd <= LONE_EVENTS_DURING_RUN) {
        if (!(this.holdoffTimer && this.leading)) this.lead();
        return;
      }
      this.schedule(this.holdoffMs, false);
      return;
    }
    // Events within the leading delay join its run: the delay is what gathers them.
    if (this.holdoffTimer && this.leading) return;
    const now = performance.now();
    const runAgo = now - this.lastRunEnded;
    const quiet =
      !this.holdoffTimer &&
      now - this.lastChangeEnded >= this.holdoffMs &&
      (runAgo >= this.holdoffMs || now - this.lastExemptLead >= this.holdoffMs);
    if (quiet && runAgo < this.holdoffMs) this.lastExemptLead = now;
    this.schedule(quiet ? this.leadingMs : this.holdoffMs, quiet && this.leadingMs < this.holdoffMs);
  }

  /** True while a run is scheduled or in progress. */
  get pending(): boolean {
    return this.holdoffTimer !== undefined || this.running !== undefined || this.dirtyWhileRunning;
  }

  /** Run now if something is scheduled; resolves when the run (and any it queued) finished. */
  async flush(): Promise<void> {
    for (;;) {
      if (this.holdoffTimer) this.fire();
      if (!this.running) return;
      await this.running;
    }
  }

  /** Cancel what is scheduled and stop accepting triggers; waits for a run in progress. */
  async close(): Promise<void> {
    this.closed = true;
    this.clearTimers();
    this.dirtyWhileRunning = false;
    this.eventsWhileRunning = 0;
    while (this.running) await this.running;
  }

  private clearTimers(): void {
    if (this.holdoffTimer) clearTimeout(this.holdoffTimer);
    if (this.maxTimer) clearTimeout(this.maxTimer);
    this.holdoffTimer = undefined;
    this.maxTimer = undefined;
    this.leading = false;
  }

  /** The next run after the leading delay; events within it join it (as a quiet spell's lead). */
  private lead(): void {
    if (this.closed) return;
    this.schedule(this.leadingMs, true);
  }

  /** The next run in delayMs (replacing the one scheduled), and within maxDelayMs of the first event. */
  private schedule(delayMs: number, leading: boolean): void {
    if (this.holdoffTimer) clearTimeout(this.holdoffTimer);
    this.leading = leading;
    this.holdoffTimer = setTimeout(() => this.fire(), delayMs);
    this.maxTimer ??= setTimeout(() => this.fire(), this.maxDelayMs);
  }

  private fire(): void {
    this.clearTimers();
    this.eventsWhileRunning = 0;
    if (this.closed) return;
    this.running = this.invoke().then((changed) => {
      this.running = undefined;
      this.lastRunEnded = performance.now();
      if (changed) this.lastChangeEnded = this.lastRunEnded;
      if (this.dirtyWhileRunning) {
        const lone = this.eventsWhileRunning <= LONE_EVENTS_DURING_RUN;
        this.dirtyWhileRunning = false;
        if (lone && this.leadingMs < this.holdoffMs) this.lead();
        else this.trigger();
      }
      if (changed && !this.closed) {
        this.endedThisTurn = true;
        this.eventsAtRunEnd = this.eventsWhileRunning;
        setImmediate(() => (this.endedThisTurn = false));
      }
      this.eventsWhileRunning = 0;
    });
  }

  /** False when the run said it changed nothing; a run that threw counts as a run. */
  private async invoke(): Promise<boolean> {
    try {
      return (await this.run()) !== false;
    } catch (err) {
      this.onError(err);
      return true;
    }
  }
}
