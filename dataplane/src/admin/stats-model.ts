// The stats document: what the stats page shows, and exactly what `/stats;json` returns. Built
// from the live runtime (servers, their carried-over state), the traffic table and the health
// checker's view.
import { shortVersion } from '#protocol/canonical';
import type { ServerHealthView } from '../health/manager.js';
import { adminStateOf, serverStatus, type AdminState, type ServerStatus } from '../metrics/server-status.js';
import { serverStatsKey, type Codes, type TrafficStats } from '../metrics/stats.js';
import type { DataplaneView } from '../metrics/view.js';
import type { BackendRuntime, ServerRuntime } from '../runtime/backend.js';
import { isoTime } from '../iso-time.js';

export interface CheckInfo {
  /** What is checked ("http GET /health expect status 200 on 10.0.0.1:80", "tcp connect on ..."). */
  readonly description: string;
  /** Result of the last check: passed, failed, or null before the first one. */
  readonly lastResult: 'passed' | 'failed' | null;
  readonly lastReason: string | null;
  readonly lastDurationMs: number | null;
  readonly lastAt: string | null;
  /** up, going-down, down, going-up, paused (maintenance). */
  readonly phase: string;
  readonly health: string;
}

export interface ServerStats {
  readonly name: string;
  readonly address: string;
  readonly status: ServerStatus;
  readonly backup: boolean;
  /** Operator state in effect, and where it comes from. */
  readonly adminState: AdminState;
  readonly configuredState: AdminState;
  readonly override: { state: AdminState; since: string; reason: string } | null;
  readonly up: boolean;
  readonly weight: number;
  readonly configuredWeight: number;
  readonly currentSessions: number;
  readonly maxSessions: number;
  /** maxConnections (null: none). */
  readonly limit: number | null;
  readonly sessions: number;
  readonly bytesIn: number;
  readonly bytesOut: number;
  readonly responses: Codes;
  readonly errors: { connection: number; response: number };
  readonly retries: number;
  readonly redispatches: number;
  /** Null when the backend has no health checks. */
  readonly check: CheckInfo | null;
  /** Last health transition (or when checking started), and why. */
  readonly lastTransition: string | null;
  readonly transitionReason: string | null;
  readonly lastSessionAt: string | null;
}

export interface BackendStats {
  readonly id: string;
  readonly mode: 'http' | 'tcp';
  readonly algorithm: string;
  readonly status: 'UP' | 'DOWN';
  readonly unavailableReason: string | null;
  readonly activeServers: number;
  readonly backupServers: number;
  readonly queue: { current: number; total: number; limit: number | null };
  readonly currentSessions: number;
  readonly requests: number;
  readonly sessions: number;
  readonly bytesIn: number;
  readonly bytesOut: number;
  readonly responses: Codes;
  readonly errors: { connection: number; response: number };
  readonly retries: number;
  readonly redispatches: number;
  readonly noServer: number;
  readonly servers: ServerStats[];
}

export interface FrontendStats {
  readonly id: string;
  readonly mode: 'http' | 'tcp';
  readonly bind: string;
  readonly status: 'OPEN';
  readonly currentConnections: number;
  readonly currentSessions: number;
  readonly maxSessions: number;
  /** maxConnections (null: none). */
  readonly limit: number | null;
  readonly requests: number;
  readonly sessions: number;
  readonly bytesIn: number;
  readonly bytesOut: number;
  readonly responses: Codes;
  readonly denied: number;
  readonly clientAborts: number;
  readonly defaultBackend: string | null;
}

export interface StatsDocument {
  readonly dataplane: { nodeId: string; group: string; pid: number; uptimeSeconds: number };
  readonly generatedAt: string;
  readonly snapshot: {
    version: string | null;
    shortVersion: string;
    appliedAt: string | null;
    ageSeconds: number | null;
  };
  readonly controller: { connected: boolean; url: string | null } | null;
  readonly frontends: FrontendStats[];
  readonly backends: BackendStats[];
  /**
   * Multi-worker dataplanes (`--workers N`): every worker, with its own counters on request
   * (`?worker=N`); the traffic numbers above are the sum over all of them.
   */
  readonly workers?: WorkerSummary[];
}

export interface WorkerSummary {
  readonly id: number;
  readonly pid: number | null;
  readonly state: 'starting' | 'ready' | 'exited';
  readonly restarts: number;
  readonly startedAt: string | null;
  readonly lastExit: { code: number | null; signal: string | null; at: string } | null;
  /** Snapshot the worker serves (null while it is not running). */
  readonly version: string | null;
  /** Open client connections on its listeners. */
  readonly connections: number;
  /** HTTP requests and TCP sessions it handled. */
  readonly requests: number;
}

const iso = (ms: number | undefined | null): string | null => (ms && ms > 0 ? isoTime(ms) : null);

function checkInfo(h: ServerHealthView): CheckInfo {
  return {
    description: h.check,
    lastResult: h.lastCheck ? (h.lastCheck.ok ? 'passed' : 'failed') : null,
    lastReason: h.lastCheck?.reason ?? null,
    lastDurationMs: h.lastCheck?.durationMs ?? null,
    lastAt: h.lastCheck?.at ?? null,
    phase: h.phase,
    health: h.health,
  };
}

