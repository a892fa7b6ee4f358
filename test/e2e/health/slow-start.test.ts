// Slow start: a server that recovers gets a weight that grows linearly over the window, so its
// share of the traffic ramps up instead of jumping to full at once.
import { expect } from 'chai';
import {
  backend,
  body,
  breakable,
  dataplane,
  eventually,
  FAST_FALL_1,
  freePort,
  frontend,
  get,
  policy,
  server,
  withHealth,
  type Breakable,
  type TestDataplane,
} from './helpers.js';

const WINDOW = 2000;

describe('health e2e: slow start', function () {
  this.timeout(60_000);
  let a: Breakable, b: Breakable;
  let t: TestDataplane;
  let port: number;

  before(async () => {
    [a, b] = await Promise.all([breakable('a'), breakable('b')]);
    t = await dataplane();
    port = await freePort();
    // A late check of a healthy server would restart its ramp; FAST_FALL_1's timeout rules it out.
    const hp = policy(FAST_FALL_1);
    const be = withHealth(
      backend('default/web', [server('a', a.port, { weight: 50 }), server('b', b.port, { weight: 50 })], {
        slowStartMs: WINDOW,
      }),
      hp,
    );
    expect(
      (
        await t.dp.applySnapshot(
          body([frontend('default/web', port, { defaultBackend: 'default/web' })], [be]),
        )
      ).ok,
    ).to.equal(true);
  });
  after(async () => {
    await t.close();
    await Promise.all([a.close(), b.close()]);
  });

  it('servers present at startup take their full weight at once', async () => {
    await eventually(() => t.view('b')?.lastCheck);
    expect(t.view('a')!.weight).to.equal(50);
    expect(t.view('b')!.weight).to.equal(50);
  });

  it('a recovered server ramps from weight 1 to its full weight over the window', async () => {
    // The transitions that follow these actions, not earlier ones.
    const downBefore = t.count('b', 'down');
    await b.set('status-500');
    await t.transition('b', 'down', downBefore + 1);
    const upBefore = t.count('b', 'up');
    await b.set('ok');
    const up = await t.transition('b', 'up', upBefore + 1);
    const upAt = up.time as number;

    // Sequential requests through the window and a bit beyond, bucketed by time since recovery.
    const buckets = [0, 1, 2, 3, 4].map(() => ({ a: 0, b: 0, weights: [] as number[] }));
    for (;;) {
      const r = await get(port, '/');
      const since = Date.now() - upAt;
      const i = Math.min(4, Math.floor((since / WINDOW) * 4));
      if (since > WINDOW * 1.5) break;
      const bucket = buckets[i]!;
      if (r.body === 'a') bucket.a++;
      else if (r.body === 'b') bucket.b++;
      bucket.weights.push(t.view('b')!.weight);
    }
    const share = buckets.map((x) => x.b / Math.max(1, x.a + x.b));
    const labels = ['0-25%', '25-50%', '50-75%', '75-100%', 'after'];
    console.log(
      `\n    slow start ${WINDOW}ms, weights 50/50 — share of the recovered server:\n` +
        buckets
          .map(
            (x, i) =>
              `      ${labels[i]!.padEnd(8)} ${(share[i]! * 100).toFixed(0).padStart(3)}%  (${x.b}/${x.a + x.b} requests, weight ${Math.min(...x.weights)}..${Math.max(...x.weights)})`,
          )
          .join('\n') +
        '\n',
    );
    for (const x of buckets) expect(x.a + x.b, 'requests in every bucket').to.be.greaterThan(5);
    // The ramp: weight starts near 1 and reaches 50; the share grows with it.
    expect(Math.min(...buckets[0]!.weights)).to.be.below(15);
    expect(Math.max(...buckets[3]!.weights)).to.be.above(35);
    expect(buckets[4]!.weights.every((w) => w === 50)).to.equal(true);
    expect(share[0]).to.be.below(0.3);
    expect(share[0]).to.be.below(share[2]!);
    expect(share[1]).to.be.below(share[3]!);
    expect(share[4]).to.be.within(0.4, 0.6);
  });
});
