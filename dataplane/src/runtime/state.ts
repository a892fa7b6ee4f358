// Runtime state that outlives any one router: keyed by stable identity so a new build reuses the
// objects of unchanged servers/backends and retires those that disappeared.
//
//   server key  = backend id | server name | address:port
//   backend key = backend id
//
// Builds are speculative (a listen can still fail after the build), so a build works in a
// StateScope: it sees live objects, creates new ones privately, and only commit() makes the new
// set live and retires the rest.
//
// What lives here: per server, in-flight counts, balancing positions, health verdict and
// connection pools; per backend, the wait queue and the source-persistence table; per frontend,
// the rate-limit counters and per-client connection counts.
import type { CandidateState } from '../balance/balancer.js';
import type { BackendRuntime } from './backend.js';
import { ConnectionCounter } from '../limits/connections.js';
import { RateLimiter } from '../limits/rate-limit.js';
import { StickTable } from '../persistence/stick-table.js';
import { WaitQueue } from './queue.js';

/** A server's upstream connections (owned by the HTTP engine; opaque here). */
export interface ServerPool {
  destroy(): void;
}

interface Retirable {
  retire(): void;
}

export const serverKey = (backendId: string, s: { name: string; address: string; port: number }): string =>
  `${backendId}|${s.name}|${s.address}:${s.port}`;

export class ServerState implements CandidateState, Retirable {
  active = 0;
  rrCurrent = 0;
  lastPick = 0;
  /**
   * Health verdict, owned by the health checker (active and passive checks). A server without
   * checks stays up. Carried across swaps with the rest of this object.
   */
  up = true;
  /** When the server last came up (ms since epoch); slow start ramps its weight from here. */
  upSince = 0;
  /**
   * Operator override from the admin runtime API (admin/runtime-api.ts): wins over the
   * snapshot's `state` while set. Ephemeral: carried across swaps with this object, gone when
   * the server leaves the configuration or the process restarts.
   */
  adminOverride: { state: 'ready' | 'drain' | 'maintenance'; since: number; reason: string } | undefined;
  /** Upstream keep-alive connections, created by the engine on first use (a discarded build leaks nothing). */
  pool: ServerPool | undefined;
  private retired = false;

  constructor(readonly key: string) {}

  acquire(): void {
    this.active++;
  }

  release(): void {
    this.active--;
    if (this.retired && this.active === 0) this.destroyPools();
  }

  /** The server left the config: close pools once the requests still on it are done. */
  retire(): void {
    this.retired = true;
    if (this.active === 0) this.destroyPools();
  }

  get isRetired(): boolean {
    return this.retired;
  }

  destroyPools(): void {
    this.pool?.destroy();
    this.pool = undefined;
  }
}

export class BackendState implements Retirable {
  /** Requests waiting for a server slot (maxConnections), in arrival order. */
  readonly queue = new WaitQueue();
  /** Source persistence: client address → server key. */
  readonly stick = new StickTable();
  /** The live build of this backend: queued requests are decided by it. */
  latest: BackendRuntime | undefined;
  private retired = false;
  constructor(readonly key: string) {}

  get isRetired(): boolean {
    return this.retired;
  }

  /** The backend left the config: queued requests are offered what is left (or time out). */
  retire(): void {
    this.retired = true;
    this.stick.clear();
    this.latest = undefined;
    this.queue.wake();
  }
}

export class FrontendState implements Retirable {
  /** Per-client request rate (rateLimit). */
  readonly rate = new RateLimiter();
  /** Per-client open connections (connectionLimit). */
  readonly connections = new ConnectionCounter();
  constructor(readonly key: string) {}
  retire(): void {}
}

class StateTable<T extends Retirable> {
  live = new Map<string, T>();
  constructor(readonly create: (key: string) => T) {}
}

class TableScope<T extends Retirable> {
  /** What this build looked up or created (a full build: everything it keeps). */
  private touched = new Map<string, T>();
  /**
   * Carrying (carry()): the keys this build dropped. Everything live that is not dropped stays,
   * without being copied: the commit changes the live map in place by what was dropped and
   * touched, so a build after a delta costs what it touched, not a copy of every server.
   */
  private dropped: Set<string> | undefined;
  constructor(private readonly table: StateTable<T>) {}

  /** Starts from everything live (see StateScope.carryLive). */
  carry(): void {
    this.dropped = new Set();
  }

  drop(key: string): void {
    this.touched.delete(key);
    this.dropped!.add(key);
  }

  get(key: string): T {
    let v = this.touched.get(key) ?? this.table.live.get(key);
    if (!v) v = this.table.create(key);
    this.touched.set(key, v);
    return v;
  }

  commit(): void {
    const live = this.table.live;
    if (this.dropped) {
      for (const key of this.dropped) {
        if (this.touched.has(key)) continue;
        live.get(key)?.retire();
        live.delete(key);
      }
      for (const [key, v] of this.touched) live.set(key, v);
      return;
    }
    for (const [key, v] of live) if (!this.touched.has(key)) v.retire();
    this.table.live = this.touched;
  }
}

export class StateScope {
  private readonly servers: TableScope<ServerState>;
  private readonly backends: TableScope<BackendState>;
  private readonly frontends: TableScope<FrontendState>;
  private done = false;

  constructor(registry: StateRegistry) {
    this.servers = new TableScope(registry.servers);
    this.backends = new TableScope(registry.backends);
    this.frontends = new TableScope(registry.frontends);
  }

  /**
   * The build keeps everything live unless it drops it (dropServer, dropBackend, dropFrontend):
   * a build after a delta touches what changed, not every server, backend and frontend, and the
   * commit retires what was dropped and not touched again. Only before the first look-up.
   */
  carryLive(): void {
    this.servers.carry();
    this.backends.carry();
    this.frontends.carry();
  }

  dropServer(key: string): void {
    this.servers.drop(key);
  }

  dropBackend(key: string): void {
    this.backends.drop(key);
  }

  dropFrontend(key: string): void {
    this.frontends.drop(key);
  }

  server(key: string): ServerState {
    return this.servers.get(key);
  }

  backend(key: string): BackendState {
    return this.backends.get(key);
  }

  frontend(key: string): FrontendState {
    return this.frontends.get(key);
  }

  /** The build went live: its objects become the registry, the others are retired. */
  commit(): void {
    if (this.done) throw new Error('state scope already settled');
    this.done = true;
    this.servers.commit();
    this.backends.commit();
    this.frontends.commit();
  }

  /** The build was discarded. New objects were never used (pools are lazy): nothing to undo. */
  abort(): void {
    this.done = true;
  }
}

export class StateRegistry {
  readonly servers = new StateTable<ServerState>((key) => new ServerState(key));
  readonly backends = new StateTable<BackendState>((key) => new BackendState(key));
  readonly frontends = new StateTable<FrontendState>((key) => new FrontendState(key));

  scope(): StateScope {
    return new StateScope(this);
  }

  /** Process shutdown: close every upstream pool now. */
  destroy(): void {
    for (const s of this.servers.live.values()) s.destroyPools();
  }
}
