// Prometheus metrics of one controller, on its own prom-client Registry. Event-driven counters
// and histograms (compiles, publishes, ACKs, NACKs) are fed by the controller's and the snapshot
// server's events; gauges (objects by condition, connected dataplanes, snapshot versions) are
// computed at scrape time. Labels: group, kind, condition, status, code: all bounded.
import type { EventEmitter } from 'node:events';
import { collectProcessMetrics } from '#dataplane/metrics/process-metrics';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ControllerEvents } from '../events.js';
import type { SnapshotServer } from '../publish/snapshot-server.js';
import type { AckEvent, NackEvent } from '../publish/types.js';
import type { ObjectStatusView } from '../status/tracker.js';
import type { OverrideBook } from './overrides.js';

export const COMPILE_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
export const ACK_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** What the metrics read from one watch of the source (a Kubernetes informer). */
export interface WatchCounts {
  name: string;
  /** A bounded label: the watched resource. */
  resource: string;
  lagMs: number;
  /** Retries since the watch started, by reason (a bounded set). */
  retries: Partial<Record<string, number>>;
}

export interface ControllerMetricsDeps {
  events: EventEmitter<ControllerEvents>;
  publisher: SnapshotServer;
  statuses: () => ObjectStatusView[];
  overrides: OverrideBook;
  /** True while this replica writes status (the elected leader; always true without election). */
  leader: () => boolean;
  /** The source's watches (Kubernetes informers); none for a directory source. */
  watches?: () => WatchCounts[];
  processMetrics?: boolean;
}

export class ControllerMetrics {
  readonly registry = new Registry();
  private readonly r = this.registry;

  private readonly compileDuration = new Histogram({
    name: 'bascule_controller_compile_duration_seconds',
    help: 'Time to compile every resource into snapshots (validate + compile, pure).',
    buckets: COMPILE_BUCKETS,
    registers: [this.r],
  });
  private readonly compiles = new Counter({
    name: 'bascule_controller_compiles_total',
    help: 'Compiles run (one per coalesced batch of changes).',
    registers: [this.r],
  });
  private readonly publishes = new Counter({
    name: 'bascule_controller_snapshot_publishes_total',
    help: 'New snapshot versions published, by dataplane group.',
    labelNames: ['group'],
    registers: [this.r],
  });
  private readonly inconsistent = new Counter({
    name: 'bascule_controller_inconsistent_snapshots_total',
    help: 'Compiled snapshots held back by the consistency gate (the last good one stays live), by group.',
    labelNames: ['group'],
    registers: [this.r],
  });
  private readonly diagnostics = new Gauge({
    name: 'bascule_controller_diagnostics',
    help: 'Configuration problems found by the last compile.',
    registers: [this.r],
  });
  private readonly snapshotInfo = new Gauge({
    name: 'bascule_controller_snapshot_info',
    help: 'Always 1; the snapshot version served to each dataplane group.',
    labelNames: ['group', 'version'],
    registers: [this.r],
  });
  private readonly objects = new Gauge({
    name: 'bascule_controller_objects',
    help: 'Resources by kind and by the status of each condition (Accepted, ResolvedRefs, Programmed).',
    labelNames: ['kind', 'condition', 'status'],
    registers: [this.r],
  });
  private readonly connected = new Gauge({
    name: 'bascule_controller_connected_dataplanes',
    help: 'Dataplanes connected to this controller replica, by group.',
    labelNames: ['group'],
    registers: [this.r],
  });
  private readonly inSync = new Gauge({
    name: 'bascule_controller_dataplanes_in_sync',
    help: 'Connected dataplanes serving the current snapshot version of their group.',
    labelNames: ['group'],
    registers: [this.r],
  });
  private readonly ackLatency = new Histogram({
    name: 'bascule_controller_push_ack_latency_seconds',
    help: 'From sending a snapshot to a dataplane to receiving its ACK (apply included), by group.',
    labelNames: ['group'],
    buckets: ACK_BUCKETS,
    registers: [this.r],
  });
  private readonly acks = new Counter({
    name: 'bascule_controller_acks_total',
    help: 'Snapshots acknowledged by dataplanes, by group.',
    labelNames: ['group'],
    registers: [this.r],
  });
  private readonly nacks = new Counter({
    name: 'bascule_controller_nacks_total',
    help: 'Snapshots rejected by dataplanes (NACK), by group and error code.',
    labelNames: ['group', 'code'],
    registers: [this.r],
  });
  private readonly disconnects = new Counter({
    name: 'bascule_controller_dataplane_disconnects_total',
    help: 'Dataplane connections that ended, by group.',
    labelNames: ['group'],
    registers: [this.r],
  });
  private readonly leader = new Gauge({
    name: 'bascule_controller_leader',
    help: '1 while this replica writes status (elected leader, or no election).',
    registers: [this.r],
  });
  private readonly overrideCount = new Gauge({
    name: 'bascule_controller_runtime_overrides',
    help: 'Server state overrides reported by connected dataplanes (set through their admin API), by group.',
    labelNames: ['group'],
    registers: [this.r],
  });

