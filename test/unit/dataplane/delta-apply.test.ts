// Incremental apply on the dataplane: a live engine fed deltas (and sometimes full snapshots)
// must end in exactly the runtime a full snapshot builds from scratch, keep the runtime objects
// of what did not change, and refuse a delta that does not fit.
import { expect } from 'chai';
import { Applier, type ApplyInput } from '#dataplane/agent/apply';
import { BackendTable, buildRuntime, listenerChecks } from '#dataplane/runtime/build';
import type { BackendRuntime } from '#dataplane/runtime/backend';
import { Engine } from '#dataplane/serving/engine';
import { StateRegistry } from '#dataplane/runtime/state';
import type { Runtime } from '#dataplane/runtime/types';
import type { RequestHead } from '#dataplane/router/types';
import { canonicalJson, makeSnapshot } from '#protocol/canonical';
import { diffBodies } from '#protocol/delta';
import { ErrorCodes } from '#protocol/errors';
import type { FrontendSnap, Snapshot } from '#protocol/snapshot';
import { prng, RandomConfig } from './delta-fixtures.js';
import { backend, body, capturingLogger, freePort, frontend, quietLogger, server } from './helpers.js';

const log = quietLogger();

const probes: RequestHead[] = ['a.test', 'b.test', 'x.c.test', 'other.test'].flatMap((host) =>
  ['/p0/x', '/p1/', '/p2/y', '/p3/z', '/'].map((path) => ({
    method: 'GET',
    path,
    query: '',
    host,
    headers: { host },
    sourceAddress: '127.0.0.1',
    scheme: 'http' as const,
    localPort: 80,
  })),
);

/** Everything a request can observe of a runtime, as plain data. */
function dump(rt: Runtime): unknown {
  return {
    version: rt.version,
    backends: [...rt.backends.entries()].map(([id, b]) => ({
      id,
      snap: canonicalJson(b.snap),
      servers: b.servers.map((s) => [s.key, canonicalJson(s.snap), s.keepAlive, s.weight]),
      unavailable: b.unavailableReason ?? null,
    })),
    frontends: [...rt.frontends.entries()].map(([key, f]) => ({
      key,
      id: f.id,
      snap: canonicalJson(f.snap),
      members: f.mode === 'http' ? (f.members ?? []).map((m) => canonicalJson(m)) : [],
      ...(f.mode === 'tcp'
        ? { backend: f.backend?.id ?? null }
        : { routes: probes.map((h) => f.router.route(h).action) }),
    })),
  };
}

function toWire(input: ApplyInput): ApplyInput {
  return JSON.parse(JSON.stringify(input)) as ApplyInput;
}

