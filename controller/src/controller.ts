// The controller: wiring only. One store fed by the source (store/feed.ts) → the pipeline
// (pipeline/pipeline.ts: validate → compile → gate → publish) → the status loop
// (status/status-loop.ts), with the replica merge (leader/replica-merge.ts) for high
// availability. Every stage lives in its own module and knows nothing about the others.
import { EventEmitter } from 'node:events';
import type { SnapshotBody } from '#protocol/snapshot';
import { countsOf } from './admin/admin-app.js';
import { startAdminServer, type AdminServer } from './admin/admin-server.js';
import type { AdminEvent } from './admin/event-stream.js';
import type { CompileResult } from './compile/types.js';
import type { CompiledEvent, ControllerEvents } from './events.js';
import { ReplicaMerge } from './leader/replica-merge.js';
import type { ReplicaView } from './leader/replica-reports.js';
import { createLogger, type Logger } from './log.js';
import { ControllerObservability } from './metrics/observability.js';
import { batchClock, ThreadClockReader } from './metrics/thread-clock.js';
import { BackgroundGate } from './pipeline/background-gate.js';
import { IdleScavenge, minorGcFunction } from './pipeline/idle-scavenge.js';
import { Pipeline, type PipelineOptions } from './pipeline/pipeline.js';
import { SnapshotServer } from './publish/snapshot-server.js';
import type { AckEvent, NackEvent } from './publish/types.js';
import type { Source } from './sources/source.js';
import { HealthAggregator } from './status/health-aggregator.js';
import { healthView } from './status/health-view.js';
import { StatusLoop } from './status/status-loop.js';
import { StatusTracker, type ObjectStatusView } from './status/tracker.js';
import { MemoryStatusWriter, type StatusWriter } from './status/writer.js';
import { StoreFeed } from './store/feed.js';
import { refKey, type ObjectRef } from './validate/diagnostic.js';

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
  /** Coalescing of source events into one build (defaults 20 ms / 200 ms). */
  holdoffMs?: number;
  maxDelayMs?: number;
  /**
   * Collect V8's young generation at idle moments, once every dataplane has ACKed and no batch
   * is pending (pipeline/idle-scavenge.ts); default true (tests may pass their own).
   */
  idleScavenge?: boolean | IdleScavenge;
  /**
   * The longest background work (status pass, safety walk) waits for a moment no edit is in
   * flight (pipeline/background-gate.ts; default MAX_BACKGROUND_DEFER_MS).
   */
  backgroundDeferMs?: number;
  /** Seams for tests; the real stages (pipeline/stages.ts) and gate by default. */
  compile?: PipelineOptions['stages'];
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

