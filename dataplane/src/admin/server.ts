// Admin endpoints: liveness, readiness (a snapshot is live), and a JSON status document; with
// observability wired: the stats page (HTML, `;json`, `;csv`), Prometheus `/metrics` and the
// runtime API (server state overrides).
//
// Open to anyone who reaches the port: /healthz, /readyz, /status, /health (probes, status) and
// /metrics (unless protectMetrics). Behind basic auth: /stats* and /runtime/* (see auth.ts).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type Request } from 'express';
import type { Logger } from 'pino';
import type { DataplaneMetrics } from '../metrics/prometheus.js';
import type { TrafficStats } from '../metrics/stats.js';
import type { DataplaneView } from '../metrics/view.js';
import { isLoopback, requireAdmin, type CredentialSource } from './auth.js';
import { runtimeRouter, type RuntimeOverrides } from './runtime-api.js';
import { renderStatsCsv } from './stats-csv.js';
import { renderStatsPage } from './stats-html.js';
import { buildStats, type StatsDocument } from './stats-model.js';

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

export function adminApp(
  opts: Pick<AdminOptions, 'ready' | 'status' | 'health' | 'observability'> & { host?: string },
): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.get('/healthz', (_req, res) => {
    res.type('text/plain').send('ok\n');
  });
  app.get('/readyz', (_req, res) => {
    if (opts.ready()) res.type('text/plain').send('ready\n');
    else res.status(503).type('text/plain').send('no snapshot applied yet\n');
  });
  app.get('/status', async (_req, res) => {
    res.json(await opts.status());
  });
  app.get('/health', (_req, res) => {
    res.json(opts.health?.() ?? { counters: null, servers: [] });
  });
  if (opts.observability) mountObservability(app, opts.observability, isLoopback(opts.host));
  return app;
}

type StatsFormat = 'html' | 'json' | 'csv';

function statsFormat(req: Request, suffix: string | undefined): StatsFormat {
  const q = typeof req.query.format === 'string' ? req.query.format : undefined;
  const f = suffix ?? q;
  if (f === 'json' || f === 'csv' || f === 'html') return f;
  const preferred = req.accepts(['text/html', 'application/json', 'text/csv']);
  return preferred === 'application/json' ? 'json' : preferred === 'text/csv' ? 'csv' : 'html';
}

/** `?worker=N` (multi-worker dataplanes): a positive integer, or undefined for the whole dataplane. */
function workerParam(req: Request): number | undefined | null {
  const raw = req.query.worker;
  if (raw === undefined) return undefined;
  return typeof raw === 'string' && /^[1-9][0-9]{0,3}$/.test(raw) ? Number(raw) : null;
}

function mountObservability(app: express.Express, o: AdminObservability, loopbackOnly: boolean): void {
  const auth = requireAdmin(o.credentials, loopbackOnly);
  const noWorker = (res: express.Response): void =>
    void res.status(404).type('text/plain').send('no such worker (see "workers" in /stats;json)\n');
  const metrics = async (req: Request, res: express.Response): Promise<void> => {
    const worker = workerParam(req);
    let text: string | undefined;
    if (o.aggregate && worker !== null) text = await o.aggregate.metrics(worker);
    else if (worker === undefined) text = await o.obs.metrics.render();
    if (text === undefined) return noWorker(res);
    res.setHeader('Cache-Control', 'no-store');
    res.type(o.obs.metrics.contentType).send(text);
  };
  if (o.protectMetrics) app.get('/metrics', auth, metrics);
  else app.get('/metrics', metrics);

  app.get('/', (_req, res) => res.redirect(302, '/stats'));
  // HAProxy-style suffixes: /stats;json and /stats;csv (also ?format= and the Accept header).
  app.use((req, res, next) => {
    const m = /^\/stats(?:;(json|csv|html))?\/?$/.exec(req.path);
    if (!m || (req.method !== 'GET' && req.method !== 'HEAD')) return next();
    auth(req, res, () => void serveStats(req, res, m[1]).catch(next));
  });
  const serveStats = async (
    req: Request,
    res: express.Response,
    suffix: string | undefined,
  ): Promise<void> => {
    const worker = workerParam(req);
    let doc: StatsDocument | undefined;
    if (o.aggregate && worker !== null) doc = await o.aggregate.stats(worker);
    else if (worker === undefined) doc = buildStats(o.obs.view, o.obs.stats);
    if (!doc) return noWorker(res);
    res.setHeader('Cache-Control', 'no-store');
    const format = statsFormat(req, suffix);
    if (format === 'json') return void res.json(doc);
    if (format === 'csv') return void res.type('text/csv; charset=utf-8').send(renderStatsCsv(doc));
    const asked = Number(req.query.refresh);
    const refreshSeconds =
      Number.isFinite(asked) && asked >= 0 ? Math.min(3600, Math.floor(asked)) : (o.refreshSeconds ?? 5);
    res.type('text/html; charset=utf-8').send(renderStatsPage(doc, { refreshSeconds }));
  };
  app.use('/runtime', auth, runtimeRouter(o.overrides));
}

export async function startAdmin(opts: AdminOptions): Promise<AdminServer> {
  const server = http.createServer(adminApp(opts));
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
