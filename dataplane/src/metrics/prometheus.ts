// Prometheus metrics of one dataplane. What must count from start-up counts here, on plain objects:
// the traffic table (TrafficStats) holds the counters, and the histograms below are observed as
// exchanges end and snapshots apply. prom-client (with @opentelemetry/api, which it loads, and
// Node's perf_hooks) loads with the first scrape (prometheus-series.ts), which makes the series
// from these: an idle dataplane nobody scrapes does not hold it (docs/memory.md). What only
// prom-client measures, its default process_* and nodejs_* metrics, starts then too: the CPU
// and memory figures are the process's own totals, but GC durations and the event-loop lag cover
// the time since the first scrape (docs/observability.md).
//
// The full list, with types and labels, is in docs/observability.md.
import type { Registry } from 'prom-client';
import type { TrafficRecord } from '../types/traffic.js';
import { LatencyHistogram } from './latency-histogram.js';
import type { PrometheusSeries } from './prometheus-series.js';
import type { TrafficStats } from './stats.js';
import type { DataplaneView } from './view.js';

/** Seconds: from sub-millisecond loopback answers to slow servers. */
export const LATENCY_BUCKETS = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
];
export const APPLY_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/** prom-client's text exposition format (Registry.contentType). */
const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export interface DataplaneMetricsOptions {
  /** process_* and nodejs_* metrics (default true). */
  processMetrics?: boolean;
}

/** The histograms observed from start-up; the series register them with the first scrape. */
export interface ObservedHistograms {
  readonly feDuration: LatencyHistogram<'frontend'>;
  readonly beResponseTime: LatencyHistogram<'backend'>;
  readonly beQueueTime: LatencyHistogram<'backend'>;
  readonly snapDuration: LatencyHistogram<never>;
}

export class DataplaneMetrics implements ObservedHistograms {
  /**
   * The per-request latency histograms: an observation is a bucket increment on the frontend's
   * or backend's own object (latency-histogram.ts), without a labels object to build and hash.
   */
  readonly feDuration = new LatencyHistogram(
    'bascule_frontend_request_duration_seconds',
    'Total time of HTTP requests (Ta: request received to last byte sent; for WebSocket, the tunnel lifetime).',
    'frontend',
    LATENCY_BUCKETS,
  );
  readonly beResponseTime = new LatencyHistogram(
    'bascule_backend_response_time_seconds',
    'From the first connection attempt to a server until its response head arrived (Tc+Tr: connect, retries and server time; queue time excluded).',
    'backend',
    LATENCY_BUCKETS,
  );
  readonly beQueueTime = new LatencyHistogram(
    'bascule_backend_queue_time_seconds',
    'Time requests that had to wait spent in the backend queue (Tw).',
    'backend',
    LATENCY_BUCKETS,
  );
  readonly snapDuration = new LatencyHistogram<never>(
    'bascule_snapshot_apply_duration_seconds',
    'Time to apply a new snapshot: verify, validate, build beside the live one, open listeners, swap, persist.',
    null,
    APPLY_BUCKETS,
  );
  private series: PrometheusSeries | undefined;
  private loading: Promise<PrometheusSeries> | undefined;

  constructor(
    private readonly view: DataplaneView,
    private readonly stats: TrafficStats,
    private readonly opts: DataplaneMetricsOptions = {},
  ) {}

  /** An exchange ended: observe its latencies. */
  observe(r: TrafficRecord): void {
    if (r.type !== 'tcp' && r.Ta >= 0) this.feDuration.child(r.frontend).observe(r.Ta / 1000);
    if (r.backend === null) return;
    if (r.type !== 'tcp' && r.serverStatus !== null && r.Tc >= 0 && r.Tr >= 0)
      this.beResponseTime.child(r.backend).observe((r.Tc + r.Tr) / 1000);
    if (r.Tw > 0) this.beQueueTime.child(r.backend).observe(r.Tw / 1000);
  }

  applyDuration(ms: number): void {
    this.snapDuration.child('').observe(ms / 1000);
  }

  /** The exposition, refreshed from the live runtime and the traffic table. */
  async render(): Promise<string> {
    return (await this.load()).render();
  }

  /** The prom-client registry, once render() has made it (workers send its JSON to their primary). */
  get registry(): Registry {
    if (!this.series) throw new Error('the Prometheus series are made by the first render()');
    return this.series.registry;
  }

  get contentType(): string {
    return this.series?.registry.contentType ?? CONTENT_TYPE;
  }

  private load(): Promise<PrometheusSeries> {
    this.loading ??= import('./prometheus-series.js').then(
      ({ PrometheusSeries }) => (this.series = new PrometheusSeries(this.view, this.stats, this, this.opts)),
    );
    return this.loading;
  }
}
