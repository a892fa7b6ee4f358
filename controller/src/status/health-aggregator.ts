// Server health as reported by dataplanes, kept per dataplane and summarised per Backend for
// its status (`healthyServers: "2/3"` and a per-server line).
import type { HealthReport, ServerHealth } from '#protocol/messages';
import type { BackendSnap } from '#protocol/snapshot';

export interface ServerSummary {
  name: string;
  address: string;
  /** up, down, drain, maintenance, unknown (no report yet), or mixed when dataplanes disagree. */
  state: string;
  /** e.g. "2/2 up", or "not checked" for a backend without health checks. */
  dataplanes: string;
}

export interface BackendHealthSummary {
  healthyServers: string;
  servers: ServerSummary[];
}

/** Admin view of one server: the summary plus what each dataplane reports. */
export interface ServerDetail extends ServerSummary {
  byDataplane: Record<string, { state: string; reason: string; since: string | null }>;
}

export interface BackendHealthDetail {
  backend: string;
  healthyServers: string;
  checked: boolean;
  servers: ServerDetail[];
}

export class HealthAggregator {
  /** nodeId → backend id → server name → latest report. */
  private readonly byNode = new Map<string, Map<string, Map<string, ServerHealth>>>();
  /** Counts changes of what summarize() reads: the same count, the same summaries. */
  generation = 0;

  apply(nodeId: string, report: HealthReport): void {
    this.generation++;
    let node = this.byNode.get(nodeId);
    if (!node || report.full) {
      node = new Map();
      this.byNode.set(nodeId, node);
    }
    for (const s of report.servers) {
      let servers = node.get(s.backend);
      if (!servers) node.set(s.backend, (servers = new Map()));
      servers.set(s.server, s);
    }
  }

  /** A dataplane went away: its view no longer counts. */
  dropNode(nodeId: string): void {
    this.generation++;
    this.byNode.delete(nodeId);
  }

  /** Everything one dataplane reported (shared with the other controller replicas). */
  nodeReport(nodeId: string): ServerHealth[] {
    return [...(this.byNode.get(nodeId)?.values() ?? [])].flatMap((servers) => [...servers.values()]);
  }

  /** What one dataplane reports for a backend (admin views). */
  nodeView(nodeId: string, backendId: string): ServerHealth[] {
    return [...(this.byNode.get(nodeId)?.get(backendId)?.values() ?? [])];
  }

  /**
   * Summarise a backend over the given dataplanes (the connected ones of its groups). The
   * snapshot decides which servers exist; reports about servers no longer in it are ignored.
   */
  summarize(backend: BackendSnap, nodeIds: readonly string[]): BackendHealthSummary {
    let healthy = 0;
    const servers = backend.servers.map((srv): ServerSummary => {
      const address = `${srv.address}:${srv.port}`;
      let reports = 0;
      let ups = 0;
      for (const nodeId of nodeIds) {
        const r = this.byNode.get(nodeId)?.get(backend.id)?.get(srv.name);
        if (!r) continue;
        reports++;
        if (r.state === 'up') ups++;
      }
      // Without checks a dataplane considers every server up (HAProxy does the same).
      const unchecked = !backend.health && reports === 0;
      const up = unchecked || (reports > 0 && ups === reports);
      if (up) healthy++;
      let state = unchecked
        ? 'up'
        : reports === 0
          ? 'unknown'
          : ups === reports
            ? 'up'
            : ups === 0
              ? 'down'
              : 'mixed';
      if (srv.state !== 'ready') state = srv.state; // an operator's drain/maintenance says more
      return {
        name: srv.name,
        address,
        state,
        dataplanes: unchecked ? 'not checked' : `${ups}/${reports} up`,
      };
    });
    return { healthyServers: `${healthy}/${backend.servers.length}`, servers };
  }

  /** The summary plus each dataplane's own report, for the controller's admin /health. */
  detail(backend: BackendSnap, nodeIds: readonly string[]): BackendHealthDetail {
    const sum = this.summarize(backend, nodeIds);
    return {
      backend: backend.id,
      healthyServers: sum.healthyServers,
      checked: backend.health !== undefined,
      servers: sum.servers.map((s): ServerDetail => {
        const byDataplane: ServerDetail['byDataplane'] = {};
        for (const nodeId of nodeIds) {
          const r = this.byNode.get(nodeId)?.get(backend.id)?.get(s.name);
          if (r)
            byDataplane[nodeId] = {
              state: r.state,
              reason: r.reason,
              since: r.since > 0 ? new Date(r.since).toISOString() : null,
            };
        }
        return { ...s, byDataplane };
      }),
    };
  }
}
