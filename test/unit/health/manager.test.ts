// The health manager on its own: lifecycle across syncs (swaps), passive on-error modes, and
// reports — with a minimal runtime and a real TCP target for the few checks that run.
import { expect } from 'chai';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { HealthManager, type HealthReportOut } from '#dataplane/health/manager';
import { observe } from '#dataplane/runtime/passive-health';
import { ServerState, serverKey } from '#dataplane/runtime/state';
import type { Runtime } from '#dataplane/runtime/types';
import type { HealthSnap } from '#protocol/snapshot';
import { capturingLogger, eventually, HOST, sleep } from '../dataplane/helpers.js';

interface FakeServer {
  name: string;
  port: number;
  backup?: boolean;
  state?: 'ready' | 'drain' | 'maintenance';
}

const policy = (over: Partial<HealthSnap> = {}): HealthSnap => ({
  policy: 'default/hp',
  intervalMs: 60_000,
  fastIntervalMs: 5_000,
  downIntervalMs: 60_000,
  timeoutMs: 500,
  rise: 2,
  fall: 3,
  initialState: 'up',
  ...over,
});

/** The slice of a Runtime the manager reads, built over a shared state registry. */
class World {
  readonly states = new Map<string, ServerState>();
  runtime(backends: Array<{ id: string; health?: HealthSnap; servers: FakeServer[] }>): Runtime {
    const map = new Map<string, unknown>();
    for (const b of backends) {
      const servers = b.servers.map((s) => {
        const key = serverKey(b.id, { name: s.name, address: HOST, port: s.port });
        let state = this.states.get(key);
        if (!state) this.states.set(key, (state = new ServerState(key)));
        const snap = {
          name: s.name,
          address: HOST,
          port: s.port,
          weight: 1,
          backup: s.backup ?? false,
          state: s.state ?? 'ready',
          cookie: s.name,
          source: 'static',
        };
        return {
          key,
          name: s.name,
          address: HOST,
          port: s.port,
          backup: snap.backup,
          weight: 1,
          snap,
          state,
        };
      });
      map.set(b.id, { id: b.id, snap: { id: b.id, health: b.health, slowStartMs: 0 }, servers });
    }
    return { version: 'v', snapshot: null, frontends: new Map(), backends: map } as unknown as Runtime;
  }
  state(backend: string, name: string, port: number): ServerState {
    return this.states.get(serverKey(backend, { name, address: HOST, port }))!;
  }
}

