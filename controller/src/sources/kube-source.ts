// The Kubernetes source: informers on Frontend, Backend and HealthPolicy, on Services and
// EndpointSlices, and on exactly the Secrets the resources reference. Everything lands in the
// controller's one store (one bucket per object); the feed coalesces bursts of events into one
// build, and the source is synced only once every informer has completed its first list.
//
// What reaches compile is only what is referenced: a Service or EndpointSlice that no Backend
// names never causes a rebuild, and a Secret that nothing names is never even read.
import {
  CoreV1Api,
  CustomObjectsApi,
  DiscoveryV1Api,
  type KubeConfig,
  type KubernetesListObject,
} from '@kubernetes/client-node';
import { GROUP, KINDS, VERSION, type Kind } from '#api/v1alpha1';
import type { SourcedResource } from '../compile/types.js';
import { serverOf } from '../kube/client.js';
import { Informer, type InformerEvent, type InformerStatus } from '../kube/informer.js';
import { silentLogger, type Logger } from '../log.js';
import type { StoreFeed } from '../store/feed.js';
import type { StoreRecord } from '../store/records.js';
import type { ObjectRef } from '../validate/diagnostic.js';
import type { Converted } from './core-objects.js';
import { SERVICE_NAME_LABEL } from './core-objects.js';
import {
  keyOf,
  nameOf,
  namespaceOf,
  referencesOf,
  resourceRecord,
  secretToRecord,
  serviceToRecord,
  sliceToRecord,
  type KubeObject,
} from './kube-resources.js';
import type { Source } from './source.js';
import { makeApiClient } from '../kube/api-client.js';

export interface KubeSourceOptions {
  kubeConfig: KubeConfig;
  /** Namespaces to watch; empty or unset means all namespaces (cluster-wide informers). */
  namespaces?: string[];
  logger?: Logger;
  /** Server-side timeout of each watch request (default 300 s, jittered). */
  watchTimeoutSeconds?: number;
  /** Informer retry backoff window (defaults 250 ms → 4 s; Retry-After is honoured). */
  backoffBaseMs?: number;
  backoffCapMs?: number;
  /**
   * A Secret that becomes referenced after start is given this long to load before the
   * rebuild goes ahead without it (default 5 s).
   */
  secretSyncTimeoutMs?: number;
  /**
   * At start, how long to wait for the referenced Secrets (default 30 s). Past it, the source
   * syncs without the ones it cannot read (e.g. RBAC forbids it): their Frontends report
   * ResolvedRefs=False and everything else is served; the watches keep retrying.
   */
  secretStartTimeoutMs?: number;
  /**
   * The Frontend, Backend and HealthPolicy informers log their events' resourceVersions and
   * arrival times (InformerOptions.logArrivals): how long a change takes from the API server's
   * watch event to the dataplanes can then be measured per change.
   */
  logArrivals?: boolean;
}

type List = KubernetesListObject<KubeObject>;

interface SecretWatch {
  informer: Informer<KubeObject>;
  since: number;
}

const bucketOf = (kind: string, namespace: string, name: string) => `${kind}/${namespace}/${name}`;

/** "uid generation" of an object that has both, else undefined (then its record is compared). */
function generationKey(obj: KubeObject): string | undefined {
  const md = obj.metadata;
  return typeof md?.uid === 'string' && md.uid !== '' && typeof md.generation === 'number'
    ? `${md.uid} ${md.generation}`
    : undefined;
}

export class KubeSource implements Source {
  readonly name: string;
  private readonly log: Logger;
  private readonly kc: KubeConfig;
  private readonly namespaces: string[];
  private readonly opts: KubeSourceOptions;
  private feed: StoreFeed | undefined;
  private detach: (() => void) | undefined;
  private readonly core: CoreV1Api;
  private readonly custom: CustomObjectsApi;
  private readonly discovery: DiscoveryV1Api;

  /** Frontend/Backend/HealthPolicy informers, by kind. */
  private readonly kindInformers = new Map<Kind, Informer<KubeObject>[]>();
  private readonly serviceInformers: Informer<KubeObject>[] = [];
  private readonly sliceInformers: Informer<KubeObject>[] = [];
  private readonly secretWatches = new Map<string, SecretWatch>();

  /** Bascule resources as compiled, by bucket. */
  private readonly resources = new Map<string, SourcedResource>();
  /** The uid and generation each resource bucket's record was made from (see onResource). */
  private readonly generations = new Map<string, string>();
  /** namespace/service → slice bucket → slice object. */
  private readonly slicesByService = new Map<string, Map<string, KubeObject>>();
  /** Service/EndpointSlice buckets currently in the store. */
  private discoveryBuckets = new Set<string>();
  private referencedServices = new Set<string>();
  private readonly converted = new WeakMap<object, Converted>();

