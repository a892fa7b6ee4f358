// Writes computed status to the API server through the status subresource of each object.
//
// - Asynchronous and coalesced per object (kube-status-queue.ts): write() hands the latest status
//   to a queue and returns; an object's status goes out once it has held still for `holdoffMs`
//   (500 ms), or `maxDelayMs` (2 s) after its first pending change if changes keep coming. Under a
//   stream of edits the statuses computed in between (Pending before the ACK, then Programmed)
//   are never written: each status PATCH costs the API server about what the edit itself cost
//   it (the whole object validated and re-encoded, CEL rules included).
// - Only when the content changed: the status is compared with the live object's (from the
//   informer cache, or our own last write's answer until the informer has it), when handed over
//   and again just before the write; a condition whose status did not flip keeps the live
//   lastTransitionTime. A new leader therefore rewrites nothing that is already right.
// - Never older over newer: one write per object at a time, the latest status handed over is the
//   one written, and a status whose observedGeneration is below the live one's (written by a
//   replica that had seen a newer spec) is not written.
// - Conflict-safe: a JSON merge patch carrying the resourceVersion it was computed against, so
//   the API server refuses it (409) if the object moved on; the object is then re-read and the
//   comparison done again. Failed writes are retried with a backoff, the newest status first.
// - Rate-limited (token bucket) so a burst of changes cannot flood the API server.
// - Only while active: with leader election, followers compute status but never write it.
import { CustomObjectsApi, PatchStrategy, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';
import { canonicalJson } from '#protocol/canonical';
import { GROUP, KINDS, VERSION, type StatusT } from '#api/v1alpha1';
import { describeKubeError, httpStatusOf } from '../kube/client.js';
import { silentLogger, type Logger } from '../log.js';
import type { KubeObject } from '../sources/kube-resources.js';
import { refKey, type ObjectRef } from '../validate/diagnostic.js';
import type { StatusWriter } from './writer.js';
import { makeApiClient } from '../kube/api-client.js';
import { StatusWriteQueue, type StatusQueueTimers } from './kube-status-queue.js';

export const FIELD_MANAGER = 'bascule-controller';

export interface KubeStatusWriterOptions {
  kubeConfig: KubeConfig;
  /** The object as the informers last saw it (status and resourceVersion included). */
  live: (ref: ObjectRef) => KubeObject | undefined;
  /** Start active (true unless leader election decides). */
  active?: boolean;
  logger?: Logger;
  /** Sustained writes per second (default 20) and burst (default 50). */
  qps?: number;
  burst?: number;
  /** Attempts after a 409 Conflict (default 5); then the write is retried after a backoff. */
  maxConflictRetries?: number;
  /** Per object: quiet before its status is written, and the longest wait (500 ms, 2 s). */
  holdoffMs?: number;
  maxDelayMs?: number;
  /** Writes in flight at once, each of another object (default 4). */
  concurrency?: number;
  /** Backoff of a failed write (500 ms doubling up to 30 s). */
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** Tests step through time. */
  timers?: StatusQueueTimers;
  /** How often the counters are logged when they moved (default 60 s). */
  summaryIntervalMs?: number;
}

/** A status handed over and not yet written. */
interface QueuedStatus {
  ref: ObjectRef;
  plural: string;
  status: StatusT;
}

type Condition = NonNullable<StatusT['conditions']>[number];

/** Keep the live lastTransitionTime of every condition whose status did not change. */
export function carryTransitionTimes(next: StatusT, live: StatusT | undefined): StatusT {
  if (!next.conditions) return next;
  const before = new Map((live?.conditions ?? []).map((c) => [c.type, c]));
  const conditions = next.conditions.map((c): Condition => {
    const prev = before.get(c.type);
    return prev && prev.status === c.status && prev.lastTransitionTime
      ? { ...c, lastTransitionTime: prev.lastTransitionTime }
      : c;
  });
  return { ...next, conditions };
}

export class KubeStatusWriter implements StatusWriter {
  private readonly api: CustomObjectsApi;
  private readonly log: Logger;
  private readonly plurals = new Map<string, string>(KINDS.map((k) => [k.kind, k.plural]));
  private readonly patchOptions = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
  private readonly listeners: (() => void)[] = [];
  /** Our last successful patch per object: the resourceVersion it replaced and the result. */
  private readonly lastPatched = new Map<string, { beforeRv: string | undefined; obj: KubeObject }>();
  private readonly queue: StatusWriteQueue<QueuedStatus>;
  private readonly qps: number;
  private readonly burst: number;
  private tokens: number;
  private refilledAt = Date.now();
  private _active: boolean;
  /**
   * Counters (metrics, tests): PATCHes that succeeded; statuses found already live (when handed
   * over or before the write); statuses replaced by a newer one before their write; statuses not
   * written because the live one is of a newer generation; 409s; failed writes (retried).
   */
  readonly stats = { writes: 0, skipped: 0, coalesced: 0, stale: 0, conflicts: 0, errors: 0 };
  /** The counters as last logged (a line a minute, only when they moved). */
  private logged = '';
  private readonly summary: NodeJS.Timeout;

  constructor(private readonly opts: KubeStatusWriterOptions) {
    this.api = makeApiClient(opts.kubeConfig, CustomObjectsApi);
    this.log = (opts.logger ?? silentLogger()).child({ component: 'status-writer' });
    this._active = opts.active ?? true;
    this.qps = opts.qps ?? 20;
    this.burst = opts.burst ?? 50;
    this.tokens = this.burst;
    // What status writing costs the API server, for operators: one line a minute at most.
    this.summary = setInterval(() => this.logSummary(), opts.summaryIntervalMs ?? 60_000);
    this.summary.unref();
    this.queue = new StatusWriteQueue<QueuedStatus>({
      send: (key, item) => this.send(key, item),
      ...(opts.holdoffMs !== undefined ? { holdoffMs: opts.holdoffMs } : {}),
      ...(opts.maxDelayMs !== undefined ? { maxDelayMs: opts.maxDelayMs } : {}),
      ...(opts.concurrency !== undefined ? { concurrency: opts.concurrency } : {}),
      ...(opts.retryBaseMs !== undefined ? { retryBaseMs: opts.retryBaseMs } : {}),
      ...(opts.retryMaxMs !== undefined ? { retryMaxMs: opts.retryMaxMs } : {}),
      ...(opts.timers ? { timers: opts.timers } : {}),
      onError: (key, err, retryInMs) => {
        this.stats.errors++;
        this.log.warn({ ref: key, err: (err as Error).message, retryInMs }, 'status write failed');
      },
    });
  }

  get active(): boolean {
    return this._active;
  }

  /** Leader election flips this; turning active makes the controller re-evaluate every status. */
  setActive(active: boolean): void {
    if (active === this._active) return;
    this._active = active;
    if (!active) {
      // What is pending is the next leader's to write (it compares everything on taking over).
      this.queue.clear();
      return;
    }
    this.lastPatched.clear();
    for (const l of this.listeners) l();
  }

  onActivate(listener: () => void): void {
    this.listeners.push(listener);
  }

  async forget(ref: ObjectRef): Promise<void> {
    const key = refKey(ref);
    this.queue.drop(key);
    this.lastPatched.delete(key);
  }

  /**
   * Hands the object's latest status over; resolves at once (the write follows, coalesced with
   * whatever is handed over for the object within the holdoff, and is retried until it is done,
   * superseded, the object is deleted or this replica stops writing).
   */
  async write(ref: ObjectRef, status: StatusT): Promise<void> {
    const plural = this.plurals.get(ref.kind);
    if (!plural) return; // Secrets, Services... have no Bascule status
    if (!this._active) return;
    const key = refKey(ref);
    const live = this.cached(ref);
    if (!live) {
      this.queue.drop(key); // deleted meanwhile: nothing to write
      return;
    }
    // Already live and no write of this object in flight (which could still put an older one
    // in place): nothing to write, and whatever was pending is superseded by what is live.
    if (this.queue.isPending(key)) this.stats.coalesced++;
    if (!this.queue.isInFlight(key) && this.upToDate(status, live)) {
      this.queue.drop(key);
      this.stats.skipped++;
      return;
    }
    this.queue.put(key, { ref, plural, status });
  }

  /** Resolves once every status handed over is written (or dropped). */
  idle(): Promise<void> {
    return this.queue.idle();
  }

  /** Objects whose status waits for its write. */
  get pending(): number {
    return this.queue.size;
  }

  /** Stop writing: what is pending is dropped (the next start or leader compares everything). */
  close(): void {
    this._active = false;
    this.queue.close();
    clearInterval(this.summary);
    this.logSummary();
  }

  private logSummary(): void {
    const line = JSON.stringify(this.stats);
    if (line === this.logged) return;
    this.logged = line;
    this.log.info({ ...this.stats, pending: this.queue.size }, 'status writes so far');
  }

  private upToDate(status: StatusT, live: KubeObject): boolean {
    const liveStatus = live.status as StatusT | undefined;
    return canonicalJson(carryTransitionTimes(status, liveStatus)) === canonicalJson(liveStatus ?? {});
  }

  /** Whether the live status was written for a newer generation than `status` (a newer writer's). */
  private newerLive(status: StatusT, live: KubeObject): boolean {
    const liveGen = (live.status as StatusT | undefined)?.observedGeneration;
    const objectGen = live.metadata?.generation;
    return (
      liveGen !== undefined &&
      status.observedGeneration !== undefined &&
      liveGen > status.observedGeneration &&
      // A hand-made observedGeneration beyond the object's own is no newer writer's: overwritten.
      (objectGen === undefined || liveGen <= objectGen)
    );
  }

  private async send(key: string, { ref, plural, status }: QueuedStatus): Promise<void> {
    const attempts = (this.opts.maxConflictRetries ?? 5) + 1;
    let live = this.cached(ref);
    for (let attempt = 0; attempt < attempts; attempt++) {
      if (!this._active) return;
      if (!live) return; // deleted meanwhile: nothing to write
      const liveStatus = live.status as StatusT | undefined;
      const next = carryTransitionTimes(status, liveStatus);
      if (canonicalJson(next) === canonicalJson(liveStatus ?? {})) {
        this.stats.skipped++;
        return;
      }
      if (this.newerLive(status, live)) {
        this.stats.stale++;
        return;
      }
      await this.takeToken();
      if (!this._active) return;
      const body = {
        metadata: { resourceVersion: live.metadata?.resourceVersion },
        // Merge patch: fields we no longer report are removed with null; lists are replaced.
        status: { ...nulls(liveStatus), ...next },
      };
      try {
        const result = (await this.api.patchNamespacedCustomObjectStatus(
          {
            group: GROUP,
            version: VERSION,
            namespace: ref.namespace,
            plural,
            name: ref.name,
            body,
            fieldManager: FIELD_MANAGER,
          },
          this.patchOptions,
        )) as KubeObject;
        this.stats.writes++;
        this.lastPatched.set(key, { beforeRv: live.metadata?.resourceVersion, obj: result });
        this.log.debug({ ref: key, rv: result.metadata?.resourceVersion }, 'status written');
        return;
      } catch (err) {
        const code = httpStatusOf(err);
        if (code === 404) return; // deleted
        if (code !== 409)
          throw new Error(`status patch of ${key} failed: ${describeKubeError(err)}`, { cause: err });
        this.stats.conflicts++;
        // The informer usually has the newer object already (an edit's event); else re-read it.
        const fresh = this.cached(ref);
        live =
          fresh && fresh.metadata?.resourceVersion !== live.metadata?.resourceVersion
            ? fresh
            : await this.fetch(ref, plural);
      }
    }
    throw new Error(`status patch of ${key}: still conflicting after ${attempts} attempts`);
  }

  /** The informer's object, unless our own newer write has not reached the informer yet. */
  private cached(ref: ObjectRef): KubeObject | undefined {
    const informer = this.opts.live(ref);
    const ours = this.lastPatched.get(refKey(ref));
    if (informer && ours && informer.metadata?.resourceVersion === ours.beforeRv) return ours.obj;
    return informer;
  }

  private async fetch(ref: ObjectRef, plural: string): Promise<KubeObject | undefined> {
    try {
      return (await this.api.getNamespacedCustomObjectStatus({
        group: GROUP,
        version: VERSION,
        namespace: ref.namespace,
        plural,
        name: ref.name,
      })) as KubeObject;
    } catch (err) {
      if (httpStatusOf(err) === 404) return undefined;
      throw new Error(`reading ${refKey(ref)} after a conflict failed: ${describeKubeError(err)}`, {
        cause: err,
      });
    }
  }

  private async takeToken(): Promise<void> {
    for (;;) {
      const now = Date.now();
      this.tokens = Math.min(this.burst, this.tokens + ((now - this.refilledAt) / 1000) * this.qps);
      this.refilledAt = now;
      if (this.tokens >= 1) {
        this.tokens -= 1;
        return;
      }
      await new Promise((r) => setTimeout(r, Math.ceil(((1 - this.tokens) / this.qps) * 1000)));
    }
  }
}

function nulls(status: StatusT | undefined): Record<string, null> {
  return Object.fromEntries(Object.keys(status ?? {}).map((k) => [k, null]));
}
