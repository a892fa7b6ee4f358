// Immutable per-build view of a backend: its servers (each bound to its carried-over state), its
// balancer, and the server-selection policy around the algorithm: persistence targets, tiers
// (regular, then backups), exclusions for retries, and the wait queue for full servers.
import type { BackendSnap, ServerSnap } from '#protocol/snapshot';
import type { Balancer, Candidate, PickContext } from '../balance/balancer.js';
import { slowStartWeight } from '../balance/slow-start.js';
import type { Waiter } from './queue.js';
import type { UpstreamTls } from '../tls/upstream.js';
import type { BackendState, ServerState } from './state.js';

export class ServerRuntime implements Candidate {
  readonly backup: boolean;

  constructor(
    readonly key: string,
    readonly backendId: string,
    readonly snap: Readonly<ServerSnap>,
    readonly state: ServerState,
    /** Reuse connections to this server across requests (Backend keepAlive). */
    readonly keepAlive: boolean,
    /** Backend slowStart window (ms); 0 disables the ramp. */
    private readonly slowStartMs = 0,
    /** TLS towards this server (Backend spec.tls, see tls/upstream.ts); undefined: plaintext. */
    readonly tls?: UpstreamTls,
  ) {
    this.backup = snap.backup;
  }

  /** Effective weight: snap.weight, ramped linearly after a recovery (slow start: balance/slow-start.ts). */
  get weight(): number {
    return this.slowStartMs > 0 && this.state.upSince > 0
      ? slowStartWeight(this.snap.weight, this.state.upSince, this.slowStartMs, Date.now())
      : this.snap.weight;
  }

  /** The configured weight (static-rr, map-based hashing, ring points). */
  get staticWeight(): number {
    return this.snap.weight;
  }

  get name(): string {
    return this.snap.name;
  }

  get address(): string {
    return this.snap.address;
  }

  get port(): number {
    return this.snap.port;
  }

  /** The administrative state: ready, drain or maintenance (the one place to apply overrides). */
  get adminState(): ServerSnap['state'] {
    return this.state.adminOverride?.state ?? this.snap.state;
  }

  /** May be chosen by load balancing: healthy, ready (not drain/maintenance), weight > 0, still configured. */
  eligible(): boolean {
    return this.state.up && this.adminState === 'ready' && this.snap.weight > 0 && !this.state.isRetired;
  }

  /**
   * May take a persistent client (cookie, stick table): healthy and not in maintenance. Drain
   * and weight 0 still serve their persistent clients (HAProxy: drain = weight 0).
   */
  persistable(): boolean {
    return this.state.up && this.adminState !== 'maintenance' && !this.state.isRetired;
  }

  /** At maxConnections: one more request would have to wait. */
  full(): boolean {
    const max = this.snap.maxConnections;
    return max !== undefined && max > 0 && this.state.active >= max;
  }

  /** Eligible for new traffic right now: eligible and below maxConnections. */
  usable(): boolean {
    return this.eligible() && !this.full();
  }
}

/** How a request asks for a server. */
export interface AcquireRequest {
  readonly ctx: PickContext;
  /** Servers that already failed for this request (retries with redispatch). */
  readonly exclude?: ReadonlySet<ServerRuntime>;
  /** Persistence target (cookie, stick table), used when it may take persistent traffic. */
  readonly preferred?: ServerRuntime;
}

export type AcquireFailure = 'no-server' | 'queue-full' | 'queue-timeout' | 'unavailable';

export type AcquireResult =
  | { readonly ok: true; readonly server: ServerRuntime; readonly queued: boolean }
  | { readonly ok: false; readonly reason: AcquireFailure };

type Decision =
  | { readonly type: 'server'; readonly server: ServerRuntime }
  | { readonly type: 'wait'; readonly server?: ServerRuntime }
  | { readonly type: 'none' };

const NONE: Decision = Object.freeze({ type: 'none' });
const WAIT_ANY: Decision = Object.freeze({ type: 'wait' });

export class BackendRuntime {
  readonly id: string;
  private readonly byCookie = new Map<string, ServerRuntime>();
  private readonly byKey = new Map<string, ServerRuntime>();
  /** tier()'s last answer without exclusions (never changed once returned: a new one replaces it). */
  private lastTier: readonly ServerRuntime[] = [];

  constructor(
    readonly snap: Readonly<BackendSnap>,
    readonly servers: readonly ServerRuntime[],
    readonly balancer: Balancer,
    readonly state: BackendState,
    /** Set when this dataplane cannot serve the backend safely (fail closed: 503). */
    readonly unavailableReason?: string,
  ) {
    this.id = snap.id;
    for (const s of servers) {
      if (!this.byCookie.has(s.snap.cookie)) this.byCookie.set(s.snap.cookie, s);
      this.byKey.set(s.key, s);
    }
  }

  /** The server a persistence cookie value names, if any. */
  serverByCookie(value: string): ServerRuntime | undefined {
    return value === '' ? undefined : this.byCookie.get(value);
  }

  serverByKey(key: string): ServerRuntime | undefined {
    return this.byKey.get(key);
  }

  /**
   * Regular servers first; backups only when no regular server is eligible (HAProxy: the first
   * backup, or all of them with allBackups). Returns a server with a free slot, or undefined.
   * `exclude` holds servers that already failed for this request.
   */
  pick(ctx: PickContext, exclude?: ReadonlySet<ServerRuntime>): ServerRuntime | undefined {
    const d = this.decide({ ctx, ...(exclude ? { exclude } : {}) });
    return d.type === 'server' ? d.server : undefined;
  }