  private starting: Promise<void> | undefined;
  private stopped = false;
  private _synced = false;

  constructor(opts: KubeSourceOptions) {
    this.opts = opts;
    this.kc = opts.kubeConfig;
    this.namespaces = [...new Set(opts.namespaces ?? [])].filter((n) => n.length > 0).sort();
    const scope = this.namespaces.length > 0 ? `namespaces ${this.namespaces.join(',')}` : 'all namespaces';
    this.name = `kube:${serverOf(this.kc)} (${scope})`;
    this.log = (opts.logger ?? silentLogger()).child({ source: 'kube' });
    this.core = makeApiClient(this.kc, CoreV1Api);
    this.custom = makeApiClient(this.kc, CustomObjectsApi);
    this.discovery = makeApiClient(this.kc, DiscoveryV1Api);
  }

  get synced(): boolean {
    return this._synced;
  }

  start(feed: StoreFeed): Promise<void> {
    this.starting ??= this.doStart(feed);
    return this.starting;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.detach?.();
    await Promise.all(this.allInformers().map((i) => i.stop()));
  }

  /** Every informer's state: lag, failures, retries (/readyz detail, retry metric). */
  watches(): InformerStatus[] {
    const now = Date.now();
    return this.allInformers().map((i) => i.status(now));
  }

  /**
   * The object as the informer last saw it, status and resourceVersion included (the status
   * writer compares against it and uses its resourceVersion as a precondition).
   */
  liveObject(ref: ObjectRef): KubeObject | undefined {
    const informers = this.kindInformers.get(ref.kind as Kind);
    if (!informers) return undefined;
    for (const inf of informers) {
      const obj = inf.get(ref.name, ref.namespace);
      if (obj) return obj;
    }
    return undefined;
  }

  // ---- setup ----

  private scopes(): (string | undefined)[] {
    return this.namespaces.length > 0 ? this.namespaces : [undefined];
  }

  private informer(
    name: string,
    path: string,
    list: () => Promise<unknown>,
    onEvent: (event: InformerEvent, obj: KubeObject) => void,
    selectors: { labelSelector?: string; fieldSelector?: string } = {},
    logArrivals = false,
  ): Informer<KubeObject> {
    return new Informer<KubeObject>({
      kubeConfig: this.kc,
      name,
      path,
      list: list as () => Promise<List>,
      onEvent,
      logger: this.log,
      ...selectors,
      logArrivals,
      ...(this.opts.watchTimeoutSeconds !== undefined
        ? { watchTimeoutSeconds: this.opts.watchTimeoutSeconds }
        : {}),
      ...(this.opts.backoffBaseMs !== undefined ? { backoffBaseMs: this.opts.backoffBaseMs } : {}),
      ...(this.opts.backoffCapMs !== undefined ? { backoffCapMs: this.opts.backoffCapMs } : {}),
    });
  }

  private createInformers(): void {
    for (const ns of this.scopes()) {
      const where = ns ?? 'all namespaces';
      for (const def of KINDS) {
        const path = ns
          ? `/apis/${GROUP}/${VERSION}/namespaces/${ns}/${def.plural}`
          : `/apis/${GROUP}/${VERSION}/${def.plural}`;
        const base = { group: GROUP, version: VERSION, plural: def.plural };
        const list = ns
          ? () => this.custom.listNamespacedCustomObject({ ...base, namespace: ns })
          : () => this.custom.listClusterCustomObject(base);
        const inf = this.informer(
          `${def.plural} (${where})`,
          path,
          list,
          (ev, obj) => this.onResource(def.kind, ev, obj),
          {},
          this.opts.logArrivals === true,
        );
        const arr = this.kindInformers.get(def.kind) ?? [];
        arr.push(inf);
        this.kindInformers.set(def.kind, arr);
      }
      this.serviceInformers.push(
        this.informer(
          `services (${where})`,
          ns ? `/api/v1/namespaces/${ns}/services` : '/api/v1/services',
          ns
            ? () => this.core.listNamespacedService({ namespace: ns })
            : () => this.core.listServiceForAllNamespaces(),
          (_ev, obj) => this.onService(obj),
        ),
      );
      // Slices without the service-name label belong to no Service: not even listed.
      const labelSelector = SERVICE_NAME_LABEL;
      this.sliceInformers.push(
        this.informer(
          `endpointslices (${where})`,
          ns
            ? `/apis/discovery.k8s.io/v1/namespaces/${ns}/endpointslices`
            : '/apis/discovery.k8s.io/v1/endpointslices',
          ns
            ? () => this.discovery.listNamespacedEndpointSlice({ namespace: ns, labelSelector })
            : () => this.discovery.listEndpointSliceForAllNamespaces({ labelSelector }),
          (ev, obj) => this.onSlice(ev, obj),
          { labelSelector },
        ),
      );
    }
  }

