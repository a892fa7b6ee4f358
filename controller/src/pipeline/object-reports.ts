// The last pure step: one report per resource (valid or not), joining what validate and compile
// said about it, sorted. Status conditions are computed from these.
import { sameItems } from '../compile/memo.js';
import type { ObjectReport, SourcedResource } from '../compile/types.js';
import { refKey, type Diagnostic } from '../validate/diagnostic.js';
import { refOf } from '../validate/validate.js';

/** One number per resource object: the store hands out a new object only for new content. */
const revisions = new WeakMap<object, number>();
let lastRevision = 0;
const reportRevisions = new WeakMap<ObjectReport, number>();

/**
 * Changes whenever the reported object's content does (it counts resource objects, and the store
 * keeps one frozen object per content): status uses it to tell which objects an edit touched.
 * Kept beside the report, not in it, because it depends on identities, not content: the report
 * itself stays the same for the same input.
 */
export const revisionOf = (report: ObjectReport): number | undefined => reportRevisions.get(report);

export function reportObjects(
  resources: readonly SourcedResource[],
  diagnostics: readonly Diagnostic[],
  groups: ReadonlyMap<string, string[]>,
  servingPrevious: ReadonlySet<string>,
): ObjectReport[] {
  const diagByKey = new Map<string, Diagnostic[]>();
  for (const d of diagnostics) {
    const k = refKey(d.object);
    if (!diagByKey.has(k)) diagByKey.set(k, []);
    diagByKey.get(k)!.push(d);
  }
  return resources
    .map((r): ObjectReport => {
      const ref = refOf(r);
      const key = refKey(ref);
      const ds = diagByKey.get(key) ?? NONE;
      const inGroups = groups.get(key) ?? NONE;
      const previous = servingPrevious.has(key) || undefined;
      const last = lastReports.get(r);
      if (
        last &&
        last.ref === ref &&
        last.servingPrevious === previous &&
        last.generation === r.metadata?.generation &&
        sameItems(last.groups, inGroups) &&
        sameItems(last.diagnostics, ds)
      )
        return last;
      const report: ObjectReport = {
        ref,
        accepted: !ds.some((d) => d.condition === 'Accepted'),
        resolvedRefs: !ds.some((d) => d.condition === 'ResolvedRefs'),
        groups: [...inGroups],
        diagnostics: ds === NONE ? [] : ds,
      };
      if (r.metadata?.generation !== undefined) report.generation = r.metadata.generation;
      if (previous) report.servingPrevious = true;
      lastReports.set(r, report);
      let revision = revisions.get(r);
      if (revision === undefined) revisions.set(r, (revision = ++lastRevision));
      reportRevisions.set(report, revision);
      return report;
    })
    .sort((a, b) => (refKey(a.ref) < refKey(b.ref) ? -1 : 1));
}

/**
 * The last report made for each resource object. An object an edit did not touch gets the very
 * same report again, so status (status/tracker.ts) recognises it by identity instead of
 * comparing ~1,100 reports' contents after every compile.
 */
const lastReports = new WeakMap<SourcedResource, ObjectReport>();
const NONE: never[] = [];

/** Where the report of `key` is in `list` (sorted by refKey, as reportObjects returns it), or -1. */
export function searchReports(list: readonly ObjectReport[], key: string): number {
  let lo = 0;
  let hi = list.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const at = refKey(list[mid]!.ref);
    if (at < key) lo = mid + 1;
    else if (at > key) hi = mid - 1;
    else return mid;
  }
  return -1;
}
