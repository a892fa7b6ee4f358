// A list+watch informer modelled on client-go's reflector (tools/cache/reflector.go), with the
// recovery an API-server restart needs:
//
// - list once (consistent read), then watch from the list's resourceVersion; keep the
//   resourceVersion current from every event and bookmark;
// - a watch that ends normally (the server's timeoutSeconds) is resumed from the resourceVersion
//   at once; a failed one (connection refused, 429, 5xx, a timeout) is resumed from it after a
//   delay, without relisting; only 410 Gone (the resourceVersion was compacted away) relists;
// - the delay honours Retry-After when the server sends one (kube-apiserver answers watches of a
//   custom resource with 429 + Retry-After while its watch cache initialises after a restart),
//   and otherwise grows exponentially with jitter from a floor to a ceiling of a few seconds;
// - the backoff restarts from its floor as soon as a watch is established again (client-go
//   only resets it after two quiet minutes, so a quiet informer carried its 30 s ceiling into the
//   next outage);
// - the first few retries of an outage are logged at debug, every later one at info, and each
//   is counted by reason (the retry metric); `status()` reports the lag (how long the cache has
//   not been known current), which /readyz shows.
import type { KubernetesListObject, KubernetesObject } from '@kubernetes/client-node';
import type { KubeConfig } from '@kubernetes/client-node';
import { silentLogger, type Logger } from '../log.js';
import type { SourceWatch } from './watch-state.js';
import { Backoff } from './backoff.js';
import { classifyKubeError, KubeHttpError, type KubeFailure, type KubeFailureReason } from './client.js';
import { watchStream, type WatchEvent } from './watch-stream.js';

export type InformerEvent = 'add' | 'update' | 'delete';

export interface InformerOptions<T extends KubernetesObject> {
  kubeConfig: KubeConfig;
  /** For logs, e.g. "frontends (all namespaces)". */
  name: string;
  /** Collection path, e.g. /apis/bascule.dev/v1alpha1/namespaces/ns/frontends. */
  path: string;
  /** Lists the collection (with the same selectors), as a consistent read. */
  list: () => Promise<KubernetesListObject<T>>;
  labelSelector?: string;
  fieldSelector?: string;
  onEvent: (event: InformerEvent, obj: T) => void;
  logger?: Logger;
  /** Server-side watch timeout, jittered up to +50% (default 300 s). */
  watchTimeoutSeconds?: number;
  /** Retry backoff window: floor and ceiling (defaults 250 ms and 4 s). */
  backoffBaseMs?: number;
  backoffCapMs?: number;
  /** How long a list or a watch's first answer may take (default 30 s). */
  requestTimeoutMs?: number;
  /** Largest Retry-After honoured as is (default 30 s); longer ones are cut to it. */
  maxRetryAfterMs?: number;
  /**
   * Log each event's resourceVersion and arrival time (the moment its chunk was read from the
   * socket), gathered into one info line ("watch event arrivals") a second: what joins a change
   * made through the API (whose answer carries the resourceVersion) to the moment its event
   * reached this process (bench/churn.ts). A line per event would cost a write each on the
   * thread that is being measured. Off by default.
   */
  logArrivals?: boolean;
  /** With logArrivals: how often the line is written (default 1 s) and at most how many it holds
   * (default 2048; more within one interval are counted as dropped). */
  arrivalsFlushMs?: number;
  maxArrivalsPerLine?: number;
}

/** What /readyz and the metrics show about one informer. */
export interface InformerStatus extends SourceWatch {
  resourceVersion: string;
  retries: Partial<Record<KubeFailureReason, number>>;
}

/** Failures of an outage logged at debug before every retry is logged at info. */
const QUIET_FAILURES = 3;
/** Largest retry delay while the API server refuses connections (it is down, not overloaded). */
const UNREACHABLE_CEILING_MS = 1000;
/** A watch answered 200 that stays open this long counts as re-established. */
const ESTABLISHED_AFTER_MS = 1000;

class ExpiredError extends Error {
  readonly code = 410;
}

