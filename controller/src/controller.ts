// The controller pipeline: source → compile → consistency gate → publish → status.
// Wiring only; every stage lives in its own module and knows nothing about the others.
import { EventEmitter } from 'node:events';
import { shortVersion } from '#protocol/canonical';
import { ErrorCodes } from '#protocol/errors';
import type { BackendSnap, Snapshot, SnapshotBody } from '#protocol/snapshot';
import { startAdminServer, type AdminServer } from './admin/admin-server.js';
import { compile as realCompile } from './compile/compile.js';
import type { CompileInput, CompileResult, ObjectReport, SourcedResource } from './compile/types.js';
import { createLogger, type Logger } from './log.js';
import { ControllerObservability } from './metrics/observability.js';
import { SnapshotServer } from './publish/snapshot-server.js';
import { checkConsistency as realCheckConsistency } from './snapshot/consistency.js';
import type { ReplicaView } from './leader/replica-reports.js';
import type { DataplaneInfo } from './publish/types.js';
import type { ControllerEvents } from './events.js';
import type { Source } from './sources/source.js';
import { Coalescer } from './store/coalescer.js';
import type { GroupState, StatusContext } from './status/compute.js';
import { HealthAggregator } from './status/health-aggregator.js';
import { StatusTracker, type ObjectStatusView } from './status/tracker.js';
import { MemoryStatusWriter, type StatusWriter } from './status/writer.js';
import { formatDiagnostic, refKey, type Diagnostic, type ObjectRef } from './validate/diagnostic.js';

export interface ControllerOptions {
  source: Source;
  /** Control channel listener (dataplanes connect here). */
  listen: { host: string; port: number };
  /** Admin endpoint listener; null or absent disables it. */
  admin?: { host: string; port: number } | null;
  /** Bearer tokens accepted on the channel (several during a rotation). */
  tokens: string[];
  /** PEM certificate and key: the channel is served as wss://. */
  tls?: { cert: string; key: string };
  logger?: Logger;
  heartbeatMs?: number;
  peerTimeoutMs?: number;
  helloTimeoutMs?: number;
  /** Where statuses go; in-memory by default (directory mode). */
  statusWriter?: StatusWriter;
  /**
   * Re-evaluate every object's status this often even if nothing changed (0/absent: never).
   * The Kubernetes writer compares with the live object, so this only writes what drifted
   * (an object deleted and re-created between two updates, a status edited by hand).
   */
  statusResyncMs?: number;
  /** High availability: the dataplanes of the other controller replicas count in status too. */
  replicas?: ReplicaView;
  /** Seams for tests; the real compile and gate by default. */
  compile?: (input: CompileInput) => CompileResult;
  checkConsistency?: (body: SnapshotBody) => string[];
  clock?: () => Date;
}

export interface Controller {
  channelUrl: string;
  adminUrl: string | null;
  publisher: SnapshotServer;
  statusOf(ref: ObjectRef): ObjectStatusView | undefined;
  readonly lastResult: CompileResult | null;
  readonly ready: boolean;
  events: EventEmitter<ControllerEvents>;
  close(): Promise<void>;
}

const resourceKey = (r: SourcedResource) =>
  refKey({ kind: r.kind, namespace: r.metadata.namespace ?? 'default', name: r.metadata.name });

