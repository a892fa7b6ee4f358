// Dataplane assembly: engine (runtime + listeners), applier (serialized snapshot intake),
// optional persistence, control channel and admin endpoint.
//
// Start order matters: a persisted snapshot is applied BEFORE the channel connects, so a
// restarted dataplane serves while the controller is still unreachable.
import path from 'node:path';
import type { Logger } from 'pino';
import { shortVersion } from '#protocol/canonical';
import type { ServerHealth, SnapshotMsg } from '#protocol/messages';
import type { Snapshot, SnapshotBody } from '#protocol/snapshot';
import { makeSnapshot } from '#protocol/canonical';
import { startAdmin, type AdminServer } from './admin/server.js';
import { Applier, type ApplyInput, type ApplyResult } from './agent/apply.js';
import { ControlChannel, type ChannelState, type ChannelTuning } from './agent/channel.js';
import { loadPersisted, persistSnapshot } from './agent/persist.js';
import { createLogger } from './log.js';
import { HealthManager, type HealthView } from './health/manager.js';
import { InProcessCore, type ServingCore } from './workers/serving-core.js';
import type { Runtime } from './runtime/types.js';
import type { WorkerSummary } from './admin/stats-model.js';
import { WorkerCore, type WorkerCoreOptions } from './workers/worker-core.js';
import { CredentialSource } from './admin/auth.js';
import { RuntimeOverrides } from './admin/runtime-api.js';
import { Observability, type DataplaneObservabilityOptions } from './observability.js';
import { accessLogOptionsFromEnv } from './access-log/access-log.js';
import type { ListenerInfo } from './serving/listener.js';
import { isoTime } from './iso-time.js';
import { enableMemorySaver } from './heap-growth.js';
import { codeFlushFunction, logFlushed, servedAny, StartupCodeFlush } from './startup-code-flush.js';

// node:fs is taken with process.getBuiltinModule, not imported: on Node.js 22+ an ES module import
// of it reads every export, and its `promises` getter loads fs/promises and the REPL's readline
// (docs/memory.md, "What a process does not load").
const { readFileSync } = process.getBuiltinModule('node:fs');

export type { ApplyResult } from './agent/apply.js';
export type { ChannelTuning } from './agent/channel.js';

export interface DataplaneOptions {
  /** ws:// or wss:// base or channel URL. Without it the dataplane only serves local applies. */
  controllerUrl?: string;
  token?: string;
  group: string;
  nodeId: string;
  /** Where the last good snapshot is kept across restarts. */
  stateDir?: string;
  /** Admin endpoint; null (or absent) for none. */
  admin?: { host: string; port: number } | null;
  logger?: Logger;
  /** CA for wss://: PEM text, or a path to a PEM file. */
  tlsCa?: string;
  /** Listen on this address instead of each frontend's bind.address (e.g. the pod IP). */
  bindAddress?: string;
  /**
   * Drop start-up's compiled code once start-up is over and before any traffic
   * (startup-code-flush.ts): `bascule dataplane` sets it; a dataplane in a process that runs
   * other code (`bascule standalone`, tests) does not.
   */
  flushStartupCode?: boolean;
  /** Channel timings (tests shorten them). */
  channel?: Partial<ChannelTuning>;
  /** Access log, stats page credentials, metrics (see docs/observability.md); env fills the gaps. */
  observability?: DataplaneObservabilityOptions;
  /**
   * Event loops serving traffic (default 1: this process). N > 1 forks N worker processes that
   * share every listener; this process keeps the control channel, health checks and the admin
   * endpoint (docs/workers.md).
   */
  workers?: number;
  /** Test-only hooks, never set by the CLI: make one worker reject given snapshot versions. */
  testHooks?: WorkerCoreOptions['testHooks'];
}

export interface DataplaneStatus {
  nodeId: string;
  group: string;
  version: string | null;
  appliedAt: string | null;
  controller: ChannelState | { connected: false; url: null };
  listeners: ListenerInfo[];
  frontends: number;
  backends: number;
  /** Servers under health checks, how many are up, and the check/transition counters. */
  health: { checked: number; up: number; down: number; counters: HealthView['counters'] };
  /** Multi-worker dataplanes: every worker slot (pid, state, restarts, version, connections). */
  workers?: WorkerSummary[];
}

export interface Dataplane {
  readonly nodeId: string;
  readonly group: string;
  /** Version of the live snapshot, or null before the first apply. */
  readonly currentVersion: string | null;
  /** http://host:port of the admin endpoint, or null when disabled. */
  readonly adminUrl: string | null;
  /**
   * Applies a snapshot through the same serialized path as the controller's: a SnapshotMsg, a
   * Snapshot ({version, body}) or a bare SnapshotBody (its version is computed).
   */
  applySnapshot(input: SnapshotMsg | Snapshot | SnapshotBody): Promise<ApplyResult>;
  /** What this process knows now (a multi-worker dataplane: workers as of the last refresh). */
  status(): DataplaneStatus;
  /** The same, after asking every worker (multi-worker dataplanes; /status on the admin). */
  currentStatus(): Promise<DataplaneStatus>;
  /** Every checked server: verdict, counter, last check, counters (also GET /health on the admin). */
  health(): HealthView;
  /**
   * Graceful stop (SIGTERM): listeners stop accepting at once, requests in flight finish (their
   * responses say "Connection: close"), idle keep-alive connections close, TCP sessions and
   * tunnels run on — all bounded by `timeoutMs`, after which what is left is cut. The admin
   * endpoint reports not ready meanwhile. Then as close().
   */
  drain(timeoutMs: number): Promise<void>;
  /** Hard stop: listeners closed, connections cut, channel closed. */
  close(): Promise<void>;
}

