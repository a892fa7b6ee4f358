// High availability: each replica shares its own dataplanes and their health reports, and
// merges those of the other replicas, so the leader's status counts every dataplane of a group
// whichever replica it is connected to. A local connection wins over a remote report of the
// same dataplane.
import type { DataplaneInfo } from '../publish/types.js';
import type { HealthAggregator } from '../status/health-aggregator.js';
import type { ReplicaView } from './replica-reports.js';

export class ReplicaMerge {
  /** nodeIds whose health in the aggregator came from another replica's report. */
  private readonly remoteHealthNodes = new Set<string>();

  constructor(
    private readonly local: { dataplanes(): DataplaneInfo[] },
    private readonly health: HealthAggregator,
    private readonly replicas: ReplicaView | undefined,
  ) {}

  /** Local dataplanes, plus those connected to other replicas. */
  dataplanes(): DataplaneInfo[] {
    const local = this.local.dataplanes();
    if (!this.replicas) return local;
    const seen = new Set(local.map((d) => d.nodeId));
    return [...local, ...this.replicas.remote().dataplanes.filter((d) => !seen.has(d.nodeId))];
  }

  /** This replica's dataplanes or their health changed: tell the others. */
  shareLocal(): void {
    if (!this.replicas) return;
    const dataplanes = this.local.dataplanes();
    this.replicas.publish({
      dataplanes,
      health: new Map(dataplanes.map((d) => [d.nodeId, this.health.nodeReport(d.nodeId)])),
    });
  }

  /** Bring the other replicas' health reports into the aggregator (and drop the stale ones). */
  mergeRemote(): void {
    if (!this.replicas) return;
    const local = new Set(this.local.dataplanes().map((d) => d.nodeId));
    const remote = this.replicas.remote().health;
    for (const nodeId of this.remoteHealthNodes) {
      if (!remote.has(nodeId) && !local.has(nodeId)) this.health.dropNode(nodeId);
    }
    this.remoteHealthNodes.clear();
    for (const [nodeId, servers] of remote) {
      if (local.has(nodeId)) continue;
      this.health.apply(nodeId, { type: 'health', full: true, servers: [...servers] });
      this.remoteHealthNodes.add(nodeId);
    }
  }
}
