// The one store every source writes into and the one coalescer that batches their events into
// builds. A source writes records into `store` and calls trigger(); the feed runs each attached
// source's refresh step, builds the input once the burst is over (holdoff ~20 ms, at most
// ~200 ms after its first event) and emits it when it differs from the last one. Nothing
// downstream knows which source ran, or how many.
import { EventEmitter } from 'node:events';
import type { CompileInput } from '../compile/types.js';
import { silentLogger, type Logger } from '../log.js';
import { Coalescer } from './coalescer.js';
import { ResourceStore } from './store.js';

/** What a source does in each batch, around the build. */
export interface FeedStep {
  /**
   * Runs first: read what the events pointed at, reconcile watches (the source's I/O). Returns
   * a delay in ms to postpone the build (the store is knowingly incomplete), or nothing.
   */
  refresh?(): Promise<number | void> | number | void;
  /**
   * Adjusts the built input (the directory source resolves certFile/keyFile into Secrets);
   * returns the very same object when it changes nothing.
   */
  finish?(input: CompileInput): Promise<CompileInput> | CompileInput;
}

export interface StoreFeedOptions {
  holdoffMs?: number;
  maxDelayMs?: number;
  logger?: Logger;
  /**
   * Resolves at a moment no edit is on its way (the controller's pipeline/background-gate.ts);
   * sources wait for it before background work of their own (whenQuiet()). Absent: at once.
   */
  whenQuiet?: () => Promise<void>;
  /** Read at each batch's start (BatchTiming.startClock); absent: not read. */
  clock?: () => BatchClock;
}

/** When and how long the stages of the last batch took (logged with what it published). */
export interface BatchTiming {
  /** The first event of the batch (a watcher's or an informer's), epoch ms. */
  firstEventAt: number;
  /** From that event to the start of the batch: holdoff, and a run still in progress. */
  queuedMs: number;
  /** The sources' refresh steps (reading changed files, reconciling watches). */
  readMs: number;
  /** Building the compile input from the store, and the sources' finish steps. */
  buildMs: number;
  /**
   * At the batch's start: the thread's scheduler counters and the process's CPU time (all
   * threads), so what publishes it can say how long the batch waited for a CPU.
   */
  startClock?: BatchClock;
}

/** A thread's scheduler counters, ns (metrics/thread-clock.ts reads them). */
export interface ThreadClock {
  /** On a CPU. */
  runNs: number;
  /** Ready to run, waiting for a CPU. */
  waitNs: number;
}

/** The batch's thread's counters (undefined where they cannot be read) and the process's CPU. */
export interface BatchClock {
  thread: ThreadClock | undefined;
  cpu: NodeJS.CpuUsage;
}

export interface StoreFeedEvents {
  /** The input changed. Carries the full new input (sorted, deterministic). */
  change: [input: CompileInput];
}

export class StoreFeed extends EventEmitter<StoreFeedEvents> {
  readonly store = new ResourceStore();
  private readonly coalescer: Coalescer;
  private readonly steps = new Set<FeedStep>();
  private input: CompileInput;
  private retry: NodeJS.Timeout | undefined;
  private closed = false;
  /** The first event not yet taken by a batch (epoch ms). */
  private firstEventAt: number | undefined;
  private timing: BatchTiming | undefined;
  private readonly quiet: (() => Promise<void>) | undefined;
  private readonly clock: (() => BatchClock) | undefined;

  constructor(opts: StoreFeedOptions = {}) {
    super();
    this.quiet = opts.whenQuiet;
    this.clock = opts.clock;
    const log = opts.logger ?? silentLogger();
    this.input = this.store.build();
    this.coalescer = new Coalescer(() => this.run(), {
      holdoffMs: opts.holdoffMs ?? 20,
      maxDelayMs: opts.maxDelayMs ?? 200,
      // One edit after a quiet spell is built at once (1 ms gathers the events of one write).
      leadingMs: Math.min(1, opts.holdoffMs ?? 20),
      onError: (err) => log.error({ err }, 'building the input from the store failed'),
    });
  }

  /** A source takes part in every batch until the returned function is called. */
  attach(step: FeedStep): () => void {
    this.steps.add(step);
    return () => void this.steps.delete(step);
  }

  /** Something changed: schedule a batch. */
  trigger(): void {
    this.firstEventAt ??= Date.now();
    this.coalescer.trigger();
  }

  /** A batch is scheduled or running (an event not yet built into an input). */
  get pending(): boolean {
    return this.coalescer.pending;
  }

  /**
   * For a source's background work (the directory's safety walk): resolves at a moment no edit
   * is on its way, or after the controller's bound on that wait; at once without a controller.
   */
  whenQuiet(): Promise<void> {
    return this.quiet ? this.quiet() : Promise.resolve();
  }

  /** The stages of the batch that produced the current input; undefined before the first. */
  get lastTiming(): BatchTiming | undefined {
    return this.timing;
  }

  /** Run the scheduled batch now; resolves when it (and any it queued) finished. */
  flush(): Promise<void> {
    return this.coalescer.flush();
  }

  /** The latest input: sorted, deterministic, safe to compile as is. */
  current(): CompileInput {
    return this.input;
  }

  /** No batch runs and nothing is emitted once this resolves. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retry);
    await this.coalescer.close();
  }

  /** False when the batch found nothing new (the coalescer's quiet spell goes on). */
  private async run(): Promise<boolean> {
    const started = Date.now();
    const startClock = this.clock?.();
    const firstEventAt = this.firstEventAt ?? started;
    // Events from here on belong to the next batch.
    this.firstEventAt = undefined;
    for (const step of this.steps) {
      const delayMs = await step.refresh?.();
      if (this.closed) return true;
      if (delayMs && delayMs > 0) {
        this.firstEventAt ??= firstEventAt;
        clearTimeout(this.retry);
        this.retry = setTimeout(() => this.trigger(), delayMs);
        return true;
      }
    }
    const read = Date.now();
    let input = this.store.build();
    for (const step of this.steps) if (step.finish) input = await step.finish(input);
    if (this.closed) return true;
    // Nothing new (a file touched, not changed; a write seen half done and deferred).
    if (input === this.input) return false;
    this.input = input;
    this.timing = {
      firstEventAt,
      queuedMs: started - firstEventAt,
      readMs: read - started,
      buildMs: Date.now() - read,
      ...(startClock ? { startClock } : {}),
    };
    this.emit('change', input);
    return true;
  }
}
