// A paced client loop through a dataplane (~50 requests/s by default, 127.0.0.1 only): counts
// every answer and failure, and remembers when each value of a response header
// was first seen, so a test learns when an edit reached the data path without polling for it.
import { Agent, request } from 'node:http';

export interface LoadCounts {
  sent: number;
  ok: number;
  /** Connection errors, timeouts and non-2xx answers. */
  failed: number;
  /** Failures by cause (ECONNREFUSED, HTTP 503, timeout, …). */
  causes: Record<string, number>;
}

export interface LoadLoopOptions {
  port: number;
  /** Requests per second (default 50). */
  rps?: number;
  /** Per-request timeout (default 2 s). */
  timeoutMs?: number;
  /** Response header whose values are tracked (lower case). */
  trackHeader?: string;
  /** Upper bound on requests sent, whatever happens (default 60 000: 20 min at 50/s). */
  maxRequests?: number;
}

export interface LoadWindow {
  /** Counts since the window opened. */
  counts(): LoadCounts;
}

export class LoadLoop {
  // A connection per request: every request also proves the listener accepts, and no request
  // can race the server closing an idle keep-alive connection (a client-side artefact).
  private readonly agent = new Agent({ keepAlive: false, maxSockets: 64 });
  private readonly total: LoadCounts = { sent: 0, ok: 0, failed: 0, causes: {} };
  private readonly firstSeen = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private inFlight = 0;
  private idle: (() => void) | undefined;

  constructor(private readonly o: LoadLoopOptions) {}

  start(): void {
    const every = Math.max(1, Math.round(1000 / (this.o.rps ?? 50)));
    this.timer = setInterval(() => this.fire(), every);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    if (this.inFlight > 0) await new Promise<void>((resolve) => (this.idle = resolve));
    this.agent.destroy();
  }

  /** Opens a window: its counts are those since now. */
  window(): LoadWindow {
    const base = structuredClone(this.total);
    return {
      counts: () => {
        const causes: Record<string, number> = {};
        for (const [k, v] of Object.entries(this.total.causes)) {
          const d = v - (base.causes[k] ?? 0);
          if (d > 0) causes[k] = d;
        }
        return {
          sent: this.total.sent - base.sent,
          ok: this.total.ok - base.ok,
          failed: this.total.failed - base.failed,
          causes,
        };
      },
    };
  }

  /** When a response first carried this value of the tracked header (ms, performance.now()). */
  seenAt(value: string): number | undefined {
    return this.firstSeen.get(value);
  }

  /** Resolves when the tracked header first carries `value`; rejects after timeoutMs. */
  async waitSeen(value: string, timeoutMs: number): Promise<number> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const at = this.firstSeen.get(value);
      if (at !== undefined) return at;
      if (performance.now() > deadline)
        throw new Error(`no response carried ${this.o.trackHeader}: ${value} within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  get counts(): LoadCounts {
    return structuredClone(this.total);
  }

  private fire(): void {
    if (this.total.sent >= (this.o.maxRequests ?? 60_000)) return clearInterval(this.timer);
    this.total.sent++;
    this.inFlight++;
    let done = false;
    const finish = (cause: string | null) => {
      if (done) return;
      done = true;
      this.inFlight--;
      if (cause === null) this.total.ok++;
      else {
        this.total.failed++;
        this.total.causes[cause] = (this.total.causes[cause] ?? 0) + 1;
      }
      if (this.inFlight === 0) this.idle?.();
    };
    const req = request(
      {
        host: '127.0.0.1',
        port: this.o.port,
        path: '/',
        agent: this.agent,
        timeout: this.o.timeoutMs ?? 2000,
      },
      (res) => {
        const header = this.o.trackHeader ? res.headers[this.o.trackHeader] : undefined;
        if (typeof header === 'string' && !this.firstSeen.has(header))
          this.firstSeen.set(header, performance.now());
        res.resume();
        res.on('end', () => finish(res.statusCode && res.statusCode < 300 ? null : `HTTP ${res.statusCode}`));
        res.on('error', (err) => finish((err as NodeJS.ErrnoException).code ?? err.message));
      },
    );
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'timeout' })));
    req.on('error', (err) => finish((err as NodeJS.ErrnoException).code ?? err.message));
    req.end();
  }
}
