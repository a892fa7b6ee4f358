// Applies a snapshot to every worker, or to none: the multi-worker dataplane's SnapshotTarget
// (agent/apply.ts verifies, validates and serializes before calling it; the reply to the
// controller is sent after apply() settles).
//
//   1. build in the primary (a build error rejects here, before any worker is asked);
//   2. prepare: every serving worker builds and opens the listeners the snapshot adds (sent the
//      change against the live snapshot, which every serving worker is on, else the whole body);
//   3. any failure (error, exit, no answer in time): every prepared worker aborts, the primary
//      discards its build, and the apply rejects — nobody moved;
//   4. else commit: the primary swaps (health checks follow), then every worker swaps, with the
//      primary's verdicts and overrides applied to its new runtime in the same tick;
//   5. apply() resolves once every worker confirmed, so an ACK means every worker serves it.
//
// Worker starts and restarts take the same lock, so a worker always starts on the live
// snapshot and never sits between the two phases of a swap.
import type { Logger } from 'pino';
import { shortVersion } from '#protocol/canonical';
import { diffBodies } from '#protocol/delta';
import { BasculeError, ErrorCodes } from '#protocol/errors';
import type { Snapshot } from '#protocol/snapshot';
import type { SnapshotTarget } from '../agent/apply.js';
import { loadCodeFor } from '../serving/code-on-demand.js';
import type { PrimaryRuntime } from './primary-runtime.js';
import type { WorkerPool, WorkerSlot } from './worker-pool.js';

export class TwoPhaseApply implements SnapshotTarget {
  private lock: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly primary: PrimaryRuntime,
    private readonly pool: () => WorkerPool,
    private readonly log: Logger,
  ) {}

  get version(): string | null {
    return this.primary.version;
  }

  /** Runs `fn` alone: no apply and no worker start overlap. */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.lock.then(fn, fn);
    this.lock = run.catch(() => {});
    return run;
  }

  apply(snapshot: Snapshot): Promise<void> {
    return this.exclusive(() => this.applyAll(snapshot));
  }

  private async applyAll(snapshot: Snapshot): Promise<void> {
    const pool = this.pool();
    // Every serving worker is on the primary's live snapshot: it gets just the change (a
    // worker that cannot use it gets the whole body), so it rebuilds only what changed too.
    const live = this.primary.runtime.snapshot;
    const change = live ? diffBodies(live.body, snapshot.body) : null;
    // The code this snapshot needs (TLS, TCP) before the primary's own build of it, as each
    // worker's Engine.prepare loads it before theirs (serving/code-on-demand.ts).
    await loadCodeFor(snapshot);
    const build = this.primary.prepare(snapshot);
    const workers = pool.ready();
    const whole = { type: 'prepare', version: snapshot.version, body: snapshot.body } as const;
    const prepare = (slot: WorkerSlot): Promise<unknown> =>
      live && change
        ? pool
            .request(slot, {
              type: 'prepare',
              version: snapshot.version,
              delta: { baseVersion: live.version, change },
            })
            .catch((err: Error) => {
              if (!(err instanceof BasculeError && err.code === ErrorCodes.DELTA_BASE)) throw err;
              return pool.request(slot, whole);
            })
        : pool.request(slot, whole);
    const outcomes = await Promise.all(
      workers.map((slot) =>
        prepare(slot).then(
          () => ({ slot, err: undefined }),
          (err: Error) => ({ slot, err }),
        ),
      ),
    );
    const failed = outcomes.filter((o) => o.err !== undefined);
    const prepared = outcomes.filter((o) => o.err === undefined).map((o) => o.slot);
    if (failed.length > 0) {
      await Promise.all(prepared.map((slot) => this.settle(slot, 'abort')));
      build.abort();
      const first = failed[0]!;
      const err = first.err!;
      const code = err instanceof BasculeError ? err.code : ErrorCodes.WORKER_FAILED;
      const more = failed.length > 1 ? ` (${failed.length - 1} more worker(s) failed too)` : '';
      const message = err.message.startsWith(`worker ${first.slot.id}`)
        ? `${err.message}${more}`
        : `worker ${first.slot.id}: ${err.message}${more}`;
      this.log.warn(
        {
          version: shortVersion(snapshot.version),
          failed: failed.map((o) => o.slot.id),
          prepared: prepared.map((s) => s.id),
        },
        'a worker cannot apply the snapshot: every worker stays on the live one',
      );
      throw new BasculeError(code, message);
    }
    build.commit();
    const verdicts = this.primary.verdicts();
    const overrides = this.primary.overrides();
    await Promise.all(
      prepared.map((slot) =>
        pool.request(slot, { type: 'commit', verdicts, overrides }).catch((err: Error) =>
          // Only an exit gets here (a commit cannot fail): its replacement starts on this snapshot.
          this.log.warn({ worker: slot.id, err: err.message }, 'worker lost during commit'),
        ),
      ),
    );
  }

  private async settle(slot: WorkerSlot, type: 'abort'): Promise<void> {
    await this.pool()
      .request(slot, { type })
      .catch((err: Error) => this.log.warn({ worker: slot.id, err: err.message }, `worker did not ${type}`));
  }
}
