// The compile stage: validated resources in, one immutable snapshot per dataplane group out.
// Pure and deterministic: no clock (input.now), no I/O, sorted output.
import { canonicalItem, deepFreeze, makeSnapshot } from '#protocol/canonical';
import { ErrorCodes } from '#protocol/errors';
import type { BackendSnap, CertificateSnap, HealthSnap, Snapshot } from '#protocol/snapshot';
import type { BackendSpecT, FrontendSpecT } from '#api/v1alpha1';
import { refKey, type Diagnostic } from '../validate/diagnostic.js';
import type { ValidResource } from '../validate/validate.js';
import { compileBackend } from './backend.js';
import { idOf, ObjectDiagnostics } from './context.js';
import {
  compileFrontend,
  type CompiledFrontend,
  type FrontendLookups,
  type PreviousFrontend,
} from './frontend.js';
import { compileHealthPolicy } from './health-policy.js';
import { CompileMemo, sameItems } from './memo.js';
import { compileChanges } from './incremental.js';
import { resolveListeners, type Contender } from './listeners.js';
import type { CompileOutput, SecretData, ServiceData, ValidatedInput } from './types.js';
import { canonicalJson } from '#protocol/canonical';

const byId = <T extends { id: string }>(a: T, b: T) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/**
 * The compile stage. Takes validated input only (the validate stage ran before it and chose
 * which version of each object to compile), so it never sees a spec that breaks the schema.
 */
export function compile(input: ValidatedInput): CompileOutput {
  // With a memo, a run after a few edits compiles the edited objects and patches the last run's
  // output (incremental.ts); anything it cannot patch takes the full way below.
  if (input.memo) {
    let patched: CompileOutput | undefined;
    try {
      patched = compileChanges(input, input.memo);
    } catch (err) {
      // Half patched: the next run starts from a full compile.
      input.memo.last = undefined;
      throw err;
    }
    if (patched) return patched;
  }
  return compileAll(input);
}

