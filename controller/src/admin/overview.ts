// GET /overview: everything `bascule status` prints, in one document — the snapshot served to
// each group, every dataplane (version applied, last ACK/NACK, connected since, its runtime
// overrides), every object's conditions, and diagnostics that belong to no object.
import type { DataplaneInfo } from '../publish/types.js';
import type { OverrideEntry } from '../metrics/overrides.js';
import type { AdminView } from './admin-app.js';
import { formatDiagnostic, refKey } from '../validate/diagnostic.js';

export type DataplaneSyncState = 'in-sync' | 'applying' | 'rejected' | 'behind' | 'no-snapshot';

export interface OverviewDataplane {
  nodeId: string;
  group: string;
  remote: string;
  connectedSince: string;
  appliedVersion: string | null;
  targetVersion: string | null;
  pendingVersion: string | null;
  state: DataplaneSyncState;
  lastAck: DataplaneInfo['lastAck'];
  lastNack: DataplaneInfo['lastNack'];
  overrides: OverrideEntry[];
}

export interface OverviewObject {
  kind: string;
  namespace: string;
  name: string;
  conditions: Array<{
    type: string;
    status: string;
    reason: string;
    message: string;
    lastTransitionTime: string;
  }>;
  healthyServers?: string;
  diagnostics: string[];
}

export interface Overview {
  generatedAt: string;
  ready: boolean;
  notReadyReason: string | null;
  snapshots: Array<{ group: string; version: string; frontends: number; backends: number; servers: number }>;
  dataplanes: OverviewDataplane[];
  objects: OverviewObject[];
  diagnostics: string[];
  overrides: OverrideEntry[];
}

export function syncState(d: DataplaneInfo, target: string | null): DataplaneSyncState {
  if (target === null) return 'no-snapshot';
  if (d.appliedVersion === target) return 'in-sync';
  if (d.lastNack?.version === target) return 'rejected';
  if (d.pendingVersion === target) return 'applying';
  return 'behind';
}

export function buildOverview(view: AdminView, overrides: OverrideEntry[], now = new Date()): Overview {
  const snapshots = view.snapshots();
  const reason = view.notReadyReason();
  return {
    generatedAt: now.toISOString(),
    ready: reason === null,
    notReadyReason: reason,
    snapshots: Object.entries(snapshots).map(([group, s]) => ({
      group,
      version: s.version,
      frontends: s.body.frontends.length,
      backends: s.body.backends.length,
      servers: s.body.backends.reduce((n, b) => n + b.servers.length, 0),
    })),
    dataplanes: view.dataplanes().map((d) => {
      const target = snapshots[d.group]?.version ?? null;
      return {
        nodeId: d.nodeId,
        group: d.group,
        remote: d.remoteAddress,
        connectedSince: d.connectedSince,
        appliedVersion: d.appliedVersion,
        targetVersion: target,
        pendingVersion: d.pendingVersion,
        state: syncState(d, target),
        lastAck: d.lastAck,
        lastNack: d.lastNack,
        overrides: overrides.filter((o) => o.nodeId === d.nodeId),
      };
    }),
    objects: view
      .statuses()
      .map((s) => ({
        kind: s.ref.kind,
        namespace: s.ref.namespace,
        name: s.ref.name,
        conditions: (s.status.conditions ?? []).map((c) => ({
          type: c.type,
          status: c.status,
          reason: c.reason,
          message: c.message,
          lastTransitionTime: c.lastTransitionTime,
        })),
        ...(s.status.healthyServers !== undefined ? { healthyServers: s.status.healthyServers } : {}),
        diagnostics: s.diagnostics.map(formatDiagnostic),
      }))
      .sort((a, b) => {
        const ka = refKey({ kind: a.kind as never, namespace: a.namespace, name: a.name });
        const kb = refKey({ kind: b.kind as never, namespace: b.namespace, name: b.name });
        return ka < kb ? -1 : ka > kb ? 1 : 0;
      }),
    diagnostics: view.unattachedDiagnostics().map(formatDiagnostic),
    overrides,
  };
}
