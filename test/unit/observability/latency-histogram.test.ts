// The per-request latency histograms (metrics/latency-histogram.ts) replace prom-client's
// Histogram on the request path; a differential test against prom-client itself keeps their
// exposition, their JSON (what workers send their primary) and the workers' aggregation of it
// identical, for the same observations.
import { expect } from 'chai';
import { AggregatorRegistry, Histogram, Registry } from 'prom-client';
import { LatencyHistogram } from '#dataplane/metrics/latency-histogram';
import { APPLY_BUCKETS, LATENCY_BUCKETS } from '#dataplane/metrics/prometheus';

const NAME = 'bascule_test_duration_seconds';
const HELP = 'A test histogram.';

/** Deterministic values across every bucket: below the first bound, on bounds, between, above the last. */
function values(seed: number): number[] {
  const out: number[] = [0, ...LATENCY_BUCKETS, 31, 1e6];
  let x = seed;
  for (let i = 0; i < 500; i++) {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    out.push((x / 2 ** 31) * 40 * (i % 3 === 0 ? 0.001 : 1));
  }
  return out;
}

function both(observations: Array<[string, number]>): { ours: Registry; reference: Registry } {
  const ours = new Registry();
  const reference = new Registry();
  const h = new LatencyHistogram(NAME, HELP, 'frontend', LATENCY_BUCKETS).register(ours);
  const p = new Histogram({
    name: NAME,
    help: HELP,
    labelNames: ['frontend'],
    buckets: LATENCY_BUCKETS,
    registers: [reference],
  });
  for (const [id, v] of observations) {
    h.child(id).observe(v);
    p.labels({ frontend: id }).observe(v);
  }
  return { ours, reference };
}

describe('observability/latency histograms (against prom-client)', () => {
  const observations: Array<[string, number]> = [
    ...values(1).map((v): [string, number] => ['default/web', v]),
    ...values(2).map((v): [string, number] => ['other/"quoted"\\name', v]),
    ['default/web', 0.0005],
  ];

  it('exposes the same text as prom-client for the same observations', async () => {
    const { ours, reference } = both(observations);
    const text = await ours.metrics();
    expect(text).to.equal(await reference.metrics());
    expect(text).to.include(`${NAME}_bucket{le="+Inf",frontend="default/web"} ${values(1).length + 1}`);
  });

  it('gives the same JSON and the same aggregation across workers', async () => {
    const a = both(observations);
    const b = both(observations.slice(0, 200));
    // As it crosses the IPC channel: JSON.
    type Wire = Awaited<ReturnType<Registry['getMetricsAsJSON']>>;
    const wire = async (r: Registry): Promise<Wire> =>
      JSON.parse(JSON.stringify(await r.getMetricsAsJSON())) as Wire;
    const ourJson = [await wire(a.ours), await wire(b.ours)];
    const refJson = [await wire(a.reference), await wire(b.reference)];
    expect(ourJson).to.deep.equal(refJson);
    const merged = await AggregatorRegistry.aggregate(ourJson).metrics();
    expect(merged).to.equal(await AggregatorRegistry.aggregate(refJson).metrics());
    expect(merged).to.include(`${NAME}_count{frontend="default/web"} ${values(1).length + 1 + 200}`);
  });

  it('without a label: the same text and JSON as an unlabelled prom-client Histogram, before and after observations', async () => {
    const ours = new Registry();
    const reference = new Registry();
    const h = new LatencyHistogram<never>(NAME, HELP, null, APPLY_BUCKETS).register(ours);
    const p = new Histogram({ name: NAME, help: HELP, buckets: APPLY_BUCKETS, registers: [reference] });
    expect(await ours.metrics()).to.equal(await reference.metrics());
    expect(await ours.metrics()).to.include(`${NAME}_count 0`);
    for (const v of values(3)) {
      h.child('').observe(v);
      p.observe(v);
    }
    expect(await ours.metrics()).to.equal(await reference.metrics());
    expect(JSON.parse(JSON.stringify(await ours.getMetricsAsJSON()))).to.deep.equal(
      JSON.parse(JSON.stringify(await reference.getMetricsAsJSON())),
    );
  });

  it('forgets a label value that is removed, and exposes nothing before a first observation', async () => {
    const r = new Registry();
    const h = new LatencyHistogram(NAME, HELP, 'backend', LATENCY_BUCKETS).register(r);
    expect(await r.metrics()).to.equal(`# HELP ${NAME} ${HELP}\n# TYPE ${NAME} histogram\n`);
    h.child('a').observe(0.2);
    h.child('b').observe(0.3);
    h.remove('a');
    const text = await r.metrics();
    expect(text).to.not.include('backend="a"');
    expect(text).to.include(`${NAME}_sum{backend="b"} 0.3`);
  });
});