export { DEFAULT_DRAIN_TIMEOUT_MS } from './drain.js';

function toApplyInput(input: SnapshotMsg | Snapshot | SnapshotBody): ApplyInput {
  if ('body' in input) return { version: input.version, body: input.body };
  return makeSnapshot(input);
}

/** What workers need of the observability options; they must cross a process boundary. */
function workerObservability(
  o: DataplaneObservabilityOptions | undefined,
): Pick<WorkerCoreOptions, 'accessLog' | 'processMetrics'> {
  const accessLog = o?.accessLog ?? accessLogOptionsFromEnv();
  if (accessLog.destination !== undefined && typeof accessLog.destination !== 'string')
    throw new Error(
      'with several workers the access log goes to stdout or a file (a path), not to a stream object',
    );
  return {
    accessLog: {
      ...(accessLog.format ? { format: accessLog.format } : {}),
      ...(typeof accessLog.destination === 'string' ? { destination: accessLog.destination } : {}),
    },
    ...(o?.processMetrics !== undefined ? { processMetrics: o.processMetrics } : {}),
  };
}

function readCa(tlsCa: string | undefined): string | undefined {
  if (tlsCa === undefined || tlsCa.includes('-----BEGIN')) return tlsCa;
  return readFileSync(tlsCa, 'utf8');
}

