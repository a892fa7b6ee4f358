// The Prometheus series of one dataplane on its own prom-client Registry (several dataplanes can
// share a process), made with the first scrape (prometheus.ts loads this module then). Counters
// and gauges are views of the traffic table (TrafficStats) and the live runtime, recomputed just
// before each scrape; the histograms are the ones DataplaneMetrics has observed since start-up.
// Labels are configuration names only (frontend, backend, server) plus small fixed sets (code
// class, state, result): the cardinality is bounded by the configuration, never by clients or
// paths.
//
// The full list, with types and labels, is in docs/observability.md.
import { createRequire } from 'node:module';
import type * as PromClient from 'prom-client';
import type { LabelValues } from 'prom-client';
import type { DataplaneMetricsOptions, ObservedHistograms } from './prometheus.js';
import { collectProcessMetrics } from './process-metrics.js';
import { SERVER_STATUSES, serverStatus } from './server-status.js';
import { CODE_CLASSES, serverStatsKey, type Codes, type TrafficStats } from './stats.js';
import type { DataplaneView } from './view.js';

// With require, not import: the dataplane's bundle (bin/bundle.mjs) then loads prom-client with
// the first scrape too (a static import there is hoisted to the bundle's start).
const { Counter, Gauge, Registry } = createRequire(import.meta.url)('prom-client') as typeof PromClient;
type Counter<T extends string> = PromClient.Counter<T>;
type Gauge<T extends string> = PromClient.Gauge<T>;

type Labels<T extends string> = LabelValues<T>;

/** The registry and the histograms, set before the field initialisers of PrometheusSeries run. */
abstract class SeriesBase {
  readonly registry = new Registry();
  protected readonly r = this.registry;

  constructor(protected readonly h: ObservedHistograms) {}
}

export class PrometheusSeries extends SeriesBase {
  // ---- frontends ----
  private readonly feRequests = this.counter(
    'bascule_frontend_http_requests_total',
    'HTTP requests answered by the frontend (WebSocket handshakes included), by status class; code="other" when no status was sent.',
    ['frontend', 'code'],
  );
  private readonly feSessions = this.counter(
    'bascule_frontend_tcp_sessions_total',
    'TCP sessions accepted by a tcp-mode frontend.',
    ['frontend'],
  );
  private readonly feCurrent = this.gauge(
    'bascule_frontend_current_sessions',
    'HTTP requests and TCP sessions in progress.',
    ['frontend'],
  );
  private readonly feMax = this.gauge(
    'bascule_frontend_max_sessions',
    'Highest number of HTTP requests and TCP sessions in progress at once since the frontend appeared.',
    ['frontend'],
  );
  private readonly feConnections = this.gauge(
    'bascule_frontend_current_connections',
    'Open client connections on the frontend listener.',
    ['frontend'],
  );
  private readonly feBytesIn = this.counter(
    'bascule_frontend_bytes_in_total',
    'Bytes received from clients.',
    ['frontend'],
  );
  private readonly feBytesOut = this.counter('bascule_frontend_bytes_out_total', 'Bytes sent to clients.', [
    'frontend',
  ]);
  private readonly feDenied = this.counter(
    'bascule_frontend_denied_requests_total',
    'Requests refused by the proxy itself (deny rules, rate limits, malformed requests).',
    ['frontend'],
  );
  private readonly feAborts = this.counter(
    'bascule_frontend_client_aborts_total',
    'Requests and sessions the client abandoned before the end.',
    ['frontend'],
  );
  private readonly feDuration = this.h.feDuration.register(this.r);

