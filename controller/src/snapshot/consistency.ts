// Consistency gate: a snapshot is published only if every reference inside it resolves.
// The compiler should never produce one that fails; if it does, the last good snapshot stays live
// (BASCULE_E_SNAPSHOT_INCONSISTENT) rather than sending the dataplanes something they cannot use.
// It runs on every version, so what it reads of each (frozen, mostly unchanged) frontend and
// backend object is remembered per object: a version costs a lookup per object and per backend
// a frontend names, not a walk of every rule and server.
import type { BackendSnap, FrontendSnap, SnapshotBody } from '#protocol/snapshot';
import { bindsOverlap } from '../compile/listeners.js';

const serverProblems = new WeakMap<BackendSnap, readonly string[]>();

/** Servers of one backend named twice (remembered per backend object). */
function serversOf(b: BackendSnap): readonly string[] {
  let problems = serverProblems.get(b);
  if (!problems) {
    const found: string[] = [];
    const names = new Set<string>();
    for (const s of b.servers) {
      if (names.has(s.name)) found.push(`backend ${b.id}: server ${s.name} appears twice`);
      names.add(s.name);
    }
    serverProblems.set(b, (problems = found));
  }
  return problems;
}

const referenced = new WeakMap<FrontendSnap, readonly string[]>();

/** The backend ids a frontend refers to, each once (remembered per frontend object). */
function backendIdsOf(f: FrontendSnap): readonly string[] {
  let ids = referenced.get(f);
  if (!ids) {
    const all = new Set<string>();
    if (f.defaultBackend !== undefined) all.add(f.defaultBackend);
    for (const r of f.rules) if (r.action.type === 'backend') all.add(r.action.backend);
    referenced.set(f, (ids = [...all]));
  }
  return ids;
}

/** Per group, the last body that passed (and its backends by id), for checkConsistencyAfter. */
export class ConsistencyMemo {
  private readonly passed = new Map<string, { body: SnapshotBody; backends: Map<string, BackendSnap> }>();

  /**
   * checkConsistency(body), at the cost of what changed since the last body of its group that
   * passed: when the two have the same frontend and backend ids in the same places, only the
   * changed objects can bring a problem (a backend's servers, a changed frontend's references
   * and its binds against the others on its port; a backend whose mode changed: all). When the
   * changed objects show one, or the ids moved, the full check says which.
   */
  check(body: SnapshotBody): string[] {
    const last = this.passed.get(body.group);
    const changed = last && changedIfPasses(last.body, last.backends, body);
    if (last && changed) {
      for (const b of changed) last.backends.set(b.id, b);
      last.body = body;
      return [];
    }
    const problems = checkConsistency(body);
    if (problems.length === 0)
      this.passed.set(body.group, { body, backends: new Map(body.backends.map((b) => [b.id, b])) });
    else this.passed.delete(body.group);
    return problems;
  }
}

/**
 * The backends that changed when `body` passes, knowing `before` passed; undefined when that
 * cannot be told from the changes.
 */
function changedIfPasses(
  before: SnapshotBody,
  backends: ReadonlyMap<string, BackendSnap>,
  body: SnapshotBody,
): BackendSnap[] | undefined {
  if (before.backends.length !== body.backends.length || before.frontends.length !== body.frontends.length)
    return undefined;
  const changedBackends: BackendSnap[] = [];
  for (let i = 0; i < body.backends.length; i++) {
    const b = body.backends[i]!;
    const a = before.backends[i]!;
    if (a === b) continue;
    if (a.id !== b.id || a.mode !== b.mode || serversOf(b).length > 0) return undefined;
    changedBackends.push(b);
  }
  const byIdNow = (id: string): BackendSnap | undefined => {
    for (const b of changedBackends) if (b.id === id) return b;
    return backends.get(id);
  };
  for (let i = 0; i < body.frontends.length; i++) {
    const f = body.frontends[i]!;
    const a = before.frontends[i]!;
    if (a === f) continue;
    if (a.id !== f.id) return undefined;
    if (!backendIdsOf(f).every((id) => byIdNow(id)?.mode === f.mode)) return undefined;
    for (const g of body.frontends) {
      if (g === f || g.bind.port !== f.bind.port) continue;
      if (f.listener && f.listener.owner === g.listener?.owner) continue;
      if (bindsOverlap(f.bind, g.bind)) return undefined;
    }
  }
  return changedBackends;
}

export function checkConsistency(body: SnapshotBody): string[] {
  const problems: string[] = [];
  const backends = new Map<string, BackendSnap>();
  for (const b of body.backends) {
    if (backends.has(b.id)) problems.push(`backend ${b.id} appears twice`);
    backends.set(b.id, b);
    problems.push(...serversOf(b));
  }
  // Only frontends on the same port can overlap: compared within a port, not all pairs.
  const byPort = new Map<number, FrontendSnap[]>();
  for (const f of body.frontends) {
    const list = byPort.get(f.bind.port);
    if (list) list.push(f);
    else byPort.set(f.bind.port, [f]);
  }
  const resolves = (f: FrontendSnap, id: string): boolean => backends.get(id)?.mode === f.mode;
  for (const f of body.frontends) {
    // Every reference resolves (the usual case) or, only then, each referring place is named.
    if (!backendIdsOf(f).every((id) => resolves(f, id))) problems.push(...referenceProblems(f, backends));
    const onPort = byPort.get(f.bind.port)!;
    for (let i = onPort.indexOf(f) + 1; i < onPort.length; i++) {
      const g = onPort[i]!;
      // The Frontends of one shared listener bind the same port on purpose.
      if (f.listener && f.listener.owner === g.listener?.owner) continue;
      if (bindsOverlap(f.bind, g.bind))
        problems.push(`frontends ${f.id} and ${g.id} both bind port ${f.bind.port}`);
    }
  }
  return problems;
}

/** Each place in `f` that names a backend that is missing or of another mode. */
function referenceProblems(f: FrontendSnap, backends: ReadonlyMap<string, BackendSnap>): string[] {
  const problems: string[] = [];
  const check = (id: string | undefined, where: () => string) => {
    if (id === undefined) return;
    const be = backends.get(id);
    if (!be) problems.push(`frontend ${f.id}: ${where()} references missing backend ${id}`);
    else if (be.mode !== f.mode)
      problems.push(`frontend ${f.id}: ${where()} references backend ${id} of mode ${be.mode}`);
  };
  check(f.defaultBackend, () => 'defaultBackend');
  for (const r of f.rules) if (r.action.type === 'backend') check(r.action.backend, () => `rule ${r.name}`);
  return problems;
}
