// Keeps the computed status of every object and hands the writer only what changed.
import type { StatusT } from '#api/v1alpha1';
import type { ObjectReport } from '../compile/types.js';
import { revisionOf } from '../pipeline/object-reports.js';
import { silentLogger, type Logger } from '../log.js';
import { refKey, type Diagnostic, type ObjectRef } from '../validate/diagnostic.js';
import { computeStatus, type StatusContext } from './compute.js';
import type { StatusWriter } from './writer.js';

export interface ObjectStatusView {
  ref: ObjectRef;
  status: StatusT;
  diagnostics: Diagnostic[];
}

interface Entry extends ObjectStatusView {
  /** JSON of the status last written successfully; undefined when not written. */
  written?: string;
  /** That status object (computeStatus hands back the previous object when nothing changed). */
  writtenStatus?: StatusT;
  /** What the object's form depends on; while equal, `since` holds. */
  form: string;
  /** Per group, the version in which the object took its current form. */
  since: Map<string, string>;
  /** The context signature the status was computed from, with `form` (StatusContext.signature). */
  signature: string | undefined;
  /** A Backend's: StatusContext.backendSignature and healthGeneration ('' and 0 for the others). */
  backendSignature: string;
  healthGeneration: number;
  /** The update that last saw the object (an entry not seen by an update is gone). */
  seen: number;
}

/** Statuses left to write above which a pass gives way to a newer computation (see update()). */
export const STALE_BACKLOG = 64;

/** Objects a status update goes through before it lets the event loop run what is waiting. */
export const OBJECTS_BETWEEN_YIELDS = 256;

const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

const forms = new WeakMap<ObjectReport, string>();

/** The object's content and what compile made of it: when equal, its served form is unchanged. */
function formOf(r: ObjectReport): string {
  // A report is handed again for every update until the next compile, and an unchanged
  // object's report is the same object across compiles (pipeline/object-reports.ts).
  let form = forms.get(r);
  if (form === undefined) forms.set(r, (form = formNow(r)));
  return form;
}

const formNow = (r: ObjectReport): string =>
  JSON.stringify([
    revisionOf(r) ?? null,
    r.generation ?? null,
    r.accepted,
    r.resolvedRefs,
    r.servingPrevious ?? false,
    r.groups,
    r.diagnostics.map((d) => [d.code, d.field, d.message, d.condition]),
  ]);

export class StatusTracker {
  private readonly entries = new Map<string, Entry>();
  /**
   * The entries whose status may differ from what was last written (new, recomputed into a new
   * status, a write that failed, everything after invalidate()): the writing pass visits these,
   * not all ~1,100 entries per update.
   */
  private readonly unwritten = new Set<Entry>();
  private updates = 0;
  private closed = false;
  private readonly log: Logger;

  /** Between chunks of a pass: the event loop's turn, then a moment no edit is in flight. */
  private readonly between: () => Promise<void>;

  /**
   * `whenQuiet`: resolves at a moment no edit is on its way (pipeline/background-gate.ts); each
   * chunk of a pass starts only then, so a chunk does not hold an edit's ACK or its next event.
   */
  constructor(
    private readonly writer: StatusWriter,
    logger?: Logger,
    whenQuiet?: () => Promise<void>,
  ) {
    this.log = (logger ?? silentLogger()).child({ component: 'status' });
    this.between = whenQuiet ? () => yieldToLoop().then(whenQuiet) : yieldToLoop;
  }

