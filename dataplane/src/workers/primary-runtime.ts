// The primary's own build of the live snapshot: the same runtime objects a worker has, without
// listeners or traffic. Health checks run against it (once per dataplane), runtime overrides are
// set on it, and the stats page reads configuration and verdicts from it; what changes here is
// then copied to every worker by server key.
import type { Logger } from 'pino';
import { shortVersion } from '#protocol/canonical';
import type { Snapshot } from '#protocol/snapshot';
import type { ServerRuntime } from '../runtime/backend.js';
import { buildRuntimeOrReject } from '../runtime/build.js';
import { StateRegistry } from '../runtime/state.js';
import { EMPTY_RUNTIME, type Runtime } from '../runtime/types.js';
import type { OverrideRow, VerdictRow } from './messages.js';

export interface PreparedBuild {
  readonly runtime: Runtime;
  commit(): void;
  abort(): void;
}

export class PrimaryRuntime {
  private current: Runtime = EMPTY_RUNTIME;
  private byKey = new Map<string, ServerRuntime>();
  private readonly state = new StateRegistry();
  /** Date.now() at the last swap (a number, not a Date: iso-time.ts says why). */
  appliedAt: number | null = null;

  constructor(
    private readonly log: Logger,
    /** Runs right after each swap (health checks follow the new server set). */
    private readonly onSwap: (rt: Runtime) => void,
  ) {}

  get runtime(): Runtime {
    return this.current;
  }

  get version(): string | null {
    return this.current.version;
  }

  /** Builds beside the live runtime; throws SNAPSHOT_BUILD like a worker would. */
  prepare(snapshot: Snapshot): PreparedBuild {
    const scope = this.state.scope();
    const next = buildRuntimeOrReject(snapshot, scope, this.log, this.current);
    let settled = false;
    const settle = (): void => {
      if (settled) throw new Error('prepared build already settled');
      settled = true;
    };
    return {
      runtime: next,
      commit: () => {
        settle();
        const previous = this.current.version;
        this.current = next;
        this.byKey = new Map();
        for (const b of next.backends.values()) for (const s of b.servers) this.byKey.set(s.key, s);
        scope.commit();
        this.appliedAt = Date.now();
        this.onSwap(next);
        this.log.debug(
          { version: shortVersion(next.version), previous: shortVersion(previous) },
          'primary runtime swapped',
        );
      },
      abort: () => {
        settle();
        scope.abort();
      },
    };
  }

  server(key: string): ServerRuntime | undefined {
    return this.byKey.get(key);
  }

  /** Every live server's verdict (what a worker copies at a swap or on start). */
  verdicts(keys?: Iterable<string>): VerdictRow[] {
    const servers = keys ? [...keys].flatMap((k) => this.byKey.get(k) ?? []) : this.byKey.values();
    return [...servers].map((s) => ({ key: s.key, up: s.state.up, upSince: s.state.upSince }));
  }

  /** Every runtime override in force. */
  overrides(): OverrideRow[] {
    const rows: OverrideRow[] = [];
    for (const s of this.byKey.values()) {
      const o = s.state.adminOverride;
      if (o) rows.push({ key: s.key, override: { ...o } });
    }
    return rows;
  }

  close(): void {
    this.state.destroy();
  }
}