export async function startController(opts: ControllerOptions): Promise<Controller> {
  const log = opts.logger ?? createLogger();
  const compile = opts.compile ?? realCompile;
  const gate = opts.checkConsistency ?? realCheckConsistency;
  const clock = opts.clock ?? (() => new Date());
  const { source } = opts;
  const events = new EventEmitter<ControllerEvents>();

  if (opts.tokens.some((t) => t.trim().length < 16))
    log.warn('a channel token is shorter than 16 characters; use a long random token');

  const publisher = new SnapshotServer({
    host: opts.listen.host,
    port: opts.listen.port,
    tokens: opts.tokens,
    logger: log,
    ...(opts.tls ? { tls: opts.tls } : {}),
    ...(opts.heartbeatMs !== undefined ? { heartbeatMs: opts.heartbeatMs } : {}),
    ...(opts.peerTimeoutMs !== undefined ? { peerTimeoutMs: opts.peerTimeoutMs } : {}),
    ...(opts.helloTimeoutMs !== undefined ? { helloTimeoutMs: opts.helloTimeoutMs } : {}),
  });
  const health = new HealthAggregator();
  const tracker = new StatusTracker(opts.statusWriter ?? new MemoryStatusWriter(), log);
  // Metrics (/metrics) and the runtime overrides dataplanes report (metrics/, admin/).
  const observability = new ControllerObservability({
    events,
    publisher,
    statuses: () => tracker.all(),
    leader: () => opts.statusWriter?.active !== false,
    ...(source.watches ? { watches: () => source.watches!() } : {}),
  });

  let lastResult: CompileResult | null = null;
  let compiled = false;
  let closed = false;
  const inconsistent = new Set<string>();
  const lastAccepted = new Map<string, SourcedResource>();
  /** The last good certificate of each Secret: it keeps serving while a new one is bad (docs/tls.md). */
  let lastGoodCertificates: CompileResult['certificates'] = {};
  let loggedDiagnostics = new Set<string>();

  // ---- compile → gate → publish ----

  function rebuild(input: CompileInput): void {
    if (closed) return;
    const started = performance.now();
    let result: CompileResult;
    try {
      result = compile({
        ...input,
        now: clock().getTime(),
        lastAccepted: [...lastAccepted.values()],
        lastGoodCertificates,
      });
    } catch (err) {
      // compile is pure and should never throw; if it does, routing must not change.
      log.error({ err }, 'compile failed; the last good snapshots stay live');
      return;
    }
    const durationMs = Math.round((performance.now() - started) * 100) / 100;
    lastGoodCertificates = result.certificates ?? lastGoodCertificates;

    const good: Record<string, Snapshot> = {};
    inconsistent.clear();
    for (const [group, snap] of Object.entries(result.snapshots)) {
      let problems: string[];
      try {
        problems = gate(snap.body as SnapshotBody);
      } catch (err) {
        problems = [`consistency gate threw: ${(err as Error).message}`];
      }
      if (problems.length === 0) {
        good[group] = snap;
        continue;
      }
      inconsistent.add(group);
      log.error(
        { code: ErrorCodes.SNAPSHOT_INCONSISTENT, group, version: shortVersion(snap.version), problems },
        `snapshot of group ${group} is inconsistent; the last good one stays live`,
      );
    }

    rememberAccepted(input, result.objects);
    logNewDiagnostics(result.diagnostics);

    const before = publisher.snapshots();
    const firstPublish = !compiled;
    const after: Record<string, Snapshot> = { ...good };
    for (const g of inconsistent) if (before[g]) after[g] = before[g];
    const changed = [...new Set([...Object.keys(before), ...Object.keys(after)])]
      .filter((g) => before[g]?.version !== after[g]?.version)
      .sort();
    if (firstPublish || changed.length > 0) {
      publisher.publish(good, { hold: inconsistent });
      const versions = Object.fromEntries(
        Object.entries(after).map(([g, s]) => [g, shortVersion(s.version)]),
      );
      log.info(
        { versions, changed, compileMs: durationMs, diagnostics: result.diagnostics.length },
        'snapshots published',
      );
    } else {
      log.debug({ compileMs: durationMs }, 'rebuild changed no snapshot; nothing published');
    }
    lastResult = result;
    compiled = true;
    events.emit('compiled', {
      result,
      durationMs,
      published: changed,
      inconsistent: [...inconsistent].sort(),
    });
    statusUpdates.trigger();
  }

  /** Objects accepted now become the fallback for a later invalid edit; deleted objects are dropped. */
  function rememberAccepted(input: CompileInput, reports: readonly ObjectReport[]): void {
    const byKey = new Map(input.resources.map((r) => [resourceKey(r), r]));
    for (const key of [...lastAccepted.keys()]) if (!byKey.has(key)) lastAccepted.delete(key);
    for (const report of reports) {
      const key = refKey(report.ref);
      const resource = byKey.get(key);
      if (resource && report.accepted && !report.servingPrevious) lastAccepted.set(key, resource);
    }
  }

  /** Log each diagnostic once, when it appears, rather than on every rebuild. */
  function logNewDiagnostics(diagnostics: readonly Diagnostic[]): void {
    const now = new Set(diagnostics.map(formatDiagnostic));
    for (const text of now) if (!loggedDiagnostics.has(text)) log.warn({ diagnostic: true }, text);
    loggedDiagnostics = now;
  }

  // ---- status ----

  /** Local dataplanes, plus (HA) those connected to other replicas; a local connection wins. */
  function allDataplanes(): DataplaneInfo[] {
    const local = publisher.dataplanes();
    if (!opts.replicas) return local;
    const seen = new Set(local.map((d) => d.nodeId));
    return [...local, ...opts.replicas.remote().dataplanes.filter((d) => !seen.has(d.nodeId))];
  }

  function statusContext(): StatusContext {
    const dataplanes = allDataplanes();
    const snapshots = publisher.snapshots();
    const groups = new Map<string, GroupState>();
    const group = (name: string): GroupState => {
      let g = groups.get(name);
      if (!g) {
        g = {
          version: publisher.versionOf(name),
          dataplanes: dataplanes.filter((d) => d.group === name),
          inconsistent: inconsistent.has(name),
        };
        groups.set(name, g);
      }
      return g;
    };
    // Backend id → snapshot entry (identical in every group that has it).
    const backends = new Map<string, BackendSnap>();
    for (const snap of Object.values(snapshots)) for (const b of snap.body.backends) backends.set(b.id, b);
    return {
      group,
      backendHealth: (report) => {
        const backend = backends.get(`${report.ref.namespace}/${report.ref.name}`);
        if (!backend) return undefined;
        const nodes = report.groups.flatMap((g) => group(g).dataplanes.map((d) => d.nodeId));
        return health.summarize(backend, nodes);
      },
    };
  }

  const statusUpdates = new Coalescer(
    async () => {
      if (!lastResult || closed) return;
      await tracker.update(lastResult.objects, statusContext(), clock());
      events.emit('status');
    },
    { holdoffMs: 20, maxDelayMs: 200, onError: (err) => log.error({ err }, 'status update failed') },
  );

  // ---- replicas (HA): share local dataplanes, merge the others' ----

  /** nodeIds whose health in `health` came from another replica's report. */
  const remoteHealthNodes = new Set<string>();
  function shareLocal(): void {
    if (!opts.replicas) return;
    const dataplanes = publisher.dataplanes();
    opts.replicas.publish({
      dataplanes,
      health: new Map(dataplanes.map((d) => [d.nodeId, health.nodeReport(d.nodeId)])),
    });
  }
  function mergeRemoteHealth(): void {
    if (!opts.replicas) return;
    const local = new Set(publisher.dataplanes().map((d) => d.nodeId));
    const remote = opts.replicas.remote().health;
    for (const nodeId of remoteHealthNodes) {
      if (!remote.has(nodeId) && !local.has(nodeId)) health.dropNode(nodeId);
    }
    remoteHealthNodes.clear();
    for (const [nodeId, servers] of remote) {
      if (local.has(nodeId)) continue;
      health.apply(nodeId, { type: 'health', full: true, servers: [...servers] });
      remoteHealthNodes.add(nodeId);
    }
  }
  const onReplicas = () => {
    mergeRemoteHealth();
    statusUpdates.trigger();
  };
  opts.replicas?.on('change', onReplicas);

  const localChange = () => {
    shareLocal();
    statusUpdates.trigger();
  };
  publisher.on('connected', localChange);
  publisher.on('disconnected', (info) => {
    health.dropNode(info.nodeId);
    mergeRemoteHealth(); // it may have failed over to another replica already
    localChange();
  });
  publisher.on('ack', localChange);
  publisher.on('nack', localChange);
  publisher.on('health', (e) => {
    health.apply(e.nodeId, e.report);
    localChange();
  });

  // ---- status writer activation (leader election) and periodic resync ----

  opts.statusWriter?.onActivate?.(() => {
    tracker.invalidate();
    statusUpdates.trigger();
  });
  const resync =
    opts.statusResyncMs && opts.statusResyncMs > 0
      ? setInterval(() => {
          tracker.invalidate();
          statusUpdates.trigger();
        }, opts.statusResyncMs)
      : undefined;
  resync?.unref();

  /** GET /health on the admin: every Backend's summary and each dataplane's view of its servers. */
  function healthView() {
    const dataplanes = allDataplanes();
    const groupsOf = new Map<string, { backend: BackendSnap; groups: string[] }>();
    for (const [group, snap] of Object.entries(publisher.snapshots()))
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

  // ---- start ----

  const onChange = (input: CompileInput) => {
    // Sources coalesce their own bursts; nothing is compiled before the first full sync.
    if (source.synced) rebuild(input);
  };
  source.on('change', onChange);

  let admin: AdminServer | null = null;
  const shutdown = async () => {
    closed = true;
    clearInterval(resync);
    opts.replicas?.off('change', onReplicas);
    source.off('change', onChange);
    await source.stop().catch((err) => log.warn({ err }, 'source stop failed'));
    await statusUpdates.close();
    await publisher.close();
    await admin?.close();
    observability.close();
  };

  try {
    await publisher.listen();
    if (opts.admin) {
      admin = await startAdminServer(
        {
          notReadyReason: () =>
            !source.synced
              ? `source ${source.name} has not synced`
              : !compiled
                ? 'first compile pending'
                : null,
          ...(source.watches ? { watches: () => source.watches!() } : {}),
          dataplanes: () => allDataplanes(),
          statuses: () => tracker.all(),
          unattachedDiagnostics: () => {
            const diags = lastResult?.diagnostics ?? source.current().sourceDiagnostics ?? [];
            const known = new Set((lastResult?.objects ?? []).map((o) => refKey(o.ref)));
            return diags.filter((d) => !known.has(refKey(d.object)));
          },
          snapshots: () => publisher.snapshots(),
          health: () => healthView(),
          observability,
        },
        opts.admin,
        log,
      );
    }
    await source.start();
    log.info({ source: source.name }, 'source synced');
    rebuild(source.current());
  } catch (err) {
    await shutdown();
    throw err;
  }

  return {
    channelUrl: publisher.url,
    adminUrl: admin?.url ?? null,
    publisher,
    events,
    statusOf: (ref) => tracker.get(ref),
    get lastResult() {
      return lastResult;
    },
    get ready() {
      return source.synced && compiled && !closed;
    },
    close: async () => {
      if (closed) return;
      await shutdown();
      log.info('controller stopped');
    },
  };
}
