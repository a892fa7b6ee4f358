// The multi-worker serving core (`--workers N`, N > 1): the primary process keeps the control
// channel, the applier, health checks, the runtime API and the admin endpoint; N workers serve
// traffic on shared listeners. See docs/workers.md.
import type { Logger } from 'pino';
import type { ServerHealth } from '#protocol/messages';
import { buildStats, type StatsDocument, type WorkerSummary } from '../admin/stats-model.js';
import { notify } from '../runtime/passive-health.js';
import type { Observability } from '../observability.js';
import type { ListenerInfo } from '../serving/listener.js';
import type { ServingCore } from './serving-core.js';
import type { Runtime } from '../runtime/types.js';
import { aggregateMetrics, WorkerMetrics, type MetricsJson } from './aggregate-metrics.js';
import { aggregateStats, workerLoad } from './aggregate-stats.js';
import { listenSharing } from './listen-sharing.js';
import type { ObservationRun, PrimaryMessage, WorkerTestHooks } from './messages.js';
import { PrimaryRuntime } from './primary-runtime.js';
import { TwoPhaseApply } from './two-phase-apply.js';
import { WorkerPool, type WorkerSlot } from './worker-pool.js';

/** Admin queries are quick; a worker that does not answer in time is shown without numbers. */
const QUERY_TIMEOUT_MS = 5_000;

export interface WorkerCoreOptions {
  readonly workers: number;
  readonly log: Logger;
  readonly nodeId: string;
  readonly group: string;
  readonly bindAddress?: string;
  /** The primary's observability: its stats and metrics are merged with the workers'. */
  readonly obs: Observability;
  readonly accessLog?: { format?: 'json' | 'text' | 'off'; destination?: string };
  readonly processMetrics?: boolean;
  /** Each worker flushes start-up's compiled code once its first snapshot is live (`bascule dataplane`). */
  readonly flushStartupCode?: boolean;
  readonly onSwap: (rt: Runtime) => void;
  /** Test-only, explicit: make one worker reject given versions. */
  readonly testHooks?: { readonly rejectInWorker?: { readonly worker: number } & WorkerTestHooks };
}

interface WorkerStatus {
  listeners: ListenerInfo[];
  version: string | null;
}

export class WorkerCore implements ServingCore {
  private readonly primary: PrimaryRuntime;
  private readonly pool: WorkerPool;
  readonly target: TwoPhaseApply;
  private readonly workerMetrics = new WorkerMetrics();
  private readonly reusePort: boolean;
  private lastStatus = new Map<number, WorkerStatus>();
  private lastLoad = new Map<number, ReturnType<typeof workerLoad>>();

  constructor(private readonly opts: WorkerCoreOptions) {
    this.reusePort = listenSharing() === 'reuseport';
    this.primary = new PrimaryRuntime(opts.log, opts.onSwap);
    this.target = new TwoPhaseApply(this.primary, () => this.pool, opts.log);
    this.pool = new WorkerPool({
      count: opts.workers,
      log: opts.log,
      initialize: (slot) => this.target.exclusive(() => this.initialize(slot)),
      onObservations: (servers) => this.observed(servers),
    });
  }

  runtime(): Runtime {
    return this.primary.runtime;
  }

  appliedAt(): number | null {
    return this.primary.appliedAt;
  }

  async start(): Promise<void> {
    this.opts.log.info(
      { workers: this.opts.workers, listenSharing: this.reusePort ? 'reuseport' : 'shared-handle' },
      'starting workers',
    );
    try {
      await this.pool.start();
    } catch (err) {
      await this.pool.close();
      throw err;
    }
  }

  private async initialize(slot: WorkerSlot): Promise<void> {
    const rt = this.primary.runtime;
    const hooks = this.opts.testHooks?.rejectInWorker;
    const init: Extract<PrimaryMessage, { type: 'init' }> = {
      type: 'init',
      worker: slot.id,
      nodeId: this.opts.nodeId,
      group: this.opts.group,
      snapshot: rt.snapshot ? { version: rt.snapshot.version, body: rt.snapshot.body } : null,
      verdicts: this.primary.verdicts(),
      overrides: this.primary.overrides(),
      reusePort: this.reusePort,
      logLevel: this.opts.log.level,
      logName: String(this.opts.log.bindings().name ?? 'bascule-dataplane'),
      ...(this.opts.bindAddress ? { bindAddress: this.opts.bindAddress } : {}),
      ...(this.opts.accessLog ? { accessLog: this.opts.accessLog } : {}),
      ...(this.opts.processMetrics !== undefined ? { processMetrics: this.opts.processMetrics } : {}),
      ...(this.opts.flushStartupCode ? { flushStartupCode: true } : {}),
      ...(hooks && hooks.worker === slot.id
        ? { testHooks: { rejectVersions: hooks.rejectVersions ?? [] } }
        : {}),
    };
    await this.pool.handshake(slot, init);
  }

