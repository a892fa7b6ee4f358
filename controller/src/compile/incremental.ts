// The compile of a run after a few edits: only the edited objects are compiled, and the last
// run's output is patched where they are (their snapshot objects put in place in the groups
// that hold them, a group whose frontends changed merged again, the refKeys whose groups moved
// changed in the groups map), so a version costs what changed instead of ~10 passes over every
// object (sorting each kind, a diagnostics collector, a memo look-up and a group list per
// object). Anything this way does not cover takes the full compile (compile.ts), which gives
// the same output: the equivalence test compares the two after random edit sequences.
//
// Covered: Backends and Frontends edited in place (same kind, namespace and name at the same
// position of the input), no object anywhere with TLS (its certificates are checked against
// the clock on every run), the same Secrets and Services, a Backend keeping its mode and health
// policy, a Frontend keeping its group. Not covered (full compile): objects added or removed,
// HealthPolicies, anything else. Every PATCHED_RUNS_BETWEEN_FULL runs, a full compile sweeps
// what the memo holds for listeners and groups no run uses any more.
import type { BackendSnap, HealthSnap, Snapshot } from '#protocol/snapshot';
import type { BackendSpecT, FrontendSpecT } from '#api/v1alpha1';
import { makeSnapshot } from '#protocol/canonical';
import { searchById } from '#protocol/delta';
import { refKey, type Diagnostic } from '../validate/diagnostic.js';
import type { ValidResource } from '../validate/validate.js';
import {
  compileBackendOf,
  compileFrontendOf,
  compileGroup,
  groupList,
  patchedGroupBackends,
  type GroupEntry,
} from './compile.js';
import { ObjectDiagnostics } from './context.js';
import type { CompileMemo } from './memo.js';
import type { CompileOutput, SecretData, ServiceData, ValidatedInput } from './types.js';

/** Runs patched in a row before a full compile sweeps the memo. */
export const PATCHED_RUNS_BETWEEN_FULL = 1024;

/** What a full compile leaves for the next run to patch (CompileMemo.last). */
export interface CompileState {
  /** The validated objects compiled, in input order. */
  readonly valid: readonly ValidResource[];
  readonly secrets: readonly SecretData[];
  readonly services: readonly ServiceData[];
  readonly secretsById: Map<string, SecretData>;
  readonly servicesById: Map<string, ServiceData>;
  readonly healthPolicies: Map<string, HealthSnap>;
  readonly healthKeys: ReadonlyMap<string, string>;
  /** Every compiled Backend by id (patched in place). */
  readonly backends: Map<string, BackendSnap>;
  /** Each object's diagnostics by refKey, in the order of the output's list (patched in place). */
  readonly perObject: Map<string, ObjectDiagnostics>;
  /** A served Frontend's diagnostics from its own compile, before its group's listener problems. */
  readonly compiledDiagnostics: Map<string, readonly Diagnostic[]>;
  /** Each group's served Frontends with their compile results, in refKey order. */
  readonly byGroup: Map<string, GroupEntry[]>;
  /** Each group's objects (refKeys). */
  readonly members: Map<string, ReadonlySet<string>>;
  /** Each group's snapshot backends, in id order. */
  readonly groupBackends: Map<string, readonly BackendSnap[]>;
  output: CompileOutput;
  patchedRuns: number;
}

/** Where `id` is in an id-ordered `list`, or -1. */
const byId = (list: readonly { id: string }[], id: string): number => Math.max(-1, searchById(list, id));

/**
 * The output of `input` made by patching the last run's, or undefined when this run needs the
 * full compile. On success the memo's state is the new output's.
 */
