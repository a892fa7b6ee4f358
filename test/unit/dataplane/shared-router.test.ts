// A shared HTTP listener travels as one snapshot object per Frontend and is routed by parts
// (dataplane/src/router/shared-router.ts). Seeded, randomized differential tests: the
// controller's resolveListeners decides the conflicts of random Frontends on one bind, and the
// part router must pick, for every request, exactly what a linear scan of the flat listener
// (protocol/src/listener.ts) picks — built from scratch, and rebuilt from the previous router
// after an edit of one Frontend (keeping the parts of the others).
import { expect } from 'chai';
import { ListenerMemo, resolveListeners, type Contender } from '#controller/compile/listeners';
import { compileSharedRouter } from '#dataplane/router/shared-router';
import { canonicalJson, deepFreeze } from '#protocol/canonical';
import { flattenListener } from '#protocol/listener';
import type { FrontendSnap } from '#protocol/snapshot';
import { frontend } from './helpers.js';
import { prng } from '../../support/prng.js';
import { randomHead, randomRule, RULE_HOSTS } from './router-fixtures.js';

/** The pool's hosts a Frontend may write (the API's pattern: no "*", no empty name). */
const HOSTS = RULE_HOSTS.filter(
  (h) => h === undefined || /^(\*\.)?[a-zA-Z0-9]([-a-zA-Z0-9.]*[a-zA-Z0-9])?$/.test(h),
);

function randomFrontend(rnd: () => number, n: number, serial: number): FrontendSnap {
  const count = 1 + Math.floor(rnd() * 12);
  const rules = Array.from({ length: count }, (_, i) => randomRule(rnd, i + serial, HOSTS));
  // A joining Frontend must claim a host.
  if (!rules.some((r) => r.match.host !== undefined)) rules[0]!.match.host = 'b.example.com';
  return frontend(`team${n}/fe`, 8080, {
    rules,
    ...(rnd() < 0.6 ? { defaultBackend: `default/d${n}` } : {}),
  });
}

/** Each Frontend as a contender for one bind, oldest first, every namespace allowed; frozen. */
const contendersOf = (frontends: readonly FrontendSnap[]): Contender[] =>
  frontends.map((snap, i) => ({
    snap: deepFreeze(snap),
    created: `2026-01-01T00:00:${String(i).padStart(2, '0')}Z`,
    allowedNamespaces: ['*'],
  }));

/** The listener's snapshot objects, frozen as a snapshot is: owner first, then the members in order. */
function share(frontends: readonly FrontendSnap[]): { owner: FrontendSnap; members: FrontendSnap[] } {
  const { listeners, problems } = resolveListeners(contendersOf(frontends), 'default');
  expect(listeners).to.have.length(1);
  expect(problems.filter((p) => p.code !== 'BASCULE_E_ROUTE_CONFLICT')).to.deep.equal([]);
  const snaps = listeners[0]!.snaps.map((s) => deepFreeze(s));
  const owner = snaps.find((s) => s.listener?.owner === s.id)!;
  const members = owner.listener!.members!.map((id) => snaps.find((s) => s.id === id)!);
  return { owner, members };
}

