// Admin endpoints: liveness, readiness (a snapshot is live), and a JSON status document; with
// observability wired: the stats page (HTML, `;json`, `;csv`), Prometheus `/metrics` and the
// runtime API (server state overrides).
//
// Open to anyone who reaches the port: /healthz, /readyz, /status, /health (probes, status) and
// /metrics (unless protectMetrics). Behind basic auth: /stats* and /runtime/* (see auth.ts).
//
// Plain node:http rather than express: a dozen fixed paths need no framework, and express with
// its dependencies was ~1.7 MiB of heap (plus its compiled code) in every dataplane process that
// serves this endpoint, where a dataplane is judged by its footprint (bench/README.md, "Dataplane
// memory"). Content negotiation uses negotiator, the library behind express's req.accepts.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { DataplaneMetrics } from '../metrics/prometheus.js';
import type { TrafficStats } from '../metrics/stats.js';
import type { DataplaneView } from '../metrics/view.js';
import { isLoopback, requireAdmin, type AdminCheck, type CredentialSource } from './auth.js';
import { dateHeader } from './http-date.js';
import { preferredType, reply, replyJson, replyText, requestUrl } from './http-reply.js';
import { serveRuntime, type RuntimeOverrides } from './runtime-api.js';
import { renderStatsCsv } from './stats-csv.js';
import { renderStatsPage } from './stats-html.js';
import { buildStats, type StatsDocument } from './stats-model.js';

// node:http is taken with process.getBuiltinModule, not imported: on Node.js 22+ an ES module
// import of it reads every export, and some are getters that load http2, undici and zlib
// (docs/memory.md, "What a process does not load").
const http: typeof import('node:http') = process.getBuiltinModule('node:http');

/** What the endpoint reads of the dataplane's observability (the Observability of observability.ts). */
export interface ObservedDataplane {
  readonly view: DataplaneView;
  readonly stats: TrafficStats;
  readonly metrics: DataplaneMetrics;
}

export interface AdminObservability {
  readonly obs: ObservedDataplane;
  readonly overrides: RuntimeOverrides;
  readonly credentials: CredentialSource;
  /** Require the admin credentials on /metrics too (default false: Prometheus scrapes it). */
  readonly protectMetrics?: boolean;
  /** Stats page auto-refresh (seconds, default 5; 0 disables; `?refresh=N` per request). */
  readonly refreshSeconds?: number;
  /**
   * Multi-worker dataplanes (workers/): the stats document and the metrics exposition of the
   * whole dataplane, or of one worker (`?worker=N`; undefined when there is no such worker).
   */
  readonly aggregate?: {
    stats(worker: number | undefined): Promise<StatsDocument | undefined>;
    metrics(worker: number | undefined): Promise<string | undefined>;
  };
}

export interface AdminOptions {
  host: string;
  port: number;
  log: Logger;
  ready: () => boolean;
  status: () => unknown | Promise<unknown>;
  /** Health checks: every checked server and the counters. */
  health?: () => unknown;
  /** Stats page, metrics and runtime API; absent: only the endpoints above. */
  observability?: AdminObservability;
}

export interface AdminServer {
  readonly url: string;
  close(): Promise<void>;
}

type Handler = (req: IncomingMessage, res: ServerResponse, url: URL) => void | Promise<void>;

/** The admin endpoint's request handler. */
export function adminHandler(
  opts: Pick<AdminOptions, 'ready' | 'status' | 'health' | 'observability'> & { host?: string },
): (req: IncomingMessage, res: ServerResponse) => void {
  // Exact paths (a trailing slash allowed), GET and HEAD.
  const routes = new Map<string, Handler>([
    ['/healthz', (req, res) => replyText(req, res, 200, 'ok\n')],
    [
      '/readyz',
      (req, res) =>
        opts.ready()
          ? replyText(req, res, 200, 'ready\n')
          : replyText(req, res, 503, 'no snapshot applied yet\n'),
    ],
    ['/status', async (req, res) => replyJson(req, res, 200, await opts.status())],
    ['/health', (req, res) => replyJson(req, res, 200, opts.health?.() ?? { counters: null, servers: [] })],
  ]);
  const observability = opts.observability
    ? mountObservability(routes, opts.observability, isLoopback(opts.host))
    : undefined;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = requestUrl(req);
    const path =
      url.pathname.length > 1 && url.pathname.endsWith('/') ? url.pathname.slice(0, -1) : url.pathname;
    if (observability && (path === '/runtime' || path.startsWith('/runtime/')))
      return observability.runtime(req, res, url.pathname.slice('/runtime'.length));
    const stats = /^\/stats(?:;(json|csv|html))?$/.exec(path);
    const route = stats && observability ? observability.stats(stats[1]) : routes.get(path);
    if (!route) return replyText(req, res, 404, `no admin resource ${path}\n`);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      return replyText(req, res, 405, `method ${req.method} not allowed on ${path}\n`);
    }
    await route(req, res, url);
  };
  return (req, res) => {
    // Node's Date header would call toUTCString (http-date.ts says why not): the same header, ours.
    res.sendDate = false;
    res.setHeader('Date', dateHeader());
    handle(req, res).catch((err: Error) => {
      if (!res.headersSent) replyText(req, res, 500, `internal error: ${err.message}\n`);
      else res.destroy(err);
    });
  };
}

