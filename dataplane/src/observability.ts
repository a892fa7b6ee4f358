// One dataplane's observability: the traffic table, the Prometheus registry, the access log and
// the snapshot-apply counters, fed by one seam (TrafficEvents, handed to the engine's
// listeners) and read by the admin endpoint (stats page, /metrics).
import type { Logger } from 'pino';
import type { ServerHealth } from '#protocol/messages';
import type { AdminAuthOptions } from './admin/auth.js';
import {
  accessLogOptionsFromEnv,
  createAccessLog,
  type AccessLog,
  type AccessLogOptions,
} from './access-log/access-log.js';
import type { ApplyResult } from './agent/apply.js';
import type { TrafficEvents, TrafficRecord } from './types/traffic.js';
import { DataplaneMetrics } from './metrics/prometheus.js';
import { TrafficStats } from './metrics/stats.js';
import { HttpTrace, TcpTrace, type TracedRecord } from './metrics/trace.js';
import type { ApplyCounters, DataplaneView } from './metrics/view.js';

/** What a dataplane's caller may set (DataplaneOptions.observability); env fills the gaps. */
export interface DataplaneObservabilityOptions {
  /** Access log format and destination; default from BASCULE_ACCESS_LOG(_FILE), else JSON lines in the dataplane log. */
  accessLog?: AccessLogOptions;
  /** Stats page and runtime API credentials; default from BASCULE_ADMIN_AUTH_FILE / BASCULE_ADMIN_USERNAME+PASSWORD. */
  adminAuth?: AdminAuthOptions;
  /** Require the admin credentials on /metrics too (default false). */
  protectMetrics?: boolean;
  /** process_* and nodejs_* metrics (default true). */
  processMetrics?: boolean;
  /** Stats page auto-refresh in seconds (default 5; 0: off). */
  statsRefreshSeconds?: number;
}

export interface ObservabilityOptions extends DataplaneObservabilityOptions {
  log: Logger;
}

export class Observability {
  readonly stats = new TrafficStats();
  readonly accessLog: AccessLog;
  readonly applies: ApplyCounters = {
    applied: 0,
    noop: 0,
    rejected: 0,
    nacks: new Map(),
    lastDurationMs: null,
    lastError: null,
  };
  private metricsImpl: DataplaneMetrics | undefined;
  private viewImpl: DataplaneView | undefined;
  private sinkFailed = false;
  private readonly log: Logger;

  /** The seam the engine hands to its listeners. */
  readonly events: TrafficEvents;

  constructor(private readonly opts: ObservabilityOptions) {
    this.log = opts.log;
    this.accessLog = createAccessLog(opts.accessLog ?? accessLogOptionsFromEnv(), opts.log);
    const sink = (r: TrafficRecord): void => this.record(r as TracedRecord);
    const stats = this.stats;
    this.events = {
      http(head, frontend, version) {
        stats.started(frontend, 'http');
        return new HttpTrace(sink, frontend, version, head, 'http');
      },
      upgrade(head, frontend, version) {
        stats.started(frontend, 'http');
        return new HttpTrace(sink, frontend, version, head, 'websocket');
      },
      tcp(client, frontend, version) {
        stats.started(frontend, 'tcp');
        return new TcpTrace(sink, frontend, version, client);
      },
    };
  }

  /** Connects the read side to the running dataplane (before the admin endpoint starts). */
  bind(view: DataplaneView): void {
    this.viewImpl = view;
    this.metricsImpl = new DataplaneMetrics(view, this.stats, {
      ...(this.opts.processMetrics !== undefined ? { processMetrics: this.opts.processMetrics } : {}),
    });
  }

  get view(): DataplaneView {
    if (!this.viewImpl) throw new Error('observability is not bound to a dataplane');
    return this.viewImpl;
  }

  get metrics(): DataplaneMetrics {
    if (!this.metricsImpl) throw new Error('observability is not bound to a dataplane');
    return this.metricsImpl;
  }

  /** Observers must never break traffic: a failing one is reported once and skipped. */
  private record(r: TracedRecord): void {
    try {
      this.stats.ended(r);
      this.metricsImpl?.observe(r);
      this.accessLog.request(r);
    } catch (err) {
      if (this.sinkFailed) return;
      this.sinkFailed = true;
      this.log.error({ err: (err as Error).message }, 'recording a request failed (reported once)');
    }
  }

  /** Wraps a snapshot apply: counts the outcome and times it. */
  async trackApply(apply: () => Promise<ApplyResult>): Promise<ApplyResult> {
    const started = performance.now();
    const result = await apply();
    const ms = performance.now() - started;
    const a = this.applies;
    if (result.ok) {
      if (result.noop) a.noop++;
      else {
        a.applied++;
        a.lastDurationMs = Math.round(ms * 100) / 100;
        this.metricsImpl?.applyDuration(ms);
      }
    } else if (!result.superseded) {
      a.rejected++;
      a.nacks.set(result.error.code, (a.nacks.get(result.error.code) ?? 0) + 1);
      a.lastError = { code: result.error.code, message: result.error.message, at: Date.now() };
    }
    return result;
  }

  /** Health reports from the health manager: transitions go to the access log. */
  healthReport(r: { full: boolean; servers: readonly ServerHealth[] }): void {
    if (r.full) return;
    for (const s of r.servers) {
      try {
        this.accessLog.health({
          backend: s.backend,
          server: s.server,
          address: s.address,
          state: s.state,
          reason: s.reason,
          since: s.since,
        });
      } catch {
        // the access log must never break health reporting
      }
    }
  }

  close(): void {
    this.accessLog.close();
  }
}