  private allInformers(): Informer<KubeObject>[] {
    return [
      ...[...this.kindInformers.values()].flat(),
      ...this.serviceInformers,
      ...this.sliceInformers,
      ...[...this.secretWatches.values()].map((w) => w.informer),
    ];
  }

  private get store() {
    return this.feed!.store;
  }

  private trigger(): void {
    this.feed?.trigger();
  }

  private async doStart(feed: StoreFeed): Promise<void> {
    this.feed = feed;
    this.detach = feed.attach({ refresh: () => this.reconcile() });
    this.createInformers();
    const base = this.allInformers();
    for (const inf of base) inf.start();
    this.log.info({ informers: base.length, source: this.name }, 'kube source starting');
    await this.untilStopped(Promise.all(base.map((i) => i.synced)));
    // The first rebuild learns which Secrets are referenced and starts their watches; wait
    // until those are loaded too, so the first compile sees every referenced object.
    const deadline = Date.now() + (this.opts.secretStartTimeoutMs ?? 30_000);
    for (;;) {
      if (this.stopped) return;
      feed.trigger();
      await feed.flush();
      const pending = [...this.secretWatches.values()].filter((w) => !w.informer.hasSynced);
      if (pending.length === 0) break;
      const left = deadline - Date.now();
      if (left <= 0) {
        this.log.error(
          { secrets: pending.map((w) => w.informer.name), errors: pending.map((w) => w.informer.error) },
          'referenced secrets could not be read in time; starting without them',
        );
        break;
      }
      await this.untilStopped(
        Promise.race([
          Promise.all(pending.map((w) => w.informer.synced)),
          new Promise((r) => setTimeout(r, left)),
        ]),
      );
    }
    if (this.stopped) return;
    this._synced = true;
    const { resources, secrets, services } = feed.current();
    this.log.info(
      { resources: resources.length, secrets: secrets.length, services: services.length },
      'kube source synced',
    );
  }

