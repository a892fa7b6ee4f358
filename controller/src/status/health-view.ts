// GET /health on the admin endpoint: every Backend's summary and each dataplane's view of its
// servers, over the groups whose snapshot contains the Backend.
import type { BackendSnap, Snapshot } from '#protocol/snapshot';
import type { DataplaneInfo } from '../publish/types.js';
import type { HealthAggregator } from './health-aggregator.js';

export function healthView(
  snapshots: Readonly<Record<string, Snapshot>>,
  dataplanes: readonly DataplaneInfo[],
  health: HealthAggregator,
) {
  const groupsOf = new Map<string, { backend: BackendSnap; groups: string[] }>();
  for (const [group, snap] of Object.entries(snapshots))
    for (const b of snap.body.backends) {
      const e = groupsOf.get(b.id) ?? { backend: b, groups: [] };
      e.groups.push(group);
      groupsOf.set(b.id, e);
    }
  const backends = [...groupsOf.values()].map(({ backend, groups }) => {
    const nodes = dataplanes.filter((d) => groups.includes(d.group)).map((d) => d.nodeId);
    return { ...health.detail(backend, nodes), groups, dataplanes: nodes };
  });
  return { backends: backends.sort((a, b) => a.backend.localeCompare(b.backend)) };
}
