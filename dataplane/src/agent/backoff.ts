// Exponential backoff with full jitter (AWS architecture blog, "Exponential Backoff And Jitter"):
// delay = random(0, min(cap, base * 2^attempt)). Spreads a fleet's reconnects after a controller
// restart instead of stampeding it.
export interface BackoffOptions {
  baseMs?: number;
  capMs?: number;
  random?: () => number;
}

export class Backoff {
  private attempt = 0;
  private readonly baseMs: number;
  private readonly capMs: number;
  private readonly random: () => number;

  constructor(opts: BackoffOptions = {}) {
    this.baseMs = opts.baseMs ?? 100;
    this.capMs = opts.capMs ?? 5000;
    this.random = opts.random ?? Math.random;
  }

  /** The delay before the next attempt; each call widens the window up to the cap. */
  next(): number {
    const ceiling = Math.min(this.capMs, this.baseMs * 2 ** Math.min(this.attempt, 30));
    this.attempt++;
    return Math.floor(this.random() * ceiling);
  }

  reset(): void {
    this.attempt = 0;
  }

  get attempts(): number {
    return this.attempt;
  }
}
