// High availability: every controller replica serves snapshots, so dataplanes are spread over
// the replicas, but only the leader writes status. For `Programmed` ("3/3 dataplanes at
// version …") and Backend health to count every dataplane, each replica publishes what its
// own dataplanes report — ACK state and server health — in a small Lease object of its own
// ("<lease>-<replica>", annotation bascule.dev/replica-report), renewed periodically. The
// leader watches those Leases and merges the reports of replicas that are alive.
//
// It goes through the API server (not replica-to-replica connections), so it needs no extra
// port, Service or certificates, and works wherever the leader-election Lease works.
import { EventEmitter } from 'node:events';
import {
  CoordinationV1Api,
  PatchStrategy,
  setHeaderOptions,
  V1MicroTime,
  type KubeConfig,
  type V1Lease,
} from '@kubernetes/client-node';
import type { ServerHealth } from '#protocol/messages';
import { describeKubeError, httpStatusOf } from '../kube/client.js';
import { Informer } from '../kube/informer.js';
import { silentLogger, type Logger } from '../log.js';
import type { DataplaneInfo } from '../publish/types.js';
import { Coalescer } from '../store/coalescer.js';
import { makeApiClient } from '../kube/api-client.js';

export const REPORT_ANNOTATION = 'bascule.dev/replica-report';
export const REPLICA_OF_LABEL = 'bascule.dev/replica-of';
/** Annotations are capped at 256 KiB in total; past this, health details are left out. */
const MAX_REPORT_BYTES = 200 * 1024;

export interface ReplicaState {
  dataplanes: DataplaneInfo[];
  /** nodeId → that dataplane's server health. */
  health: ReadonlyMap<string, readonly ServerHealth[]>;
}

/** What the controller needs from the replica set (implemented here, faked in unit tests). */
export interface ReplicaView {
  /** Dataplanes connected to the *other* live replicas. */
  remote(): ReplicaState;
  /** This replica's dataplanes changed: share them (coalesced). */
  publish(local: ReplicaState): void;
  on(event: 'change', listener: () => void): unknown;
  off(event: 'change', listener: () => void): unknown;
}

export interface ReplicaReportsOptions {
  kubeConfig: KubeConfig;
  namespace: string;
  /** The leader-election Lease name; report Leases are named and labelled after it. */
  leaseName: string;
  identity: string;
  /** Pod that owns the report (garbage-collected with it), when known. */
  owner?: { name: string; uid: string };
  /** A report not renewed for this long is ignored (default 15 s); renewed every third of it. */
  leaseDurationMs?: number;
  logger?: Logger;
  watchTimeoutSeconds?: number;
}

/** [backend, server, state] */
type HealthTuple = [string, string, ServerHealth['state']];
interface ReportDoc {
  v: 1;
  dataplanes: DataplaneInfo[];
  health?: Record<string, HealthTuple[]>;
}

/** Lease names are DNS subdomains: lower-case alphanumerics, '-' and '.'. */
export function reportLeaseName(leaseName: string, identity: string): string {
  const id = identity
    .toLowerCase()
    .replace(/[^a-z0-9.-]+/g, '-')
    .replace(/^[-.]+|[-.]+$/g, '');
  return `${leaseName}-${id || 'replica'}`.slice(0, 253).replace(/[-.]+$/, '');
}

export class ReplicaReports extends EventEmitter<{ change: [] }> implements ReplicaView {
  private readonly api: CoordinationV1Api;
  private readonly log: Logger;
  private readonly ownName: string;
  private readonly leaseDurationMs: number;
  private readonly informer: Informer<V1Lease>;
  private readonly writer: Coalescer;
  private readonly patchOptions = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
  /** Lease name → local time its content last changed, and the parsed report. */
  private readonly seen = new Map<
    string,
    { at: number; rv: string; report: ReportDoc | null; text: string | undefined; renewTime: number }
  >();
  private local: ReplicaState = { dataplanes: [], health: new Map() };
  private lastWritten = '';
  private renewTimer: NodeJS.Timeout | undefined;
  private staleTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  private tooBigLogged = false;

  constructor(private readonly opts: ReplicaReportsOptions) {
    super();
    this.api = makeApiClient(opts.kubeConfig, CoordinationV1Api);
    this.log = (opts.logger ?? silentLogger()).child({ component: 'replica-reports' });
    this.ownName = reportLeaseName(opts.leaseName, opts.identity);
    this.leaseDurationMs = opts.leaseDurationMs ?? 15_000;
    const labelSelector = `${REPLICA_OF_LABEL}=${opts.leaseName}`;
    this.informer = new Informer<V1Lease>({
      kubeConfig: opts.kubeConfig,
      name: `replica reports (${opts.namespace})`,
      path: `/apis/coordination.k8s.io/v1/namespaces/${opts.namespace}/leases`,
      list: () => this.api.listNamespacedLease({ namespace: opts.namespace, labelSelector }),
      labelSelector,
      onEvent: (event, lease) => this.onLease(event, lease),
      logger: this.log,
      ...(opts.watchTimeoutSeconds !== undefined ? { watchTimeoutSeconds: opts.watchTimeoutSeconds } : {}),
    });
    this.writer = new Coalescer(() => this.write(false), {
      holdoffMs: 50,
      maxDelayMs: 250,
      onError: (err) =>
        this.log.warn({ err: describeKubeError(err) }, 'could not publish the replica report'),
    });
  }

