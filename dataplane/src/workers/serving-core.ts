// What serves traffic in a dataplane, as the rest of it (agent, health checks, admin) sees it:
// one in-process engine, or N worker processes behind a primary (worker-core.ts). Both take
// snapshots through the same serialized applier and expose the same read side.
import type { Logger } from 'pino';
import type { ServerHealth } from '#protocol/messages';
import type { SnapshotTarget } from '../agent/apply.js';
import type { StatsDocument, WorkerSummary } from '../admin/stats-model.js';
import type { TrafficEvents } from '../types/traffic.js';
import { Engine } from '../serving/engine.js';
import type { ListenerInfo } from '../serving/listener.js';
import type { Runtime } from '../runtime/types.js';

export interface ServingCore {
  /** Where the applier sends verified, validated snapshots. */
  readonly target: SnapshotTarget;
  /** The live runtime of this process (health checks and overrides act on it). */
  runtime(): Runtime;
  appliedAt(): number | null;
  listeners(): ListenerInfo[];
  /** Starts serving (forks workers); before any snapshot is applied. */
  start(): Promise<void>;
  /** Health verdicts changed in this process (transitions): copy them where traffic runs. */
  verdictsChanged(servers: readonly ServerHealth[]): void;
  /** Runtime overrides changed in this process (admin API). */
  overridesChanged(): void;
  /** Refreshes what listeners() and workers() report (asks the workers); no-op in process. */
  refresh(): Promise<void>;
  /** Multi-worker only: the whole dataplane's stats and metrics, or one worker's. */
  readonly aggregate?: {
    stats(worker: number | undefined): Promise<StatsDocument | undefined>;
    metrics(worker: number | undefined): Promise<string | undefined>;
  };
  /** Multi-worker only: every worker slot, for /status. */
  workers?(): WorkerSummary[];
  /**
   * Graceful stop: listeners stop accepting, requests in flight finish, idle connections close;
   * whatever is still open after `timeoutMs` is cut. Then close() has nothing left to do.
   */
  drain(timeoutMs: number): Promise<void>;
  close(): Promise<void>;
}

/** One event loop: the engine serves traffic in this process. */
export class InProcessCore implements ServingCore {
  readonly engine: Engine;

  constructor(
    log: Logger,
    opts: { bindAddress?: string; events: TrafficEvents; onSwap: (rt: Runtime) => void },
  ) {
    this.engine = new Engine(log, opts);
  }

  get target(): SnapshotTarget {
    return this.engine;
  }

  runtime(): Runtime {
    return this.engine.runtime;
  }

  appliedAt(): number | null {
    return this.engine.appliedAt;
  }

  listeners(): ListenerInfo[] {
    return this.engine.listenerInfo();
  }

  async start(): Promise<void> {}
  verdictsChanged(): void {} // the engine's server states are the ones the checker writes
  overridesChanged(): void {}
  async refresh(): Promise<void> {}

  async drain(timeoutMs: number): Promise<void> {
    await this.engine.drain(timeoutMs);
  }

  async close(): Promise<void> {
    this.engine.close();
  }
}
