// Snapshot intake: verify (schema, content address) → no-op if already live → build and swap.
// A delta is first turned into the body it makes of the live snapshot (only its changed objects
// are schema-checked; the unchanged ones are the live snapshot's own, already checked and
// built). Applies run one at a time; a newer snapshot arriving while one applies replaces any
// still-queued one (only the newest intent matters, as in xDS state-of-the-world). Persisting
// runs after the answer (never in the turn of the apply), newest first, at most once per
// PERSIST_INTERVAL_MS, and never holds up an ACK or the next apply.
import type { Logger } from 'pino';
import { bodyVersion, deepFreeze, shortVersion } from '#protocol/canonical';
import { applyDelta, type SnapshotDelta } from '#protocol/delta';
import { BasculeError, ErrorCodes, errorCodeOf, type ErrorCode } from '#protocol/errors';
import type { Ack, Nack } from '#protocol/messages';
import type { Snapshot, SnapshotBody } from '#protocol/snapshot';
import {
  describeAjvErrors,
  validateBackendSnap,
  validateFrontendSnap,
  validateSnapshotBody,
} from '#protocol/validators';

export interface ApplyInput {
  readonly version: unknown;
  /** The whole body (ignored when `delta` is set). */
  readonly body?: unknown;
  /** A change against the snapshot at `baseVersion` instead of a body (control channel). */
  readonly delta?: { readonly baseVersion: string; readonly change: SnapshotDelta };
  /** Controller nonce, echoed in the reply; absent for local applies (API, disk). */
  readonly nonce?: string;
  /** performance.now() when its frame was read (control channel): the apply's log line says how long since. */
  readonly receivedAt?: number;
}

export interface ApplyError {
  /** BASCULE_E_SUPERSEDED is a local outcome, never sent in a NACK. */
  readonly code: ErrorCode;
  readonly message: string;
}

export type ApplyResult =
  | { readonly ok: true; readonly version: string; readonly noop: boolean }
  | { readonly ok: false; readonly error: ApplyError; readonly superseded?: true };

const invalid = (message: string): BasculeError => new BasculeError(ErrorCodes.SNAPSHOT_INVALID, message);

/** Checks that `version` is the content address of the (schema-valid, frozen) body, or throws. */
function verifyVersion(version: unknown, body: SnapshotBody): string {
  if (typeof version !== 'string' || version.length === 0) throw invalid('snapshot has no version');
  let actual: string;
  try {
    actual = bodyVersion(body);
  } catch (err) {
    throw invalid(`snapshot body cannot be hashed: ${(err as Error).message}`);
  }
  if (actual !== version) {
    throw invalid(
      `version ${shortVersion(version)} does not match the body (sha256 ${shortVersion(actual)})`,
    );
  }
  return actual;
}

function validateBody(body: unknown): SnapshotBody {
  if (!validateSnapshotBody(body))
    throw invalid(`snapshot body is invalid: ${describeAjvErrors(validateSnapshotBody.errors)}`);
  return deepFreeze(body as SnapshotBody);
}

/** Only what a delta changes is checked: the rest was checked when it first arrived. */
function validateDelta(change: SnapshotDelta): void {
  for (const [kind, list, check] of [
    ['frontend', change.frontends.upsert, validateFrontendSnap],
    ['backend', change.backends.upsert, validateBackendSnap],
  ] as const) {
    for (const [i, o] of list.entries())
      if (!check(o)) throw invalid(`delta ${kind} ${i} is invalid: ${describeAjvErrors(check.errors)}`);
  }
}

interface Job {
  readonly input: ApplyInput;
  readonly resolve: (r: ApplyResult) => void;
}

/**
 * What snapshots are applied to: the engine of a single-process dataplane, or the coordinator
 * of a multi-worker one (every worker or none). apply() throws a BasculeError to reject.
 */
export interface SnapshotTarget {
  readonly version: string | null;
  /** `receivedAt`: performance.now() when the snapshot's frame was read, if it came in one. */
  apply(snapshot: Snapshot, receivedAt?: number): Promise<void>;
}

export interface ApplierOptions {
  readonly engine: SnapshotTarget;
  readonly log: Logger;
  /** Called after successful (non no-op) applies, the newest at most once per interval; failures are logged, not NACKed. */
  readonly persist?: (snapshot: Snapshot) => Promise<void>;
  /** Least time between two persist calls (default PERSIST_INTERVAL_MS). */
  readonly persistIntervalMs?: number;
}

/**
 * Least time between two writes of the persisted snapshot. A write appends the change since the
 * last one to a journal (agent/persist.ts), and now and then serialises the whole snapshot
 * (1.25 MB at 5,000 routes); under churn (10 versions a second in the churn bench) one write a
 * second keeps both rare, for files only a restart reads. Whatever arrives meanwhile waits, and
 * only the newest is written: a restart within this time may start from a snapshot up to this
 * much older, then takes the controller's.
 */
export const PERSIST_INTERVAL_MS = 1000;

/** Persists in the background: one write at a time, and only the newest snapshot waiting. */
class BackgroundPersist {
  private next: Snapshot | undefined;
  private running: Promise<void> | undefined;
  private lastWrite = -Infinity;
  /** Ends the wait for the interval at once (flush). */
  private wake: (() => void) | undefined;
  /** A flush is waiting: nothing waits for the interval. */
  private flushing = 0;

  constructor(
    private readonly write: (snapshot: Snapshot) => Promise<void>,
    private readonly log: Logger,
    private readonly intervalMs: number,
  ) {}

