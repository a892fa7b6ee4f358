// The swap. validate (caller) → load the code it needs → build beside the live runtime → open new listeners → flip one
// reference → retire what the new runtime no longer has. Anything that fails before the flip
// leaves the live runtime exactly as it was.
import type { Logger } from 'pino';
import { shortVersion } from '#protocol/canonical';
import type { Snapshot } from '#protocol/snapshot';
import type { TrafficEvents } from '../types/traffic.js';
import { backendChanges, buildRuntimeOrReject } from '../runtime/build.js';
import { loadCodeFor } from './code-on-demand.js';
import type { Listener, ListenerInfo } from './listener.js';
import { ListenerManager } from './listener-manager.js';
import { StateRegistry, type StateScope } from '../runtime/state.js';
import { EMPTY_RUNTIME, type Runtime, type RuntimeRef } from '../runtime/types.js';

/** A runtime built and its new listeners open, waiting for the swap (Engine.prepare). */
export interface PreparedSwap {
  /** What goes live on commit (its server states may be adjusted before the swap). */
  readonly runtime: Runtime;
  /** Makes it live (synchronous). */
  commit(): void;
  /** Discards it: staged listeners closed, the live runtime untouched. */
  abort(): void;
}

export class Engine {
  readonly ref: RuntimeRef = { current: EMPTY_RUNTIME };
  private readonly state = new StateRegistry();
  private readonly listeners: ListenerManager;
  private applying = false;
  private closed = false;
  /** Date.now() at the last swap (a number, not a Date: iso-time.ts says why). */
  appliedAt: number | null = null;
  /** Runs synchronously right after each swap (health checks sync with the new server set). */
  private readonly onSwap: ((next: Runtime) => void) | undefined;

  /**
   * `bindAddress` replaces every frontend's bind address on this dataplane (its pod IP, or one
   * loopback address per dataplane when several run on one host).
   */
  constructor(
    private readonly log: Logger,
    opts: {
      bindAddress?: string;
      onSwap?: (next: Runtime) => void;
      events?: TrafficEvents;
      /** Each worker binds its own socket (SO_REUSEPORT); see workers/listen-sharing.ts. */
      reusePort?: boolean;
    } = {},
  ) {
    this.onSwap = opts.onSwap;
    this.listeners = new ListenerManager({
      ref: this.ref,
      log,
      ...(opts.bindAddress ? { bindAddress: opts.bindAddress } : {}),
      ...(opts.events ? { events: opts.events } : {}), // traffic observation (types/traffic.ts)
      ...(opts.reusePort ? { reusePort: true } : {}),
    });
  }

  get runtime(): Runtime {
    return this.ref.current;
  }

  get version(): string | null {
    return this.ref.current.version;
  }

  listenerInfo(): ListenerInfo[] {
    return this.listeners.list();
  }

  /**
   * Applies a validated snapshot. Throws BasculeError (SNAPSHOT_BUILD, LISTEN_FAILED).
   * `receivedAt` (performance.now() when its frame was read): the `snapshot applied` line gives
   * the time from there to the swap (`applyMs`), the dataplane's own part of an edit's latency.
   */
  async apply(snapshot: Snapshot, receivedAt?: number): Promise<void> {
    (await this.prepare(snapshot, receivedAt)).commit();
  }

  /**
   * First half of an apply: builds the runtime beside the live one and opens the listeners it
   * adds. Nothing is live until commit(); abort() undoes it all. Until one of them is called no
   * other apply may start (a multi-worker dataplane prepares every worker, then commits them
   * all or none). Throws BasculeError (SNAPSHOT_BUILD, LISTEN_FAILED).
   */
  async prepare(snapshot: Snapshot, receivedAt?: number): Promise<PreparedSwap> {
    if (this.closed) throw new Error('engine is closed');
    if (this.applying) throw new Error('concurrent apply (callers must serialize)');
    this.applying = true;
    let settled = false;
    try {
      // Code this snapshot needs that no earlier one did (TLS, TCP): loaded before the build and
      // before any listener is bound; a failed load rejects the apply (code-on-demand.ts).
      await loadCodeFor(snapshot);
      const scope = this.state.scope();
      const next = buildRuntimeOrReject(snapshot, scope, this.log, this.ref.current);
      let staged: Listener[];
      try {
        staged = await this.listeners.stage(next);
      } catch (err) {
        scope.abort();
        throw err;
      }
      if (this.closed) {
        this.listeners.abort(staged);
        scope.abort();
        throw new Error('engine closed during apply');
      }
      settled = true;
      const finish = (): void => {
        if (!this.applying) throw new Error('prepared swap already settled');
        this.applying = false;
      };
      return {
        runtime: next,
        commit: () => {
          finish();
          this.commit(next, staged, scope, receivedAt);
        },
        abort: () => {
          finish();
          this.listeners.abort(staged);
          scope.abort();
        },
      };
    } finally {
      if (!settled) this.applying = false;
    }
  }

  /** The swap: synchronous, so no request ever sees a half-applied state. */
  private commit(next: Runtime, staged: readonly Listener[], scope: StateScope, receivedAt?: number): void {
    if (this.closed) {
      this.listeners.abort(staged);
      scope.abort();
      throw new Error('engine closed during apply');
    }
    const previous = this.ref.current;
    this.ref.current = next;
    this.listeners.commit(next, staged);
    scope.commit();
    this.onSwap?.(next);
    // Limits may have grown and servers appeared: offer the new capacity to queued requests.
    // After a carried build only the backends it built anew can have any (a kept one is the very
    // same runtime object, activated when it first went live).
    const changes = backendChanges(next);
    if (changes && changes.previous.deref() === previous) for (const c of changes.changed) c.now.activate();
    else for (const b of next.backends.values()) b.activate();
    this.appliedAt = Date.now();
    const applyMs =
      receivedAt === undefined ? undefined : Math.round((performance.now() - receivedAt) * 10) / 10;
    // The line is formatted and written after the answer to the controller has gone out (the
    // caller's ACK follows this swap in the same turn of the event loop): it is not on that path.
    const line = {
      version: shortVersion(next.version),
      previous: shortVersion(previous.version),
      frontends: next.frontends.size,
      backends: next.backends.size,
      opened: staged.length,
      ...(applyMs === undefined ? {} : { applyMs }),
    };
    setImmediate(() => this.log.info(line, 'snapshot applied'));
  }

  /**
   * Graceful shutdown: no snapshot is applied any more, listeners stop accepting and drain
   * (Listener.drain); after `timeoutMs` whatever is still open is cut (close()). Resolves with
   * the connections that had to be cut (0: a clean drain).
   */
  async drain(timeoutMs: number): Promise<number> {
    this.closed = true;
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<void>((r) => (timer = setTimeout(r, timeoutMs)));
    await Promise.race([this.listeners.drainAll(), expired]);
    clearTimeout(timer);
    const cut = this.listeners.connections();
    this.close();
    if (cut === 0) this.log.info('drained: every connection finished');
    else this.log.warn({ cut, timeoutMs }, 'drain timeout reached: connections still open were cut');
    return cut;
  }

  close(): void {
    this.closed = true;
    this.listeners.close();
    this.state.destroy();
  }
}
