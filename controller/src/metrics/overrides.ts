// Runtime overrides reported by dataplanes (an operator set a server's state through a
// dataplane's admin API). Kept per connected dataplane; each report is that dataplane's full
// table. A dataplane that disconnects is forgotten: it resends its table when it reconnects.
import type { ServerOverride } from '#protocol/messages';

export interface OverrideEntry extends Omit<ServerOverride, 'since'> {
  nodeId: string;
  group: string;
  /** ISO time the override was set on the dataplane. */
  since: string;
}

export class OverrideBook {
  private readonly byNode = new Map<string, { group: string; servers: ServerOverride[] }>();

  apply(nodeId: string, group: string, servers: readonly ServerOverride[]): void {
    if (servers.length === 0) this.byNode.delete(nodeId);
    else this.byNode.set(nodeId, { group, servers: servers.map((s) => ({ ...s })) });
  }

  drop(nodeId: string): void {
    this.byNode.delete(nodeId);
  }

  /** Every override, sorted by dataplane, backend, server. */
  all(): OverrideEntry[] {
    const rows: OverrideEntry[] = [];
    for (const [nodeId, { group, servers }] of this.byNode)
      for (const s of servers) rows.push({ nodeId, group, ...s, since: new Date(s.since).toISOString() });
    const key = (r: OverrideEntry): string => `${r.nodeId}\u0000${r.backend}\u0000${r.server}`;
    return rows.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  }

  forNode(nodeId: string): OverrideEntry[] {
    return this.all().filter((r) => r.nodeId === nodeId);
  }
}
