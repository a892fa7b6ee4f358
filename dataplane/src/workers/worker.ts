// One worker of a multi-worker dataplane: an event loop that serves traffic. It runs the same
// engine as a single-process dataplane (build beside the live runtime, listeners diffed, one
// reference swapped), but snapshots arrive in two phases from the primary — prepare (build and
// open new listeners), then commit or abort — so that every worker swaps, or none does.
//
// Health verdicts and runtime overrides are the primary's: the worker copies them onto its
// server states (at the swap, and whenever they change). Passive observations go the other
// way, batched once per event-loop turn, so the primary counts what every worker saw.
import { deepFreeze, shortVersion } from '#protocol/canonical';
import { applyDelta, type SnapshotDelta } from '#protocol/delta';
import { BasculeError, ErrorCodes, errorCodeOf } from '#protocol/errors';
import type { Snapshot } from '#protocol/snapshot';
import { buildStats } from '../admin/stats-model.js';
import { accessLogOptionsFromEnv } from '../access-log/access-log.js';
import { setObserver, type Observation } from '../runtime/passive-health.js';
import { createLogger, type Logger } from '../log.js';
import { isoTime } from '../iso-time.js';
import { Observability } from '../observability.js';
import { codeFlushFunction, logFlushed, servedAny, StartupCodeFlush } from '../startup-code-flush.js';
import type { ServerRuntime } from '../runtime/backend.js';
import { Engine, type PreparedSwap } from '../serving/engine.js';
import type { Runtime } from '../runtime/types.js';
import type {
  ObservationRun,
  OverrideRow,
  PrimaryMessage,
  VerdictRow,
  WireError,
  WorkerMessage,
  WorkerQuery,
} from './messages.js';

type InitMessage = Extract<PrimaryMessage, { type: 'init' }>;

const send = (m: WorkerMessage): void => {
  process.send?.(m);
};

const wireError = (err: unknown): WireError => ({
  code: errorCodeOf(err, ErrorCodes.SNAPSHOT_BUILD),
  message: err instanceof Error ? err.message : String(err),
});

/** Servers of a runtime by key (verdicts and overrides are addressed by server key). */
function serversByKey(rt: Runtime): Map<string, ServerRuntime> {
  const m = new Map<string, ServerRuntime>();
  for (const b of rt.backends.values()) for (const s of b.servers) m.set(s.key, s);
  return m;
}

class Worker {
  private readonly engine: Engine;
  private readonly obs: Observability;
  private prepared: { seq: number; swap: PreparedSwap } | undefined;
  private pending = new Map<string, ObservationRun[]>();
  private flushScheduled = false;
  /**
   * Start-up's compiled code, dropped once the first snapshot is live if nothing has been served
   * yet, as in the primary (startup-code-flush.ts): a worker's start-up (the bundle's module
   * set-up, the first snapshot's build) runs once too. The primary's control channel is not the
   * worker's business: the first commit ends its start-up.
   */
  private readonly startupFlush: StartupCodeFlush | undefined;

  constructor(
    private readonly init: InitMessage,
    private readonly log: Logger,
  ) {
    this.obs = new Observability({
      log,
      accessLog: { ...(init.accessLog ?? accessLogOptionsFromEnv()), worker: init.worker },
      ...(init.processMetrics !== undefined ? { processMetrics: init.processMetrics } : {}),
    });
    this.engine = new Engine(log, {
      ...(init.bindAddress ? { bindAddress: init.bindAddress } : {}),
      events: this.obs.events,
      reusePort: init.reusePort,
    });
    this.obs.bind({
      nodeId: init.nodeId,
      group: init.group,
      runtime: () => this.engine.runtime,
      listeners: () => this.engine.listenerInfo(),
      health: () => undefined, // checks run in the primary, which merges their view
      appliedAt: () => this.engine.appliedAt,
      controller: () => null,
      applies: () => this.obs.applies,
    });
    this.startupFlush = init.flushStartupCode
      ? new StartupCodeFlush(
          {
            flush: codeFlushFunction(),
            served: () => servedAny(this.obs.stats.frontends.values()),
            flushed: logFlushed(log),
          },
          false,
        )
      : undefined;
  }