  /**
   * Recompute the status of every object whose form or context changed; write the ones that
   * changed, forget the ones that are gone. Entries are updated in place: an update after an
   * edit or an ACK touches ~1,100 objects of which a handful change, so an unchanged one costs
   * a few lookups and no allocation.
   *
   * Writes are rate-limited (a Kubernetes writer: 20 a second), so a pass can take a minute
   * (the first one writes every object). `superseded` says that what status depends on changed
   * since this pass computed: while more than STALE_BACKLOG statuses are left to write, the
   * pass then stops (the caller runs another, which recomputes and goes on with what is still
   * unwritten), so a backlog computed before the change is not written. Without it, the first
   * pass after a start wrote every object as Pending (no dataplane had ACKed yet) and the next
   * wrote every one again as Programmed: 2,200 writes and ~110 s at 5,000 routes instead of
   * 1,100 and ~55 s. A short list is written: under a stream of edits a change comes every
   * ~100 ms, and passes that stopped for it wrote a few statuses each, behind the edits.
   */
  async update(
    reports: readonly ObjectReport[],
    ctx: StatusContext,
    now: Date,
    superseded: () => boolean = () => false,
  ): Promise<void> {
    const update = ++this.updates;
    let visited = 0;
    for (const report of reports) {
      // An edit's read and compile must not wait for the whole pass (~5 ms at 5,000 routes,
      // about three passes a second under churn): the loop gets its turn every so many objects.
      if (++visited % OBJECTS_BETWEEN_YIELDS === 0) await this.between();
      const key = refKey(report.ref);
      const prev = this.entries.get(key);
      const form = formOf(report);
      const sameForm = prev?.form === form;
      const since =
        sameForm && sinceCovers(prev.since, report.groups)
          ? prev.since
          : sinceOf(report, ctx, prev, sameForm);
      const signature = ctx.signature?.(report, since);
      const backend = report.ref.kind === 'Backend';
      const backendSignature = backend ? (ctx.backendSignature?.(report) ?? '') : '';
      const healthGeneration = backend ? (ctx.healthGeneration ?? 0) : 0;
      // The same form in the same context: the same status (an update follows every compile and
      // every ACK; most objects are untouched by either).
      if (
        prev &&
        sameForm &&
        signature !== undefined &&
        prev.signature === signature &&
        prev.backendSignature === backendSignature &&
        prev.healthGeneration === healthGeneration
      ) {
        prev.ref = report.ref;
        prev.diagnostics = report.diagnostics;
        prev.since = since;
        prev.seen = update;
        continue;
      }
      const status = computeStatus(report, ctx, prev?.status, now, since);
      const computed = {
        ref: report.ref,
        status,
        diagnostics: report.diagnostics,
        form,
        since,
        signature,
        backendSignature,
        healthGeneration,
      };
      let entry = prev;
      if (entry) Object.assign(entry, computed, { seen: update });
      else this.entries.set(key, (entry = { ...computed, seen: update }));
      if (entry.status !== entry.writtenStatus) this.unwritten.add(entry);
    }
    const gone: Entry[] = [];
    // forEach, not for…of over entries: no [key, entry] pair made per object and update.
    this.entries.forEach((entry, key) => {
      if (entry.seen === update) return;
      gone.push(entry);
      this.entries.delete(key);
      this.unwritten.delete(entry);
    });

    // A follower (not the leader) computes status for its admin view but writes nothing; on
    // becoming leader, every status still differs from `written` and is (re)considered.
    const writing = this.writer.active !== false;
    let considered = 0;
    for (const entry of this.unwritten) {
      if (!writing || this.closed) break;
      if (this.unwritten.size > STALE_BACKLOG && superseded()) break;
      // A write the writer finds already done (the periodic re-check after invalidate(): all
      // ~1,100 objects compared with the live ones) resolves without I/O, so without this the
      // whole pass ran as one task: ~250 ms on the controller's thread at load 8, which the
      // edits arriving meanwhile waited out.
      if (++considered % OBJECTS_BETWEEN_YIELDS === 0) await this.between();
      if (entry.written !== undefined && entry.status === entry.writtenStatus) {
        this.unwritten.delete(entry);
        continue;
      }
      // computeStatus builds every status with the same key order, so plain JSON compares them
      // (canonical JSON of all ~1,100 statuses per update was 5% of the controller's CPU under churn).
      const json = JSON.stringify(entry.status);
      if (json === entry.written) {
        entry.writtenStatus = entry.status;
        this.unwritten.delete(entry);
        continue;
      }
      try {
        await this.writer.write(entry.ref, entry.status);
        entry.written = json;
        entry.writtenStatus = entry.status;
        this.unwritten.delete(entry);
      } catch (err) {
        // Retried on the next update: `written` still holds the old value.
        this.log.warn({ ref: refKey(entry.ref), err: (err as Error).message }, 'status write failed');
      }
    }
    for (const entry of gone) {
      try {
        await this.writer.forget?.(entry.ref);
      } catch (err) {
        this.log.debug({ ref: refKey(entry.ref), err: (err as Error).message }, 'status forget failed');
      }
    }
  }

  /**
   * Stop writing: an update in progress returns before its next write. A Kubernetes writer is
   * rate-limited (20 writes/s), so the first update of a large configuration writes for a minute;
   * stopping must not wait for it (what was not written is written by the next leader or start).
   */
  close(): void {
    this.closed = true;
  }

  /** Forget what was written (the writer became active again): the next update reconsiders all. */
  invalidate(): void {
    for (const entry of this.entries.values()) {
      delete entry.written;
      delete entry.writtenStatus;
      this.unwritten.add(entry);
    }
  }

  get(ref: ObjectRef): ObjectStatusView | undefined {
    const e = this.entries.get(refKey(ref));
    return e && { ref: e.ref, status: e.status, diagnostics: e.diagnostics };
  }

  /** Every object's status, in refKey order. */
  all(): ObjectStatusView[] {
    return [...this.entries.keys()]
      .sort()
      .map((key) => this.entries.get(key)!)
      .map((e) => ({
        ref: e.ref,
        status: e.status,
        diagnostics: e.diagnostics,
      }));
  }
}

/** Whether `since` names a version for every one of `groups` (then it holds as it is). */
function sinceCovers(since: ReadonlyMap<string, string>, groups: readonly string[]): boolean {
  if (since.size !== groups.length) return false;
  for (const g of groups) if (!since.has(g)) return false;
  return true;
}

/** Per group, the version in which the object took its current form (kept while the form is the same). */
function sinceOf(
  report: ObjectReport,
  ctx: StatusContext,
  prev: Entry | undefined,
  sameForm: boolean,
): Map<string, string> {
  const since = new Map<string, string>();
  for (const g of report.groups) {
    const kept = sameForm ? prev!.since.get(g) : undefined;
    const version = kept ?? ctx.group(g).version;
    if (version) since.set(g, version);
  }
  return since;
}
