// A list+watch informer that keeps going. client-node's ListWatch relists on 410 Gone but
// stops for good on any other error (a dropped connection, a 403 while RBAC is being fixed,
// the API server restarting); this wrapper restarts it with jittered exponential backoff.
// It also asks the API server to end each watch after a bounded time (so a silently dead
// connection cannot hang it forever), with bookmarks so a re-watch rarely hits 410.
import {
  ListWatch,
  Watch,
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
} from '@kubernetes/client-node';
import { silentLogger, type Logger } from '../log.js';
import { Backoff } from './backoff.js';
import { describeKubeError, httpStatusOf } from './client.js';

export type InformerEvent = 'add' | 'update' | 'delete';

export interface InformerOptions<T extends KubernetesObject> {
  kubeConfig: KubeConfig;
  /** For logs, e.g. "frontends (all namespaces)". */
  name: string;
  /** Collection path, e.g. /apis/bascule.dev/v1alpha1/namespaces/ns/frontends. */
  path: string;
  /** Lists the collection (with the same selectors). */
  list: () => Promise<KubernetesListObject<T>>;
  labelSelector?: string;
  fieldSelector?: string;
  onEvent: (event: InformerEvent, obj: T) => void;
  logger?: Logger;
  /** Server-side watch timeout, jittered up to +50% (default 300 s). */
  watchTimeoutSeconds?: number;
  /** Restart backoff (defaults 250 ms doubling to 30 s, full jitter). */
  backoffBaseMs?: number;
  backoffCapMs?: number;
}

/** A Watch that adds timeoutSeconds and allowWatchBookmarks to every watch request. */
class BoundedWatch extends Watch {
  constructor(
    config: KubeConfig,
    private readonly timeoutSeconds: number,
  ) {
    super(config);
  }

  override watch(
    path: string,
    queryParams: Record<string, string | number | boolean | undefined>,
    callback: (phase: string, apiObj: unknown, watchObj?: unknown) => void,
    done: (err: unknown) => void,
  ): Promise<AbortController> {
    const timeoutSeconds = Math.round(this.timeoutSeconds * (1 + Math.random() * 0.5));
    return super.watch(path, { ...queryParams, timeoutSeconds, allowWatchBookmarks: true }, callback, done);
  }
}

export class Informer<T extends KubernetesObject> {
  readonly name: string;
  private readonly lw: ListWatch<T>;
  private readonly log: Logger;
  private readonly backoff: Backoff;
  private restartTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  private started = false;
  private _synced = false;
  private resolveSynced!: () => void;
  /** Resolves after the first successful list (the cache is complete). */
  readonly synced: Promise<void>;
  /** Errors since the last successful list or event. */
  private failures = 0;
  private lastError: string | null = null;

  constructor(private readonly opts: InformerOptions<T>) {
    this.name = opts.name;
    this.log = (opts.logger ?? silentLogger()).child({ informer: opts.name });
    this.backoff = new Backoff(opts.backoffBaseMs ?? 250, opts.backoffCapMs ?? 30_000);
    this.synced = new Promise((resolve) => (this.resolveSynced = resolve));
    const list = async (): Promise<KubernetesListObject<T>> => {
      const result = await opts.list();
      this.healthy();
      if (!this._synced) {
        // ListWatch fills its cache right after this returns (same microtask chain): resolve on
        // the next macrotask, so whoever awaits `synced` finds the cache complete.
        setImmediate(() => {
          this._synced = true;
          this.log.debug({ objects: result.items.length }, 'informer synced');
          this.resolveSynced();
        });
      }
      return result;
    };
    const watch = new BoundedWatch(opts.kubeConfig, opts.watchTimeoutSeconds ?? 300);
    this.lw = new ListWatch<T>(opts.path, watch, list, false, opts.labelSelector, opts.fieldSelector);
    const forward = (event: InformerEvent) => (obj: T) => {
      if (this.stopped) return;
      this.healthy();
      try {
        opts.onEvent(event, obj);
      } catch (err) {
        this.log.error({ err }, 'informer event handler failed');
      }
    };
    this.lw.on('add', forward('add'));
    this.lw.on('update', forward('update'));
    this.lw.on('delete', forward('delete'));
    this.lw.on('error', (err: unknown) => this.onError(err));
  }

  get hasSynced(): boolean {
    return this._synced;
  }

  /** Latest error, while the informer is failing (admin views, readiness messages). */
  get error(): string | null {
    return this.lastError;
  }

  start(): void {
    if (this.started || this.stopped) return;
    this.started = true;
    this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.restartTimer);
    await this.lw.stop();
  }

  /** Objects in the cache (all namespaces when namespace is unset). */
  list(namespace?: string): readonly T[] {
    return this.lw.list(namespace);
  }

  get(name: string, namespace?: string): T | undefined {
    return this.lw.get(name, namespace);
  }

  private run(): void {
    if (this.stopped) return;
    // ListWatch reports list and watch failures through its error callback (and then stops);
    // a rejection here is a failure before the request (e.g. credentials could not be loaded).
    this.lw.start().catch((err: unknown) => this.onError(err));
  }

  private healthy(): void {
    if (this.failures > 0) this.log.info({ after: this.failures }, 'informer recovered');
    this.failures = 0;
    this.lastError = null;
    this.backoff.reset();
  }

  private onError(err: unknown): void {
    if (this.stopped) return;
    this.failures++;
    this.lastError = describeKubeError(err);
    const delayMs = this.backoff.next();
    const status = httpStatusOf(err);
    const hint =
      status === 403
        ? ' (RBAC: the controller needs list and watch on this resource)'
        : status === 404
          ? ' (is the resource served? for Bascule kinds: kubectl apply -f crds/)'
          : '';
    // The first failure and every tenth are warnings; the retries in between are debug noise.
    const level = this.failures === 1 || this.failures % 10 === 0 ? 'warn' : 'debug';
    this.log[level](
      { err: this.lastError, failures: this.failures, retryInMs: delayMs },
      `list/watch failed${hint}; restarting`,
    );
    clearTimeout(this.restartTimer);
    this.restartTimer = setTimeout(() => this.run(), delayMs);
  }
}