export async function startDataplane(opts: DataplaneOptions): Promise<Dataplane> {
  // V8's memory saver mode where it has one (heap-growth.ts): the process that serves (or, with
  // workers, feeds them) keeps its idle heap small. Process-wide: `bascule standalone`'s
  // controller shares it.
  enableMemorySaver();
  const log = (opts.logger ?? createLogger()).child({ nodeId: opts.nodeId, group: opts.group });
  let channel: ControlChannel | undefined;
  // Observability (metrics/, access-log/, admin/): credentials are checked before anything starts.
  const credentials = CredentialSource.resolve(opts.observability?.adminAuth);
  const obs = new Observability({ log, ...opts.observability });
  // Verdict changes are copied to where traffic runs (the workers, if any) by the serving core.
  const verdicts: { changed?: (servers: readonly ServerHealth[]) => void } = {};
  const health = new HealthManager({
    log,
    report: (r) => {
      obs.healthReport(r);
      void channel?.sendHealth(r);
      if (!r.full) verdicts.changed?.(r.servers);
    },
  });
  const onSwap = (rt: Runtime): void => {
    try {
      health.sync(rt);
    } catch (err) {
      log.error({ err }, 'health checks could not follow the new snapshot');
    }
  };
  const workers = opts.workers ?? 1;
  if (!Number.isInteger(workers) || workers < 1)
    throw new Error(`workers must be a positive integer (got ${workers})`);
  const serving: ServingCore =
    workers > 1
      ? new WorkerCore({
          workers,
          log,
          nodeId: opts.nodeId,
          group: opts.group,
          obs,
          onSwap,
          ...(opts.flushStartupCode ? { flushStartupCode: true } : {}),
          ...(opts.bindAddress ? { bindAddress: opts.bindAddress } : {}),
          ...workerObservability(opts.observability),
          ...(opts.testHooks ? { testHooks: opts.testHooks } : {}),
        })
      : new InProcessCore(log, {
          ...(opts.bindAddress ? { bindAddress: opts.bindAddress } : {}),
          events: obs.events,
          onSwap,
        });
  verdicts.changed = (servers) => serving.verdictsChanged(servers);
  const startupFlush = opts.flushStartupCode
    ? new StartupCodeFlush(
        {
          flush: codeFlushFunction(),
          served: () => servedAny(obs.stats.frontends.values()),
          flushed: logFlushed(log),
        },
        opts.controllerUrl !== undefined,
      )
    : undefined;
  const stateDir = opts.stateDir;
  const applier = new Applier({
    engine: serving.target,
    log,
    ...(stateDir ? { persist: (s: Snapshot) => persistSnapshot(stateDir, s) } : {}),
  });

  try {
    await serving.start();
  } catch (err) {
    health.close();
    obs.close();
    throw err;
  }
  if (stateDir) await restore(stateDir, opts.group, applier, log);
  if (serving.target.version !== null) startupFlush?.snapshotLive();
  const submit = async (input: ApplyInput): Promise<ApplyResult> => {
    const result = await obs.trackApply(() => applier.submit(input));
    if (result.ok) startupFlush?.snapshotLive();
    // Listeners and worker versions as of this swap (status()); the reply does not wait for it.
    serving.refresh().catch((err: Error) => log.debug({ err: err.message }, 'worker status refresh failed'));
    return result;
  };
  const overrides = new RuntimeOverrides(() => serving.runtime(), log);
  overrides.onChange((rows) => {
    serving.overridesChanged();
    void channel?.sendOverrides(rows);
  });
  obs.bind({
    nodeId: opts.nodeId,
    group: opts.group,
    runtime: () => serving.runtime(),
    // Workers count their own connections (summed by the aggregate); none are open here.
    listeners: () => (serving.aggregate ? [] : serving.listeners()),
    health: () => health.view(),
    appliedAt: () => serving.appliedAt(),
    controller: () => (channel ? { connected: channel.state.connected, url: channel.state.url } : null),
    applies: () => obs.applies,
  });

  let admin: AdminServer | undefined;
  let draining = false;
  const status = (): DataplaneStatus => {
    const rt = serving.runtime();
    const workerRows = serving.workers?.();
    const appliedAt = serving.appliedAt();
    return {
      nodeId: opts.nodeId,
      group: opts.group,
      version: rt.version,
      appliedAt: appliedAt === null ? null : isoTime(appliedAt),
      controller: channel ? { ...channel.state } : { connected: false, url: null },
      listeners: serving.listeners(),
      frontends: rt.frontends.size,
      backends: rt.backends.size,
      health: health.summary(),
      ...(workerRows ? { workers: workerRows } : {}),
    };
  };
  const currentStatus = async (): Promise<DataplaneStatus> => {
    await serving.refresh();
    return status();
  };

  try {
    if (opts.admin) {
      admin = await startAdmin({
        ...opts.admin,
        log,
        ready: () => !draining && serving.target.version !== null,
        status: currentStatus,
        health: () => health.view(),
        observability: {
          obs,
          overrides,
          credentials,
          ...(serving.aggregate ? { aggregate: serving.aggregate } : {}),
          ...(opts.observability?.protectMetrics ? { protectMetrics: true } : {}),
          ...(opts.observability?.statsRefreshSeconds !== undefined
            ? { refreshSeconds: opts.observability.statsRefreshSeconds }
            : {}),
        },
      });
    }
    if (opts.controllerUrl) {
      channel = new ControlChannel({
        url: opts.controllerUrl,
        token: opts.token,
        nodeId: opts.nodeId,
        group: opts.group,
        tlsCa: readCa(opts.tlsCa),
        log,
        lastAppliedVersion: () => serving.target.version,
        onSnapshot: (input) => submit(input),
        onConnected: () => {
          startupFlush?.channelConnected();
          void channel?.sendHealth({ full: true, servers: health.table() });
          void channel?.sendOverrides(overrides.list());
        },
        tuning: opts.channel,
      });
      channel.start();
    } else {
      log.info('no controller URL: serving local snapshots only');
    }
  } catch (err) {
    await channel?.close();
    await admin?.close();
    health.close();
    await serving.close();
    obs.close();
    throw err;
  }

  let closing: Promise<void> | undefined;
  let drained: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      await channel?.close();
      // The last applied snapshot is on disk before the process goes, written now rather than
      // when the persist interval would have allowed it.
      await applier.flushPersisted();
      health.close();
      await serving.close();
      await admin?.close();
      obs.close();
      log.info('dataplane stopped');
    })();
    return closing;
  };
  return {
    nodeId: opts.nodeId,
    group: opts.group,
    get currentVersion() {
      return serving.target.version;
    },
    adminUrl: admin?.url ?? null,
    applySnapshot: (input) => submit(toApplyInput(input)),
    status,
    currentStatus,
    health: () => health.view(),
    drain(timeoutMs) {
      drained ??= (async () => {
        if (closing) return closing;
        draining = true;
        log.info({ timeoutMs }, 'draining: no new connections; finishing requests in flight');
        // No new configuration while draining (the closed engine would NACK it); health checks
        // stay up, so retries still see live verdicts.
        await channel?.close();
        await serving.drain(timeoutMs);
        await close();
      })();
      return drained;
    },
    close,
  };
}

/** Serve the persisted snapshot, if any and still valid for this group. Never fatal. */
async function restore(stateDir: string, group: string, applier: Applier, log: Logger): Promise<void> {
  const file = path.join(stateDir, 'snapshot.json');
  try {
    const doc = await loadPersisted(stateDir);
    if (!doc) return;
    const docGroup = (doc.body as { group?: unknown } | null)?.group;
    if (docGroup !== group) {
      log.warn({ file, persistedGroup: docGroup }, 'persisted snapshot belongs to another group; ignored');
      return;
    }
    const result = await applier.submit(doc);
    if (result.ok)
      log.info({ file, version: shortVersion(result.version) }, 'serving the persisted snapshot');
    else
      log.warn(
        { file, code: result.error.code, err: result.error.message },
        'persisted snapshot not applied',
      );
  } catch (err) {
    log.warn({ file, err: (err as Error).message }, 'could not read the persisted snapshot');
  }
}
