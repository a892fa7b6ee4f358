// Snapshot deltas on the wire contract: a delta applied to its base gives exactly the target
// (same hash), keeps the base's unchanged objects, refuses what does not fit, and is bounded.
import { expect } from 'chai';
import { bodyVersion, canonicalJson, deepFreeze, makeSnapshot, sha256Hex } from '#protocol/canonical';
import { applyDelta, diffBodies, MAX_DELTA_OBJECTS, type SnapshotDelta } from '#protocol/delta';
import { ErrorCodes } from '#protocol/errors';
import type { SnapshotBody } from '#protocol/snapshot';
import { validateControllerMessage, validateFrontendSnap } from '#protocol/validators';
import { prng, RandomConfig } from '../dataplane/delta-fixtures.js';
import { backend, body, frontend, server } from '../dataplane/helpers.js';

/** The version by its definition: sha256 of the body with each frontend and backend replaced by its own sha256. */
const hashOf = (b: SnapshotBody): string => {
  const digest = (o: object): string => sha256Hex(canonicalJson(o));
  return sha256Hex(
    canonicalJson({ ...b, frontends: b.frontends.map(digest), backends: b.backends.map(digest) }),
  );
};

describe('protocol: snapshot deltas', () => {
  it('versions a body by the digests of its objects, cached or not, and tells bodies apart', () => {
    const rnd = prng(7);
    const config = new RandomConfig(rnd, [8001, 8002, 8003], 8004);
    const seen = new Map<string, string>();
    for (let i = 0; i < 50; i++) {
      config.edit();
      const plain = config.body();
      const snap = makeSnapshot(config.body());
      expect(snap.version).to.equal(hashOf(plain));
      expect(bodyVersion(snap.body)).to.equal(hashOf(plain)); // now from the cached digests
      expect(bodyVersion(plain)).to.equal(hashOf(plain));
      // Different bodies, different versions; the same body, the same version.
      const text = canonicalJson(plain);
      expect(seen.get(snap.version) ?? text).to.equal(text);
      seen.set(snap.version, text);
    }
    expect(seen.size).to.be.greaterThan(30);
    // Written directly for the usual body: the same bytes as the digest form's canonical JSON,
    // whatever the group's name, with empty lists, and (the general way) with another key.
    const config2 = new RandomConfig(prng(8), [8001, 8002], 8004);
    const base = config2.body();
    for (const group of ['default', 'q"uote\\back', 'é\u2028\u0000', '\ud800lone', ''])
      for (const b of [
        { ...base, group },
        { ...base, group, frontends: [] },
        { ...base, group, backends: [], frontends: [] },
        { ...base, group, extra: [1, 'x'] } as SnapshotBody,
      ])
        expect(bodyVersion(b), JSON.stringify(group)).to.equal(hashOf(b));
  });

  it('reproduces the target after many seeded random edit sequences, keeping unchanged objects', () => {
    for (let seed = 1; seed <= 40; seed++) {
      const rnd = prng(seed);
      const config = new RandomConfig(rnd, [8001, 8002, 8003, 8004]);
      let base = makeSnapshot(config.body());
      for (let step = 0; step < 25; step++) {
        const edits = 1 + Math.floor(rnd() * 3);
        for (let e = 0; e < edits; e++) config.edit();
        const target = makeSnapshot(config.body());
        const delta = diffBodies(base.body, target.body);
        expect(delta, `seed ${seed} step ${step}`).to.not.equal(null);
        // Through JSON, as on the wire.
        const wire = JSON.parse(JSON.stringify(delta)) as SnapshotDelta;
        const result = deepFreeze(applyDelta(base.body, wire));
        expect(hashOf(result), `seed ${seed} step ${step}`).to.equal(target.version);
        expect(bodyVersion(result)).to.equal(target.version);
        const before = new Map(base.body.backends.map((b) => [b.id, b]));
        for (const b of result.backends) {
          const old = before.get(b.id);
          if (old && canonicalJson(old) === canonicalJson(b)) expect(b).to.equal(old); // same object
        }
        base = makeSnapshot(result);
      }
    }
  });

  it('carries only what changed', () => {
    const web = backend('default/web', [server('a', 1)]);
    const api = backend('default/api', [server('b', 2)]);
    const base = makeSnapshot(
      body([frontend('default/fe', 80, { defaultBackend: 'default/web' })], [api, web]),
    );
    const next = makeSnapshot(
      body(
        [frontend('default/fe', 80, { defaultBackend: 'default/web' })],
        [backend('default/web', [server('a', 1, { weight: 7 })]), backend('default/zz', [server('c', 3)])],
      ),
    );
    const d = diffBodies(base.body, next.body)!;
    expect(d.frontends).to.deep.equal({ upsert: [], remove: [] });
    expect(d.backends.upsert.map((b) => b.id)).to.deep.equal(['default/web', 'default/zz']);
    expect(d.backends.remove).to.deep.equal(['default/api']);
  });

  it('refuses a delta that does not fit its base', () => {
    const base = body([], [backend('default/web', [server('a', 1)])]);
    const removeUnknown: SnapshotDelta = {
      group: 'default',
      frontends: { upsert: [], remove: ['default/nope'] },
      backends: { upsert: [], remove: [] },
    };
    expect(() => applyDelta(base, removeUnknown))
      .to.throw(/does not have/)
      .with.property('code', ErrorCodes.DELTA_BASE);
    expect(() =>
      applyDelta(base, { ...removeUnknown, group: 'other', frontends: { upsert: [], remove: [] } }),
    )
      .to.throw(/group/)
      .with.property('code', ErrorCodes.DELTA_BASE);
    const web = backend('default/web', [server('a', 1)]);
    expect(() =>
      applyDelta(base, {
        group: 'default',
        frontends: { upsert: [], remove: [] },
        backends: { upsert: [web, web], remove: [] },
      }),
    ).to.throw(/repeats/);
  });

  it('puts each change in place on a base in id order, as a map and a sort would; another base is sorted', () => {
    const rnd = prng(21);
    const reference = <T extends { id: string }>(base: readonly T[], remove: string[], upsert: T[]): T[] => {
      const byId = new Map(base.map((o) => [o.id, o]));
      for (const id of remove) byId.delete(id);
      for (const o of upsert) byId.set(o.id, o);
      return [...byId.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    };
    const id = () => `ns/b${Math.floor(rnd() * 60)}`;
    for (let round = 0; round < 300; round++) {
      const ids = [...new Set(Array.from({ length: Math.floor(rnd() * 30) }, id))].sort();
      const base = ids.map((i) => backend(i, []));
      const remove = [...new Set(base.filter(() => rnd() < 0.2).map((b) => b.id))];
      const upsert = [
        ...new Map(
          Array.from({ length: Math.floor(rnd() * 6) }, () => backend(id(), [server('s', 1)])).map((b) => [
            b.id,
            b,
          ]),
        ).values(),
      ];
      const change: SnapshotDelta = {
        group: 'default',
        frontends: { upsert: [], remove: [] },
        backends: { upsert, remove },
      };
      const got = applyDelta(body([], base), change).backends;
      const want = reference(base, remove, upsert);
      expect(got.length, `round ${round}`).to.equal(want.length);
      got.forEach((b, i) => expect(b, `round ${round} item ${i}`).to.equal(want[i]));
      // And back: the diff of base and result is this change (upserts that differ, removals).
      const diff = diffBodies(body([], base), body([], want))!;
      const had = new Map(base.map((b) => [b.id, b]));
      expect(diff.backends.upsert, `round ${round} diff`).to.deep.equal(
        want.filter((b) => had.get(b.id) !== b && canonicalJson(had.get(b.id) ?? null) !== canonicalJson(b)),
      );
      expect(diff.backends.remove).to.deep.equal(
        base.filter((b) => !want.some((w) => w.id === b.id)).map((b) => b.id),
      );
      // The same base out of order: the same result.
      const shuffled = [...base].reverse();
      expect(applyDelta(body([], shuffled), change).backends.map((b) => b.id)).to.deep.equal(
        want.map((b) => b.id),
      );
    }
  });

  it('remembers the digests of a list only while nothing in it can change', () => {
    const a = backend('default/a', [server('a', 1)]);
    const b = backend('default/b', [server('b', 1)]);
    // A frozen list of objects that are not: an object edited in place moves the version.
    const list = Object.freeze([a, b]) as (typeof a)[];
    const first = bodyVersion(body([], list));
    expect(first).to.equal(hashOf(body([], list)));
    b.allBackups = !b.allBackups;
    const second = bodyVersion(body([], list));
    expect(second).to.not.equal(first);
    expect(second).to.equal(hashOf(body([], list)));
    // All frozen: the same version each time, the definition's.
    const frozen = deepFreeze([backend('default/a', []), backend('default/b', [])]) as ReturnType<
      typeof backend
    >[];
    expect(bodyVersion(body([], frozen))).to.equal(hashOf(body([], frozen)));
    expect(bodyVersion(body([], frozen))).to.equal(hashOf(body([], frozen)));
  });

  it('keeps the base list of a kind the delta does not change, when the base is in id order', () => {
    const a = backend('default/a', [server('a', 1)]);
    const b = backend('default/b', [server('b', 1)]);
    const none = { upsert: [], remove: [] };
    const base = deepFreeze(body([], [a, b]));
    const same = applyDelta(base, { group: 'default', frontends: none, backends: none });
    expect(same.backends).to.equal(base.backends);
    expect(same.frontends).to.equal(base.frontends);
    // Not in id order: sorted, as any delta on such a base is (a new list).
    const unsorted = deepFreeze(body([], [b, a]));
    const sorted = applyDelta(unsorted, { group: 'default', frontends: none, backends: none });
    expect(sorted.backends).to.not.equal(unsorted.backends);
    expect(sorted.backends.map((x) => x.id)).to.deep.equal(['default/a', 'default/b']);
    // A change of the kind makes a new list; the base's stays as it was.
    const changed = applyDelta(base, {
      group: 'default',
      frontends: none,
      backends: { upsert: [backend('default/c', [])], remove: [] },
    });
    expect(changed.backends.map((x) => x.id)).to.deep.equal(['default/a', 'default/b', 'default/c']);
    expect(base.backends.map((x) => x.id)).to.deep.equal(['default/a', 'default/b']);
  });

  it('gives no delta when the target is not in id order, or too large', () => {
    const a = backend('default/a', [server('a', 1)]);
    const b = backend('default/b', [server('b', 1)]);
    expect(diffBodies(body([], []), body([], [b, a]))).to.equal(null);
    expect(diffBodies(body([], [a]), { ...body([], [a]), group: 'other' })).to.equal(null);
    const many = Array.from({ length: MAX_DELTA_OBJECTS + 1 }, (_, i) =>
      backend(`default/b${String(i).padStart(6, '0')}`, []),
    );
    expect(diffBodies(body([], []), body([], many))).to.equal(null);
  });

  it('bounds a delta message on the wire', () => {
    const msg = (remove: string[]) => ({
      type: 'delta',
      version: 'v',
      baseVersion: 'b',
      nonce: 'n',
      group: 'default',
      frontends: { upsert: [], remove },
      backends: { upsert: [], remove: [] },
    });
    expect(validateControllerMessage(msg(['default/x']))).to.equal(true);
    expect(
      validateControllerMessage(msg(Array.from({ length: MAX_DELTA_OBJECTS + 1 }, (_, i) => `x${i}`))),
    ).to.equal(false);
    // The channel checks the envelope only; a changed object is checked once, by the applier.
    const badObject = { ...msg([]), frontends: { upsert: [{ id: 'x' }], remove: [] } };
    expect(validateControllerMessage(badObject)).to.equal(true);
    expect(validateFrontendSnap(badObject.frontends.upsert[0])).to.equal(false);
    expect(
      validateControllerMessage({
        ...msg([]),
        backends: { upsert: Array.from({ length: MAX_DELTA_OBJECTS + 1 }, () => ({})), remove: [] },
      }),
    ).to.equal(false);
  });
});