function compileAll(input: ValidatedInput): CompileOutput {
  const { valid } = input;
  // Without a memo from the caller every object compiles (the result is the same either way).
  const memo = input.memo ?? new CompileMemo();
  const perObject = new Map<string, ObjectDiagnostics>();
  const diagFor = (v: ValidResource) => {
    const key = refKey(v.ref);
    let d = perObject.get(key);
    if (!d) perObject.set(key, (d = new ObjectDiagnostics(v)));
    return d;
  };
  let tls = false;
  // Each kind's objects in refKey order: split in one pass, each key read once (not per comparison).
  const byKind = new Map<string, ValidResource[]>();
  for (const v of valid) {
    const list = byKind.get(v.ref.kind);
    if (list) list.push(v);
    else byKind.set(v.ref.kind, [v]);
  }
  const ofKind = (kind: string): ValidResource[] =>
    (byKind.get(kind) ?? [])
      .map((v) => ({ key: refKey(v.ref), v }))
      .sort((a, b) => (a.key < b.key ? -1 : 1))
      .map((x) => x.v);
  const healthKeys = new Map<string, string>();

  const secrets = new Map<string, SecretData>(input.secrets.map((s) => [idOf(s.namespace, s.name), s]));
  const services = new Map<string, ServiceData>(input.services.map((s) => [idOf(s.namespace, s.name), s]));

  const healthPolicies = new Map<string, HealthSnap>();
  for (const v of ofKind('HealthPolicy')) {
    const id = idOf(v.ref.namespace, v.ref.name);
    healthPolicies.set(
      id,
      memo.reuse(v, [], diagFor(v), () => compileHealthPolicy(v)),
    );
    healthKeys.set(id, refKey(v.ref));
  }

  // Certificates: the last good one of each Secret keeps serving while its current content is bad.
  const certificates = {
    lastGood: input.lastGoodCertificates ?? {},
    used: new Map<string, CertificateSnap>(),
  };
  const now = input.now ?? 0;

  const backends = new Map<string, BackendSnap>();
  for (const v of ofKind('Backend')) {
    const spec = v.spec as BackendSpecT;
    if (spec.tls) tls = true;
    const snap = compileBackendOf(
      v,
      { healthPolicies, services, secrets, now, certificates },
      diagFor(v),
      memo,
    );
    backends.set(snap.id, snap);
    backendKeys.set(snap, refKey(v.ref));
  }

  // Frontends, grouped; port conflicts resolved per group.
  const byGroup = new Map<string, GroupEntry[]>();
  const compiledDiagnostics = new Map<string, readonly Diagnostic[]>();
  for (const v of ofKind('Frontend')) {
    const d = diagFor(v);
    if (v.spec.tls) tls = true;
    const c = compileFrontendOf(
      v as ValidResource<FrontendSpecT>,
      { backends, secrets, now, certificates },
      d,
      memo,
    );
    if (c.snap.tls && c.snap.tls.certificates.length === 0) {
      d.add(
        'Accepted',
        ErrorCodes.TLS_INVALID,
        'spec.tls.certificates',
        'no usable certificate; the frontend is not served',
      );
      continue;
    }
    compiledDiagnostics.set(refKey(v.ref), d.list.slice());
    const group = v.spec.dataplaneGroup ?? 'default';
    if (!byGroup.has(group)) byGroup.set(group, []);
    byGroup.get(group)!.push({ v: v as ValidResource<FrontendSpecT>, c });
  }

  const snapshots: Record<string, Snapshot> = {};
  const groupsOf = new Map<string, string[]>();
  const members = new Map<string, ReadonlySet<string>>();
  const groupBackends = new Map<string, readonly BackendSnap[]>();
  for (const group of [...byGroup.keys()].sort()) {
    const made = compileGroup(group, byGroup.get(group)!, { backends, healthKeys, memo, diagFor });
    snapshots[group] = made.snapshot;
    members.set(group, made.members);
    groupBackends.set(group, made.backends);
    for (const key of made.members) {
      const groups = groupsOf.get(key);
      if (!groups) groupsOf.set(key, [group]);
      else groups.push(group);
    }
  }

  memo.listeners.sweep();
  memo.sweepGroups();
  const usedCertificates = Object.fromEntries(
    [...certificates.used.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
  );
  const output: CompileOutput = {
    snapshots,
    diagnostics: [...perObject.values()].flatMap((d) => d.list),
    groups: new Map([...groupsOf].map(([key, groups]) => [key, groupList(groups)])),
    certificates: usedCertificates,
  };
  if (input.memo)
    input.memo.last = tls
      ? undefined
      : {
          valid,
          secrets: input.secrets,
          services: input.services,
          secretsById: secrets,
          servicesById: services,
          healthPolicies,
          healthKeys,
          backends,
          perObject,
          compiledDiagnostics,
          byGroup,
          members,
          groupBackends,
          output,
          patchedRuns: 0,
        };
  return output;
}

const contenders = new WeakMap<GroupEntry, Contender>();
const entryOfContender = new WeakMap<Contender, GroupEntry>();

/**
 * A group entry as the listener merge sees it, one object per entry (an unchanged frontend keeps
 * its entry from run to run, so a group merged again after one edit makes one new contender).
 */
function contenderOf(e: GroupEntry): Contender {
  let c = contenders.get(e);
  if (!c) {
    c = {
      snap: e.c.snap,
      created: e.v.resource.metadata.creationTimestamp,
      ...(e.v.spec.allowedNamespaces ? { allowedNamespaces: e.v.spec.allowedNamespaces } : {}),
    };
    contenders.set(e, c);
    entryOfContender.set(c, e);
  }
  return c;
}

/** The refKey of each compiled Backend, by its snapshot object. */
const backendKeys = new WeakMap<BackendSnap, string>();

export interface GroupEntry {
  readonly v: ValidResource<FrontendSpecT>;
  readonly c: CompiledFrontend;
}

/** What a group's part of the compile reads. */
interface GroupLookups {
  readonly backends: ReadonlyMap<string, BackendSnap>;
  readonly healthKeys: ReadonlyMap<string, string>;
  readonly memo: CompileMemo;
  readonly diagFor: (v: ValidResource) => ObjectDiagnostics;
}

/**
 * One dataplane group: its frontends' listeners merged (port conflicts and route conflicts go to
 * the frontends' diagnostics), its snapshot, and the refKeys of every object it contains.
 */
export function compileGroup(
  group: string,
  entries: readonly GroupEntry[],
  { backends, healthKeys, memo, diagFor }: GroupLookups,
): { snapshot: Snapshot; members: Set<string>; backends: readonly BackendSnap[] } {
  const members = new Set<string>();
  const { listeners, problems } = resolveListeners(entries.map(contenderOf), group, memo.listeners);
  const entryOf = (c: Contender): GroupEntry => entryOfContender.get(c)!;
  for (const p of problems) {
    const e = entryOf(p.contender);
    // A refused Frontend is not served; a Frontend that lost a route keeps its other rules.
    diagFor(e.v).add('Accepted', p.code, p.field, p.message);
  }
  const frontends = listeners.flatMap((l) => l.snaps).sort(byId);
  const served: CompiledFrontend[] = [];
  const servedKeys: string[] = [];
  for (const l of listeners) {
    for (const m of l.members) {
      const e = entryOf(m);
      servedKeys.push(refKey(e.v.ref));
      served.push(e.c);
    }
  }
  // The ids, sorted, of the backends the served frontends route to: kept across runs, so an
  // edit costs what its frontend changes, not a pass over every rule and a sort.
  let groupBackends = memo
    .groupBackends(group)
    .update(served)
    .map((id) => backends.get(id)!);
  // The same backends and served frontends as the group's last compile (a Frontend edit that
  // names no other backend): its list and members are kept, so the body's version finds the
  // backends' digests joined already and nobody walks the 1,000 backends again.
  const last = lastMade.get(memo)?.get(group);
  if (last && sameItems(last.backends, groupBackends)) {
    groupBackends = last.backends as BackendSnap[];
    if (sameItems(last.servedKeys, servedKeys))
      return {
        snapshot: makeSnapshot({ group, frontends, backends: groupBackends }),
        members: last.members,
        backends: groupBackends,
      };
  }
  for (const key of servedKeys) members.add(key);
  for (const b of groupBackends) {
    members.add(backendKeys.get(b) ?? refKey({ kind: 'Backend', namespace: b.namespace, name: b.name }));
    if (b.health) {
      const [ns, name] = b.health.policy.split('/') as [string, string];
      members.add(healthKeys.get(b.health.policy) ?? refKey({ kind: 'HealthPolicy', namespace: ns, name }));
    }
  }
  const snapshot = makeSnapshot({ group, frontends, backends: groupBackends });
  let made = lastMade.get(memo);
  if (!made) lastMade.set(memo, (made = new Map()));
  made.set(group, { backends: snapshot.body.backends, servedKeys, members });
  return { snapshot, members, backends: groupBackends };
}

/**
 * A group's backends list after the patched compile put an edited backend in place (the
 * same backends by id, so the same members): the next compileGroup keeps that list.
 */
export function patchedGroupBackends(
  memo: CompileMemo,
  group: string,
  backends: readonly BackendSnap[],
): void {
  const last = lastMade.get(memo)?.get(group);
  if (last) last.backends = backends;
}

/**
 * Per memo and group, what its last compileGroup made: the backends list (frozen with its
 * snapshot), the served frontends' refKeys and the group's members. A group's members are
 * its served frontends and these backends with their health policies (whose refKeys depend
 * on nothing else), so the same two lists give the same members.
 */
const lastMade = new WeakMap<
  CompileMemo,
  Map<
    string,
    {
      backends: readonly BackendSnap[];
      readonly servedKeys: readonly string[];
      readonly members: Set<string>;
    }
  >
>();

/** What a Backend's compile reads of other objects. */
type BackendLookups = Parameters<typeof compileBackend>[1];

/** A Backend's snapshot object: reused from an earlier run while it and what it reads are unchanged. */
export function compileBackendOf(
  v: ValidResource,
  lookups: BackendLookups,
  d: ObjectDiagnostics,
  memo: CompileMemo,
): BackendSnap {
  const build = () => compileBackend(v, lookups, d);
  // TLS material is checked against the clock and remembered per Secret: always compiled.
  const ns = v.ref.namespace;
  const spec = v.spec as BackendSpecT;
  const deps = [
    spec.healthPolicy === undefined
      ? null
      : (lookups.healthPolicies.get(idOf(ns, spec.healthPolicy)) ?? null),
    spec.service === undefined ? null : serviceKey(lookups.services.get(idOf(ns, spec.service.name))),
  ];
  const snap = spec.tls ? build() : memo.reuse(v, deps, d, build);
  backendKeys.set(snap, refKey(v.ref));
  return snap;
}

/** A Frontend's compile result, reused while it and the modes of the backends it names are unchanged. */
export function compileFrontendOf(
  v: ValidResource<FrontendSpecT>,
  lookups: FrontendLookups,
  d: ObjectDiagnostics,
  memo: CompileMemo,
  prev?: PreviousFrontend,
): CompiledFrontend {
  // Frozen at once: the listener merge's conflict keys and outcome then remember each rule's
  // match text (canonicalItem) instead of writing it twice, and the snapshot's freeze finds it done.
  // Each rule's canonical text is remembered too (a rule kept from `prev` has it already): the
  // frontend's digest, made again after every edit of it, then writes only its new rules.
  const build = () => {
    const c = compileFrontend(v, lookups, d, prev);
    deepFreeze(c.snap);
    for (const r of c.snap.rules) canonicalItem(r);
    return c;
  };
  // What a frontend takes from a backend is whether it exists and its mode.
  const refs = frontendBackendIds(v).map((id) => lookups.backends.get(id)?.mode ?? null);
  return v.spec.tls ? build() : memo.reuse(v, refs, d, build);
}

const groupLists = new Map<string, string[]>();
const singleGroupLists = new Map<string, string[]>();

/**
 * The sorted list of `groups`, one shared array per combination (there are a few): an object's
 * report keeps the same list from one compile to the next instead of ~1,100 new ones each time.
 * Shared: nobody mutates a report's groups.
 */
export function groupList(groups: string[]): string[] {
  if (groups.length === 1) {
    // The usual case, without making a key string per object and run.
    let list = singleGroupLists.get(groups[0]!);
    if (!list) singleGroupLists.set(groups[0]!, (list = groups));
    return list;
  }
  const sorted = groups.sort();
  const key = sorted.join('\u0000');
  let list = groupLists.get(key);
  if (!list) groupLists.set(key, (list = sorted));
  return list;
}

/** A Service's content as one comparable value (the store may hand a new object for the same data). */
const serviceKey = (svc: ServiceData | undefined): string | null => (svc ? canonicalJson(svc) : null);

const backendIds = new WeakMap<ValidResource<FrontendSpecT>, string[]>();

/**
 * The ids ("namespace/name") of the Backends a Frontend refers to, in a fixed order, remembered
 * per validated object: made again per run, each was a new string to hash for every rule.
 */
function frontendBackendIds(v: ValidResource<FrontendSpecT>): string[] {
  let ids = backendIds.get(v);
  if (!ids) {
    const ns = v.ref.namespace;
    ids = frontendBackendRefs(v.spec).map((name) => idOf(ns, name));
    backendIds.set(v, ids);
  }
  return ids;
}

const backendRefs = new WeakMap<FrontendSpecT, string[]>();

/** The Backend names a Frontend refers to, in a fixed order (remembered per spec object). */
function frontendBackendRefs(spec: FrontendSpecT): string[] {
  let refs = backendRefs.get(spec);
  if (!refs) {
    refs = [
      ...(spec.rules ?? []).flatMap((r) => (r.backend ? [r.backend] : [])),
      ...(spec.defaultBackend ? [spec.defaultBackend] : []),
    ];
    backendRefs.set(spec, refs);
  }
  return refs;
}