  /** Serves the snapshot the dataplane is on (start, or restart after a crash). */
  async start(): Promise<void> {
    const { snapshot } = this.init;
    if (!snapshot) return;
    const swap = await this.prepareSwap(snapshot.version, snapshot.body);
    this.commit(swap, this.init.verdicts, this.init.overrides);
  }

  async handle(m: PrimaryMessage): Promise<void> {
    switch (m.type) {
      case 'prepare':
        try {
          if (this.prepared) throw new Error('a prepared snapshot is still pending');
          const body = m.delta ? this.applyDelta(m.delta) : m.body;
          if (!body) throw new Error('prepare without a body or a delta');
          this.prepared = { seq: m.seq, swap: await this.prepareSwap(m.version, body) };
          send({ type: 'reply', seq: m.seq, ok: true });
        } catch (err) {
          this.log.warn(
            { err: (err as Error).message },
            'worker cannot apply the snapshot; the live one stays',
          );
          send({ type: 'reply', seq: m.seq, ok: false, error: wireError(err) });
        }
        return;
      case 'commit':
      case 'abort': {
        const p = this.prepared;
        this.prepared = undefined;
        if (!p) {
          send({ type: 'reply', seq: m.seq, ok: false, error: wireError(new Error('nothing prepared')) });
          return;
        }
        if (m.type === 'commit') this.commit(p.swap, m.verdicts, m.overrides);
        else p.swap.abort();
        send({ type: 'reply', seq: m.seq, ok: true });
        return;
      }
      case 'verdicts':
        this.applyVerdicts(this.engine.runtime, m.servers);
        return;
      case 'overrides':
        this.applyOverrides(this.engine.runtime, m.servers);
        return;
      case 'query':
        try {
          send({ type: 'reply', seq: m.seq, ok: true, data: await this.query(m.what) });
        } catch (err) {
          send({ type: 'reply', seq: m.seq, ok: false, error: wireError(err) });
        }
        return;
      case 'shutdown':
        this.close();
        process.exit(0);
        return;
      case 'drain':
        // Not awaited: queries keep being answered while connections finish.
        void this.drainAndExit(m.timeoutMs);
        return;
      case 'init':
        return; // only the first one counts
    }
  }

  private async drainAndExit(timeoutMs: number): Promise<void> {
    this.prepared?.swap.abort();
    this.prepared = undefined;
    await this.engine.drain(timeoutMs);
    this.obs.close();
    process.exit(0);
  }

  close(): void {
    this.prepared?.swap.abort();
    this.prepared = undefined;
    this.engine.close();
    this.obs.close();
  }

  /**
   * The body a delta makes of the live snapshot: unchanged objects stay the live ones, so the
   * build keeps their runtime objects (the primary verified the version before sending it).
   */
  private applyDelta(d: { baseVersion: string; change: SnapshotDelta }): Snapshot['body'] {
    const live = this.engine.runtime.snapshot;
    if (live?.version !== d.baseVersion)
      throw new BasculeError(
        ErrorCodes.DELTA_BASE,
        `worker ${this.init.worker}: delta against ${shortVersion(d.baseVersion)}, but ${shortVersion(live?.version)} is live`,
      );
    return deepFreeze(applyDelta(live.body, d.change));
  }

  private async prepareSwap(version: string, body: Snapshot['body']): Promise<PreparedSwap> {
    if (this.init.testHooks?.rejectVersions?.includes(version))
      throw new BasculeError(
        ErrorCodes.SNAPSHOT_BUILD,
        `worker ${this.init.worker} rejects this version (test hook)`,
      );
    return this.engine.prepare(deepFreeze({ version, body }));
  }

  /** The swap, with the primary's verdicts and overrides on the new runtime first (same tick). */
  private commit(
    swap: PreparedSwap,
    verdicts: readonly VerdictRow[],
    overrides: readonly OverrideRow[],
  ): void {
    this.applyVerdicts(swap.runtime, verdicts);
    this.applyOverrides(swap.runtime, overrides);
    swap.commit();
    this.watchPassive(swap.runtime);
    this.startupFlush?.snapshotLive();
  }