describe('health manager', function () {
  this.timeout(10_000);
  let target: net.Server;
  let port: number;
  let manager: HealthManager;
  let reports: HealthReportOut[];
  let logs: ReturnType<typeof capturingLogger>;
  let world: World;

  beforeEach(async () => {
    target = net.createServer((s) => s.destroy());
    await new Promise<void>((r) => target.listen(0, HOST, r));
    port = (target.address() as AddressInfo).port;
    reports = [];
    logs = capturingLogger();
    world = new World();
  });
  afterEach(async () => {
    manager?.close();
    await new Promise<void>((r) => target.close(() => r()));
  });

  /** random 0 → the first check runs at once; every later one is a minute away. */
  const start = (random = 0) =>
    (manager = new HealthManager({ log: logs.log, report: (r) => reports.push(r), random: () => random }));
  const view = (name: string) => manager.view().servers.find((s) => s.server === name)!;

  async function fullyUp(p: HealthSnap): Promise<ServerState> {
    start(0);
    manager.sync(world.runtime([{ id: 'default/web', health: p, servers: [{ name: 'a', port }] }]));
    await eventually(() => view('a').lastCheck !== null);
    expect(view('a').health).to.match(/^4\/4/);
    return world.state('default/web', 'a', port);
  }
  const server = (state: ServerState) => ({ state });
  const errors = (state: ServerState, n: number, outcome: number | Error = 500) => {
    for (let i = 0; i < n; i++) observe(server(state), outcome);
  };

  describe('passive checks (observe + on-error)', () => {
    const passive = (
      onError: NonNullable<HealthSnap['passive']>['onError'],
      observeLayer: 'layer4' | 'layer7' = 'layer7',
    ) => policy({ passive: { consecutiveErrors: 3, onError, observe: observeLayer } });

    it('mark-down: takes the server down at the threshold, with a "Health analyze" reason', async () => {
      const st = await fullyUp(passive('mark-down'));
      errors(st, 2);
      expect(st.up).to.equal(true);
      errors(st, 1);
      expect(st.up).to.equal(false);
      expect(view('a').reason).to.equal(
        'Health analyze: 3 consecutive errors, last one was: HTTP status 500 (on-error mark-down)',
      );
      expect(view('a').counters).to.include({ passiveErrors: 3, passiveTriggers: 1, down: 1, checks: 1 });
      const line = logs.lines().find((l) => l.transition === true)!;
      expect(line).to.include({
        backend: 'default/web',
        server: 'a',
        from: 'up',
        to: 'down',
        check: 'passive',
      });
      expect(reports.at(-1)).to.deep.include({ full: false });
      expect(reports.at(-1)!.servers[0]).to.include({ server: 'a', state: 'down' });
    });

    it('a success in between resets the count', async () => {
      const st = await fullyUp(passive('mark-down'));
      errors(st, 2);
      observe(server(st), 200);
      errors(st, 2);
      expect(st.up).to.equal(true);
      expect(view('a').consecutiveErrors).to.equal(2);
    });

    it('fastinter: keeps the verdict and brings the next check forward to fastInterval', async () => {
      const st = await fullyUp(passive('fastinter'));
      expect(view('a').nextCheckInMs).to.be.greaterThan(50_000);
      errors(st, 3);
      expect(st.up).to.equal(true);
      expect(view('a')).to.include({ fastinterForced: true });
      expect(view('a').health).to.match(/^4\/4/);
      expect(view('a').nextCheckInMs).to.be.at.most(5_000);
    });

    it('fail-check: each trigger counts as one failed check (fall triggers take it down)', async () => {
      const st = await fullyUp(passive('fail-check'));
      errors(st, 3);
      expect(view('a').health).to.match(/^3\/4/);
      errors(st, 3);
      expect(st.up).to.equal(true);
      errors(st, 3);
      expect(st.up).to.equal(false);
    });

    it('sudden-death: the first trigger leaves one failure to go, the second takes it down', async () => {
      const st = await fullyUp(passive('sudden-death'));
      errors(st, 3);
      expect(st.up).to.equal(true);
      expect(view('a').health).to.match(/^2\/4/);
      errors(st, 3);
      expect(st.up).to.equal(false);
    });

    it('observe layer4 ignores HTTP statuses but counts connect errors', async () => {
      const st = await fullyUp(passive('mark-down', 'layer4'));
      errors(st, 5, 503);
      expect(st.up).to.equal(true);
      errors(st, 3, Object.assign(new Error('ECONNREFUSED'), { kind: 'connect', code: 'ECONNREFUSED' }));
      expect(st.up).to.equal(false);
      expect(view('a').reason).to.match(/connect error ECONNREFUSED/);
    });

    it('without a passive policy nothing is observed', async () => {
      const st = await fullyUp(policy());
      errors(st, 50);
      expect(st.up).to.equal(true);
      expect(view('a').counters.passiveErrors).to.equal(0);
    });
  });

  describe('lifecycle across syncs', () => {
    const backends = (p: HealthSnap | undefined, servers: FakeServer[]) => [
      { id: 'default/web', ...(p ? { health: p } : {}), servers },
    ];

    it('an unchanged server keeps its entry, counter and schedule', async () => {
      start(0.5);
      manager.sync(world.runtime(backends(policy(), [{ name: 'a', port }])));
      const next = view('a').nextCheckInMs!;
      for (let i = 0; i < 20; i++) manager.sync(world.runtime(backends(policy(), [{ name: 'a', port }])));
      expect(view('a').nextCheckInMs)
        .to.be.at.most(next)
        .and.at.least(next - 1000);
      expect(reports.filter((r) => r.full)).to.have.length(1); // the set never changed
    });

    it('a policy change keeps the verdict and brings a far check forward', async () => {
      start(0.99);
      manager.sync(world.runtime(backends(policy(), [{ name: 'a', port }])));
      const st = world.state('default/web', 'a', port);
      st.up = true;
      expect(view('a').nextCheckInMs).to.be.greaterThan(1_000);
      manager.sync(
        world.runtime(
          backends(policy({ intervalMs: 300, fastIntervalMs: 300, rise: 5 }), [{ name: 'a', port }]),
        ),
      );
      expect(st.up).to.equal(true);
      expect(view('a').nextCheckInMs).to.be.at.most(300);
    });

    it('new servers start per initialState; a server already serving when checks appear stays up', async () => {
      start(0.99);
      manager.sync(world.runtime(backends(undefined, [{ name: 'a', port }])));
      expect(manager.table()).to.deep.equal([]);
      manager.sync(
        world.runtime(
          backends(policy({ initialState: 'down' }), [
            { name: 'a', port },
            { name: 'b', port: port + 1 },
          ]),
        ),
      );
      expect(world.state('default/web', 'a', port).up).to.equal(true); // was serving
      expect(world.state('default/web', 'b', port + 1).up).to.equal(false); // brand new, initial down
      expect(reports.at(-1)).to.deep.include({ full: true });
      expect(reports.at(-1)!.servers.map((s) => `${s.server}:${s.state}`)).to.deep.equal(['a:up', 'b:down']);
    });

    it('a server joining a running dataplane starts its slow start; servers present at startup do not', async () => {
      start(0.99);
      manager.sync(world.runtime(backends(policy(), [{ name: 'a', port }])));
      expect(world.state('default/web', 'a', port).upSince).to.equal(0);
      manager.sync(
        world.runtime(
          backends(policy(), [
            { name: 'a', port },
            { name: 'c', port: port + 2 },
          ]),
        ),
      );
      expect(world.state('default/web', 'c', port + 2).upSince).to.be.greaterThan(0);
    });

    it('removing checks stops the checker and puts a down server back up; maintenance pauses checks', async () => {
      start(0.99);
      manager.sync(world.runtime(backends(policy({ initialState: 'down' }), [{ name: 'a', port }])));
      const st = world.state('default/web', 'a', port);
      expect(st.up).to.equal(false);
      manager.sync(
        world.runtime(
          backends(policy({ initialState: 'down' }), [{ name: 'a', port, state: 'maintenance' }]),
        ),
      );
      expect(view('a').phase).to.equal('paused (maintenance)');
      expect(view('a').nextCheckInMs).to.equal(null);
      manager.sync(world.runtime(backends(undefined, [{ name: 'a', port }])));
      expect(manager.table()).to.deep.equal([]);
      expect(st.up).to.equal(true);
      errors(st, 10); // no observer any more
    });

    it('close() stops every check', async () => {
      start(0);
      manager.sync(
        world.runtime(backends(policy({ intervalMs: 20, fastIntervalMs: 20 }), [{ name: 'a', port }])),
      );
      await eventually(() => view('a').counters.checks >= 1);
      manager.close();
      const before = manager.counters.checks;
      await sleep(100);
      expect(manager.counters.checks).to.equal(before);
    });
  });
});
