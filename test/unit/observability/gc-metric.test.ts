// nodejs_gc_duration_seconds counts every garbage collection (metrics/process-metrics.ts), where
// prom-client's own observer counts one per batch of performance entries. Differential: forced
// collections made back to back reach the observers in one batch; the histogram must count as
// many as an independent PerformanceObserver sees, by kind, and prom-client's stock registry
// (collectDefaultMetrics) shows the undercount this replaces.
import { expect } from 'chai';
import { PerformanceObserver, constants } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { collectProcessMetrics } from '#dataplane/metrics/process-metrics';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** The count of `nodejs_gc_duration_seconds` for kind="major" in a registry's JSON. */
async function majorCount(registry: Registry): Promise<number> {
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === 'nodejs_gc_duration_seconds');
  expect(metric, 'nodejs_gc_duration_seconds registered').to.not.equal(undefined);
  const count = metric!.values.find(
    (v) =>
      (v as { metricName?: string }).metricName === 'nodejs_gc_duration_seconds_count' &&
      v.labels.kind === 'major',
  );
  return count?.value ?? 0;
}

/** Waits until the performance timeline has delivered what was made so far. */
async function delivered(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((r) => setTimeout(r, 20));
}

describe('nodejs_gc_duration_seconds', () => {
  it('counts every collection of a batch, as an independent observer sees them', async () => {
    const ours = new Registry();
    collectProcessMetrics(ours);
    const stock = new Registry();
    collectDefaultMetrics({ register: stock });

    let seen = 0;
    const witness = new PerformanceObserver((list) => {
      for (const e of list.getEntries())
        if ((e as { detail?: { kind?: number } | null }).detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR)
          seen++;
    });
    witness.observe({ entryTypes: ['gc'] });
    try {
      await delivered();
      const ours0 = await majorCount(ours);
      const stock0 = await majorCount(stock);
      seen = 0;
      const forced = 6;
      for (let i = 0; i < forced; i++) gc(); // one turn: one delivery to each observer
      await delivered();
      expect(seen, 'the witness saw the forced collections').to.be.at.least(forced);
      expect((await majorCount(ours)) - ours0).to.equal(seen);
      // prom-client 15's observer takes only the first entry of the batch.
      expect((await majorCount(stock)) - stock0).to.be.below(seen);
    } finally {
      witness.disconnect();
    }
  });

  it('keeps prom-client exposition: one family, its buckets and the kind label', async () => {
    const registry = new Registry();
    collectProcessMetrics(registry);
    gc();
    await delivered();
    const text = await registry.metrics();
    expect(text.match(/^# TYPE nodejs_gc_duration_seconds histogram$/gm)).to.have.length(1);
    for (const le of ['0.001', '0.01', '0.1', '1', '2', '5', '+Inf'])
      expect(text).to.include(`nodejs_gc_duration_seconds_bucket{le="${le}",kind="major"}`);
    expect(text).to.match(/^process_cpu_user_seconds_total /m);
    expect(text).to.match(/^nodejs_eventloop_lag_seconds /m);
  });
});
