// Active HTTP checks against real backends that we break: a server is taken out after exactly
// `fall` failed checks and put back after exactly `rise` passed ones, and no live traffic reaches
// it while it is down. Detection time is measured and printed for interval 200ms, fall 2.
import { expect } from 'chai';
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
  spread,
  withHealth,
  type Breakable,
  type Mode,
  type TestDataplane,
} from './helpers.js';

const CASES: Array<{ mode: Mode; what: string; reason: RegExp }> = [
  { mode: 'status-500', what: 'wrong status', reason: /^Layer7 wrong status 500 \(expected 200\)$/ },
  {
    mode: 'missing-body',
    what: 'missing body string',
    reason: /^Layer7 invalid response: body does not contain "healthy"$/,
  },
  { mode: 'hang', what: 'timeout', reason: /^Layer7 timeout: no complete answer within 150ms$/ },
  { mode: 'refused', what: 'refused connection', reason: /^Layer4 connection problem: ECONNREFUSED$/ },
];

describe('health e2e: active HTTP checks (interval 200ms, rise 2, fall 2)', function () {
  this.timeout(60_000);
  let a: Breakable;
  let b: Breakable;
  let t: TestDataplane;
  let port: number;
  const detections: string[] = [];

  beforeEach(async () => {
    a = await breakable('a');
    b = await breakable('b');
    t = await dataplane();
    port = await freePort();
    const be = withHealth(backend('default/web', [server('a', a.port), server('b', b.port)]), policy());
    const res = await t.dp.applySnapshot(
      body([frontend('default/web', port, { defaultBackend: 'default/web' })], [be]),
    );
    expect(res.ok).to.equal(true);
  });
  afterEach(async () => {
    await t.close();
    await a.close();
    await b.close();
  });
  after(() => {
    if (detections.length)
      console.log(`\n    detection time (interval 200ms, fall 2):\n${detections.join('\n')}\n`);
  });

  for (const c of CASES) {
    it(`${c.what}: out after exactly fall=2 checks, back after exactly rise=2, no traffic while down`, async () => {
      // Fully up first: the counter is at its top (rise + fall - 1 = 3).
      await eventually(
        () => t.view('a')?.health.startsWith('3/3') && t.view('b')?.health.startsWith('3/3'),
        5000,
      );

      const broken = Date.now();
      await a.set(c.mode);
      const down = await t.transition('a', 'down');
      const detectMs = (down.time as number) - broken;
      detections.push(
        `      ${c.what.padEnd(20)} ${String(detectMs).padStart(5)} ms  (${down.reason as string})`,
      );

      expect(down.consecutiveChecks, 'failed checks before DOWN').to.equal(2);
      expect(down.reason).to.match(c.reason);
      expect(down).to.include({
        backend: 'default/web',
        server: 'a',
        from: 'up',
        to: 'down',
        check: 'active',
      });
      expect(down.checkDurationMs).to.be.a('number');
      expect(t.view('a')).to.include({ state: 'down' });
      expect(t.view('a')!.counters).to.include({ down: 1, failedChecks: 2 });

      // Down: every request goes to b; a sees none of them.
      const trafficBefore = a.traffic;
      expect(await spread(port, 20)).to.deep.equal({ b: 20 });
      expect(a.traffic - trafficBefore).to.equal(0);

      // Repair: back after exactly rise=2 passed checks, and traffic returns.
      await a.set('ok');
      const up = await t.transition('a', 'up');
      expect(up.consecutiveChecks, 'passed checks before UP').to.equal(2);
      expect(up.reason).to.equal('Layer7 check passed: 200');
      expect(up).to.include({ from: 'down', to: 'up', activeLeft: 2, backupLeft: 0 });
      const seen = await spread(port, 10);
      expect(seen.a).to.be.greaterThan(0);
      expect(seen.b).to.be.greaterThan(0);
    });
  }

  it('transitions are counted and visible on the dataplane status', async () => {
    // Not fully up yet: HAProxy's initial state is "up, but down at the first failure".
    await a.set('status-500');
    await t.transition('a', 'down');
    const st = t.dp.status().health;
    expect(st).to.include({ checked: 2, up: 1, down: 1 });
    expect(st.counters.down).to.equal(1);
    expect(st.counters.checks).to.be.greaterThan(0);
    expect(st.counters.failedChecks).to.be.at.least(1);
  });
});