export async function startController(opts: ControllerOptions): Promise<Controller> {
  const log = opts.logger ?? createLogger();
  const clock = opts.clock ?? (() => new Date());
  const { source } = opts;
  const events = new EventEmitter<ControllerEvents>();
  let closed = false;

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
  // Background work (the status pass, the directory's safety walk) waits for a moment no edit is
  // on its way: no batch pending, nothing in flight to a dataplane (pipeline/background-gate.ts).
  const gate: BackgroundGate = new BackgroundGate({
    busy: (): boolean => feed.pending || publisher.sending,
    ...(opts.backgroundDeferMs !== undefined ? { maxDeferMs: opts.backgroundDeferMs } : {}),
  });
  const whenQuiet = (): Promise<void> => gate.wait();
  // This thread's scheduler counters at each batch's start and publish (metrics/thread-clock.ts).
  const threadClock = new ThreadClockReader();
  const readBatchClock = batchClock(threadClock);
  const feed = new StoreFeed({
    logger: log,
    whenQuiet,
    clock: readBatchClock,
    ...(opts.holdoffMs !== undefined ? { holdoffMs: opts.holdoffMs } : {}),
    ...(opts.maxDelayMs !== undefined ? { maxDelayMs: opts.maxDelayMs } : {}),
  });
  const pipeline = new Pipeline({
    publisher,
    events,
    logger: log,
    clock,
    batchClock: readBatchClock,
    ...(opts.compile ? { stages: opts.compile } : {}),
    ...(opts.checkConsistency ? { checkConsistency: opts.checkConsistency } : {}),
  });
  const health = new HealthAggregator();
  const replicas = new ReplicaMerge(publisher, health, opts.replicas);
  const tracker = new StatusTracker(opts.statusWriter ?? new MemoryStatusWriter(), log, whenQuiet);
  const status = new StatusLoop({
    tracker,
    whenQuiet,
    ...(opts.statusWriter ? { writer: opts.statusWriter } : {}),
    health,
    published: publisher,
    dataplanes: () => replicas.dataplanes(),
    reports: () => pipeline.lastResult?.objects ?? null,
    inconsistent: (group) => pipeline.isInconsistent(group),
    events,
    clock,
    logger: log,
    ...(opts.statusResyncMs !== undefined ? { resyncMs: opts.statusResyncMs } : {}),
  });
  // Metrics (/metrics) and the runtime overrides dataplanes report (metrics/, admin/).
  const observability = new ControllerObservability({
    events,
    publisher,
    statuses: () => tracker.all(),
    leader: () => opts.statusWriter?.active !== false,
    ...(source.watches ? { watches: () => source.watches!() } : {}),
  });

  // ---- source → store → pipeline → status ----

  const rebuild = () => {
    // Nothing is compiled before the source's first full sync.
    if (closed || !source.synced) return;
    pipeline.run(feed.current(), feed.lastTiming);
  };
  feed.on('change', rebuild);
  events.on('compiled', () => status.trigger());

  // ---- idle moments: the young generation collected (pipeline/idle-scavenge.ts), then the
  // ---- background work let through (pipeline/background-gate.ts) ----

  const scavenge =
    opts.idleScavenge instanceof IdleScavenge
      ? opts.idleScavenge
      : new IdleScavenge({ gc: opts.idleScavenge === false ? undefined : minorGcFunction() });
  let idleCheck: NodeJS.Immediate | undefined;
  /** After this turn's other work (the ACK's listeners, the event stream): idle, or not yet. */
  const whenIdle = () => {
    if (idleCheck || closed || (!scavenge.enabled && gate.waiting === 0)) return;
    idleCheck = setImmediate(() => {
      idleCheck = undefined;
      if (closed || feed.pending || publisher.sending) return;
      scavenge.idle();
      gate.check();
    });
  };
  // The last ACK of a version leaves nothing in flight; with no dataplane, the publish itself; a
  // NACK or a dataplane gone may too.
  publisher.on('ack', whenIdle);
  publisher.on('nack', whenIdle);
  publisher.on('disconnected', whenIdle);
  events.on('compiled', whenIdle);

  // ---- dataplanes (local and, with HA, the other replicas') → status ----

  const onReplicas = () => {
    replicas.mergeRemote();
    status.trigger();
  };
  opts.replicas?.on('change', onReplicas);
  const localChange = () => {
    replicas.shareLocal();
    status.trigger();
  };
  publisher.on('connected', localChange);
  publisher.on('disconnected', (info) => {
    health.dropNode(info.nodeId);
    replicas.mergeRemote(); // it may have failed over to another replica already
    localChange();
  });
  publisher.on('ack', localChange);
  publisher.on('nack', localChange);
  publisher.on('health', (e) => {
    health.apply(e.nodeId, e.report);
    localChange();
  });

  // ---- GET /events (admin): snapshots published, ACKs and NACKs as they happen ----

  // One listener per event here, fanned out to the open streams (up to MAX_EVENT_STREAMS).
  const streams = new Set<(e: AdminEvent) => void>();
  const toStreams = (e: AdminEvent) => {
    for (const listener of streams) listener(e);
  };
  events.on('compiled', (e: CompiledEvent) => {
    if (streams.size === 0) return;
    const at = new Date().toISOString();
    const snapshots = publisher.snapshots();
    for (const group of e.published) {
      const s = snapshots[group];
      if (s) toStreams({ type: 'snapshot', group, version: s.version, ...countsOf(s), at });
    }
  });
  publisher.on('ack', (e: AckEvent) => {
    if (streams.size > 0) toStreams({ type: 'ack', ...e, at: new Date().toISOString() });
  });
  publisher.on('nack', (e: NackEvent) => {
    if (streams.size > 0) toStreams({ type: 'nack', ...e, at: new Date().toISOString() });
  });
  const adminEvents = (listener: (e: AdminEvent) => void): (() => void) => {
    streams.add(listener);
    return () => void streams.delete(listener);
  };

  // ---- start ----

  let admin: AdminServer | null = null;
  const shutdown = async () => {
    closed = true;
    if (idleCheck) clearImmediate(idleCheck);
    gate.close();
    opts.replicas?.off('change', onReplicas);
    feed.off('change', rebuild);
    await source.stop().catch((err) => log.warn({ err }, 'source stop failed'));
    await feed.close();
    threadClock.close();
    await status.close();
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
              : !pipeline.lastResult
                ? 'first compile pending'
                : null,
          ...(source.watches ? { watches: () => source.watches!() } : {}),
          dataplanes: () => replicas.dataplanes(),
          statuses: () => tracker.all(),
          unattachedDiagnostics: () => {
            const result = pipeline.lastResult;
            const diags = result?.diagnostics ?? feed.current().sourceDiagnostics ?? [];
            const known = new Set((result?.objects ?? []).map((o) => refKey(o.ref)));
            return diags.filter((d) => !known.has(refKey(d.object)));
          },
          snapshots: () => publisher.snapshots(),
          health: () => healthView(publisher.snapshots(), replicas.dataplanes(), health),
          observability,
          events: adminEvents,
        },
        opts.admin,
        log,
      );
    }
    await source.start(feed);
    log.info({ source: source.name }, 'source synced');
    rebuild();
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
      return pipeline.lastResult;
    },
    get ready() {
      return source.synced && pipeline.lastResult !== null && !closed;
    },
    close: async () => {
      if (closed) return;
      await shutdown();
      // How the background work's waits ended: at a quiet moment, or by the deferral bound.
      log.info(
        { backgroundWaits: { quiet: gate.releasedQuiet, byBound: gate.releasedByBound } },
        'controller stopped',
      );
    },
  };
}