export function compileChanges(input: ValidatedInput, memo: CompileMemo): CompileOutput | undefined {
  const st = memo.last;
  if (!st) return undefined;
  const { valid } = input;
  if (
    st.patchedRuns >= PATCHED_RUNS_BETWEEN_FULL ||
    valid.length !== st.valid.length ||
    input.secrets !== st.secrets ||
    input.services !== st.services
  )
    return undefined;
  // The edited objects: a pass of identity comparisons, then only these are looked at.
  const changed: number[] = [];
  for (let i = 0; i < valid.length; i++) if (valid[i] !== st.valid[i]) changed.push(i);
  if (changed.length === 0) {
    memo.last = { ...st, valid, patchedRuns: st.patchedRuns + 1 };
    return st.output;
  }
  const backendsChanged: ValidResource<BackendSpecT>[] = [];
  const frontendsChanged: ValidResource<FrontendSpecT>[] = [];
  for (const i of changed) {
    const v = valid[i]!;
    const before = st.valid[i]!;
    if (v.ref.kind !== before.ref.kind || refKey(v.ref) !== refKey(before.ref)) return undefined;
    if (v.ref.kind === 'Backend') {
      if ((v.spec as BackendSpecT).tls) return undefined;
      backendsChanged.push(v as ValidResource<BackendSpecT>);
    } else if (v.ref.kind === 'Frontend') {
      const spec = v.spec as FrontendSpecT;
      const prev = before.spec as FrontendSpecT;
      if (spec.tls || (spec.dataplaneGroup ?? 'default') !== (prev.dataplaneGroup ?? 'default'))
        return undefined;
      frontendsChanged.push(v as ValidResource<FrontendSpecT>);
    } else return undefined;
  }

  // A frontend must still have its place in its group's entries (it had no TLS, so it was served).
  const places: { entries: GroupEntry[]; at: number }[] = [];
  for (const v of frontendsChanged) {
    const entries = st.byGroup.get(v.spec.dataplaneGroup ?? 'default');
    const key = refKey(v.ref);
    const at = entries ? entries.findIndex((e) => refKey(e.v.ref) === key) : -1;
    if (!entries || at < 0) return undefined;
    places.push({ entries, at });
  }
  // Backends first (frontends read them). A new mode or health policy moves what refers to
  // them: the full compile decides that.
  const now = input.now ?? 0;
  const newBackends: BackendSnap[] = [];
  const newDiagnostics = new Map<string, ObjectDiagnostics>();
  for (const v of backendsChanged) {
    const id = `${v.ref.namespace}/${v.ref.name}`;
    const prev = st.backends.get(id);
    if (!prev) return undefined;
    const d = new ObjectDiagnostics(v);
    const snap = compileBackendOf(
      v,
      { healthPolicies: st.healthPolicies, services: st.servicesById, secrets: st.secretsById, now },
      d,
      memo,
    );
    if (snap.id !== id || snap.mode !== prev.mode || snap.health?.policy !== prev.health?.policy)
      return undefined;
    newBackends.push(snap);
    newDiagnostics.set(refKey(v.ref), d);
  }
  // From here on the state is changed: nothing below returns undefined.
  for (const snap of newBackends) st.backends.set(snap.id, snap);

  const dirtyGroups = new Set<string>();
  const entryChanges = frontendsChanged.map((v, i) => {
    const d = new ObjectDiagnostics(v);
    // The frontend's last compile: its unchanged rules are kept, not compiled again.
    const { entries, at } = places[i]!;
    const prev = { spec: entries[at]!.v.spec, snap: entries[at]!.c.snap };
    const c = compileFrontendOf(v, { backends: st.backends, secrets: st.secretsById, now }, d, memo, prev);
    return { group: v.spec.dataplaneGroup ?? 'default', v, c, d, entries, at };
  });

  let diagnosticsChanged = false;
  const setDiagnostics = (key: string, d: ObjectDiagnostics) => {
    const before = st.perObject.get(key);
    if ((before?.list.length ?? 0) > 0 || d.list.length > 0) diagnosticsChanged = true;
    st.perObject.set(key, d);
  };
  for (const [key, d] of newDiagnostics) setDiagnostics(key, d);

  for (const change of entryChanges) {
    const { entries, at } = change;
    const key = refKey(change.v.ref);
    entries[at] = { v: change.v, c: change.c };
    st.compiledDiagnostics.set(key, change.d.list.slice());
    dirtyGroups.add(change.group);
  }

  const snapshots: Record<string, Snapshot> = { ...st.output.snapshots };
  let groups = st.output.groups as Map<string, string[]>;
  let groupsCopied = false;
  const moveGroup = (key: string, group: string, add: boolean) => {
    if (!groupsCopied) {
      groups = new Map(groups);
      groupsCopied = true;
    }
    const list = groups.get(key) ?? [];
    const next = add ? [...list, group] : list.filter((g) => g !== group);
    if (next.length === 0) groups.delete(key);
    else groups.set(key, groupList(next));
  };

  // A group whose frontends changed is merged again (listeners, conflicts, its backends).
  for (const group of dirtyGroups) {
    const entries = st.byGroup.get(group)!;
    // Each frontend's diagnostics start again from its own compile's; the group adds its problems.
    const fresh = new Map<string, ObjectDiagnostics>();
    const diagFor = (v: ValidResource) => {
      const key = refKey(v.ref);
      let d = fresh.get(key);
      if (!d) {
        d = new ObjectDiagnostics(v);
        for (const x of st.compiledDiagnostics.get(key) ?? []) d.list.push(x);
        fresh.set(key, d);
      }
      return d;
    };
    for (const e of entries) diagFor(e.v);
    const made = compileGroup(group, entries, {
      backends: st.backends,
      healthKeys: st.healthKeys,
      memo,
      diagFor,
    });
    for (const [key, d] of fresh) setDiagnostics(key, d);
    snapshots[group] = made.snapshot;
    st.groupBackends.set(group, made.backends);
    const before = st.members.get(group) ?? new Set<string>();
    // The very same set when the group's served frontends and backends are (compileGroup keeps it).
    if (made.members !== before) {
      before.forEach((key) => {
        if (!made.members.has(key)) moveGroup(key, group, false);
      });
      made.members.forEach((key) => {
        if (!before.has(key)) moveGroup(key, group, true);
      });
      st.members.set(group, made.members);
    }
  }

  // An edited backend is put in place in the other groups that hold it.
  const patchedBackends = new Map<string, BackendSnap[]>();
  for (const snap of newBackends) {
    const key = refKey({ kind: 'Backend', namespace: snap.namespace, name: snap.name });
    for (const group of st.output.groups.get(key) ?? []) {
      if (dirtyGroups.has(group)) continue;
      let list = patchedBackends.get(group);
      if (!list) patchedBackends.set(group, (list = st.groupBackends.get(group)!.slice()));
      const at = byId(list, snap.id);
      if (at >= 0) list[at] = snap;
    }
  }
  for (const [group, list] of patchedBackends) {
    const body = st.output.snapshots[group]!.body;
    snapshots[group] = makeSnapshot({ group, frontends: body.frontends, backends: list });
    st.groupBackends.set(group, list);
    patchedGroupBackends(memo, group, list);
  }

  const output: CompileOutput = {
    snapshots,
    diagnostics: diagnosticsChanged
      ? [...st.perObject.values()].flatMap((d) => d.list)
      : st.output.diagnostics,
    groups,
    certificates: st.output.certificates,
  };
  memo.last = { ...st, valid, output, patchedRuns: st.patchedRuns + 1 };
  memo.patchedRuns++;
  return output;
}