export class Informer<T extends KubernetesObject> {
  readonly name: string;
  readonly resource: string;
  private readonly log: Logger;
  private readonly backoff: Backoff;
  private readonly objects = new Map<string, Map<string, T>>();
  private readonly abort = new AbortController();
  private resourceVersion = '';
  private stopped = false;
  private started = false;
  private _synced = false;
  private resolveSynced!: () => void;
  /** Resolves after the first successful list (the cache is complete). */
  readonly synced: Promise<void>;
  private running: Promise<void> | undefined;
  private wake: (() => void) | undefined;

  private watching = false;
  /** Since when the cache has not been known current (start, or the end of the last watch). */
  private currentUntil = Date.now();
  private failures = 0;
  private lastError: string | null = null;
  /** Whether the previous failure of this outage got an HTTP answer. */
  private lastFailure: 'answered' | 'unreachable' | 'other' | undefined;
  private readonly retries: Partial<Record<KubeFailureReason, number>> = {};
  /** With logArrivals: [resourceVersion, epoch ms] not yet logged, and how many did not fit. */
  private readonly arrivals: Array<[string, number]> | undefined;
  private arrivalsDropped = 0;
  private arrivalsTimer: NodeJS.Timeout | undefined;

  constructor(private readonly opts: InformerOptions<T>) {
    this.name = opts.name;
    this.resource = opts.path.split('/').filter(Boolean).pop() ?? opts.path;
    this.log = (opts.logger ?? silentLogger()).child({ informer: opts.name });
    this.backoff = new Backoff({
      ...(opts.backoffBaseMs !== undefined ? { floorMs: opts.backoffBaseMs } : {}),
      ...(opts.backoffCapMs !== undefined ? { ceilingMs: opts.backoffCapMs } : {}),
    });
    this.synced = new Promise((resolve) => (this.resolveSynced = resolve));
    if (opts.logArrivals) this.arrivals = [];
  }

  get hasSynced(): boolean {
    return this._synced;
  }

  /** Latest error, while the informer is failing (admin views, readiness messages). */
  get error(): string | null {
    return this.lastError;
  }

  status(now = Date.now()): InformerStatus {
    return {
      name: this.name,
      resource: this.resource,
      synced: this._synced,
      watching: this.watching,
      lagMs: this.watching ? 0 : Math.max(0, now - this.currentUntil),
      failures: this.failures,
      lastError: this.lastError,
      resourceVersion: this.resourceVersion,
      retries: { ...this.retries },
    };
  }

  start(): void {
    if (this.started || this.stopped) return;
    this.started = true;
    this.running = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.abort.abort();
    this.wake?.();
    await this.running;
    this.flushArrivals();
  }

  private noteArrival(rv: string, receivedAt: number): void {
    const list = this.arrivals!;
    if (list.length < (this.opts.maxArrivalsPerLine ?? 2048)) list.push([rv, receivedAt]);
    else this.arrivalsDropped++;
    if (!this.arrivalsTimer) {
      this.arrivalsTimer = setTimeout(() => this.flushArrivals(), this.opts.arrivalsFlushMs ?? 1000);
      this.arrivalsTimer.unref();
    }
  }

  private flushArrivals(): void {
    clearTimeout(this.arrivalsTimer);
    this.arrivalsTimer = undefined;
    const list = this.arrivals;
    if (!list || (list.length === 0 && this.arrivalsDropped === 0)) return;
    this.log.info({ events: list.splice(0), dropped: this.arrivalsDropped }, 'watch event arrivals');
    this.arrivalsDropped = 0;
  }

  /** Objects in the cache (all namespaces when namespace is unset). */
  list(namespace?: string): readonly T[] {
    if (namespace === undefined) return [...this.objects.values()].flatMap((m) => [...m.values()]);
    return [...(this.objects.get(namespace)?.values() ?? [])];
  }

  get(name: string, namespace?: string): T | undefined {
    return this.objects.get(namespace ?? '')?.get(name);
  }

