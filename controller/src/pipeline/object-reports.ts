// The last pure step: one report per resource (valid or not), joining what validate and compile
// said about it, sorted. Status conditions are computed from these.
import type { ObjectReport, SourcedResource } from '../compile/types.js';
import { refKey, type Diagnostic } from '../validate/diagnostic.js';
import { refOf } from '../validate/validate.js';

/** One number per resource object: the store hands out a new object only for new content. */
const revisions = new WeakMap<object, number>();
let lastRevision = 0;
const revisionOf = (r: SourcedResource): number => {
  let n = revisions.get(r);
  if (n === undefined) revisions.set(r, (n = ++lastRevision));
  return n;
};

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
      const ds = diagByKey.get(key) ?? [];
      const report: ObjectReport = {
        ref,
        accepted: !ds.some((d) => d.condition === 'Accepted'),
        resolvedRefs: !ds.some((d) => d.condition === 'ResolvedRefs'),
        groups: [...(groups.get(key) ?? [])],
        diagnostics: ds,
        revision: revisionOf(r),
      };
      if (r.metadata?.generation !== undefined) report.generation = r.metadata.generation;
      if (servingPrevious.has(key)) report.servingPrevious = true;
      return report;
    })
    .sort((a, b) => (refKey(a.ref) < refKey(b.ref) ? -1 : 1));
}