type StatsFormat = 'html' | 'json' | 'csv';

function statsFormat(req: IncomingMessage, url: URL, suffix: string | undefined): StatsFormat {
  const f = suffix ?? url.searchParams.get('format') ?? undefined;
  if (f === 'json' || f === 'csv' || f === 'html') return f;
  const preferred = preferredType(req, ['text/html', 'application/json', 'text/csv']);
  return preferred === 'application/json' ? 'json' : preferred === 'text/csv' ? 'csv' : 'html';
}

/** `?worker=N` (multi-worker dataplanes): a positive integer, or undefined for the whole dataplane. */
function workerParam(url: URL): number | undefined | null {
  const raw = url.searchParams.get('worker');
  if (raw === null) return undefined;
  return /^[1-9][0-9]{0,3}$/.test(raw) ? Number(raw) : null;
}

/** Adds /metrics and / to `routes`; the stats page and the runtime API are matched by prefix. */
function mountObservability(
  routes: Map<string, Handler>,
  o: AdminObservability,
  loopbackOnly: boolean,
): {
  stats: (suffix: string | undefined) => Handler;
  runtime: (req: IncomingMessage, res: ServerResponse, path: string) => Promise<void>;
} {
  const auth: AdminCheck = requireAdmin(o.credentials, loopbackOnly);
  const noWorker = (req: IncomingMessage, res: ServerResponse): void =>
    replyText(req, res, 404, 'no such worker (see "workers" in /stats;json)\n');

  routes.set('/metrics', async (req, res, url) => {
    if (o.protectMetrics && !auth(req, res)) return;
    const worker = workerParam(url);
    let text: string | undefined;
    if (o.aggregate && worker !== null) text = await o.aggregate.metrics(worker);
    else if (worker === undefined) text = await o.obs.metrics.render();
    if (text === undefined) return noWorker(req, res);
    res.setHeader('Cache-Control', 'no-store');
    reply(req, res, 200, o.obs.metrics.contentType, text);
  });
  routes.set('/', (req, res) => {
    res.setHeader('Location', '/stats');
    replyText(req, res, 302, 'Found. Redirecting to /stats\n');
  });

  // HAProxy-style suffixes: /stats;json and /stats;csv (also ?format= and the Accept header).
  const stats =
    (suffix: string | undefined): Handler =>
    async (req, res, url) => {
      if (!auth(req, res)) return;
      const worker = workerParam(url);
      let doc: StatsDocument | undefined;
      if (o.aggregate && worker !== null) doc = await o.aggregate.stats(worker);
      else if (worker === undefined) doc = buildStats(o.obs.view, o.obs.stats);
      if (!doc) return noWorker(req, res);
      res.setHeader('Cache-Control', 'no-store');
      const format = statsFormat(req, url, suffix);
      if (format === 'json') return replyJson(req, res, 200, doc);
      if (format === 'csv') return reply(req, res, 200, 'text/csv; charset=utf-8', renderStatsCsv(doc));
      const asked = Number(url.searchParams.get('refresh') ?? NaN);
      const refreshSeconds =
        Number.isFinite(asked) && asked >= 0 ? Math.min(3600, Math.floor(asked)) : (o.refreshSeconds ?? 5);
      reply(req, res, 200, 'text/html; charset=utf-8', renderStatsPage(doc, { refreshSeconds }));
    };
  const runtime = async (req: IncomingMessage, res: ServerResponse, path: string): Promise<void> => {
    if (auth(req, res)) await serveRuntime(o.overrides, req, res, path);
  };
  return { stats, runtime };
}

export async function startAdmin(opts: AdminOptions): Promise<AdminServer> {
  const server = http.createServer(adminHandler(opts));
  if (opts.observability && !opts.observability.credentials.configured) {
    if (isLoopback(opts.host))
      opts.log.info(
        'admin credentials not configured: stats page and runtime API open to loopback clients only',
      );
    else
      opts.log.warn(
        { host: opts.host },
        'admin credentials not configured (BASCULE_ADMIN_AUTH_FILE): the stats page and runtime API answer 403 on a non-loopback admin address',
      );
  }
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (err) => opts.log.error({ err: err.message }, 'admin server error'));
  const { address, port } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  const url = `http://${host}:${port}`;
  opts.log.info({ url }, 'admin endpoint listening');
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