  // ---- the loop ----

  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        if (!this.resourceVersion) await this.relist();
        await this.watch();
      } catch (err) {
        if (this.stopped) return;
        await this.retry(err);
      }
    }
  }

  private async relist(): Promise<void> {
    const list = await this.withTimeout(this.opts.list(), 'list');
    if (this.stopped) return;
    const items = list.items ?? [];
    this.replace(items);
    this.resourceVersion = list.metadata?.resourceVersion ?? '';
    this.recovered('list');
    if (!this._synced) {
      this._synced = true;
      this.log.debug({ objects: items.length }, 'informer synced');
      this.resolveSynced();
    }
  }

  private async watch(): Promise<void> {
    const base = this.opts.watchTimeoutSeconds ?? 300;
    const timeoutSeconds = Math.max(1, Math.round(base * (1 + Math.random() * 0.5)));
    const query: Record<string, string> = {
      resourceVersion: this.resourceVersion,
      allowWatchBookmarks: 'true',
      timeoutSeconds: String(timeoutSeconds),
    };
    if (this.opts.labelSelector !== undefined) query.labelSelector = this.opts.labelSelector;
    if (this.opts.fieldSelector !== undefined) query.fieldSelector = this.opts.fieldSelector;
    const requestTimeoutMs = this.opts.requestTimeoutMs ?? 30_000;
    let settle: NodeJS.Timeout | undefined;
    try {
      const result = await watchStream({
        kubeConfig: this.opts.kubeConfig,
        path: this.opts.path,
        query,
        answerTimeoutMs: requestTimeoutMs,
        // The server ends the watch at timeoutSeconds; past that plus a margin it is a dead
        // connection (or a frozen server), and the watch is restarted.
        deadlineMs: timeoutSeconds * 1000 + requestTimeoutMs,
        signal: this.abort.signal,
        // Established = answered 200 and still open a moment later, or delivering events: a
        // watch refused right after its 200 must neither reset the backoff nor count as current.
        onEstablished: () => (settle = setTimeout(() => this.established(), ESTABLISHED_AFTER_MS)),
        onEvent: (e, receivedAt) => {
          this.onWatchEvent(e, receivedAt);
          this.established();
        },
      });
      // Like client-go: a watch that closes at once with nothing in it is a failure in disguise
      // (a proxy or a server shutting down), not a timeout: retry it with backoff.
      if (result.events === 0 && result.durationMs < Math.min(1000, timeoutSeconds * 500)) {
        throw Object.assign(new Error('watch closed at once with no events'), { code: 'ECONNRESET' });
      }
    } finally {
      clearTimeout(settle);
      if (this.watching) this.currentUntil = Date.now();
      this.watching = false;
    }
  }

  private established(): void {
    if (this.watching) return;
    this.watching = true;
    this.recovered('watch');
  }

  private onWatchEvent(e: WatchEvent, receivedAt: number): void {
    if (this.stopped) return;
    if (e.type === 'ERROR') {
      const status = e.object as { code?: unknown };
      if (status.code === 410) throw new ExpiredError('watch: resourceVersion expired (410 Gone)');
      // Everything else (429, 500, …) ends the watch with the Status as an HTTP-like error.
      throw new KubeHttpError(
        typeof status.code === 'number' ? status.code : 500,
        JSON.stringify(e.object),
        {},
      );
    }
    const obj = e.object as unknown as T;
    const rv = obj.metadata?.resourceVersion;
    if (this.arrivals && e.type !== 'BOOKMARK' && rv) this.noteArrival(rv, receivedAt);
    if (e.type === 'ADDED' || e.type === 'MODIFIED') this.upsert(obj);
    else if (e.type === 'DELETED') this.remove(obj);
    // BOOKMARK: only the resourceVersion moves.
    if (rv) this.resourceVersion = rv;
  }

  private async retry(err: unknown): Promise<void> {
    const failure: KubeFailure =
      err instanceof ExpiredError
        ? { reason: 'expired', status: 410, retryAfterMs: undefined, message: err.message }
        : classifyKubeError(err);
    this.failures++;
    this.retries[failure.reason] = (this.retries[failure.reason] ?? 0) + 1;
    this.lastError = failure.message;
    // Relist only when the resourceVersion is gone; every other failure resumes from it.
    if (failure.reason === 'expired') this.resourceVersion = '';
    // The server answers again after being unreachable (it restarted): whatever it says now
    // (403 until its RBAC cache is filled, 429 while its watch cache initialises) is retried
    // from the floor, not from the window the outage grew.
    const answered = failure.status !== undefined;
    if (answered && this.lastFailure === 'unreachable') this.backoff.reset();
    this.lastFailure = answered ? 'answered' : failure.reason === 'unreachable' ? 'unreachable' : 'other';
    // A refused connection costs the API server nothing: while it is down, knock every second at
    // most, so the informers are back within a second of its return.
    const backoffMs = this.backoff.next(
      failure.reason === 'unreachable' ? UNREACHABLE_CEILING_MS : undefined,
    );
    const maxRetryAfterMs = this.opts.maxRetryAfterMs ?? 30_000;
    // Retry-After is the server's own pacing: honour it (spread by up to 20% so a dozen
    // informers throttled together do not come back in the same millisecond).
    const delayMs =
      failure.retryAfterMs !== undefined
        ? Math.round(Math.min(failure.retryAfterMs, maxRetryAfterMs) * (1 + Math.random() * 0.2))
        : failure.reason === 'expired' && this.failures === 1
          ? 0
          : backoffMs;
    const hint =
      failure.status === 403
        ? ' (RBAC: the controller needs list and watch on this resource)'
        : failure.status === 404
          ? ' (is the resource served? for Bascule kinds: kubectl apply -f crds/)'
          : '';
    const fields = {
      err: failure.message,
      reason: failure.reason,
      failures: this.failures,
      retryInMs: delayMs,
      next: this.resourceVersion ? 'resume watch' : 'relist',
    };
    // A blip (a watch cut by a proxy, one 429) is normal: the first few retries are debug; then
    // one warning says the outage is real, and every further retry is visible at info.
    const level =
      this.failures <= QUIET_FAILURES ? 'debug' : this.failures === QUIET_FAILURES + 1 ? 'warn' : 'info';
    this.log[level](fields, `list/watch failed${hint}; retrying`);
    await this.sleep(delayMs);
  }

  /** A list succeeded or a watch was established: the outage (if any) is over. */
  private recovered(how: 'list' | 'watch'): void {
    if (this.failures > 0) {
      const fields = { after: this.failures, via: how, downMs: Date.now() - this.currentUntil };
      if (this.failures > QUIET_FAILURES) this.log.info(fields, 'informer recovered');
      else this.log.debug(fields, 'informer recovered');
    }
    this.failures = 0;
    this.lastError = null;
    this.lastFailure = undefined;
    this.backoff.reset();
  }

  private sleep(ms: number): Promise<void> {
    if (ms <= 0 || this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }

  /** A list that hangs (a frozen API server) fails after requestTimeoutMs; its late answer is dropped. */
  private withTimeout<R>(p: Promise<R>, what: string): Promise<R> {
    const ms = this.opts.requestTimeoutMs ?? 30_000;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(Object.assign(new Error(`${what} got no answer within ${ms} ms`), { code: 'ETIMEDOUT' })),
        ms,
      );
    });
    p.catch(() => {}); // a late rejection after the timeout is not unhandled
    return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
  }

  // ---- cache ----

  private upsert(obj: T): void {
    const ns = obj.metadata?.namespace ?? '';
    const name = obj.metadata?.name ?? '';
    let bucket = this.objects.get(ns);
    if (!bucket) this.objects.set(ns, (bucket = new Map()));
    const old = bucket.get(name);
    if (
      old &&
      old.metadata?.resourceVersion &&
      old.metadata.resourceVersion === obj.metadata?.resourceVersion
    )
      return;
    bucket.set(name, obj);
    this.emit(old ? 'update' : 'add', obj);
  }

  private remove(obj: T): void {
    const ns = obj.metadata?.namespace ?? '';
    const bucket = this.objects.get(ns);
    if (!bucket?.delete(obj.metadata?.name ?? '')) return;
    if (bucket.size === 0) this.objects.delete(ns);
    this.emit('delete', obj);
  }

  /** A relist: objects gone from the list are deleted, the rest added or updated. */
  private replace(items: T[]): void {
    const keep = new Set(items.map((o) => `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`));
    for (const [ns, bucket] of [...this.objects]) {
      for (const [name, obj] of [...bucket]) if (!keep.has(`${ns}/${name}`)) this.remove(obj);
    }
    for (const o of items) this.upsert(o);
  }

  private emit(event: InformerEvent, obj: T): void {
    if (this.stopped) return;
    try {
      this.opts.onEvent(event, obj);
    } catch (err) {
      this.log.error({ err }, 'informer event handler failed');
    }
  }
}