  /** Health transitions decided here reach every worker in the same tick. */
  verdictsChanged(servers: readonly ServerHealth[]): void {
    const keys = servers.map((s) => `${s.backend}|${s.server}|${s.address}`);
    const rows = this.primary.verdicts(keys);
    if (rows.length > 0) this.pool.broadcast({ type: 'verdicts', servers: rows });
  }

  overridesChanged(): void {
    this.pool.broadcast({ type: 'overrides', servers: this.primary.overrides() });
  }

  /** What every worker's traffic saw on servers under passive checks, counted here as one. */
  private observed(servers: Readonly<Record<string, readonly ObservationRun[]>>): void {
    for (const [key, runs] of Object.entries(servers)) {
      const s = this.primary.server(key);
      if (!s) continue; // left the configuration meanwhile
      for (const run of runs)
        for (let i = 0; i < run.count; i++)
          notify(s.state, { layer: run.layer, failed: run.failed, what: run.what });
    }
  }

  private async queryAll<T>(what: 'stats' | 'status' | 'metrics'): Promise<Array<T | undefined>> {
    return Promise.all(
      this.pool.slots.map((slot) =>
        slot.state === 'ready'
          ? (this.pool.request(slot, { type: 'query', what }, QUERY_TIMEOUT_MS) as Promise<T>).catch(
              () => undefined,
            )
          : Promise.resolve(undefined),
      ),
    );
  }

  private async queryOne<T>(worker: number, what: 'stats' | 'metrics'): Promise<T | undefined> {
    const slot = this.pool.slots[worker - 1];
    if (!slot || slot.state !== 'ready') return undefined;
    return (await this.pool.request(slot, { type: 'query', what }, QUERY_TIMEOUT_MS)) as T;
  }

  async refresh(): Promise<void> {
    const statuses = await this.queryAll<WorkerStatus>('status');
    this.lastStatus = new Map();
    statuses.forEach((s, i) => s && this.lastStatus.set(i + 1, s));
  }

  /** Every bind, with the connections of all workers summed (as of the last refresh). */
  listeners(): ListenerInfo[] {
    const byBind = new Map<string, ListenerInfo>();
    for (const st of this.lastStatus.values())
      for (const l of st.listeners) {
        const seen = byBind.get(l.bind);
        if (!seen) byBind.set(l.bind, { ...l });
        else
          byBind.set(l.bind, {
            ...seen,
            connections: seen.connections + l.connections,
            held: seen.held + l.held,
          });
      }
    return [...byBind.values()];
  }

  workers(): WorkerSummary[] {
    return this.pool.info().map((w) => {
      const st = this.lastStatus.get(w.id);
      const load = this.lastLoad.get(w.id);
      return {
        ...w,
        version: w.state === 'ready' ? (st?.version ?? load?.version ?? null) : null,
        connections: st ? st.listeners.reduce((n, l) => n + l.connections, 0) : (load?.connections ?? 0),
        requests: load?.requests ?? 0,
      };
    });
  }

  readonly aggregate = {
    stats: async (worker: number | undefined): Promise<StatsDocument | undefined> => {
      if (worker !== undefined) {
        const doc = await this.queryOne<StatsDocument>(worker, 'stats');
        return doc && { ...doc, workers: this.workers().filter((w) => w.id === worker) };
      }
      const [docs] = await Promise.all([this.queryAll<StatsDocument>('stats'), this.refresh()]);
      this.lastLoad = new Map(docs.map((d, i) => [i + 1, workerLoad(d)]));
      const mine = buildStats(this.opts.obs.view, this.opts.obs.stats);
      return aggregateStats(mine, docs, this.workers());
    },
    metrics: async (worker: number | undefined): Promise<string | undefined> => {
      if (worker !== undefined) {
        const doc = await this.queryOne<MetricsJson>(worker, 'metrics');
        return doc && aggregateMetrics([doc]);
      }
      await this.opts.obs.metrics.render(); // refreshes the primary's series
      const mine = (await this.opts.obs.metrics.registry.getMetricsAsJSON()) as unknown as MetricsJson;
      const docs = await this.queryAll<MetricsJson>('metrics');
      const workers = await this.workerMetrics.json(this.pool.info());
      return aggregateMetrics([mine, ...docs.flatMap((d) => (d ? [d] : [])), workers]);
    },
  };

  async drain(timeoutMs: number): Promise<void> {
    await this.pool.drain(timeoutMs);
  }

  async close(): Promise<void> {
    await this.pool.close();
    this.primary.close();
  }
}