  /**
   * Servers are compared by key, not object: a request that started on an older build (a queued
   * one) may be decided by this one, which has its own ServerRuntime objects for the same servers.
   */
  private tier(exclude: ReadonlySet<string> | undefined): readonly ServerRuntime[] {
    if (exclude === undefined) {
      // The usual case: the regular servers eligible now, as the array the last request got when
      // they are the same ones (balancers only read it): no new array and closure per request.
      const last = this.lastTier;
      let n = 0;
      let same = true;
      for (const s of this.servers)
        if (!s.backup && s.eligible()) {
          if (last[n] !== s) same = false;
          n++;
        }
      if (n > 0) {
        if (same && n === last.length) return last;
        return (this.lastTier = this.servers.filter((s) => !s.backup && s.eligible()));
      }
    }
    const ok = (s: ServerRuntime): boolean => s.eligible() && !exclude?.has(s.key);
    const regular = this.servers.filter((s) => !s.backup && ok(s));
    if (regular.length > 0) return regular;
    const backups = this.servers.filter((s) => s.backup && ok(s));
    return this.snap.allBackups || backups.length <= 1 ? backups : backups.slice(0, 1);
  }

  private decide(req: AcquireRequest): Decision {
    if (this.unavailableReason) return NONE;
    const exclude =
      req.exclude && req.exclude.size > 0 ? new Set([...req.exclude].map((s) => s.key)) : undefined;
    const p = req.preferred && this.byKey.get(req.preferred.key);
    if (p && p.persistable() && !exclude?.has(p.key)) {
      return p.full() ? { type: 'wait', server: p } : { type: 'server', server: p };
    }
    const tier = this.tier(exclude);
    if (tier.length === 0) return NONE;
    const s = this.balancer.pick(tier, req.ctx);
    if (!s) return WAIT_ANY; // every candidate is full
    return s.full() ? { type: 'wait', server: s } : { type: 'server', server: s };
  }

  /** Every eligible server already failed once for this request: try them again rather than give up early. */
  private decideOrRetryAll(req: AcquireRequest): Decision {
    const d = this.decide(req);
    if (d.type !== 'none' || !req.exclude || req.exclude.size === 0) return d;
    return this.decide({ ctx: req.ctx, ...(req.preferred ? { preferred: req.preferred } : {}) });
  }

  /**
   * Gets a server slot for a request: at once when one is free, else by waiting in the backend
   * queue (timeouts.queue, maxQueue). `done` is called exactly once — synchronously when no
   * wait is needed — unless the returned cancel function is called first. On success the slot
   * is taken (begin); the caller gives it back with end().
   */
  acquire(req: AcquireRequest, done: (r: AcquireResult) => void): () => void {
    if (this.unavailableReason) {
      done({ ok: false, reason: 'unavailable' });
      return noop;
    }
    const d = this.decideOrRetryAll(req);
    if (d.type === 'server') {
      this.begin(d.server);
      done({ ok: true, server: d.server, queued: false });
      return noop;
    }
    if (d.type === 'none') {
      done({ ok: false, reason: 'no-server' });
      return noop;
    }
    return this.enqueue(req, done, d.server !== undefined);
  }

  /**
   * acquire() when no server is free: waits in the queue. Apart from acquire() so that its
   * closures' shared variables are allocated only for a request that waits (V8 makes a function's
   * context on entry: here, the common path took one per request).
   */
  private enqueue(req: AcquireRequest, done: (r: AcquireResult) => void, boundNow: boolean): () => void {
    const queue = this.state.queue;
    const max = this.snap.maxQueue;
    if (max !== undefined && queue.length >= max) {
      done({ ok: false, reason: 'queue-full' });
      return noop;
    }
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    let bound = boundNow;
    const finish = (r: AcquireResult): void => {
      settled = true;
      if (timer) clearTimeout(timer);
      done(r);
    };
    const waiter: Waiter = {
      get bound() {
        return bound;
      },
      tryAssign: () => {
        if (settled) return true;
        // The newest build of this backend decides (limits and servers may have changed since).
        const rt = this.state.latest ?? this;
        const next = rt.decideOrRetryAll(req);
        if (next.type === 'server') {
          rt.begin(next.server);
          finish({ ok: true, server: next.server, queued: true });
          return true;
        }
        if (next.type === 'none') {
          finish({ ok: false, reason: 'no-server' });
          return true;
        }
        bound = next.server !== undefined;
        return false;
      },
    };
    queue.add(waiter);
    const wait = this.snap.timeouts.queue;
    if (wait > 0) {
      timer = setTimeout(() => {
        if (settled) return;
        queue.remove(waiter);
        finish({ ok: false, reason: 'queue-timeout' });
      }, wait);
    }
    return () => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      queue.remove(waiter);
    };
  }

  /** Capacity may have appeared (a server came up, weights or limits changed): serve the queue. */
  wake(): void {
    this.state.queue.wake();
  }

  /** This build went live (the engine calls it right after a swap): it serves the queue from now on. */
  activate(): void {
    this.state.latest = this;
    this.wake();
  }

  /** Bookkeeping around a request/session on a server (in-flight counts). */
  begin(server: ServerRuntime): void {
    server.state.acquire();
  }

  /** The request/session on `server` is over: its slot goes to the queue first. */
  end(server: ServerRuntime): void {
    server.state.release();
    this.state.queue.wake();
  }
}

const noop = (): void => {};