  // ---- backends ----
  private readonly beResponses = this.counter(
    'bascule_backend_http_responses_total',
    'HTTP responses for requests routed to the backend, by status class (proxy answers such as 503 included).',
    ['backend', 'code'],
  );
  private readonly beSessions = this.counter(
    'bascule_backend_tcp_sessions_total',
    'TCP sessions routed to the backend.',
    ['backend'],
  );
  private readonly beResponseTime = this.h.beResponseTime.register(this.r);
  private readonly beQueueTime = this.h.beQueueTime.register(this.r);
  private readonly beQueue = this.gauge(
    'bascule_backend_current_queue',
    'Requests waiting for a server slot (maxConnections reached).',
    ['backend'],
  );
  private readonly beQueued = this.counter(
    'bascule_backend_queued_requests_total',
    'Requests that had to wait in the backend queue.',
    ['backend'],
  );
  private readonly beRetries = this.counter(
    'bascule_backend_retries_total',
    'Connection attempts beyond the first (retries).',
    ['backend'],
  );
  private readonly beRedispatches = this.counter(
    'bascule_backend_redispatches_total',
    'Retries sent to another server than the one that failed (redispatch).',
    ['backend'],
  );
  private readonly beConnErrors = this.counter(
    'bascule_backend_connection_errors_total',
    'Failed connection attempts to servers (refused, unreachable, connect timeout).',
    ['backend'],
  );
  private readonly beRespErrors = this.counter(
    'bascule_backend_response_errors_total',
    'Server failures after connecting (timeout, reset, invalid answer).',
    ['backend'],
  );
  private readonly beNoServer = this.counter(
    'bascule_backend_no_server_total',
    'Requests and sessions answered without any server (none usable, queue full, queue timeout).',
    ['backend'],
  );
  private readonly beBytesIn = this.counter(
    'bascule_backend_bytes_in_total',
    'Bytes received from clients of requests routed to the backend.',
    ['backend'],
  );
  private readonly beBytesOut = this.counter(
    'bascule_backend_bytes_out_total',
    'Bytes sent to clients of requests routed to the backend.',
    ['backend'],
  );
  private readonly beUp = this.gauge(
    'bascule_backend_up',
    '1 when at least one server of the backend can take new traffic.',
    ['backend'],
  );
  private readonly beActive = this.gauge(
    'bascule_backend_active_servers',
    'Regular (non-backup) servers that can take new traffic.',
    ['backend'],
  );
  private readonly beBackup = this.gauge(
    'bascule_backend_backup_servers',
    'Backup servers that can take new traffic.',
    ['backend'],
  );

  // ---- servers ----
  private readonly srvUp = this.gauge(
    'bascule_server_up',
    'Health verdict: 1 up, 0 down (a server without health checks is up).',
    ['backend', 'server'],
  );
  private readonly srvState = this.gauge(
    'bascule_server_state',
    'Server state as on the stats page, one series per state set to 1 for the current one (up, down, drain, maintenance).',
    ['backend', 'server', 'state'],
  );
  private readonly srvOverride = this.gauge(
    'bascule_server_runtime_override',
    '1 while a runtime override from the admin API sets the server state (ephemeral).',
    ['backend', 'server'],
  );
  private readonly srvWeight = this.gauge(
    'bascule_server_weight',
    'Effective weight (slow start included).',
    ['backend', 'server'],
  );
  private readonly srvCurrent = this.gauge(
    'bascule_server_current_connections',
    'Requests and sessions in progress on the server.',
    ['backend', 'server'],
  );
  private readonly srvPeak = this.gauge(
    'bascule_server_peak_connections',
    'Highest number of requests and sessions in progress at once on the server.',
    ['backend', 'server'],
  );
  private readonly srvLimit = this.gauge(
    'bascule_server_connection_limit',
    'Configured maxConnections (0: no limit).',
    ['backend', 'server'],
  );
  private readonly srvSessions = this.counter(
    'bascule_server_sessions_total',
    'Requests and sessions sent to the server (every attempt counts).',
    ['backend', 'server'],
  );
  private readonly srvResponses = this.counter(
    'bascule_server_http_responses_total',
    'HTTP responses received from the server, by status class.',
    ['backend', 'server', 'code'],
  );
  private readonly srvBytesIn = this.counter(
    'bascule_server_bytes_in_total',
    'Bytes received from clients of requests served by the server.',
    ['backend', 'server'],
  );
  private readonly srvBytesOut = this.counter(
    'bascule_server_bytes_out_total',
    'Bytes sent to clients of requests served by the server.',
    ['backend', 'server'],
  );
  private readonly srvRetries = this.counter(
    'bascule_server_retries_total',
    'Failed attempts on the server that were retried.',
    ['backend', 'server'],
  );
  private readonly srvRedispatches = this.counter(
    'bascule_server_redispatches_total',
    'Failed attempts on the server that were retried on another server.',
    ['backend', 'server'],
  );
  private readonly srvConnErrors = this.counter(
    'bascule_server_connection_errors_total',
    'Failed connection attempts to the server.',
    ['backend', 'server'],
  );
  private readonly srvRespErrors = this.counter(
    'bascule_server_response_errors_total',
    'Failures of the server after connecting (timeout, reset, invalid answer).',
    ['backend', 'server'],
  );
  private readonly srvChecks = this.counter(
    'bascule_server_health_checks_total',
    'Active health checks run against the server, by result.',
    ['backend', 'server', 'result'],
  );
  private readonly srvTransitions = this.counter(
    'bascule_server_health_transitions_total',
    'Health state transitions of the server, by new state.',
    ['backend', 'server', 'to'],
  );

