// Prometheus metrics of a multi-worker dataplane: every worker's registry (traffic counters,
// histograms, its process metrics) and the primary's (health checks, verdicts, overrides,
// snapshot applies, its process metrics) merged with prom-client's AggregatorRegistry.
// Counters and histograms are summed; so are process_cpu_seconds_total and memory (the whole
// dataplane's). Series that describe the dataplane rather than traffic are the same in every
// process and are taken from the primary, which comes first.
// prom-client loads with the first scrape (metrics/prometheus.ts says why), here too.
import type { Counter, Gauge, Registry } from 'prom-client';
import type { WorkerInfo } from './worker-pool.js';

/** Same in every process: taken from the primary (its document is first). */
const FROM_PRIMARY = new Set([
  'bascule_server_up',
  'bascule_server_state',
  'bascule_server_runtime_override',
  'bascule_server_weight',
  'bascule_server_connection_limit',
  'bascule_backend_up',
  'bascule_backend_active_servers',
  'bascule_backend_backup_servers',
  'bascule_dataplane_info',
  'bascule_snapshot_info',
  'bascule_snapshot_applied_timestamp_seconds',
  'bascule_control_channel_connected',
  'bascule_runtime_overrides',
]);

/** What Registry.getMetricsAsJSON() returns (it crosses the IPC channel as JSON). */
export type MetricsJson = Array<{ name: string; aggregator?: string } & Record<string, unknown>>;

interface WorkerSeries {
  registry: Registry;
  workers: Gauge<'state'>;
  restarts: Counter<'worker'>;
  up: Gauge<'worker'>;
}

/** Worker processes: how many run, and how often each was restarted (made with the first scrape). */
export class WorkerMetrics {
  private series: Promise<WorkerSeries> | undefined;

  /** The registry of these series (made on first use). */
  async registry(): Promise<Registry> {
    return (await this.load()).registry;
  }

  private load(): Promise<WorkerSeries> {
    this.series ??= import('prom-client').then(({ Counter, Gauge, Registry }) => {
      const registry = new Registry();
      return {
        registry,
        workers: new Gauge({
          name: 'bascule_workers',
          help: 'Worker processes of the dataplane, by state (ready: serving; starting; exited: waiting for its restart).',
          labelNames: ['state'],
          registers: [registry],
        }),
        restarts: new Counter({
          name: 'bascule_worker_restarts_total',
          help: 'Worker processes restarted after they exited unexpectedly (crash, kill), by worker slot.',
          labelNames: ['worker'],
          registers: [registry],
        }),
        up: new Gauge({
          name: 'bascule_worker_up',
          help: '1 while the worker in this slot serves traffic, else 0.',
          labelNames: ['worker'],
          registers: [registry],
        }),
      };
    });
    return this.series;
  }

  async json(workers: readonly WorkerInfo[]): Promise<MetricsJson> {
    const m = await this.load();
    m.workers.reset();
    m.restarts.reset();
    m.up.reset();
    for (const state of ['ready', 'starting', 'exited'] as const)
      m.workers.set({ state }, workers.filter((w) => w.state === state).length);
    for (const w of workers) {
      m.restarts.inc({ worker: String(w.id) }, w.restarts);
      m.up.set({ worker: String(w.id) }, w.state === 'ready' ? 1 : 0);
    }
    return (await m.registry.getMetricsAsJSON()) as unknown as MetricsJson;
  }
}

/** One exposition from several registries' JSON (primary first). */
export async function aggregateMetrics(docs: readonly MetricsJson[]): Promise<string> {
  const marked = docs.map((doc) =>
    doc.map((m) => (FROM_PRIMARY.has(m.name) ? { ...m, aggregator: 'first' as const } : m)),
  );
  const { AggregatorRegistry } = await import('prom-client');
  return AggregatorRegistry.aggregate(marked).metrics();
}