  schedule(snapshot: Snapshot): void {
    this.next = snapshot;
    this.running ??= this.drain().finally(() => (this.running = undefined));
  }

  /** Resolves once nothing is waiting to be written. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  /** Writes what is waiting now, without waiting out the interval (a graceful stop). */
  async flush(): Promise<void> {
    this.flushing++;
    try {
      this.wake?.();
      await this.idle();
    } finally {
      this.flushing--;
    }
  }

  private async drain(): Promise<void> {
    // Nothing of a write runs in the turn of the apply that scheduled it: the answer to the
    // controller goes out first (a write's first step serialises the change, or a whole chunk).
    await new Promise<void>((resolve) => setImmediate(resolve));
    for (let s = this.next; s; s = this.next) {
      const wait = this.lastWrite + this.intervalMs - performance.now();
      if (wait > 0 && this.flushing === 0) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, wait);
          this.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.wake = undefined;
        s = this.next!; // the newest by then
      }
      this.next = undefined;
      this.lastWrite = performance.now();
      await this.write(s).catch((err: Error) =>
        this.log.warn(
          { err: err.message },
          'could not persist the snapshot; a restart will wait for the controller',
        ),
      );
    }
  }
}

export class Applier {
  private queued: Job | undefined;
  private busy = false;
  /** The snapshot this applier last made live (the base deltas apply to). */
  private live: Snapshot | undefined;
  private readonly persister: BackgroundPersist | undefined;

  constructor(private readonly opts: ApplierOptions) {
    if (opts.persist)
      this.persister = new BackgroundPersist(
        opts.persist,
        opts.log,
        opts.persistIntervalMs ?? PERSIST_INTERVAL_MS,
      );
  }

  /** Resolves once every applied snapshot that is due on disk is written. */
  persisted(): Promise<void> {
    return this.persister?.idle() ?? Promise.resolve();
  }

  /** Writes the newest applied snapshot now if it is not on disk yet (graceful stop). */
  flushPersisted(): Promise<void> {
    return this.persister?.flush() ?? Promise.resolve();
  }

  submit(input: ApplyInput): Promise<ApplyResult> {
    return new Promise((resolve) => {
      if (this.queued) {
        const v = this.queued.input.version;
        this.queued.resolve({
          ok: false,
          superseded: true,
          error: {
            code: ErrorCodes.SUPERSEDED,
            message: `snapshot ${shortVersion(typeof v === 'string' ? v : null)} superseded by a newer one before it was applied`,
          },
        });
      }
      this.queued = { input, resolve };
      if (!this.busy) void this.run();
    });
  }

  private async run(): Promise<void> {
    this.busy = true;
    try {
      for (let job = this.queued; job; job = this.queued) {
        this.queued = undefined;
        job.resolve(await this.applyOne(job.input));
      }
    } finally {
      this.busy = false;
    }
  }

  /** The body an input asks for: its own, or the one its delta makes of the live snapshot. */
  private bodyOf(input: ApplyInput): SnapshotBody {
    if (!input.delta) return validateBody(input.body);
    const { baseVersion, change } = input.delta;
    const base = this.live;
    if (!base || base.version !== baseVersion || this.opts.engine.version !== base.version) {
      throw new BasculeError(
        ErrorCodes.DELTA_BASE,
        `delta against ${shortVersion(baseVersion)}, but ${shortVersion(this.opts.engine.version)} is live`,
      );
    }
    validateDelta(change);
    // Frozen in proportion to the delta: its objects, then the lists it made (every other element
    // is the live body's, frozen already), so the body's own freeze stops at them.
    for (const o of change.frontends.upsert) deepFreeze(o);
    for (const o of change.backends.upsert) deepFreeze(o);
    const body = applyDelta(base.body, change);
    Object.freeze(body.frontends);
    Object.freeze(body.backends);
    return deepFreeze(body);
  }

  private async applyOne(input: ApplyInput): Promise<ApplyResult> {
    const { engine, log } = this.opts;
    try {
      const body = this.bodyOf(input);
      const version = verifyVersion(input.version, body);
      // Same content address as the live snapshot: nothing to rebuild.
      if (version === engine.version) {
        if (this.live?.version !== version) this.live = deepFreeze({ version, body });
        return { ok: true, version, noop: true };
      }
      const snapshot: Snapshot = deepFreeze({ version, body });
      await engine.apply(snapshot, input.receivedAt);
      this.live = snapshot;
      this.persister?.schedule(snapshot);
      return { ok: true, version, noop: false };
    } catch (err) {
      const code = errorCodeOf(err, ErrorCodes.SNAPSHOT_BUILD);
      const message = err instanceof Error ? err.message : String(err);
      log.warn(
        {
          code,
          version: typeof input.version === 'string' ? shortVersion(input.version) : null,
          ...(input.delta ? { delta: true } : {}),
          err: message,
        },
        'snapshot rejected; the live one stays',
      );
      return { ok: false, error: { code, message } };
    }
  }
}

/** The control-channel answer for an apply result, or null when none is due (superseded). */
export function replyFor(
  result: ApplyResult,
  msg: { version: string; nonce: string },
  lastApplied: string | null,
): Ack | Nack | null {
  if (result.ok) return { type: 'ack', version: result.version, nonce: msg.nonce };
  if (result.superseded) return null;
  return {
    type: 'nack',
    version: lastApplied,
    nonce: msg.nonce,
    rejectedVersion: msg.version,
    error: { ...result.error },
  };
}
