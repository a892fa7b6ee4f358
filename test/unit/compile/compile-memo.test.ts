// Incremental compile: with the memo, an object whose resource and dependencies are unchanged is
// not compiled again (its snapshot object is reused as is), and every run gives exactly what a
// fresh compile of the same input gives — snapshots, diagnostics and per-object reports —
// across seeded random edit sequences over the golden fixtures.
import { join } from 'node:path';
import { expect } from 'chai';
import { loadInput } from '#controller/cli/load-files';
import { CompileMemo, sameItems } from '#controller/compile/memo';
import type { Snapshot } from '#protocol/snapshot';
import type { CompileInput, SourcedResource } from '#controller/compile/types';
import { runStages } from '#controller/pipeline/stages';
import { validateResource, type ValidatedObject } from '#controller/validate/validate';
import { deepFreeze } from '#protocol/canonical';
import { prng } from '../../support/prng.js';

const FIXTURES = join(import.meta.dirname, '../../golden/fixtures');
const NOW = Date.parse('2026-06-01T00:00:00Z');
const CASES = [
  'basic-http',
  'service-discovery',
  'health-and-persistence',
  'mode-conflict',
  'dangling-references',
  'shared-listener',
  'groups',
  'port-conflict',
  'sni-listener',
  'tcp-mode',
];

type Spec = Record<string, unknown> & {
  servers?: Array<Record<string, unknown>>;
  rules?: Array<Record<string, unknown>>;
  mode?: string;
  defaultBackend?: string;
  rise?: number;
};

/** One edit to one resource: a new object (the others stay the very same objects). */
function edit(r: SourcedResource, rnd: () => number, backendNames: string[]): SourcedResource {
  const next = structuredClone(r) as SourcedResource & { spec: Spec };
  const spec = next.spec;
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  if (r.kind === 'Backend') {
    const k = rnd();
    if (k < 0.5 && spec.servers?.length) spec.servers[0]!.weight = 1 + Math.floor(rnd() * 200);
    else if (k < 0.8)
      spec.servers = [
        ...(spec.servers ?? []),
        { name: `x${Math.floor(rnd() * 1e6)}`, address: '10.1.2.3', port: 80 },
      ];
    else spec.mode = spec.mode === 'tcp' ? 'http' : 'tcp';
  } else if (r.kind === 'Frontend') {
    const k = rnd();
    // A copy of a rule under a new name and path (a rule without a match stays without one).
    const newRule = (from: Record<string, unknown>) => {
      const rule = structuredClone(from) as Record<string, unknown> & { match?: { path?: unknown } };
      const n = Math.floor(rnd() * 1e6);
      rule.name = `x${n}`;
      if (rule.match) rule.match = { ...rule.match, path: { prefix: `/x${n}/` } };
      return rule;
    };
    if (k < 0.25) spec.defaultBackend = pick([...backendNames, 'missing']);
    else if (k < 0.42 && spec.rules?.length) spec.rules[0]!.backend = pick([...backendNames, 'missing']);
    // The rules a patched compile keeps by name: one inserted first (every index moves), one
    // changed in the middle (its match or its name), the order reversed.
    else if (k < 0.5 && spec.rules?.length) spec.rules = [newRule(pick(spec.rules)), ...spec.rules];
    else if (k < 0.62 && spec.rules?.length) {
      const j = Math.floor(rnd() * spec.rules.length);
      const rule = spec.rules[j]! as Record<string, unknown> & { match?: Record<string, unknown> };
      const n = Math.floor(rnd() * 1e6);
      if (rule.match && rnd() < 0.8) rule.match = { ...rule.match, path: { exact: `/changed${n}` } };
      else rule.name = `renamed${n}`;
    } else if (k < 0.66 && (spec.rules?.length ?? 0) > 1) spec.rules = [...spec.rules!].reverse();
    else if (k < 0.78 && spec.rules?.length) {
      // One more rule, routing to another backend (the group's backend set moves).
      const rule = structuredClone(spec.rules[0]!) as Record<string, unknown> & {
        match?: { path?: unknown };
      };
      const n = Math.floor(rnd() * 1e6);
      rule.name = `x${n}`;
      if (rule.match) rule.match = { ...rule.match, path: { prefix: `/x${n}/` } };
      if (rule.backend !== undefined) rule.backend = pick([...backendNames, 'missing']);
      spec.rules = [...spec.rules, rule];
    } else if (k < 0.86 && (spec.rules?.length ?? 0) > 1) spec.rules = spec.rules!.slice(1);
    else if (k < 0.93) spec.dataplaneGroup = spec.dataplaneGroup === 'blue' ? 'default' : 'blue';
    else spec.maxConnections = 1 + Math.floor(rnd() * 1000);
  } else if (r.kind === 'HealthPolicy') {
    spec.rise = 1 + Math.floor(rnd() * 5);
  }
  return deepFreeze(next);
}

/** The validate stage remembering its result per resource object, as the pipeline does. */
function rememberingValidate(): (r: SourcedResource) => ValidatedObject {
  const validated = new WeakMap<SourcedResource, ValidatedObject>();
  return (r) => {
    let v = validated.get(r);
    if (!v) validated.set(r, (v = validateResource(r)));
    return v;
  };
}

