// "Keep the last accepted version", in one place. When an object's current version fails
// validation, its last accepted version keeps serving (as the API server would have kept it)
// and the object reports Accepted=False for the new one. An object is remembered once a run
// accepts it (nothing in validate or compile said Accepted=False) and forgotten when deleted.
import type { ObjectReport, SourcedResource } from '../compile/types.js';
import { refKey } from '../validate/diagnostic.js';
import { refOf, type ValidatedObject, type ValidResource } from '../validate/validate.js';

/** The last accepted version of each object, by refKey. */
export type AcceptedVersions = ReadonlyMap<string, SourcedResource>;

export interface ChosenVersions {
  /** What compile gets: each object's current version if valid, else its last accepted one. */
  valid: ValidResource[];
  /** refKeys of the objects whose last accepted version stands in for an invalid current one. */
  servingPrevious: ReadonlySet<string>;
}

export const acceptedVersions = (resources: readonly SourcedResource[]): AcceptedVersions =>
  new Map(resources.map((r) => [refKey(refOf(r)), r]));

/** `validate` is the validate stage for one object (the caller may remember its results). */
export function chooseVersions(
  current: readonly ValidatedObject[],
  lastAccepted: AcceptedVersions,
  validate: (resource: SourcedResource) => ValidatedObject,
): ChosenVersions {
  const valid: ValidResource[] = [];
  const fallbacks: ValidResource[] = [];
  const servingPrevious = new Set<string>();
  // Indexed (an iterator's result per object, ~1,100 per run, is what for…of costs until optimized).
  for (let i = 0; i < current.length; i++) {
    const object = current[i]!;
    if (object.valid) {
      valid.push(object.valid);
      continue;
    }
    const key = refKey(object.ref);
    const previous = lastAccepted.get(key);
    const fallback = previous ? validate(previous).valid : undefined;
    if (!fallback) continue;
    fallbacks.push(fallback);
    servingPrevious.add(key);
  }
  return { valid: fallbacks.length === 0 ? valid : [...valid, ...fallbacks], servingPrevious };
}

/** The memory after a run: objects accepted now replace their entry; deleted objects are dropped. */
export function nextAcceptedVersions(
  previous: AcceptedVersions,
  resources: readonly SourcedResource[],
  reports: readonly ObjectReport[],
): Map<string, SourcedResource> {
  const current = acceptedVersions(resources);
  const next = new Map([...previous].filter(([key]) => current.has(key)));
  for (const report of reports) {
    const key = refKey(report.ref);
    const resource = current.get(key);
    if (resource && report.accepted && !report.servingPrevious) next.set(key, resource);
  }
  return next;
}