function serverStats(
  b: BackendRuntime,
  s: ServerRuntime,
  stats: TrafficStats,
  health: Map<string, ServerHealthView>,
): ServerStats {
  const c = stats.servers.get(serverStatsKey(b.id, s.name));
  const address = `${s.address}:${s.port}`;
  const h = b.snap.health ? health.get(`${b.id}\u0000${s.name}\u0000${address}`) : undefined;
  const o = s.state.adminOverride;
  return {
    name: s.name,
    address,
    status: serverStatus(s),
    backup: s.backup,
    adminState: adminStateOf(s),
    configuredState: s.snap.state,
    override: o ? { state: o.state, since: isoTime(o.since), reason: o.reason } : null,
    up: s.state.up,
    weight: s.weight,
    configuredWeight: s.snap.weight,
    currentSessions: s.state.active,
    maxSessions: Math.max(c?.max ?? 0, s.state.active),
    limit: s.snap.maxConnections && s.snap.maxConnections > 0 ? s.snap.maxConnections : null,
    sessions: c?.sessions ?? 0,
    bytesIn: c?.bytesIn ?? 0,
    bytesOut: c?.bytesOut ?? 0,
    responses: { ...(c?.codes ?? { '1xx': 0, '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0, other: 0 }) },
    errors: { connection: c?.connectionErrors ?? 0, response: c?.responseErrors ?? 0 },
    retries: c?.retries ?? 0,
    redispatches: c?.redispatches ?? 0,
    check: h ? checkInfo(h) : null,
    lastTransition: h?.since ?? null,
    transitionReason: h?.reason ?? null,
    lastSessionAt: iso(c?.lastSessionAt),
  };
}

export function buildStats(view: DataplaneView, stats: TrafficStats, now = Date.now()): StatsDocument {
  const rt = view.runtime();
  const health = new Map<string, ServerHealthView>();
  for (const h of view.health()?.servers ?? [])
    health.set(`${h.backend}\u0000${h.server}\u0000${h.address}`, h);
  const connections = new Map<string, number>();
  for (const l of view.listeners())
    if (l.frontend) connections.set(l.frontend, (connections.get(l.frontend) ?? 0) + l.connections);

  const frontends = [...rt.frontends.values()]
    .map((fe): FrontendStats => {
      const c = stats.frontends.get(fe.id);
      return {
        id: fe.id,
        mode: fe.mode,
        bind: fe.bindKey,
        status: 'OPEN',
        currentConnections: connections.get(fe.id) ?? 0,
        currentSessions: c?.current ?? 0,
        maxSessions: c?.max ?? 0,
        limit: fe.snap.maxConnections && fe.snap.maxConnections > 0 ? fe.snap.maxConnections : null,
        requests: c?.requests ?? 0,
        sessions: c?.sessions ?? 0,
        bytesIn: c?.bytesIn ?? 0,
        bytesOut: c?.bytesOut ?? 0,
        responses: { ...(c?.codes ?? { '1xx': 0, '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0, other: 0 }) },
        denied: c?.denied ?? 0,
        clientAborts: c?.clientAborts ?? 0,
        defaultBackend: fe.snap.defaultBackend ?? null,
      };
    })
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));

  const backends = [...rt.backends.values()]
    .map((b): BackendStats => {
      const c = stats.backends.get(b.id);
      const servers = b.servers.map((s) => serverStats(b, s, stats, health));
      let active = 0;
      let backup = 0;
      for (const s of b.servers)
        if (s.eligible()) {
          if (s.backup) backup++;
          else active++;
        }
      return {
        id: b.id,
        mode: b.snap.mode,
        algorithm: b.snap.balance.algorithm,
        status: active + backup > 0 && !b.unavailableReason ? 'UP' : 'DOWN',
        unavailableReason: b.unavailableReason ?? null,
        activeServers: active,
        backupServers: backup,
        queue: { current: b.state.queue.length, total: c?.queued ?? 0, limit: b.snap.maxQueue ?? null },
        currentSessions: b.servers.reduce((n, s) => n + s.state.active, 0),
        requests: c?.requests ?? 0,
        sessions: c?.sessions ?? 0,
        bytesIn: c?.bytesIn ?? 0,
        bytesOut: c?.bytesOut ?? 0,
        responses: { ...(c?.codes ?? { '1xx': 0, '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0, other: 0 }) },
        errors: { connection: c?.connectionErrors ?? 0, response: c?.responseErrors ?? 0 },
        retries: c?.retries ?? 0,
        redispatches: c?.redispatches ?? 0,
        noServer: c?.noServer ?? 0,
        servers,
      };
    })
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));

  const appliedAt = view.appliedAt();
  return {
    dataplane: {
      nodeId: view.nodeId,
      group: view.group,
      pid: process.pid,
      uptimeSeconds: Math.round(process.uptime()),
    },
    generatedAt: isoTime(now),
    snapshot: {
      version: rt.version,
      shortVersion: shortVersion(rt.version),
      appliedAt: appliedAt === null ? null : isoTime(appliedAt),
      ageSeconds: appliedAt === null ? null : Math.max(0, Math.round((now - appliedAt) / 1000)),
    },
    controller: view.controller(),
    frontends,
    backends,
  };
}
