// Leader election on a coordination.k8s.io/v1 Lease, with client-go's semantics
// (k8s.io/client-go/tools/leaderelection):
//
// - A candidate takes the lease when it is absent, released (empty holder), or not renewed for
//   leaseDuration as measured on the candidate's own clock since it last saw the record change
//   (so clock skew between replicas does not matter).
// - Every write is a PUT carrying the resourceVersion that was read: two candidates racing
//   for an expired lease cannot both win (the loser gets 409 Conflict).
// - The leader renews every retryPeriod; if it cannot renew for renewDeadline (< leaseDuration)
//   it steps down *before* anyone else may take over, so two leaders never write at once.
// - On a clean shutdown the leader releases the lease, so a successor takes over at once.
import { EventEmitter } from 'node:events';
import { CoordinationV1Api, V1MicroTime, type KubeConfig, type V1Lease } from '@kubernetes/client-node';
import { describeKubeError, httpStatusOf } from '../kube/client.js';
import { silentLogger, type Logger } from '../log.js';
import { makeApiClient } from '../kube/api-client.js';

export interface LeaderElectorOptions {
  kubeConfig: KubeConfig;
  namespace: string;
  name: string;
  /** Unique per replica (pod name). */
  identity: string;
  /** How long a lease is valid without renewal (default 15 s). */
  leaseDurationMs?: number;
  /** How long the leader keeps trying to renew before stepping down (default 10 s). */
  renewDeadlineMs?: number;
  /** Time between attempts (default 2 s). */
  retryPeriodMs?: number;
  logger?: Logger;
  clock?: () => number;
}

export interface LeaderElectorEvents {
  /** This replica became the leader. */
  started: [];
  /** This replica is no longer the leader. */
  stopped: [];
  /** The observed leader changed (any replica); null when none is known. */
  leader: [identity: string | null];
}

interface Observed {
  holder: string;
  renewTime: string;
  resourceVersion: string;
}

export class LeaderElector extends EventEmitter<LeaderElectorEvents> {
  readonly identity: string;
  private readonly api: CoordinationV1Api;
  private readonly log: Logger;
  private readonly leaseDurationMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryPeriodMs: number;
  private readonly now: () => number;
  private observed: Observed | undefined;
  /** Local time at which `observed` last changed. */
  private observedAt = 0;
  private lastRenew = 0;
  private leading = false;
  private currentLeader: string | null = null;
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private stopping = false;
  private loop: Promise<void> | undefined;

  constructor(private readonly opts: LeaderElectorOptions) {
    super();
    this.identity = opts.identity;
    this.api = makeApiClient(opts.kubeConfig, CoordinationV1Api);
    this.log = (opts.logger ?? silentLogger()).child({
      component: 'leader-election',
      lease: `${opts.namespace}/${opts.name}`,
    });
    this.leaseDurationMs = opts.leaseDurationMs ?? 15_000;
    this.renewDeadlineMs = opts.renewDeadlineMs ?? 10_000;
    this.retryPeriodMs = opts.retryPeriodMs ?? 2_000;
    this.now = opts.clock ?? Date.now;
    if (!(this.renewDeadlineMs < this.leaseDurationMs))
      throw new Error('leader election: renew deadline must be shorter than the lease duration');
    if (!(this.retryPeriodMs < this.renewDeadlineMs))
      throw new Error('leader election: retry period must be shorter than the renew deadline');
    if (this.leaseDurationMs < 1000) throw new Error('leader election: lease duration must be at least 1s');
  }

  get isLeader(): boolean {
    return this.leading;
  }

  /** The holder of the lease as last observed (possibly this replica). */
  get leader(): string | null {
    return this.currentLeader;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedule(0);
  }

