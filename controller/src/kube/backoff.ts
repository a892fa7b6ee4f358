// The informers' retry delay: exponential from a floor up to a ceiling, with "equal jitter"
// (half the window fixed, half random), so retries of many informers spread out but none
// retries sooner than half its window. client-go's reflector uses the same shape
// (wait.Backoff{Duration: 800ms, Factor: 2, Jitter: 1, Cap: 30s}); Bascule keeps the ceiling at
// a few seconds because it runs a handful of replicas, not a fleet of kubelets, and it resets to
// the floor as soon as a watch is established again (see informer.ts).
export interface BackoffOptions {
  /** First window (default 250 ms). */
  floorMs?: number;
  /** Largest window (default 4 s). */
  ceilingMs?: number;
  random?: () => number;
}

export class Backoff {
  private attempt = 0;
  readonly floorMs: number;
  readonly ceilingMs: number;
  private readonly random: () => number;

  constructor(opts: BackoffOptions = {}) {
    this.floorMs = Math.max(1, opts.floorMs ?? 250);
    this.ceilingMs = Math.max(this.floorMs, opts.ceilingMs ?? 4000);
    this.random = opts.random ?? Math.random;
  }

  /**
   * The delay before the next attempt, in [window/2, window); each call doubles the window, up
   * to the ceiling (or a lower one for this attempt).
   */
  next(ceilingMs = this.ceilingMs): number {
    const window = Math.min(ceilingMs, this.ceilingMs, this.floorMs * 2 ** Math.min(this.attempt, 30));
    this.attempt++;
    return Math.max(1, Math.floor(window / 2 + (this.random() * window) / 2));
  }

  /** Back to the floor: the next failure is retried quickly again. */
  reset(): void {
    this.attempt = 0;
  }

  get attempts(): number {
    return this.attempt;
  }
}
