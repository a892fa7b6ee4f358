// Applies a snapshot to every worker, or to none: the multi-worker dataplane's SnapshotTarget
// (agent/apply.ts verifies, validates and serializes before calling it; the reply to the
// controller is sent after apply() settles).
//
//   1. build in the primary (a build error rejects here, before any worker is asked);
//   2. prepare: every serving worker builds and opens the listeners the snapshot adds;
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
import { BasculeError, ErrorCodes } from '#protocol/errors';
import type { Snapshot } from '#protocol/snapshot';
import type { SnapshotTarget } from '../agent/apply.js';
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
    const build = this.primary.prepare(snapshot);
    const workers = pool.ready();
    const outcomes = await Promise.all(
      workers.map((slot) =>
        pool.request(slot, { type: 'prepare', version: snapshot.version, body: snapshot.body }).then(
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
