// Writes computed status to the API server through the status subresource of each object.
//
// - Only when the content changed: the status is compared with the live object's (from the
//   informer cache), and a condition whose status did not flip keeps the live
//   lastTransitionTime. A new leader therefore rewrites nothing that is already right.
// - Conflict-safe: a JSON merge patch carrying the resourceVersion it was computed against, so
//   the API server refuses it (409) if the object moved on; the object is then re-read and the
//   comparison done again.
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
  /** Attempts after a 409 Conflict (default 5). */
  maxConflictRetries?: number;
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
  private readonly qps: number;
  private readonly burst: number;
  private tokens: number;
  private refilledAt = Date.now();
  private _active: boolean;
  /** Counters (metrics, tests). */
  readonly stats = { writes: 0, skipped: 0, conflicts: 0, errors: 0 };

  constructor(private readonly opts: KubeStatusWriterOptions) {
    this.api = makeApiClient(opts.kubeConfig, CustomObjectsApi);
    this.log = (opts.logger ?? silentLogger()).child({ component: 'status-writer' });
    this._active = opts.active ?? true;
    this.qps = opts.qps ?? 20;
    this.burst = opts.burst ?? 50;
    this.tokens = this.burst;
  }

  get active(): boolean {
    return this._active;
  }

  /** Leader election flips this; turning active makes the controller re-evaluate every status. */
  setActive(active: boolean): void {
    if (active === this._active) return;
    this._active = active;
    if (active) {
      this.lastPatched.clear();
      for (const l of this.listeners) l();
    }
  }

  onActivate(listener: () => void): void {
    this.listeners.push(listener);
  }

  async forget(ref: ObjectRef): Promise<void> {
    this.lastPatched.delete(refKey(ref));
  }

  async write(ref: ObjectRef, status: StatusT): Promise<void> {
    const plural = this.plurals.get(ref.kind);
    if (!plural) return; // Secrets, Services... have no Bascule status
    const key = refKey(ref);
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
        if (code !== 409) {
          this.stats.errors++;
          throw new Error(`status patch of ${key} failed: ${describeKubeError(err)}`, { cause: err });
        }
        this.stats.conflicts++;
        live = await this.fetch(ref, plural);
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
