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
}

const forms = new WeakMap<ObjectReport, string>();

/** The object's content and what compile made of it: when equal, its served form is unchanged. */
function formOf(r: ObjectReport): string {
  let form = forms.get(r); // a report is handed again for every update until the next compile
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
  private entries = new Map<string, Entry>();
  private readonly log: Logger;

  constructor(
    private readonly writer: StatusWriter,
    logger?: Logger,
  ) {
    this.log = (logger ?? silentLogger()).child({ component: 'status' });
  }

  /** Recompute every object's status; write the ones that changed, forget the ones that are gone. */
  async update(reports: readonly ObjectReport[], ctx: StatusContext, now: Date): Promise<void> {
    const next = new Map<string, Entry>();
    for (const report of reports) {
      const key = refKey(report.ref);
      const prev = this.entries.get(key);
      const form = formOf(report);
      const since = new Map<string, string>();
      for (const g of report.groups) {
        const kept = prev?.form === form ? prev.since.get(g) : undefined;
        const version = kept ?? ctx.group(g).version;
        if (version) since.set(g, version);
      }
      const signature = ctx.signature?.(report, since);
      // The same form in the same context: the same status (an update follows every compile and
      // every ACK; most objects are untouched by either).
      const same = signature !== undefined && prev?.form === form && prev.signature === signature;
      const status = same ? prev.status : computeStatus(report, ctx, prev?.status, now, since);
      next.set(key, {
        ref: report.ref,
        status,
        diagnostics: report.diagnostics,
        form,
        since,
        signature,
        ...(prev?.written ? { written: prev.written, writtenStatus: prev.writtenStatus } : {}),
      });
    }
    const gone = [...this.entries.entries()].filter(([key]) => !next.has(key));
    this.entries = next;

    // A follower (not the leader) computes status for its admin view but writes nothing; on
    // becoming leader, every status still differs from `written` and is (re)considered.
    const writing = this.writer.active !== false;
    for (const entry of next.values()) {
      if (!writing) break;
      // computeStatus builds every status with the same key order, so plain JSON compares them
      // (canonical JSON of all ~1,100 statuses per update was 5% of the controller's CPU under churn).
      if (entry.written !== undefined && entry.status === entry.writtenStatus) continue;
      const json = JSON.stringify(entry.status);
      if (json === entry.written) {
        entry.writtenStatus = entry.status;
        continue;
      }
      try {
        await this.writer.write(entry.ref, entry.status);
        entry.written = json;
        entry.writtenStatus = entry.status;
      } catch (err) {
        // Retried on the next update: `written` still holds the old value.
        this.log.warn({ ref: refKey(entry.ref), err: (err as Error).message }, 'status write failed');
      }
    }
    for (const [key, entry] of gone) {
      try {
        await this.writer.forget?.(entry.ref);
      } catch (err) {
        this.log.debug({ ref: key, err: (err as Error).message }, 'status forget failed');
      }
    }
  }

  /** Forget what was written (the writer became active again): the next update reconsiders all. */
  invalidate(): void {
    for (const entry of this.entries.values()) {
      delete entry.written;
      delete entry.writtenStatus;
    }
  }

  get(ref: ObjectRef): ObjectStatusView | undefined {
    const e = this.entries.get(refKey(ref));
    return e && { ref: e.ref, status: e.status, diagnostics: e.diagnostics };
  }

  all(): ObjectStatusView[] {
    return [...this.entries.values()].map((e) => ({
      ref: e.ref,
      status: e.status,
      diagnostics: e.diagnostics,
    }));
  }
}