  private readonly watchRetries = new Counter({
    name: 'bascule_controller_kube_watch_retries_total',
    help: 'Kubernetes list/watch retries, by resource and reason (throttled, unreachable, timeout, expired, forbidden, server-error, client-error, other).',
    labelNames: ['resource', 'reason'],
    registers: [this.r],
  });
  private readonly watchLag = new Gauge({
    name: 'bascule_controller_kube_watch_lag_seconds',
    help: 'How long the oldest informer of each resource has not been known current (0 while its watch is established).',
    labelNames: ['resource'],
    registers: [this.r],
  });
  /** Retries already counted, by informer and reason: scrapes add only what is new. */
  private readonly retriesSeen = new Map<string, number>();

  private readonly off: Array<() => void> = [];

  constructor(private readonly deps: ControllerMetricsDeps) {
    if (deps.processMetrics !== false) collectProcessMetrics(this.registry);
    const onCompiled = (e: ControllerEvents['compiled'][0]): void => {
      this.compiles.inc();
      this.compileDuration.observe(e.durationMs / 1000);
      for (const g of e.published) this.publishes.inc({ group: g });
      for (const g of e.inconsistent) this.inconsistent.inc({ group: g });
      this.diagnostics.set(e.result.diagnostics.length);
    };
    const onAck = (e: AckEvent): void => {
      this.acks.inc({ group: e.group });
      this.ackLatency.observe({ group: e.group }, e.latencyMs / 1000);
    };
    const onNack = (e: NackEvent): void => this.nacks.inc({ group: e.group, code: e.error.code });
    const onDisconnected = (info: { group: string }): void => this.disconnects.inc({ group: info.group });
    deps.events.on('compiled', onCompiled);
    deps.publisher.on('ack', onAck);
    deps.publisher.on('nack', onNack);
    deps.publisher.on('disconnected', onDisconnected);
    this.off.push(
      () => deps.events.off('compiled', onCompiled),
      () => deps.publisher.off('ack', onAck),
      () => deps.publisher.off('nack', onNack),
      () => deps.publisher.off('disconnected', onDisconnected),
    );
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  async render(): Promise<string> {
    this.refresh();
    return this.registry.metrics();
  }

  private refresh(): void {
    const { publisher } = this.deps;
    this.snapshotInfo.reset();
    const snapshots = publisher.snapshots();
    for (const [group, s] of Object.entries(snapshots))
      this.snapshotInfo.set({ group, version: s.version }, 1);

    this.objects.reset();
    const counts = new Map<string, number>();
    for (const o of this.deps.statuses()) {
      for (const c of o.status.conditions ?? []) {
        const key = `${o.ref.kind}\u0000${c.type}\u0000${c.status}`;
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
    }
    for (const [key, n] of counts) {
      const [kind, condition, status] = key.split('\u0000') as [string, string, string];
      this.objects.set({ kind, condition, status }, n);
    }

    this.connected.reset();
    this.inSync.reset();
    const groups = new Set<string>(Object.keys(snapshots));
    const dataplanes = publisher.dataplanes();
    for (const d of dataplanes) groups.add(d.group);
    for (const g of groups) {
      const mine = dataplanes.filter((d) => d.group === g);
      const want = publisher.versionOf(g);
      this.connected.set({ group: g }, mine.length);
      this.inSync.set({ group: g }, mine.filter((d) => want !== null && d.appliedVersion === want).length);
    }

    this.overrideCount.reset();
    const byGroup = new Map<string, number>();
    for (const o of this.deps.overrides.all()) byGroup.set(o.group, (byGroup.get(o.group) ?? 0) + 1);
    for (const g of groups) this.overrideCount.set({ group: g }, byGroup.get(g) ?? 0);
    this.leader.set(this.deps.leader() ? 1 : 0);
    this.refreshWatches();
  }

  /**
   * Informers keep their own counts; each scrape adds what grew since the last one, so the
   * counter stays monotonic even when an informer stops (a Secret no longer referenced).
   */
  private refreshWatches(): void {
    if (!this.deps.watches) return;
    const lag = new Map<string, number>();
    const seen = new Set<string>();
    for (const w of this.deps.watches()) {
      lag.set(w.resource, Math.max(lag.get(w.resource) ?? 0, w.lagMs / 1000));
      for (const [reason, n = 0] of Object.entries(w.retries)) {
        const key = `${w.name}\u0000${reason}`;
        seen.add(key);
        const before = this.retriesSeen.get(key) ?? 0;
        // Fewer than before: a new informer under the same name; all of its retries are new.
        const added = n >= before ? n - before : n;
        if (added > 0) this.watchRetries.inc({ resource: w.resource, reason }, added);
        this.retriesSeen.set(key, n);
      }
    }
    for (const key of this.retriesSeen.keys()) if (!seen.has(key)) this.retriesSeen.delete(key);
    this.watchLag.reset();
    for (const [resource, seconds] of lag) this.watchLag.set({ resource }, seconds);
  }

  close(): void {
    for (const f of this.off.splice(0)) f();
  }
}
