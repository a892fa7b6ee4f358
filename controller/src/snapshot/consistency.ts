// Consistency gate: a snapshot is published only if every reference inside it resolves.
// The compiler should never produce one that fails; if it does, the last good snapshot stays live
// (BASCULE_E_SNAPSHOT_INCONSISTENT) rather than sending the dataplanes something they cannot use.
import type { SnapshotBody } from '#protocol/snapshot';
import { bindsOverlap } from '../compile/listeners.js';

export function checkConsistency(body: SnapshotBody): string[] {
  const problems: string[] = [];
  const backends = new Map(body.backends.map((b) => [b.id, b]));
  const seen = new Set<string>();
  for (const b of body.backends) {
    if (seen.has(b.id)) problems.push(`backend ${b.id} appears twice`);
    seen.add(b.id);
    const names = new Set<string>();
    for (const s of b.servers) {
      if (names.has(s.name)) problems.push(`backend ${b.id}: server ${s.name} appears twice`);
      names.add(s.name);
    }
  }
  // Only frontends on the same port can overlap: compared within a port, not all pairs.
  const byPort = new Map<number, (typeof body.frontends)[number][]>();
  for (const f of body.frontends) {
    const list = byPort.get(f.bind.port);
    if (list) list.push(f);
    else byPort.set(f.bind.port, [f]);
  }
  body.frontends.forEach((f) => {
    const check = (id: string | undefined, where: string) => {
      if (id === undefined) return;
      const be = backends.get(id);
      if (!be) problems.push(`frontend ${f.id}: ${where} references missing backend ${id}`);
      else if (be.mode !== f.mode)
        problems.push(`frontend ${f.id}: ${where} references backend ${id} of mode ${be.mode}`);
    };
    check(f.defaultBackend, 'defaultBackend');
    f.rules.forEach((r) => r.action.type === 'backend' && check(r.action.backend, `rule ${r.name}`));
    const onPort = byPort.get(f.bind.port)!;
    for (const g of onPort.slice(onPort.indexOf(f) + 1)) {
      // The Frontends of one shared listener bind the same port on purpose.
      if (f.listener && f.listener.owner === g.listener?.owner) continue;
      if (bindsOverlap(f.bind, g.bind))
        problems.push(`frontends ${f.id} and ${g.id} both bind port ${f.bind.port}`);
    }
  });
  return problems;
}
