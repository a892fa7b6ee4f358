// A Prometheus histogram with one label (frontend or backend id), or none, whose observations are
// plain increments on a per-id object: the request path never builds a labels object or a hash
// key. prom-client's own Histogram does both on every observe(), even through a labelled child.
// It needs no prom-client to observe (prom-client loads with the first scrape: prometheus.ts);
// once registered on a prom-client Registry it serves the Registry's metric contract (name, help,
// type, aggregator, get()) and exports exactly what a prom-client Histogram would: cumulative
// `_bucket` series with `le` first, then `+Inf`, `_sum` and `_count`, so the exposition, the
// JSON that workers send their primary, and prom-client's AggregatorRegistry all stay the same.
import type { MetricValueWithName, Registry } from 'prom-client';

/** The observations of one label value. */
export class LatencyBuckets {
  /** Observations per bucket (not cumulative); the last slot counts those above every bound. */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(private readonly bounds: readonly number[]) {
    this.counts = new Float64Array(bounds.length + 1);
  }

  observe(value: number): void {
    const b = this.bounds;
    let i = 0;
    while (i < b.length && value > b[i]!) i++;
    this.counts[i]!++;
    this.sum += value;
    this.count++;
  }
}

type Value = MetricValueWithName<string> & { sharedLabels?: Record<string, string>; exemplar?: null };

export class LatencyHistogram<L extends string> {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly children = new Map<string, LatencyBuckets>();
  /** As on prom-client metrics (the metric catalogue reads it). */
  readonly labelNames: readonly L[];

  /** `label` null: a histogram without labels, exported (like prom-client's) before any observation. */
  constructor(
    readonly name: string,
    readonly help: string,
    private readonly label: L | null,
    private readonly bounds: readonly number[],
  ) {
    this.labelNames = label === null ? [] : [label];
    if (label === null) this.child('');
  }

  register(registry: Registry): this {
    registry.registerMetric(this as unknown as Parameters<Registry['registerMetric']>[0]);
    return this;
  }

  /** The label value looked up last and its buckets: consecutive requests mostly share it. */
  private lastId: string | undefined;
  private last: LatencyBuckets | undefined;

  /** The buckets of one label value (made on first use, then kept). */
  child(id: string): LatencyBuckets {
    if (id === this.lastId) return this.last!;
    let c = this.children.get(id);
    if (!c) this.children.set(id, (c = new LatencyBuckets(this.bounds)));
    this.lastId = id;
    this.last = c;
    return c;
  }

  /** Forgets a label value (its object left the configuration). */
  remove(id: string): void {
    this.children.delete(id);
    if (id === this.lastId) this.lastId = this.last = undefined;
  }

  /** What Registry.metrics() formats: `le` in `labels`, the id in `sharedLabels` (prom-client's order). */
  getForPromString(): { name: string; help: string; type: string; values: Value[]; aggregator: string } {
    const values: Value[] = [];
    const bucket = `${this.name}_bucket`;
    for (const [id, c] of this.children) {
      const shared: Record<string, string> = this.label === null ? {} : { [this.label]: id };
      let acc = 0;
      for (let i = 0; i < this.bounds.length; i++) {
        acc += c.counts[i]!;
        values.push({
          labels: { le: this.bounds[i]! },
          sharedLabels: shared,
          value: acc,
          metricName: bucket,
          exemplar: null,
        });
      }
      values.push({
        labels: { le: '+Inf' },
        sharedLabels: shared,
        value: c.count,
        metricName: bucket,
        exemplar: null,
      });
      values.push({ labels: {}, sharedLabels: shared, value: c.sum, metricName: `${this.name}_sum` });
      values.push({ labels: {}, sharedLabels: shared, value: c.count, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }

  /** The JSON form (Registry.getMetricsAsJSON, the workers' aggregation): labels merged. */
  get(): { name: string; help: string; type: string; values: Value[]; aggregator: string } {
    const data = this.getForPromString();
    data.values = data.values.map(({ sharedLabels, labels, ...rest }) => ({
      ...rest,
      labels: { ...labels, ...sharedLabels },
    }));
    return data;
  }

  /** Histograms accumulate: a scrape does not reset them. */
  reset(): void {}
}