describe('router: shared listener by parts', () => {
  it('picks what a linear scan of the flat listener picks, before and after an edit (randomized, seeded)', () => {
    let compared = 0;
    let matched = 0;
    let defaults = 0;
    let keptParts = 0;
    let keptLayouts = 0;
    for (let seed = 1; seed <= 150; seed++) {
      const rnd = prng(seed);
      const frontends = Array.from({ length: 2 + Math.floor(rnd() * 4) }, (_, n) =>
        randomFrontend(rnd, n, n * 100),
      );
      const first = share(frontends);
      const router = compileSharedRouter(first.owner, first.members);

      // One Frontend edited (not always the owner); the rebuild keeps the others' parts. Half
      // the edits add a rule on a host the Frontend already names (its hosts do not move, so
      // the rebuild keeps the host maps too), the others replace it with a random one.
      const edited = Math.floor(rnd() * frontends.length);
      const was = frontends[edited]!;
      const named = was.rules.flatMap((r) => (r.match.host !== undefined ? [r.match.host] : []));
      if (rnd() < 0.5) {
        const rule = randomRule(rnd, 1000 + edited * 100, named);
        frontends[edited] = { ...was, rules: [...was.rules.map((r) => ({ ...r })), rule] };
      } else frontends[edited] = randomFrontend(rnd, edited, 1000 + edited * 100);
      const second = share(frontends);
      const rebuilt = compileSharedRouter(second.owner, second.members, {}, router);
      const fresh = compileSharedRouter(second.owner, second.members);

      for (const [{ owner, members }, indexed] of [
        [first, router],
        [second, rebuilt],
        [second, fresh],
      ] as const) {
        const linear = compileSharedRouter(owner, members, { lookup: 'linear' });
        for (let n = 0; n < 150; n++) {
          const head = randomHead(rnd);
          const want = linear.route(head);
          expect(indexed.route(head), `seed ${seed}, request ${JSON.stringify(head)}`).to.deep.equal(want);
          compared++;
          if (want.rule !== undefined) matched++;
          if (want.rule?.includes(':defaultBackend:')) defaults++;
        }
      }
      const maps = (r: unknown) => (r as { layout: { exactParts: object } }).layout.exactParts;
      if (maps(rebuilt) === maps(router)) {
        keptLayouts++;
        // Kept maps record the Frontends of this build: the next one compares by identity.
        const made = (rebuilt as unknown as { layout: { made: readonly object[] } }).layout.made;
        expect(made, `seed ${seed}: the layout's Frontends`).to.deep.equal([second.owner, ...second.members]);
        made.forEach((f, i) => expect(f).to.equal([second.owner, ...second.members][i]));
      }
      const before = (router as unknown as { parts: Map<string, object> }).parts;
      const after = (rebuilt as unknown as { parts: Map<string, object> }).parts;
      for (const f of [second.owner, ...second.members]) {
        const was = [first.owner, ...first.members].find((x) => x.id === f.id);
        if (was && canonicalJson(was) === canonicalJson(f)) {
          expect(after.get(f.id), `seed ${seed}: part ${f.id} kept`).to.equal(before.get(f.id));
          keptParts++;
        }
      }
    }
    // The pools must produce every outcome often, or the comparison proves little.
    expect(compared).to.equal(150 * 3 * 150);
    expect(matched).to.be.greaterThan(compared * 0.3);
    expect(compared - matched).to.be.greaterThan(compared * 0.03);
    expect(defaults).to.be.greaterThan(compared * 0.02);
    expect(keptParts).to.be.greaterThan(150);
    expect(keptLayouts).to.be.greaterThan(40);
  });

  it('decides conflicts after an edit as a fresh resolution does, deciding only the members it touches (randomized, seeded)', () => {
    let conflicts = 0;
    let kept = 0;
    let steps = 0;
    for (let seed = 1; seed <= 100; seed++) {
      const rnd = prng(seed);
      const frontends = Array.from({ length: 2 + Math.floor(rnd() * 5) }, (_, n) =>
        deepFreeze(randomFrontend(rnd, n, n * 100)),
      );
      const memo = new ListenerMemo();
      let before: readonly FrontendSnap[] = [];
      for (let step = 0; step < 12; step++) {
        // One member edited (the owner too), or one re-sent with the same content as a new object.
        const edited = Math.floor(rnd() * frontends.length);
        frontends[edited] =
          rnd() < 0.2
            ? deepFreeze(structuredClone(frontends[edited]!))
            : deepFreeze(randomFrontend(rnd, edited, 1000 * (step + 1) + edited * 100));
        const contenders = contendersOf(frontends);
        const incremental = resolveListeners(contenders, 'default', memo);
        const fresh = resolveListeners(contenders, 'default');
        const where = `seed ${seed} step ${step}`;
        const snaps = incremental.listeners.flatMap((l) => l.snaps);
        expect(
          snaps.map((f) => canonicalJson(f)),
          where,
        ).to.deep.equal(fresh.listeners.flatMap((l) => l.snaps).map((f) => canonicalJson(f)));
        const problems = (r: typeof fresh) =>
          r.problems.map((p) => [p.contender.snap.id, p.code, p.field, p.message]);
        expect(problems(incremental), where).to.deep.equal(problems(fresh));
        conflicts += fresh.problems.length;
        // A member the edit did not touch is handed back as the very same object.
        for (const f of snaps) if (before.includes(f)) kept++;
        before = snaps;
        steps++;
      }
    }
    expect(steps).to.equal(1200);
    expect(conflicts, 'the pools make conflicts often').to.be.greaterThan(steps);
    expect(kept, 'untouched members keep their snapshot object').to.be.greaterThan(steps);
  });

  it('serves no host + match twice, and reports every rule it leaves out', () => {
    for (let seed = 1; seed <= 100; seed++) {
      const rnd = prng(seed);
      const frontends = Array.from({ length: 2 + Math.floor(rnd() * 4) }, (_, n) =>
        randomFrontend(rnd, n, 0),
      );
      const contenders = frontends.map((snap, i) => ({
        snap,
        created: `2026-01-01T00:00:0${i}Z`,
        allowedNamespaces: ['*'],
      }));
      const { listeners, problems } = resolveListeners(contenders, 'default');
      const snaps = listeners[0]!.snaps;
      const owner = snaps.find((s) => s.listener?.owner === s.id)!;
      const members = owner.listener!.members!.map((id) => snaps.find((s) => s.id === id)!);
      const flat = flattenListener(owner, members);
      const winner = new Map<string, string>();
      for (const r of flat.rules) {
        if (r.name.includes(':defaultBackend:')) continue;
        const from = r.name.slice(0, r.name.indexOf(':'));
        const key = canonicalJson(r.match);
        // The owner's host-less rules come twice (scoped, and as the fallback): same Frontend.
        expect(winner.get(key) ?? from, `seed ${seed}: ${key}`).to.equal(from);
        winner.set(key, from);
      }
      // Each Frontend: the rules it wrote are served or reported (a host-less rule: per host).
      for (const f of frontends) {
        const served = snaps.find((s) => s.id === f.id)!;
        const reported = problems.filter((p) => p.contender.snap === f && p.field.startsWith('spec.rules['));
        if (reported.length === 0) expect(served.rules, `seed ${seed}: ${f.id}`).to.equal(f.rules);
        else expect(served.rules.length, `seed ${seed}: ${f.id}`).to.not.equal(undefined);
        for (const p of reported) {
          const i = Number(/\[(\d+)\]/.exec(p.field)![1]);
          expect(p.message).to.include(`rule ${f.rules[i]!.name} `);
        }
      }
    }
  });
});