  start(): void {
    this.informer.start();
    const renewMs = Math.max(500, Math.round(this.leaseDurationMs / 3));
    this.renewTimer = setInterval(() => {
      this.write(true).catch((err) =>
        this.log.warn({ err: describeKubeError(err) }, 'could not renew the replica report'),
      );
    }, renewMs);
    this.staleTimer = setInterval(() => this.expire(), renewMs);
    this.writer.trigger();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.renewTimer);
    clearInterval(this.staleTimer);
    await this.writer.close();
    await this.informer.stop();
    try {
      await this.api.deleteNamespacedLease({ namespace: this.opts.namespace, name: this.ownName });
    } catch (err) {
      if (httpStatusOf(err) !== 404)
        this.log.debug({ err: describeKubeError(err) }, 'could not delete the replica report');
    }
  }

  publish(local: ReplicaState): void {
    this.local = local;
    this.writer.trigger();
  }

  remote(): ReplicaState {
    const byNode = new Map<string, DataplaneInfo>();
    const health = new Map<string, ServerHealth[]>();
    for (const [name, s] of this.seen) {
      if (name === this.ownName || !s.report || !this.fresh(s)) continue;
      for (const d of s.report.dataplanes) {
        const prev = byNode.get(d.nodeId);
        // During a failover a dataplane can briefly appear under two replicas: newest wins.
        if (prev && prev.connectedSince >= d.connectedSince) continue;
        byNode.set(d.nodeId, d);
        const tuples = s.report.health?.[d.nodeId] ?? [];
        health.set(
          d.nodeId,
          tuples.map(([backend, server, state]) => ({
            backend,
            server,
            state,
            address: '',
            reason: '',
            since: 0,
          })),
        );
      }
    }
    return { dataplanes: [...byNode.values()], health };
  }

  private fresh(s: { at: number; renewTime: number }): boolean {
    const now = Date.now();
    // Local observation time guards against clock skew; renewTime against a relist that
    // (re)discovers the report of a replica that died long ago.
    return now - s.at < this.leaseDurationMs && now - s.renewTime < 2 * this.leaseDurationMs;
  }

  private expire(): void {
    let changed = false;
    for (const [name, s] of this.seen) {
      if (name !== this.ownName && s.report && !this.fresh(s)) {
        this.log.info({ replica: name }, 'replica report expired; its dataplanes no longer count');
        s.report = null;
        changed = true;
      }
    }
    if (changed) this.emit('change');
  }

  private onLease(event: 'add' | 'update' | 'delete', lease: V1Lease): void {
    const name = lease.metadata?.name ?? '';
    if (name === this.ownName) return;
    if (event === 'delete') {
      if (this.seen.delete(name)) this.emit('change');
      return;
    }
    const rv = lease.metadata?.resourceVersion ?? '';
    const prev = this.seen.get(name);
    if (prev?.rv === rv) return;
    const text = lease.metadata?.annotations?.[REPORT_ANNOTATION];
    const renew = lease.spec?.renewTime;
    const renewMs = renew ? new Date(renew as unknown as string).getTime() : 0;
    const renewTime = Number.isFinite(renewMs) ? renewMs : 0;
    if (prev && prev.report && prev.text === text) {
      // A renewal: the replica is alive, nothing it reports changed.
      this.seen.set(name, { ...prev, at: Date.now(), rv, renewTime });
      return;
    }
    let report: ReportDoc | null = null;
    try {
      const parsed = text ? (JSON.parse(text) as ReportDoc) : null;
      if (parsed && parsed.v === 1 && Array.isArray(parsed.dataplanes)) report = parsed;
    } catch {
      this.log.warn({ replica: name }, 'ignoring a malformed replica report');
    }
    this.seen.set(name, { at: Date.now(), rv, report, text, renewTime });
    this.emit('change');
  }

  private reportText(): string {
    const doc: ReportDoc = { v: 1, dataplanes: this.local.dataplanes };
    const health: Record<string, HealthTuple[]> = {};
    for (const [node, servers] of this.local.health) {
      health[node] = servers.map((s) => [s.backend, s.server, s.state]);
    }
    const full = JSON.stringify({ ...doc, health });
    if (full.length <= MAX_REPORT_BYTES) return full;
    if (!this.tooBigLogged) {
      this.tooBigLogged = true;
      this.log.warn(
        { bytes: full.length },
        "replica report too large; server health of this replica's dataplanes is not shared",
      );
    }
    return JSON.stringify(doc);
  }

  /** Create or update our report Lease; `renew` forces a write even when nothing changed. */
  private async write(renew: boolean): Promise<void> {
    if (this.stopped) return;
    const text = this.reportText();
    if (!renew && text === this.lastWritten) return;
    const { namespace } = this.opts;
    const spec = {
      holderIdentity: this.opts.identity,
      leaseDurationSeconds: Math.max(1, Math.round(this.leaseDurationMs / 1000)),
      renewTime: new V1MicroTime(),
    };
    const metadata = {
      name: this.ownName,
      namespace,
      labels: { [REPLICA_OF_LABEL]: this.opts.leaseName, 'app.kubernetes.io/part-of': 'bascule' },
      annotations: { [REPORT_ANNOTATION]: text },
    };
    try {
      await this.api.patchNamespacedLease(
        { namespace, name: this.ownName, body: { metadata: { annotations: metadata.annotations }, spec } },
        this.patchOptions,
      );
    } catch (err) {
      if (httpStatusOf(err) !== 404) throw err;
      const owner = this.opts.owner;
      await this.api.createNamespacedLease({
        namespace,
        body: {
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: {
            ...metadata,
            ...(owner
              ? { ownerReferences: [{ apiVersion: 'v1', kind: 'Pod', name: owner.name, uid: owner.uid }] }
              : {}),
          },
          spec: { ...spec, acquireTime: spec.renewTime },
        },
      });
    }
    this.lastWritten = text;
  }
}
