// Snapshot intake: verify (content address, schema) → no-op if already live → build and swap →
// persist. Applies run one at a time; a newer snapshot arriving while one applies replaces any
// still-queued one (only the newest intent matters, as in xDS state-of-the-world).
import type { Logger } from 'pino';
import { canonicalJson, deepFreeze, sha256Hex, shortVersion } from '#protocol/canonical';
import { BasculeError, ErrorCodes, errorCodeOf, type ErrorCode } from '#protocol/errors';
import type { Ack, Nack } from '#protocol/messages';
import type { Snapshot, SnapshotBody } from '#protocol/snapshot';
import { describeAjvErrors, validateSnapshotBody } from '#protocol/validators';

export interface ApplyInput {
  readonly version: unknown;
  readonly body: unknown;
  /** Controller nonce, echoed in the reply; absent for local applies (API, disk). */
  readonly nonce?: string;
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

/** Checks that `version` is the content address of `body`. Returns it typed, or throws. */
function verifyVersion(input: ApplyInput): string {
  if (typeof input.version !== 'string' || input.version.length === 0)
    throw invalid('snapshot has no version');
  let actual: string;
  try {
    actual = sha256Hex(canonicalJson(input.body));
  } catch (err) {
    throw invalid(`snapshot body cannot be hashed: ${(err as Error).message}`);
  }
  if (actual !== input.version) {
    throw invalid(
      `version ${shortVersion(input.version)} does not match the body (sha256 ${shortVersion(actual)})`,
    );
  }
  return actual;
}

function validateBody(body: unknown): SnapshotBody {
  if (!validateSnapshotBody(body))
    throw invalid(`snapshot body is invalid: ${describeAjvErrors(validateSnapshotBody.errors)}`);
  return body as SnapshotBody;
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
  apply(snapshot: Snapshot): Promise<void>;
}

export interface ApplierOptions {
  readonly engine: SnapshotTarget;
  readonly log: Logger;
  /** Called after every successful (non no-op) apply; failures are logged, not NACKed. */
  readonly persist?: (snapshot: Snapshot) => Promise<void>;
}

export class Applier {
  private queued: Job | undefined;
  private busy = false;

  constructor(private readonly opts: ApplierOptions) {}

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

  private async applyOne(input: ApplyInput): Promise<ApplyResult> {
    const { engine, log } = this.opts;
    try {
      const version = verifyVersion(input);
      // Same content address as the live snapshot: nothing to rebuild.
      if (version === engine.version) return { ok: true, version, noop: true };
      const body = validateBody(input.body);
      const snapshot: Snapshot = deepFreeze({ version, body });
      await engine.apply(snapshot);
      if (this.opts.persist) {
        await this.opts
          .persist(snapshot)
          .catch((err: Error) =>
            log.warn(
              { err: err.message },
              'could not persist the snapshot; a restart will wait for the controller',
            ),
          );
      }
      return { ok: true, version, noop: false };
    } catch (err) {
      const code = errorCodeOf(err, ErrorCodes.SNAPSHOT_BUILD);
      const message = err instanceof Error ? err.message : String(err);
      log.warn(
        {
          code,
          version: typeof input.version === 'string' ? shortVersion(input.version) : null,
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