  /** Stops campaigning; a leader releases the lease so another replica takes over at once. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.stopping = true;
    clearTimeout(this.timer);
    await this.loop?.catch(() => {});
    if (this.leading) {
      this.setLeading(false);
      await this.release().catch((err) =>
        this.log.warn({ err: describeKubeError(err) }, 'could not release the lease'),
      );
    }
  }

  private schedule(delayMs: number): void {
    if (!this.running) return;
    this.timer = setTimeout(() => {
      this.loop = this.tick().finally(() => {
        this.loop = undefined;
        // client-go jitters the acquire loop (factor 1.2) so candidates do not move in lockstep.
        const jitter = this.leading ? 1 : 1 + Math.random() * 0.2;
        this.schedule(Math.round(this.retryPeriodMs * jitter));
      });
    }, delayMs);
  }

  private async tick(): Promise<void> {
    let ok = false;
    try {
      ok = await this.tryAcquireOrRenew();
    } catch (err) {
      this.log.warn({ err: describeKubeError(err) }, 'lease update failed');
    }
    if (this.stopping) return;
    if (ok) {
      this.lastRenew = this.now();
      if (!this.leading) this.setLeading(true);
    } else if (this.leading && this.currentLeader !== null && this.currentLeader !== this.identity) {
      this.log.error({ holder: this.currentLeader }, 'the lease is held by another replica; stepping down');
      this.setLeading(false);
    } else if (this.leading && this.now() - this.lastRenew >= this.renewDeadlineMs) {
      this.log.error(
        { renewDeadlineMs: this.renewDeadlineMs },
        'could not renew the lease in time; stepping down',
      );
      this.setLeading(false);
    }
  }

  private setLeading(leading: boolean): void {
    this.leading = leading;
    if (leading) {
      this.log.info({ identity: this.identity }, 'became the leader');
      this.emit('started');
    } else {
      this.log.warn({ identity: this.identity }, 'no longer the leader');
      this.emit('stopped');
    }
  }

  private observe(lease: V1Lease): void {
    const spec = lease.spec ?? {};
    const next: Observed = {
      holder: spec.holderIdentity ?? '',
      renewTime: spec.renewTime
        ? String(spec.renewTime instanceof Date ? spec.renewTime.toISOString() : spec.renewTime)
        : '',
      resourceVersion: lease.metadata?.resourceVersion ?? '',
    };
    const o = this.observed;
    if (
      !o ||
      o.holder !== next.holder ||
      o.renewTime !== next.renewTime ||
      o.resourceVersion !== next.resourceVersion
    ) {
      this.observed = next;
      this.observedAt = this.now();
    }
    const leader = next.holder || null;
    if (leader !== this.currentLeader) {
      this.currentLeader = leader;
      this.log.info({ leader }, 'leader observed');
      this.emit('leader', leader);
    }
  }

  private spec(prev: V1Lease | undefined): V1Lease['spec'] {
    const now = new V1MicroTime(this.now());
    const held = prev?.spec?.holderIdentity === this.identity;
    return {
      holderIdentity: this.identity,
      leaseDurationSeconds: Math.max(1, Math.round(this.leaseDurationMs / 1000)),
      acquireTime: held && prev?.spec?.acquireTime ? prev.spec.acquireTime : now,
      renewTime: now,
      leaseTransitions: held ? (prev?.spec?.leaseTransitions ?? 0) : (prev?.spec?.leaseTransitions ?? -1) + 1,
    };
  }

  /** One round of client-go's tryAcquireOrRenew. */
  private async tryAcquireOrRenew(): Promise<boolean> {
    const { namespace, name } = this.opts;
    let current: V1Lease;
    try {
      current = await this.api.readNamespacedLease({ namespace, name });
    } catch (err) {
      if (httpStatusOf(err) !== 404) throw err;
      try {
        const created = await this.api.createNamespacedLease({
          namespace,
          body: {
            apiVersion: 'coordination.k8s.io/v1',
            kind: 'Lease',
            metadata: { name, namespace },
            spec: this.spec(undefined),
          },
        });
        this.observe(created);
        return true;
      } catch (e) {
        if (httpStatusOf(e) === 409) return false; // another candidate created it first
        throw e;
      }
    }
    this.observe(current);
    const holder = current.spec?.holderIdentity ?? '';
    const mine = holder === this.identity;
    // The record's own leaseDurationSeconds counts (the holder chose it), measured locally.
    const durationMs = (current.spec?.leaseDurationSeconds ?? this.leaseDurationMs / 1000) * 1000;
    if (holder !== '' && !mine && this.observedAt + durationMs > this.now()) return false;
    try {
      const updated = await this.api.replaceNamespacedLease({
        namespace,
        name,
        body: { ...current, spec: this.spec(current) },
      });
      this.observe(updated);
      return true;
    } catch (err) {
      if (httpStatusOf(err) === 409) return false; // somebody else wrote it first
      throw err;
    }
  }

  private async release(): Promise<void> {
    const { namespace, name } = this.opts;
    const current = await this.api.readNamespacedLease({ namespace, name });
    if (current.spec?.holderIdentity !== this.identity) return;
    await this.api.replaceNamespacedLease({
      namespace,
      name,
      body: {
        ...current,
        spec: {
          ...current.spec,
          holderIdentity: undefined,
          leaseDurationSeconds: 1,
          renewTime: new V1MicroTime(this.now()),
        },
      },
    });
    this.log.info('lease released');
  }
}
