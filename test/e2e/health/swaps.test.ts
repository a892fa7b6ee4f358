// Health state survives snapshot swaps: 20 swaps while a server is down neither flip it up nor
// reset its counters or its check schedule; a policy edit keeps the verdict; new servers start
// per the policy's initialState; removed servers stop being checked.
import { expect } from 'chai';
import type { BackendSnap, HealthSnap } from '#protocol/snapshot';
import {
  backend,
  body,
  breakable,
  dataplane,
  eventually,
  freePort,
  frontend,
  policy,
  server,
  sleep,
  spread,
  withHealth,
  type Breakable,
  type TestDataplane,
} from './helpers.js';

describe('health e2e: state across snapshot swaps', function () {
  this.timeout(60_000);
  let a: Breakable, b: Breakable, c: Breakable;
  let t: TestDataplane;
  let port: number;

  beforeEach(async () => {
    [a, b, c] = await Promise.all([breakable('a'), breakable('b'), breakable('c')]);
    t = await dataplane();
    port = await freePort();
  });
  afterEach(async () => {
    await t.close();
    await Promise.all([a.close(), b.close(), c.close()]);
  });

  const apply = async (be: BackendSnap, edit: number) => {
    const fe = frontend('default/web', port, {
      defaultBackend: 'default/web',
      responseHeaders: { add: [], set: [{ name: 'X-Edit', value: String(edit) }], remove: [] },
    });
    const r = await t.dp.applySnapshot(body([fe], [be]));
    expect(r.ok, JSON.stringify(r)).to.equal(true);
  };
  // The check timeout is far above a loaded machine's delays: with fall 1, one check of the
  // healthy server b answered late (its timer fired before the answer was read) took b out, and
  // with a down the swaps' requests got 503s. A server made to fail here fails at once.
  const TIMEOUT_MS = 2000;
  const web = (hp: HealthSnap, servers = [server('a', a.port), server('b', b.port)]) =>
    withHealth(backend('default/web', servers), hp);

  it('20 swaps while a server is down do not flip it up or reset its counters or schedule', async () => {
    // Fast checks to get it down, then a slow downInterval so a reset schedule would show.
    const hp = policy({
      intervalMs: 100,
      fastIntervalMs: 100,
      downIntervalMs: 1500,
      timeoutMs: TIMEOUT_MS,
      rise: 3,
      fall: 1,
    });
    await apply(web(hp), 0);
    const aDownBefore = t.count('a', 'down');
    await a.set('refused');
    const down = await t.transition('a', 'down', aDownBefore + 1);
    const before = t.view('a')!;
    expect(before.state).to.equal('down');
    expect(before.health).to.match(/^0\//);

    const started = Date.now();
    for (let i = 1; i <= 20; i++) {
      // Every 5th swap also edits the policy (timeout), which re-schedules with the new params.
      const h = i % 5 === 0 ? { ...hp, timeoutMs: TIMEOUT_MS + i } : hp;
      await apply(web(h), i);
      const v = t.view('a')!;
      expect(v.state, `after swap ${i}`).to.equal('down');
      expect(v.health, `after swap ${i}`).to.match(/^0\//);
      expect(v.since, `after swap ${i}`).to.equal(before.since);
      expect(v.counters.down).to.equal(1);
      expect(v.counters.up).to.equal(0);
      expect(v.counters.checks).to.be.at.least(before.counters.checks);
      expect(await spread(port, 2)).to.deep.equal({ b: 2 }); // still no traffic to a
    }
    const elapsed = Date.now() - started;
    const checksDuring = t.view('a')!.counters.checks - before.counters.checks;
    // A swap that restarted the schedule would check at once, 20 times over.
    expect(checksDuring, `checks of the down server during ${elapsed}ms of swaps`).to.be.at.most(
      Math.ceil(elapsed / 1500) + 1,
    );
    expect(t.lines().filter((l) => l.transition === true && l.server === 'a')).to.deep.equal([down]);

    // Still the same checker: it comes back after exactly rise=3 passed checks.
    const aUpBefore = t.count('a', 'up');
    await a.set('ok');
    const up = await t.transition('a', 'up', aUpBefore + 1, 15_000);
    expect(up.consecutiveChecks).to.equal(3);
  });

  it('a policy edit keeps the verdict and uses the new parameters', async () => {
    const fast = { intervalMs: 100, fastIntervalMs: 100, downIntervalMs: 100, timeoutMs: TIMEOUT_MS };
    await apply(web(policy({ ...fast, rise: 1, fall: 1 })), 0);
    const aDownBefore = t.count('a', 'down');
    await a.set('status-500');
    await t.transition('a', 'down', aDownBefore + 1);
    // New thresholds: rise 4. The server stays down and needs 4 passes now.
    await apply(web(policy({ ...fast, rise: 4, fall: 1 })), 1);
    expect(t.view('a')!.state).to.equal('down');
    expect(t.view('a')!.health).to.match(/^0\/4 \(up at >= 4\)/);
    const aUpBefore = t.count('a', 'up');
    await a.set('ok');
    const up = await t.transition('a', 'up', aUpBefore + 1);
    expect(up.consecutiveChecks).to.equal(4);
  });

  it('new servers start per initialState (up by default, down on request); removed ones stop', async () => {
    const hp = policy({ intervalMs: 150, fastIntervalMs: 150, downIntervalMs: 150, timeoutMs: TIMEOUT_MS });
    await apply(web(hp), 0);
    // c joins with initialState up: in rotation at once.
    await apply(web(hp, [server('a', a.port), server('b', b.port), server('c', c.port)]), 1);
    expect(t.view('c')).to.include({ state: 'up' });
    const seen = await spread(port, 9);
    expect(seen.c).to.equal(3);

    // Remove c: its checker stops.
    await apply(web(hp), 2);
    expect(t.view('c')).to.equal(undefined);
    const checks = c.checks;
    await sleep(400);
    expect(c.checks).to.equal(checks);

    // c joins again with initialState down: no traffic until its first check passes. Its checks
    // fail meanwhile, so a quick first check cannot put it in rotation before the requests below
    // (with the default initialState up, c would take its share of them at once).
    await c.set('status-500');
    const hpDown = { ...hp, initialState: 'down' as const };
    await apply(web(hpDown, [server('a', a.port), server('b', b.port), server('c', c.port)]), 3);
    expect(t.view('c')).to.include({ state: 'down' });
    const traffic = c.traffic;
    expect((await spread(port, 4)).c).to.equal(undefined);
    expect(c.traffic).to.equal(traffic);
    const cUpBefore = t.count('c', 'up');
    await c.set('ok');
    await t.transition('c', 'up', cUpBefore + 1);
    await eventually(async () => ((await spread(port, 3)).c ?? 0) > 0);
  });
});
