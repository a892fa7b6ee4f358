// Immutable per-build view of a backend: its servers (each bound to its carried-over state)
// and its balancer. Server selection policy (tiers, exclusions) lives here; the algorithm only
// chooses among the candidates it is given.
import type http from 'node:http';
import type { BackendSnap, ServerSnap } from '../../../protocol/src/snapshot.js';
import type { Balancer, Candidate, PickContext } from '../balance/balancer.js';
import type { BackendState, ServerState } from './state.js';

export class ServerRuntime implements Candidate {
  readonly weight: number;
  readonly backup: boolean;

  constructor(
    readonly key: string,
    readonly backendId: string,
    readonly snap: Readonly<ServerSnap>,
    readonly state: ServerState,
    private readonly keepAlive: boolean,
  ) {
    this.weight = snap.weight;
    this.backup = snap.backup;
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

  /** Eligible for new traffic: healthy, ready (not drain/maintenance), weight > 0, below maxConnections. */
  usable(): boolean {
    const s = this.snap;
    if (!this.state.up || s.state !== 'ready' || s.weight <= 0) return false;
    return s.maxConnections === undefined || s.maxConnections <= 0 || this.state.active < s.maxConnections;
  }

  agent(): http.Agent {
    return this.state.agent(this.keepAlive);
  }
}

export class BackendRuntime {
  readonly id: string;

  constructor(
    readonly snap: Readonly<BackendSnap>,
    readonly servers: readonly ServerRuntime[],
    readonly balancer: Balancer,
    readonly state: BackendState,
    /** Set when this dataplane cannot serve the backend safely (fail closed: 503). */
    readonly unavailableReason?: string,
  ) {
    this.id = snap.id;
  }

  /**
   * Regular servers first; backups only when no regular server is usable (HAProxy: the first
   * usable backup, or all of them with allBackups). `exclude` holds servers that already failed
   * for this request.
   */
  pick(ctx: PickContext, exclude?: ReadonlySet<ServerRuntime>): ServerRuntime | undefined {
    if (this.unavailableReason) return undefined;
    const ok = (s: ServerRuntime): boolean => s.usable() && !exclude?.has(s);
    const regular = this.servers.filter((s) => !s.backup && ok(s));
    if (regular.length > 0) return this.balancer.pick(regular, ctx);
    const backups = this.servers.filter((s) => s.backup && ok(s));
    if (backups.length === 0) return undefined;
    return this.snap.allBackups ? this.balancer.pick(backups, ctx) : backups[0];
  }

  /** Bookkeeping around a request/session on a server (active counts, algorithm hooks). */
  begin(server: ServerRuntime): void {
    server.state.acquire();
    this.balancer.onStart?.(server);
  }

  end(server: ServerRuntime): void {
    server.state.release();
    this.balancer.onEnd?.(server);
  }
}