  private applyVerdicts(rt: Runtime, rows: readonly VerdictRow[]): void {
    const servers = serversByKey(rt);
    for (const row of rows) {
      const s = servers.get(row.key);
      if (!s || (s.state.up === row.up && s.state.upSince === row.upSince)) continue;
      s.state.up = row.up;
      s.state.upSince = row.upSince;
      rt.backends.get(s.backendId)?.wake(); // a server back up may take queued requests
    }
  }

  private applyOverrides(rt: Runtime, rows: readonly OverrideRow[]): void {
    const table = new Map(rows.map((r) => [r.key, r.override]));
    for (const b of rt.backends.values()) {
      let changed = false;
      for (const s of b.servers) {
        const next = table.get(s.key);
        const cur = s.state.adminOverride;
        if (cur?.state === next?.state && cur?.since === next?.since) continue;
        s.state.adminOverride = next ? { ...next } : undefined;
        changed = true;
      }
      if (changed) b.wake();
    }
  }

  /** Servers under passive checks report what this worker's traffic saw to the primary. */
  private watchPassive(rt: Runtime): void {
    for (const b of rt.backends.values()) {
      const passive = b.snap.health?.passive !== undefined;
      for (const s of b.servers) setObserver(s.state, passive ? (o) => this.observed(s.key, o) : undefined);
    }
  }

  private observed(key: string, o: Observation): void {
    let runs = this.pending.get(key);
    if (!runs) this.pending.set(key, (runs = []));
    const last = runs[runs.length - 1];
    if (last && last.failed === o.failed && last.layer === o.layer)
      runs[runs.length - 1] = { ...last, what: o.what, count: last.count + 1 };
    else runs.push({ layer: o.layer, failed: o.failed, what: o.what, count: 1 });
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      const servers = Object.fromEntries(this.pending);
      this.pending = new Map();
      send({ type: 'observations', servers });
    });
  }

  private async query(what: WorkerQuery): Promise<unknown> {
    switch (what) {
      case 'stats':
        return buildStats(this.obs.view, this.obs.stats);
      case 'metrics':
        await this.obs.metrics.render(); // refreshes the counters from the traffic table
        return this.obs.metrics.registry.getMetricsAsJSON();
      case 'status':
        return {
          worker: this.init.worker,
          pid: process.pid,
          version: this.engine.version,
          appliedAt: this.engine.appliedAt === null ? null : isoTime(this.engine.appliedAt),
          listeners: this.engine.listenerInfo(),
          rssBytes: process.memoryUsage().rss,
          uptimeSeconds: Math.round(process.uptime()),
        };
    }
  }
}

/** Entry point of a worker process (worker-main.ts). */
export function runWorker(): void {
  const slot = Number(process.env.BASCULE_WORKER_ID);
  let boot = createLogger({ worker: slot });
  let worker: Worker | undefined;
  // One message at a time, in order: a commit never overtakes its prepare, a verdict never
  // lands on a runtime that is about to be replaced by an older view.
  let chain: Promise<void> = Promise.resolve();
  process.on('message', (m: PrimaryMessage) => {
    if (typeof m !== 'object' || m === null || typeof m.type !== 'string') return;
    chain = chain.then(async () => {
      if (m.type === 'init' && !worker) {
        if (m.logName) boot = createLogger({ worker: slot }, m.logName);
        boot.level = m.logLevel;
        const log = boot.child({ nodeId: m.nodeId, group: m.group });
        try {
          worker = new Worker(m, log);
          await worker.start();
          send({ type: 'ready', ok: true });
        } catch (err) {
          log.error({ err: (err as Error).message }, 'worker could not start');
          send({ type: 'ready', ok: false, error: wireError(err) });
        }
        return;
      }
      await worker?.handle(m);
    });
  });
  // Signals sent to the whole process group (a terminal's Ctrl-C) are the primary's to act on: it
  // drains the workers. Without a primary, a signal ends the worker.
  for (const sig of ['SIGINT', 'SIGTERM'] as const)
    process.on(sig, () => {
      if (!process.connected) process.exit(0);
    });
  // The primary is gone: nobody can coordinate swaps any more.
  process.on('disconnect', () => {
    worker?.close();
    process.exit(0);
  });
  send({ type: 'online' });
}