  /** Resolves when p does, or never once stop() is called (start() then resolves unsynced). */
  private async untilStopped(p: Promise<unknown>): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const stopped = new Promise<void>((resolve) => {
      const check = () => (this.stopped ? resolve() : (timer = setTimeout(check, 100)));
      check();
    });
    await Promise.race([p, stopped]);
    clearTimeout(timer);
  }

  // ---- events ----

  private onResource(kind: Kind, event: InformerEvent, obj: KubeObject): void {
    const bucket = bucketOf(kind, namespaceOf(obj), nameOf(obj));
    if (event === 'delete') {
      this.generations.delete(bucket);
      if (this.resources.delete(bucket)) {
        this.store.delete(bucket);
        this.trigger();
      }
      return;
    }
    // The API server bumps metadata.generation on every change of the spec (the custom resources
    // have a status subresource) and on nothing compile reads besides: an event of the same
    // object (uid) at the same generation is a status write (most often the controller's own)
    // or a metadata edit. It is dropped before the record is made and digested (a Frontend's
    // 50 rules are ~10 KiB of canonical JSON and a sha256, about as many such events as edits).
    const generation = generationKey(obj);
    if (generation !== undefined && this.generations.get(bucket) === generation) return;
    const record = resourceRecord(kind, obj);
    if (generation !== undefined) this.generations.set(bucket, generation);
    else this.generations.delete(bucket);
    // Without a generation, the store still compares the record: status writes and metadata-only
    // edits change nothing it keeps, and nothing is rebuilt.
    if (!this.store.set(bucket, [record])) return;
    this.resources.set(bucket, (record as Extract<StoreRecord, { type: 'resource' }>).resource);
    this.trigger();
  }

  private onService(obj: KubeObject): void {
    if (this.referencedServices.has(keyOf(namespaceOf(obj), nameOf(obj)))) this.trigger();
  }

  private onSlice(event: InformerEvent, obj: KubeObject): void {
    const service = obj.metadata?.labels?.[SERVICE_NAME_LABEL];
    const bucket = bucketOf('EndpointSlice', namespaceOf(obj), nameOf(obj));
    // A slice's label could change: drop it from every index first.
    for (const [svc, slices] of this.slicesByService) {
      if (slices.delete(bucket) && slices.size === 0) this.slicesByService.delete(svc);
    }
    if (event !== 'delete' && service) {
      const key = keyOf(namespaceOf(obj), service);
      let slices = this.slicesByService.get(key);
      if (!slices) this.slicesByService.set(key, (slices = new Map()));
      slices.set(bucket, obj);
    }
    if (service && this.referencedServices.has(keyOf(namespaceOf(obj), service))) this.trigger();
  }

  private onSecret(event: InformerEvent, obj: KubeObject): void {
    const bucket = bucketOf('Secret', namespaceOf(obj), nameOf(obj));
    if (event === 'delete') {
      if (this.store.delete(bucket)) this.trigger();
      return;
    }
    const converted = secretToRecord(obj);
    // The store compares the decoded content: a re-save with the same data triggers nothing.
    if (this.store.set(bucket, converted.record ? [converted.record] : [], converted.diagnostics))
      this.trigger();
  }

  // ---- rebuild ----

  private convert(obj: KubeObject, fn: (o: KubeObject) => Converted): Converted {
    let c = this.converted.get(obj);
    if (!c) this.converted.set(obj, (c = fn(obj)));
    return c;
  }

  private serviceObject(namespace: string, name: string): KubeObject | undefined {
    for (const inf of this.serviceInformers) {
      const obj = inf.get(name, namespace);
      if (obj) return obj;
    }
    return undefined;
  }

  /** Secrets: one watch per referenced Secret, narrowed by field selector to that name. */
  private reconcileSecretWatches(wanted: Set<string>): void {
    for (const [key, w] of this.secretWatches) {
      if (wanted.has(key)) continue;
      this.secretWatches.delete(key);
      void w.informer.stop();
      const [ns, name] = key.split('/') as [string, string];
      this.store.delete(bucketOf('Secret', ns, name));
      this.log.debug({ secret: key }, 'secret no longer referenced; watch stopped');
    }
    for (const key of wanted) {
      if (this.secretWatches.has(key)) continue;
      const [namespace, name] = key.split('/') as [string, string];
      // A reference into a namespace this source does not watch cannot exist (references are
      // same-namespace), but guard anyway: RBAC would not allow it.
      if (this.namespaces.length > 0 && !this.namespaces.includes(namespace)) continue;
      const fieldSelector = `metadata.name=${name}`;
      const informer = this.informer(
        `secret ${key}`,
        `/api/v1/namespaces/${namespace}/secrets`,
        () => this.core.listNamespacedSecret({ namespace, fieldSelector }),
        (ev, obj) => this.onSecret(ev, obj),
        { fieldSelector },
      );
      this.secretWatches.set(key, { informer, since: Date.now() });
      informer.synced.then(
        () => this.trigger(),
        () => {},
      );
      informer.start();
      this.log.debug({ secret: key }, 'watching referenced secret');
    }
  }

  /** Service and EndpointSlice buckets: exactly the referenced Services and their slices. */
  private reconcileDiscovery(referenced: Set<string>): void {
    const next = new Set<string>();
    for (const key of referenced) {
      const [namespace, name] = key.split('/') as [string, string];
      const svc = this.serviceObject(namespace, name);
      if (svc) {
        const bucket = bucketOf('Service', namespace, name);
        const c = this.convert(svc, serviceToRecord);
        this.store.set(bucket, c.record ? [c.record] : [], c.diagnostics);
        next.add(bucket);
      }
      for (const [bucket, slice] of this.slicesByService.get(key) ?? []) {
        const c = this.convert(slice, sliceToRecord);
        this.store.set(bucket, c.record ? [c.record] : [], c.diagnostics);
        next.add(bucket);
      }
    }
    for (const bucket of this.discoveryBuckets) if (!next.has(bucket)) this.store.delete(bucket);
    this.discoveryBuckets = next;
  }

  /**
   * The feed's refresh step: watch exactly the referenced Secrets, put exactly the referenced
   * Services and their slices in the store. Returns how long to postpone the build while a
   * newly referenced Secret loads.
   */
  private reconcile(): number | void {
    if (this.stopped) return;
    const refs = referencesOf([...this.resources.values()]);
    this.referencedServices = refs.services;
    this.reconcileSecretWatches(refs.secrets);
    this.reconcileDiscovery(refs.services);
    if (!this._synced) return;
    // Give a newly referenced Secret a moment to load, so its Frontend does not flap to
    // ResolvedRefs=False and back; past the deadline, compile without it.
    const timeoutMs = this.opts.secretSyncTimeoutMs ?? 5000;
    const waiting = [...this.secretWatches.values()].filter((w) => !w.informer.hasSynced);
    const remaining = Math.max(0, ...waiting.map((w) => w.since + timeoutMs - Date.now()));
    return waiting.length > 0 && remaining > 0 ? remaining : undefined;
  }
}
