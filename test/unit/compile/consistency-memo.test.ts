// The consistency gate after edits (ConsistencyMemo): it looks at what changed since the last
// body of the group that passed, and must say exactly what the full check says, on random edit
// sequences with now and then a body broken the ways the gate exists for (a reference to a
// missing backend or one of another mode, a server named twice, two frontends on one bind).
import { expect } from 'chai';
import { checkConsistency, ConsistencyMemo } from '#controller/snapshot/consistency';
import { deepFreeze } from '#protocol/canonical';
import type { BackendSnap, FrontendSnap, SnapshotBody } from '#protocol/snapshot';
import { prng, RandomConfig } from '../dataplane/delta-fixtures.js';

function broken(body: SnapshotBody, rnd: () => number): SnapshotBody {
  const k = rnd();
  const frontends = [...body.frontends];
  const backends = [...body.backends];
  const at = <T>(list: T[]) => Math.floor(rnd() * list.length);
  if (k < 0.25 && frontends.length > 0) {
    const i = at(frontends);
    const f = frontends[i]!;
    frontends[i] = deepFreeze({ ...structuredClone(f), defaultBackend: 'nowhere/missing' } as FrontendSnap);
  } else if (k < 0.5 && backends.length > 0) {
    const i = at(backends);
    const b = backends[i]!;
    backends[i] = deepFreeze({
      ...structuredClone(b),
      mode: b.mode === 'http' ? 'tcp' : 'http',
    } as BackendSnap);
  } else if (k < 0.75 && backends.length > 0) {
    const i = at(backends);
    const b = structuredClone(backends[i]!) as BackendSnap;
    if (b.servers.length > 0) b.servers = [...b.servers, b.servers[0]!];
    backends[i] = deepFreeze(b);
  } else if (frontends.length > 1) {
    const i = at(frontends);
    const other = frontends[(i + 1) % frontends.length]!;
    const f = structuredClone(frontends[i]!) as FrontendSnap;
    f.bind = { ...other.bind };
    delete f.listener;
    frontends[i] = deepFreeze(f);
  }
  return { ...body, frontends, backends };
}

describe('consistency gate: after edits (ConsistencyMemo)', () => {
  it('says what the full check says, after seeded random edit sequences with broken bodies', () => {
    let failing = 0;
    let passing = 0;
    for (let seed = 1; seed <= 20; seed++) {
      const rnd = prng(seed);
      const config = new RandomConfig(rnd, [8001, 8002, 8003], 8004);
      const memo = new ConsistencyMemo();
      let body = deepFreeze(config.body());
      for (let step = 0; step < 60; step++) {
        const r = rnd();
        if (r < 0.6) {
          config.edit();
          body = deepFreeze(config.body());
        } else if (r < 0.8) body = broken(body, rnd);
        // else: the same body again
        const expected = checkConsistency(body);
        expect(memo.check(body), `seed ${seed} step ${step}`).to.deep.equal(expected);
        if (expected.length > 0) failing++;
        else passing++;
      }
    }
    expect(failing, 'broken bodies').to.be.greaterThan(50);
    expect(passing, 'good bodies').to.be.greaterThan(200);
  });
});
