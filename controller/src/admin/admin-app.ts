// The controller's admin HTTP endpoints: probes and read-only views for operators.
// Nothing here exposes secret material: snapshot bodies are redacted and tokens never appear.
import express, { type Express, type Request, type Response } from 'express';
import type { Snapshot } from '#protocol/snapshot';
import { redactSnapshotBody } from '../snapshot/redact.js';
import type { DataplaneInfo } from '../publish/types.js';
import type { ControllerObservability } from '../metrics/observability.js';
import { eventStreamHandler, type AdminEvent, type AdminEventSubscribe } from './event-stream.js';
import { buildOverview } from './overview.js';
import type { ObjectStatusView } from '../status/tracker.js';
import { formatDiagnostic, refKey, type Diagnostic } from '../validate/diagnostic.js';

export interface AdminView {
  /** Why the controller is not ready yet, or null when it is. */
  notReadyReason(): string | null;
  /** The source's watches (Kubernetes informers): shown in /readyz with their lag. */
  watches?(): WatchView[];
  dataplanes(): DataplaneInfo[];
  statuses(): ObjectStatusView[];
  /** Diagnostics that belong to no object (files that do not parse, duplicates, unknown kinds). */
  unattachedDiagnostics(): Diagnostic[];
  snapshots(): Record<string, Snapshot>;
  /** Server health per Backend, as summarised from the dataplanes' reports (GET /health). */
  health?(): unknown;
  /** Prometheus metrics (GET /metrics) and the runtime overrides dataplanes report. */
  observability?: ControllerObservability;
  /** Snapshots published, ACKs and NACKs as they happen (GET /events). */
  events?: AdminEventSubscribe;
}

const diagnosticJson = (d: Diagnostic) => ({
  object: refKey(d.object),
  field: d.field,
  code: d.code,
  message: d.message,
  ...(d.file ? { file: d.file } : {}),
  ...(d.line ? { line: d.line } : {}),
  text: formatDiagnostic(d),
});

/** What /readyz shows of one watch of the source (a Kubernetes informer). */
export interface WatchView {
  name: string;
  synced: boolean;
  watching: boolean;
  lagMs: number;
  failures: number;
  lastError: string | null;
  retries: Partial<Record<string, number>>;
}

const watchJson = (w: WatchView) => ({
  name: w.name,
  synced: w.synced,
  watching: w.watching,
  lagSeconds: Math.round(w.lagMs / 100) / 10,
  failures: w.failures,
  ...(w.lastError ? { lastError: w.lastError } : {}),
  retries: w.retries,
});

export function createAdminApp(view: AdminView): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('json spaces', 2);

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  // Readiness is about serving snapshots, which a controller keeps doing while the API server
  // is away; the informers' lag says how stale its view of the cluster may be.
  app.get('/readyz', (_req, res) => {
    const reason = view.notReadyReason();
    const watches = view.watches?.().map(watchJson);
    const detail = watches ? { watches } : {};
    if (reason) res.status(503).json({ status: 'not ready', reason, ...detail });
    else res.json({ status: 'ready', ...detail });
  });

  app.get('/dataplanes', (_req, res) => {
    res.json(
      view.dataplanes().map((d) => ({
        nodeId: d.nodeId,
        group: d.group,
        appliedVersion: d.appliedVersion,
        pendingVersion: d.pendingVersion,
        lastAck: d.lastAck,
        lastNack: d.lastNack,
        connectedSince: d.connectedSince,
        remote: d.remoteAddress,
      })),
    );
  });

  app.get('/status', (_req, res) => {
    res.json({
      objects: view.statuses().map((s) => ({
        kind: s.ref.kind,
        namespace: s.ref.namespace,
        name: s.ref.name,
        status: s.status,
        diagnostics: s.diagnostics.map(diagnosticJson),
      })),
      diagnostics: view.unattachedDiagnostics().map(diagnosticJson),
    });
  });

  app.get('/health', (_req, res) => {
    res.json(view.health?.() ?? { backends: [] });
  });

  // `bascule status` reads this: dataplanes, conditions, snapshots and overrides in one document.
  app.get('/overview', (_req, res) => {
    res.json(buildOverview(view, view.observability?.overrides.all() ?? []));
  });

  app.get('/overrides', (_req, res) => {
    res.json({ ephemeral: true, overrides: view.observability?.overrides.all() ?? [] });
  });

  app.get('/metrics', async (_req, res) => {
    const o = view.observability;
    if (!o) {
      res.status(404).json({ error: 'metrics are not enabled' });
      return;
    }
    const text = await o.metrics.render();
    res.setHeader('Cache-Control', 'no-store');
    res.type(o.metrics.contentType).send(text);
  });

  app.get('/snapshot', (req: Request, res: Response) => {
    const full = req.query.full === '1' || req.query.full === 'true';
    const groups = Object.entries(view.snapshots()).map(([group, s]) => ({
      group,
      version: s.version,
      ...countsOf(s),
      ...(full ? { body: redactSnapshotBody(s.body) } : {}),
    }));
    res.json({ groups });
  });

  const events = view.events;
  if (events)
    app.get(
      '/events',
      eventStreamHandler(events, () => {
        const at = new Date().toISOString();
        return Object.entries(view.snapshots()).map(([group, s]): AdminEvent => ({
          type: 'snapshot',
          group,
          version: s.version,
          ...countsOf(s),
          at,
        }));
      }),
    );

  app.use((_req, res) => {
    res.status(404).json({ error: 'not found' });
  });
  return app;
}

const counts = new WeakMap<
  Snapshot,
  { frontends: number; backends: number; servers: number; rules: number }
>();

/** What /snapshot lists of a snapshot, counted once per (immutable) snapshot: it is polled. */
export function countsOf(s: Snapshot) {
  let c = counts.get(s);
  if (!c) {
    c = {
      frontends: s.body.frontends.length,
      backends: s.body.backends.length,
      servers: s.body.backends.reduce((n, b) => n + b.servers.length, 0),
      rules: s.body.frontends.reduce((n, f) => n + f.rules.length, 0),
    };
    counts.set(s, c);
  }
  return c;
}
