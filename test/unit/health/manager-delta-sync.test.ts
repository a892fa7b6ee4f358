// The health manager after deltas: a build after a delta tells what backends it changed
// (runtime/build.ts backendChanges), and the manager then looks at those only. After seeded random
// edit sequences (servers added and removed, policies set, changed and dropped, maintenance, whole
// backends added and removed) it must hold what a manager that looks at every backend on every
// swap holds, and every entry must follow the live build's server and backend objects.
import { expect } from 'chai';
import { Applier } from '#dataplane/agent/apply';
import { HealthManager } from '#dataplane/health/manager';
import { backendChanges } from '#dataplane/runtime/build';
import type { Runtime } from '#dataplane/runtime/types';
import { Engine } from '#dataplane/serving/engine';
import { makeSnapshot } from '#protocol/canonical';
import { diffBodies } from '#protocol/delta';
import type { BackendSnap, HealthSnap, ServerSnap, Snapshot } from '#protocol/snapshot';
import { backend, body, freePort, frontend, quietLogger, server } from '../dataplane/helpers.js';
import { prng } from '../../support/prng.js';

const log = quietLogger();

const policy = (intervalMs: number, initialState: 'up' | 'down'): HealthSnap => ({
  policy: 'default/hp',
  intervalMs,
  fastIntervalMs: intervalMs,
  downIntervalMs: intervalMs,
  timeoutMs: 500,
  rise: 2,
  fall: 3,
  initialState,
});

/** What a manager holds of each checked server, timers and clocks aside. */
function held(m: HealthManager): unknown[] {
  return m
    .view()
    .servers.map((s) => ({
      backend: s.backend,
      server: s.server,
      address: s.address,
      check: s.check,
      policy: s.policy,
      state: s.state,
      phase: s.phase,
      health: s.health,
      reason: s.reason,
      weight: s.weight,
    }))
    .sort((a, b) => (`${a.backend}|${a.server}` < `${b.backend}|${b.server}` ? -1 : 1));
}

describe('health manager: syncs after deltas', function () {
  this.timeout(60_000);

  it('holds what a full sync holds, on the live objects, after random edit sequences', async () => {
    const port = await freePort();
    let incremental = 0;
    for (let seed = 1; seed <= 8; seed++) {
      const rnd = prng(seed);
      // The first check of any server is a minute away: no check runs during the test.
      const opts = { log, random: () => 0.999 };
      const managed = new HealthManager(opts);
      const reference = new HealthManager(opts);
      const engine = new Engine(log, { onSwap: (rt) => managed.sync(rt) });
      const applier = new Applier({ engine, log });
      const backends = new Map<string, BackendSnap>();
      let serial = 0;
      const servers = (): ServerSnap[] =>
        Array.from({ length: 1 + Math.floor(rnd() * 3) }, () => server(`s${serial++}`, 1000 + serial));
      const withPolicy = (): Partial<BackendSnap> =>
        rnd() < 0.6
          ? { health: policy(60_000 + Math.floor(rnd() * 3) * 1000, rnd() < 0.5 ? 'up' : 'down') }
          : {};
      for (let i = 0; i < 6; i++) {
        const id = `default/b${i}`;
        backends.set(id, backend(id, servers(), withPolicy()));
      }
      let acked: Snapshot | undefined;
      try {
        for (let step = 0; step < 40; step++) {
          const edits = 1 + Math.floor(rnd() * 2);
          for (let e = 0; e < edits; e++) {
            const list = [...backends.values()];
            const b = list[Math.floor(rnd() * list.length)]!;
            const k = rnd();
            if (k < 0.25) backends.set(b.id, { ...b, servers: [...b.servers, ...servers()] });
            else if (k < 0.4 && b.servers.length > 1)
              backends.set(b.id, { ...b, servers: b.servers.slice(1) });
            else if (k < 0.6) {
              const { health: _, ...rest } = b;
              backends.set(b.id, { ...rest, ...withPolicy() });
            } else if (k < 0.75)
              backends.set(b.id, {
                ...b,
                servers: b.servers.map((s, i) =>
                  i === 0 ? { ...s, state: s.state === 'maintenance' ? 'ready' : 'maintenance' } : s,
                ),
              });
            else if (k < 0.85 && backends.size > 2 && b.id !== 'default/b0') backends.delete(b.id);
            else {
              const id = `default/n${serial++}`;
              backends.set(id, backend(id, servers(), withPolicy()));
            }
          }
          const target = makeSnapshot(
            body(
              [frontend('default/fe', port, { defaultBackend: 'default/b0' })],
              [...backends.values()].sort((x, y) => (x.id < y.id ? -1 : 1)),
            ),
          );
          const before = engine.runtime;
          const delta = acked && rnd() < 0.85 ? diffBodies(acked.body, target.body) : null;
          const result = await applier.submit(
            delta
              ? { version: target.version, delta: { baseVersion: acked!.version, change: delta } }
              : { version: target.version, body: target.body },
          );
          const where = `seed ${seed} step ${step}`;
          expect(result, where).to.deep.include({ ok: true });
          acked = target;
          const live = engine.runtime;
          if (backendChanges(live)?.previous.deref() === before) incremental++;
          // The reference looks at every backend: a runtime of its own identity has no changes.
          reference.sync({ ...live } as Runtime);
          expect(held(managed), where).to.deep.equal(held(reference));
          // Every entry is on the live build's objects.
          const entries = (
            managed as unknown as { entries: Map<string, { server: object; backend: object }> }
          ).entries;
          const liveServers = new Map(
            [...live.backends.values()].flatMap((b) => b.servers.map((s) => [s.key, { s, b }] as const)),
          );
          for (const [key, e] of entries) {
            expect(liveServers.get(key)?.s, `${where}: ${key}`).to.equal(e.server);
            expect(liveServers.get(key)?.b, `${where}: ${key}`).to.equal(e.backend);
          }
        }
      } finally {
        managed.close();
        reference.close();
        engine.close();
      }
    }
    // Most swaps took the way that looks at the changed backends only.
    expect(incremental).to.be.greaterThan(200);
  });
});
