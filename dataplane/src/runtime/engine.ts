// The swap. validate (caller) → build beside the live runtime → open new listeners → flip one
// reference → retire what the new runtime no longer has. Anything that fails before the flip
// leaves the live runtime exactly as it was.
import type { Logger } from 'pino';
import { BasculeError, ErrorCodes } from '#protocol/errors';
import { shortVersion, type Snapshot } from '#protocol/index';
import type { TrafficEvents } from '../metrics/events.js';
import { buildRuntime } from './build.js';
import type { ListenerInfo } from './listener.js';
import { ListenerManager } from './listener-manager.js';
import { StateRegistry } from './state.js';
import { EMPTY_RUNTIME, type Runtime, type RuntimeRef } from './types.js';

export class Engine {
  readonly ref: RuntimeRef = { current: EMPTY_RUNTIME };
  private readonly state = new StateRegistry();
  private readonly listeners: ListenerManager;
  private applying = false;
  private closed = false;
  appliedAt: Date | null = null;
  /** Runs synchronously right after each swap (health checks sync with the new server set). */
  private readonly onSwap: ((next: Runtime) => void) | undefined;

  /**
   * `bindAddress` replaces every frontend's bind address on this dataplane (its pod IP, or one
   * loopback address per dataplane when several run on one host).
   */
  constructor(
    private readonly log: Logger,
    opts: { bindAddress?: string; onSwap?: (next: Runtime) => void; events?: TrafficEvents } = {},
  ) {
    this.onSwap = opts.onSwap;
    this.listeners = new ListenerManager({
      ref: this.ref,
      log,
      ...(opts.bindAddress ? { bindAddress: opts.bindAddress } : {}),
      ...(opts.events ? { events: opts.events } : {}), // traffic observation (metrics/events.ts)
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

  /** Applies a validated snapshot. Throws BasculeError (SNAPSHOT_BUILD, LISTEN_FAILED). */
  async apply(snapshot: Snapshot): Promise<void> {
    if (this.closed) throw new Error('engine is closed');
    if (this.applying) throw new Error('concurrent apply (callers must serialize)');
    this.applying = true;
    try {
      const scope = this.state.scope();
      let next: Runtime;
      try {
        next = buildRuntime(snapshot, scope, this.log);
      } catch (err) {
        scope.abort();
        throw err instanceof BasculeError
          ? err
          : new BasculeError(ErrorCodes.SNAPSHOT_BUILD, `build failed: ${(err as Error).message}`, {
              cause: err,
            });
      }
      let staged;
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
      // The swap: synchronous from here on, so no request ever sees a half-applied state.
      const previous = this.ref.current.version;
      this.ref.current = next;
      this.listeners.commit(next, staged);
      scope.commit();
      this.onSwap?.(next);
      // Limits may have grown and servers appeared: offer the new capacity to queued requests.
      for (const b of next.backends.values()) b.activate();
      this.appliedAt = new Date();
      this.log.info(
        {
          version: shortVersion(next.version),
          previous: shortVersion(previous),
          frontends: next.frontends.size,
          backends: next.backends.size,
          opened: staged.length,
        },
        'snapshot applied',
      );
    } finally {
      this.applying = false;
    }
  }

  close(): void {
    this.closed = true;
    this.listeners.close();
    this.state.destroy();
  }
}