describe('compile: incremental (per-object memo)', () => {
  it('gives what a fresh compile gives, after seeded random edit sequences', async () => {
    let hits = 0;
    let runs = 0;
    let patched = 0;
    let keptLists = 0;
    let keptRules = 0;
    for (const name of CASES) {
      const loaded = await loadInput([join(FIXTURES, name, 'input.yaml')]);
      for (let seed = 1; seed <= 6; seed++) {
        const rnd = prng(seed);
        const memo = new CompileMemo();
        const validate = rememberingValidate();
        let resources = loaded.resources.map((r) => deepFreeze(structuredClone(r)));
        const removed: SourcedResource[] = [];
        let last: Record<string, Snapshot> | undefined;
        for (let step = 0; step < 15; step++) {
          if (step > 0) {
            const i = Math.floor(rnd() * resources.length);
            const backendNames = resources.filter((r) => r.kind === 'Backend').map((r) => r.metadata.name);
            // Now and then an object is deleted, and comes back later (a frontend leaving a group).
            if (rnd() < 0.1 && resources.length > 1) {
              removed.push(resources[i]!);
              resources = resources.filter((_, j) => j !== i);
            } else if (removed.length > 0 && rnd() < 0.3) {
              resources = [...resources, removed.pop()!];
            } else {
              // Now and then two objects in one run (a burst the holdoff coalesced).
              const k = rnd() < 0.3 ? Math.floor(rnd() * resources.length) : i;
              resources = resources.map((r, j) => (j === i || j === k ? edit(r, rnd, backendNames) : r));
            }
          }
          const input: CompileInput = { ...loaded, resources, now: NOW };
          const before = memo.hits;
          const patchedBefore = memo.patchedRuns;
          const incremental = runStages(input, validate, memo);
          const fresh = runStages(input);
          const where = `${name} seed ${seed} step ${step}`;
          expect(
            Object.fromEntries(Object.entries(incremental.snapshots).map(([g, s]) => [g, s.version])),
            where,
          ).to.deep.equal(
            Object.fromEntries(Object.entries(fresh.snapshots).map(([g, s]) => [g, s.version])),
          );
          // A group compiled again with the very same backends (a Frontend edit that names no
          // other backend) keeps the list itself: its digests are then joined once.
          for (const [g, s] of Object.entries(incremental.snapshots)) {
            const was = last?.[g];
            if (!was || was === s || !sameItems(was.body.backends, s.body.backends)) continue;
            expect(s.body.backends, `${where}: group ${g}'s backends list`).to.equal(was.body.backends);
            keptLists++;
          }
          // An edited frontend keeps the compiled objects of its unchanged rules (frontend.ts).
          for (const [g, s] of Object.entries(incremental.snapshots)) {
            const was = new Map(last?.[g]?.body.frontends.map((f) => [f.id, f]));
            for (const f of s.body.frontends) {
              const before = was.get(f.id);
              if (!before || before === f || before.rules === f.rules) continue;
              const rules = new Set(before.rules);
              keptRules += f.rules.filter((r) => rules.has(r)).length;
            }
          }
          last = incremental.snapshots;
          expect(incremental.diagnostics, where).to.deep.equal(fresh.diagnostics);
          expect(incremental.objects, where).to.deep.equal(fresh.objects);
          if (step > 0) hits += memo.hits - before;
          patched += memo.patchedRuns - patchedBefore;
          runs++;
        }
      }
    }
    expect(runs).to.equal(CASES.length * 6 * 15);
    expect(hits, 'unchanged objects are reused').to.be.greaterThan(runs);
    // Runs after an edit of Backends or Frontends in place patch the last output (incremental.ts).
    expect(patched, 'patched runs').to.be.greaterThan(runs / 4);
    expect(keptLists, 'group backends lists kept').to.be.greaterThan(20);
    expect(keptRules, 'rules of edited frontends kept').to.be.greaterThan(20);
  });

  it('reuses the snapshot object of an unchanged Backend and recompiles the edited one', async () => {
    const loaded = await loadInput([join(FIXTURES, 'service-discovery', 'input.yaml')]);
    const resources = loaded.resources.map((r) => deepFreeze(structuredClone(r)));
    const memo = new CompileMemo();
    const validate = rememberingValidate();
    const first = runStages({ ...loaded, resources, now: NOW }, validate, memo);
    const backends = resources.filter((r) => r.kind === 'Backend');
    expect(backends.length).to.be.greaterThan(1);
    const edited = backends[0]!;
    const next = resources.map((r) => (r === edited ? edit(r, prng(3), []) : r));
    const second = runStages({ ...loaded, resources: next, now: NOW }, validate, memo);
    const byId = (result: typeof first) =>
      new Map(Object.values(result.snapshots).flatMap((s) => s.body.backends.map((b) => [b.id, b])));
    const [a, b] = [byId(first), byId(second)];
    for (const [id, snap] of b) {
      const editedId = `${edited.metadata.namespace ?? 'default'}/${edited.metadata.name}`;
      if (id === editedId) expect(snap, id).to.not.equal(a.get(id));
      else expect(snap, id).to.equal(a.get(id));
    }
  });
});