  // ---- dataplane and snapshots ----
  private readonly info = this.gauge('bascule_dataplane_info', 'Always 1; identifies the dataplane.', [
    'node_id',
    'group',
  ]);
  private readonly snapInfo = this.gauge(
    'bascule_snapshot_info',
    'Always 1; the version of the live snapshot.',
    ['version'],
  );
  private readonly snapApplied = this.gauge(
    'bascule_snapshot_applied_timestamp_seconds',
    'When the live snapshot was applied (Unix time).',
    [],
  );
  private readonly snapDuration = this.h.snapDuration.register(this.r);
  private readonly snapApplies = this.counter(
    'bascule_snapshot_applies_total',
    'Snapshots received, by result (applied, noop: already live, rejected).',
    ['result'],
  );
  private readonly snapNacks = this.counter(
    'bascule_snapshot_nacks_total',
    'Snapshots rejected (NACKed to the controller), by error code.',
    ['code'],
  );
  private readonly channel = this.gauge(
    'bascule_control_channel_connected',
    '1 while connected to the controller, else 0 (also when the dataplane runs without one).',
    [],
  );
  private readonly overrides = this.gauge(
    'bascule_runtime_overrides',
    'Servers whose state is currently set by a runtime override.',
    [],
  );

  constructor(
    private readonly view: DataplaneView,
    private readonly stats: TrafficStats,
    h: ObservedHistograms,
    opts: DataplaneMetricsOptions,
  ) {
    super(h);
    if (opts.processMetrics !== false) collectProcessMetrics(this.registry);
  }

  private counter<T extends string>(name: string, help: string, labelNames: T[]): Counter<T> {
    return new Counter({ name, help, labelNames, registers: [this.r] });
  }

  private gauge<T extends string>(name: string, help: string, labelNames: T[]): Gauge<T> {
    return new Gauge({ name, help, labelNames, registers: [this.r] });
  }

  /** The exposition, refreshed from the live runtime and the traffic table. */
  async render(): Promise<string> {
    this.refresh();
    return this.registry.metrics();
  }

