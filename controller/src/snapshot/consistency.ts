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