describe('dataplane: incremental apply (deltas)', function () {
  this.timeout(120_000);

  it('ends in the state a full snapshot gives, after many seeded random edit sequences', async () => {
    const ports = [await freePort(), await freePort(), await freePort(), await freePort()];
    const sharedPort = await freePort();
    let kept = 0;
    let deltas = 0;
    let keptParts = 0;
    let memberDeltas = 0;
    let sameBackends = 0;
    let keptMaps = 0;
    let sharedIndex = 0;
    const patchedBefore = listenerChecks.patched;
    for (let seed = 1; seed <= 12; seed++) {
      const rnd = prng(seed);
      const engine = new Engine(log);
      const applier = new Applier({ engine, log });
      const config = new RandomConfig(rnd, ports, sharedPort);
      let acked: Snapshot | undefined;
      try {
        for (let step = 0; step < 20; step++) {
          const edits = 1 + Math.floor(rnd() * 3);
          for (let e = 0; e < edits; e++) config.edit();
          const target = makeSnapshot(config.body());
          const before = engine.runtime;
          const delta = acked && rnd() < 0.8 ? diffBodies(acked.body, target.body) : null;
          const input: ApplyInput = delta
            ? { version: target.version, delta: { baseVersion: acked!.version, change: delta } }
            : { version: target.version, body: target.body };
          if (delta) deltas++;
          // A delta of a shared listener carries the Frontends that changed, not the listener.
          if (delta?.frontends.upsert.some((f) => f.listener && f.listener.owner !== f.id)) memberDeltas++;
          const result = await applier.submit(toWire(input));
          const where = `seed ${seed} step ${step}`;
          expect(result, where).to.deep.include({ ok: true });
          acked = target;
          const live = engine.runtime;

          const fresh = buildRuntime(target, new StateRegistry().scope(), log);
          expect(dump(live), where).to.deep.equal(dump(fresh));
          // A delta that changes no backend keeps the live body's backends list (the version
          // check finds its digests joined) and the build keeps the backends map.
          // A delta that replaces backends in place (none comes or goes) keeps the table's id
          // index and copies its list: the build costs the change, not a copy of every entry.
          const indexOf = (rt: Runtime) => (rt.backends as unknown as { index: unknown }).index;
          if (
            delta &&
            delta.backends.remove.length === 0 &&
            delta.backends.upsert.length > 0 &&
            delta.backends.upsert.every((b) => before.backends.has(b.id)) &&
            indexOf(live) === indexOf(before)
          )
            sharedIndex++;
          if (delta && delta.backends.upsert.length === 0 && delta.backends.remove.length === 0) {
            expect(live.snapshot!.body.backends, where).to.equal(before.snapshot!.body.backends);
            sameBackends++;
            if (live.backends === before.backends) keptMaps++;
          }

          // Nothing live points at retired state or at a backend object of another build.
          for (const b of live.backends.values()) {
            expect(b.state.isRetired, where).to.equal(false);
            expect(b.state.latest, where).to.equal(b);
            for (const s of b.servers) expect(s.state.isRetired, where).to.equal(false);
          }
          // The state registry holds exactly the live build's servers and backends (a build after a
          // delta carries the live states and drops what is gone: nothing gone stays, nothing is lost).
          const registry = (engine as unknown as { state: StateRegistry }).state;
          expect([...registry.backends.live.keys()].sort(), where).to.deep.equal(
            [...live.backends.keys()].sort(),
          );
          expect([...registry.servers.live.keys()].sort(), where).to.deep.equal(
            [...live.backends.values()].flatMap((b) => b.servers.map((s) => s.key)).sort(),
          );
          for (const f of live.frontends.values())
            if (f.mode === 'tcp' && f.backend)
              expect(live.backends.get(f.backend.id), where).to.equal(f.backend);

          // What did not change keeps its runtime object (router, balancer, servers).
          for (const [id, b] of live.backends) {
            const old = before.backends.get(id);
            if (old && canonicalJson(old.snap) === canonicalJson(b.snap)) {
              expect(b, `${where}: backend ${id} kept`).to.equal(old);
              kept++;
            }
          }
          const oldFrontends = new Map([...before.frontends.values()].map((f) => [f.id, f]));
          const parts = (f: Runtime['frontends'] extends ReadonlyMap<string, infer F> ? F : never) =>
            f.mode === 'http' && 'parts' in f.router
              ? (f.router.parts as ReadonlyMap<string, { snap: object }>)
              : new Map<string, { snap: object }>();
          for (const f of live.frontends.values()) {
            const old = oldFrontends.get(f.id);
            if (!old || f.mode !== 'http' || old.mode !== 'http') continue;
            const same = (a: object | undefined, b: object | undefined) =>
              canonicalJson(a) === canonicalJson(b);
            if (
              same(old.snap, f.snap) &&
              same(
                old.members?.map((m) => m.id),
                f.members?.map((m) => m.id),
              ) &&
              (f.members ?? []).every((m, i) => same(m, old.members![i]))
            )
              expect(f, `${where}: frontend ${f.id} kept`).to.equal(old);
            // A shared listener rebuilt after one Frontend's edit keeps the others' router parts.
            const before = parts(old);
            for (const [id, part] of parts(f)) {
              const was = before.get(id);
              if (was && same(was.snap, part.snap) && same(old.snap.requestHeaders, f.snap.requestHeaders)) {
                expect(part, `${where}: part ${id} kept`).to.equal(was);
                keptParts++;
              }
            }
          }
        }
      } finally {
        engine.close();
      }
    }
    expect(deltas).to.be.greaterThan(100);
    expect(kept).to.be.greaterThan(100);
    expect(memberDeltas).to.be.greaterThan(20);
    expect(keptParts).to.be.greaterThan(100);
    // Deltas that edit Frontends in place check the shared listeners from the live result (what
    // they changed only); each of those builds matched the fresh one above.
    expect(listenerChecks.patched - patchedBefore).to.be.greaterThan(20);
    // Every 128th build is a full one (CARRIED_BUILDS_BETWEEN_FULL, counted across the process),
    // which makes the map again: at most a few of these.
    expect(sameBackends).to.be.greaterThan(10);
    expect(keptMaps).to.be.greaterThan(sameBackends - 3);
    expect(sharedIndex).to.be.greaterThan(10);
  });

  it('keeps a backend table that reads as the map of its backends in body order', () => {
    const rt = (id: string) => ({ id }) as unknown as BackendRuntime;
    const [a, b, c] = [rt('a'), rt('b'), rt('c')];
    const table = BackendTable.of([a, b, c]);
    const b2 = rt('b');
    const next = table.with([b2]);
    expect([...next.entries()]).to.deep.equal([
      ['a', a],
      ['b', b2],
      ['c', c],
    ]);
    expect(next.get('b')).to.equal(b2);
    expect(table.get('b')).to.equal(b); // the table it came from is unchanged
    expect([...next.keys()]).to.deep.equal(['a', 'b', 'c']);
    expect([...next.values()]).to.deep.equal([a, b2, c]);
    expect([...next]).to.deep.equal([...next.entries()]);
    expect(next.size).to.equal(3);
    expect(next.has('c')).to.equal(true);
    expect(next.has('d')).to.equal(false);
    expect(next.get('d')).to.equal(undefined);
    const seen: string[] = [];
    next.forEach((v, k, m) => seen.push(`${k}:${v === m.get(k)}`));
    expect(seen).to.deep.equal(['a:true', 'b:true', 'c:true']);
    expect(() => table.with([rt('d')])).to.throw('backend d is not in the table');
  });

  it('refuses a shared listener whose members do not add up, and keeps the live snapshot', async () => {
    const engine = new Engine(log);
    const applier = new Applier({ engine, log });
    try {
      const port = await freePort();
      const web = backend('default/web', [server('a', 1)]);
      const rule = (host: string) => ({
        name: 'r',
        match: { host, path: { prefix: '/' } },
        action: { type: 'backend' as const, backend: 'default/web' },
      });
      const owner = (members: string[]) =>
        frontend('a/fe', port, {
          rules: [rule('a.test')],
          listener: { owner: 'a/fe', members, hosts: ['a.test'], defaultHosts: [] },
        });
      const member = (extra: Partial<FrontendSnap> = {}) =>
        frontend('b/fe', port, {
          rules: [rule('b.test')],
          listener: { owner: 'a/fe', hosts: ['b.test'], defaultHosts: [] },
          ...extra,
        });
      const good = makeSnapshot(body([owner(['b/fe']), member()], [web]));
      expect(await applier.submit({ version: good.version, body: good.body })).to.deep.include({ ok: true });

      const cases: Array<[string, FrontendSnap[], string]> = [
        ['a member its owner does not list', [owner([]), member()], 'does not list it'],
        ['an owner listing a frontend that is not its member', [owner(['b/fe', 'c/fe']), member()], 'c/fe'],
        [
          'a member on another port',
          [owner(['b/fe']), member({ bind: { address: '127.0.0.1', port: port + 1 } })],
          'not the owner',
        ],
        [
          'a rule on a host the member does not claim',
          [owner(['b/fe']), member({ rules: [rule('a.test')] })],
          'do not name a.test',
        ],
        [
          'a member that lists members',
          [
            owner(['b/fe']),
            member({ listener: { owner: 'a/fe', members: [], hosts: ['b.test'], defaultHosts: [] } }),
          ],
          'does not own',
        ],
      ];
      for (const [what, frontends, says] of cases) {
        const bad = makeSnapshot(body(frontends, [web]));
        // As a whole body, and as a delta from the live one (which checks what the delta changed
        // against what was checked before: the member's own hosts, or everything when its
        // listener, bind or mode moved).
        const change = diffBodies(good.body, bad.body)!;
        for (const input of [
          { version: bad.version, body: bad.body },
          { version: bad.version, delta: { baseVersion: good.version, change } },
        ]) {
          const how = `${what} (${input.body ? 'body' : 'delta'})`;
          const result = await applier.submit(toWire(input));
          expect(result.ok, how).to.equal(false);
          expect(result.ok || result.error.code, how).to.equal(ErrorCodes.SNAPSHOT_BUILD);
          expect(result.ok || result.error.message, how).to.include(says);
          expect(engine.version, how).to.equal(good.version);
        }
      }
      // A member's rules edited within its hosts: checked from the live result, and applied.
      const patched = listenerChecks.patched;
      const edited = makeSnapshot(
        body(
          [owner(['b/fe']), member({ rules: [rule('b.test'), { ...rule('b.test'), name: 'r2' }] })],
          [web],
        ),
      );
      const change = diffBodies(good.body, edited.body)!;
      expect(
        await applier.submit(
          toWire({ version: edited.version, delta: { baseVersion: good.version, change } }),
        ),
      ).to.deep.include({ ok: true });
      expect(listenerChecks.patched).to.equal(patched + 1);
    } finally {
      engine.close();
    }
  });

  it('refuses a delta against another base, or whose result does not hash to its version', async () => {
    const engine = new Engine(log);
    const applier = new Applier({ engine, log });
    try {
      const port = await freePort();
      const web = (weight: number) => backend('default/web', [server('a', 1, { weight })]);
      const fe = frontend('default/fe', port, { defaultBackend: 'default/web' });
      const v1 = makeSnapshot(body([fe], [web(1)]));
      const v2 = makeSnapshot(body([fe], [web(2)]));
      const v3 = makeSnapshot(body([fe], [web(3)]));
      expect(await applier.submit({ version: v1.version, body: v1.body })).to.deep.include({ ok: true });

      const unknownBase = await applier.submit(
        toWire({
          version: v3.version,
          delta: { baseVersion: v2.version, change: diffBodies(v2.body, v3.body)! },
        }),
      );
      expect(unknownBase).to.deep.include({ ok: false });
      expect(unknownBase.ok || unknownBase.error.code).to.equal(ErrorCodes.DELTA_BASE);

      // The change to v2, announced as v3: the result does not hash to the version.
      const lying = await applier.submit(
        toWire({
          version: v3.version,
          delta: { baseVersion: v1.version, change: diffBodies(v1.body, v2.body)! },
        }),
      );
      expect(lying.ok || lying.error.code).to.equal(ErrorCodes.SNAPSHOT_INVALID);

      // An invalid object in a delta is refused by the schema, like one in a full snapshot.
      const bad = diffBodies(v1.body, v2.body)!;
      const invalid = await applier.submit(
        toWire({
          version: v2.version,
          delta: {
            baseVersion: v1.version,
            change: {
              ...bad,
              backends: { upsert: [{ ...bad.backends.upsert[0]!, mode: 'udp' } as never], remove: [] },
            },
          },
        }),
      );
      expect(invalid.ok || invalid.error.code).to.equal(ErrorCodes.SNAPSHOT_INVALID);
      expect(engine.version).to.equal(v1.version);

      const good = await applier.submit(
        toWire({
          version: v2.version,
          delta: { baseVersion: v1.version, change: diffBodies(v1.body, v2.body)! },
        }),
      );
      expect(good).to.deep.include({ ok: true, version: v2.version });
      expect(engine.version).to.equal(v2.version);
    } finally {
      engine.close();
    }
  });

  it('says in the applied line how long the apply took from its frame, when it came in one', async () => {
    const { log: captured, lines } = capturingLogger();
    const engine = new Engine(captured);
    const applier = new Applier({ engine, log: captured });
    try {
      const port = await freePort();
      const web = backend('default/web', [server('a', 1)]);
      const v1 = makeSnapshot(body([frontend('a/fe', port, { defaultBackend: 'default/web' })], [web]));
      const v2 = makeSnapshot(
        body(
          [frontend('a/fe', port, { defaultBackend: 'default/web' })],
          [web, backend('default/x', [server('b', 2)])],
        ),
      );
      expect(await applier.submit({ version: v1.version, body: v1.body })).to.deep.include({ ok: true });
      const change = diffBodies(v1.body, v2.body)!;
      const receivedAt = performance.now();
      expect(
        await applier.submit(
          toWire({ version: v2.version, delta: { baseVersion: v1.version, change }, receivedAt }),
        ),
      ).to.deep.include({ ok: true });
      await new Promise((r) => setImmediate(r)); // the line is written after the answer
      const applied = lines().filter((l) => l.msg === 'snapshot applied');
      expect(applied).to.have.length(2);
      expect(applied[0]).to.not.have.property('applyMs'); // not from a frame
      expect(applied[1]!.applyMs).to.be.a('number').and.at.least(0);
    } finally {
      engine.close();
    }
  });

  it('persists the newest snapshot at most once per interval, and a flush writes it at once', async () => {
    const engine = new Engine(log);
    const written: string[] = [];
    // An interval far longer than the test's timeout: only a flush can write the second version.
    const applier = new Applier({
      engine,
      log,
      persist: async (s) => void written.push(s.version),
      persistIntervalMs: 600_000,
    });
    try {
      const port = await freePort();
      const web = (weight: number) => backend('default/web', [server('a', 1, { weight })]);
      const fe = frontend('default/fe', port, { defaultBackend: 'default/web' });
      const [v1, v2, v3] = [1, 2, 3].map((w) => makeSnapshot(body([fe], [web(w)])));
      // Nothing is written in the turn of the apply (the ACK goes first), then at once.
      let writtenAtAnswer = -1;
      const first = applier.submit({ version: v1!.version, body: v1!.body }).then((r) => {
        writtenAtAnswer = written.length;
        return r;
      });
      expect(await first).to.deep.include({ ok: true });
      expect(writtenAtAnswer).to.equal(0);
      await new Promise((r) => setTimeout(r, 20));
      expect(written).to.deep.equal([v1!.version]);
      for (const v of [v2!, v3!])
        expect(await applier.submit({ version: v.version, body: v.body })).to.deep.include({ ok: true });
      await new Promise((r) => setTimeout(r, 20));
      // The later ones wait for the interval, and only the newest is kept.
      expect(written).to.deep.equal([v1!.version]);
      await applier.flushPersisted();
      expect(written).to.deep.equal([v1!.version, v3!.version]);
      await applier.flushPersisted(); // nothing waiting: writes nothing
      expect(written).to.have.length(2);
    } finally {
      engine.close();
    }
  });
});