  private refresh(): void {
    const rt = this.view.runtime();
    const liveFrontends = [...rt.frontends.values()].map((f) => f.id);
    const liveBackends = [...rt.backends.keys()];
    const liveServers = [...rt.backends.values()].flatMap((b) =>
      b.servers.map((s) => serverStatsKey(b.id, s.name)),
    );
    this.stats.prune({ frontends: liveFrontends, backends: liveBackends, servers: liveServers });

    for (const m of this.resettable) m.reset();
    const setCodes = (c: Counter<string>, labels: Labels<string>, codes: Codes): void => {
      for (const code of CODE_CLASSES) c.inc({ ...labels, code }, codes[code]);
    };

    // Frontends: every live one gets a series, even before its first request.
    const connections = new Map<string, number>();
    for (const l of this.view.listeners())
      if (l.frontend) connections.set(l.frontend, (connections.get(l.frontend) ?? 0) + l.connections);
    for (const fe of rt.frontends.values()) {
      const f = this.stats.frontend(fe.id);
      const labels = { frontend: fe.id };
      if (fe.mode === 'http') setCodes(this.feRequests, labels, f.codes);
      else this.feSessions.inc(labels, f.sessions);
      this.feCurrent.set(labels, f.current);
      this.feMax.set(labels, f.max);
      this.feConnections.set(labels, connections.get(fe.id) ?? 0);
      this.feBytesIn.inc(labels, f.bytesIn);
      this.feBytesOut.inc(labels, f.bytesOut);
      this.feDenied.inc(labels, f.denied);
      this.feAborts.inc(labels, f.clientAborts);
    }

    // Health counters by server identity (backend, server name, address).
    const health = new Map<string, { checks: number; failedChecks: number; up: number; down: number }>();
    for (const h of this.view.health()?.servers ?? [])
      health.set(`${h.backend}\u0000${h.server}\u0000${h.address}`, h.counters);

    let overrides = 0;
    for (const b of rt.backends.values()) {
      const bc = this.stats.backend(b.id);
      const bl = { backend: b.id };
      if (b.snap.mode === 'http') setCodes(this.beResponses, bl, bc.codes);
      else this.beSessions.inc(bl, bc.sessions);
      this.beQueue.set(bl, b.state.queue.length);
      this.beQueued.inc(bl, bc.queued);
      this.beRetries.inc(bl, bc.retries);
      this.beRedispatches.inc(bl, bc.redispatches);
      this.beConnErrors.inc(bl, bc.connectionErrors);
      this.beRespErrors.inc(bl, bc.responseErrors);
      this.beNoServer.inc(bl, bc.noServer);
      this.beBytesIn.inc(bl, bc.bytesIn);
      this.beBytesOut.inc(bl, bc.bytesOut);
      let active = 0;
      let backup = 0;
      for (const s of b.servers) {
        if (s.eligible()) {
          if (s.backup) backup++;
          else active++;
        }
        const sl = { backend: b.id, server: s.name };
        const sc = this.stats.server(b.id, s.name);
        const status = serverStatus(s);
        this.srvUp.set(sl, s.state.up ? 1 : 0);
        for (const st of SERVER_STATUSES) this.srvState.set({ ...sl, state: st }, st === status ? 1 : 0);
        const override = s.state.adminOverride !== undefined;
        if (override) overrides++;
        this.srvOverride.set(sl, override ? 1 : 0);
        this.srvWeight.set(sl, s.weight);
        this.srvCurrent.set(sl, s.state.active);
        this.srvPeak.set(sl, Math.max(sc.max, s.state.active));
        this.srvLimit.set(sl, s.snap.maxConnections ?? 0);
        this.srvSessions.inc(sl, sc.sessions);
        if (b.snap.mode === 'http') setCodes(this.srvResponses, sl, sc.codes);
        this.srvBytesIn.inc(sl, sc.bytesIn);
        this.srvBytesOut.inc(sl, sc.bytesOut);
        this.srvRetries.inc(sl, sc.retries);
        this.srvRedispatches.inc(sl, sc.redispatches);
        this.srvConnErrors.inc(sl, sc.connectionErrors);
        this.srvRespErrors.inc(sl, sc.responseErrors);
        const hc = health.get(`${b.id}\u0000${s.name}\u0000${s.address}:${s.port}`);
        if (hc) {
          this.srvChecks.inc({ ...sl, result: 'passed' }, hc.checks - hc.failedChecks);
          this.srvChecks.inc({ ...sl, result: 'failed' }, hc.failedChecks);
          this.srvTransitions.inc({ ...sl, to: 'up' }, hc.up);
          this.srvTransitions.inc({ ...sl, to: 'down' }, hc.down);
        }
      }
      this.beActive.set(bl, active);
      this.beBackup.set(bl, backup);
      this.beUp.set(bl, active + backup > 0 && !b.unavailableReason ? 1 : 0);
    }
    // Histograms of objects that left the configuration.
    const be = new Set(liveBackends);
    const fe = new Set(liveFrontends);
    for (const key of this.histogramBackends)
      if (!be.has(key)) {
        this.beResponseTime.remove(key);
        this.beQueueTime.remove(key);
      }
    for (const key of this.histogramFrontends) if (!fe.has(key)) this.feDuration.remove(key);
    this.histogramBackends = be;
    this.histogramFrontends = fe;

    this.info.set({ node_id: this.view.nodeId, group: this.view.group }, 1);
    if (rt.version) this.snapInfo.set({ version: rt.version }, 1);
    const at = this.view.appliedAt();
    if (at !== null) this.snapApplied.set(at / 1000);
    const a = this.view.applies();
    this.snapApplies.inc({ result: 'applied' }, a.applied);
    this.snapApplies.inc({ result: 'noop' }, a.noop);
    this.snapApplies.inc({ result: 'rejected' }, a.rejected);
    for (const [code, n] of a.nacks) this.snapNacks.inc({ code }, n);
    const ch = this.view.controller();
    if (ch) this.channel.set(ch.connected ? 1 : 0);
    this.overrides.set(overrides);
  }

  private histogramBackends = new Set<string>();
  private histogramFrontends = new Set<string>();

  /** Everything recomputed on each scrape (histograms excluded: they accumulate). */
  private get resettable(): Array<{ reset(): void }> {
    return [
      this.feRequests,
      this.feSessions,
      this.feCurrent,
      this.feMax,
      this.feConnections,
      this.feBytesIn,
      this.feBytesOut,
      this.feDenied,
      this.feAborts,
      this.beResponses,
      this.beSessions,
      this.beQueue,
      this.beQueued,
      this.beRetries,
      this.beRedispatches,
      this.beConnErrors,
      this.beRespErrors,
      this.beNoServer,
      this.beBytesIn,
      this.beBytesOut,
      this.beUp,
      this.beActive,
      this.beBackup,
      this.srvUp,
      this.srvState,
      this.srvOverride,
      this.srvWeight,
      this.srvCurrent,
      this.srvPeak,
      this.srvLimit,
      this.srvSessions,
      this.srvResponses,
      this.srvBytesIn,
      this.srvBytesOut,
      this.srvRetries,
      this.srvRedispatches,
      this.srvConnErrors,
      this.srvRespErrors,
      this.srvChecks,
      this.srvTransitions,
      this.info,
      this.snapInfo,
      this.snapApplies,
      this.snapNacks,
      this.overrides,
    ];
  }
}
