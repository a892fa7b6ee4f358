// The pure stages of the controller, in order (Envoy Gateway's translator runners, without the
// goroutines): validate each object on its own → choose which version of each to compile
// (accepted-versions.ts) → compile the validated objects → one report per object. Same input,
// same result; no clock (input.now), no I/O.
import { compile } from '../compile/compile.js';
import type { CompileMemo } from '../compile/memo.js';
import type { CompileInput, CompileResult, SourcedResource, StagesState } from '../compile/types.js';
import { validateResource, type ValidatedObject } from '../validate/validate.js';
import { acceptedVersions, chooseVersions, type ChosenVersions } from './accepted-versions.js';
import { reportObjects, searchReports } from './object-reports.js';
import type { ObjectReport } from '../compile/types.js';
import { refKey, type Diagnostic } from '../validate/diagnostic.js';
import { refOf } from '../validate/validate.js';

/**
 * `validate` runs the validate stage on one object; the controller passes one that remembers
 * results per (frozen) resource object, so an unchanged object is not validated again, and a
 * `memo` that keeps per-object compile results, so an unchanged object is not compiled again.
 */
export function runStages(
  input: CompileInput,
  validate: (resource: SourcedResource) => ValidatedObject = validateResource,
  memo?: CompileMemo,
): CompileResult {
  const last = memo?.stages;
  // After a few edits (the store patches its last input in place): the last run's validated
  // objects at the positions whose resource is the very same object, validate at the others.
  const same =
    last !== undefined &&
    last.validate === validate &&
    last.resources.length === input.resources.length &&
    last.sourceDiagnostics === input.sourceDiagnostics;
  let validated: ValidatedObject[];
  let validationDiagnosticsSame = same;
  const edited: number[] = [];
  if (same) {
    validated = last.validated.slice();
    for (let i = 0; i < validated.length; i++) {
      const r = input.resources[i]!;
      if (r === last.resources[i]) continue;
      const v = validate(r);
      if (v.diagnostics.length > 0 || validated[i]!.diagnostics.length > 0) validationDiagnosticsSame = false;
      validated[i] = v;
      edited.push(i);
    }
  } else validated = input.resources.map(validate);
  // The last accepted versions stand in only for objects that are invalid now: indexed only then.
  const anyInvalid = validated.some((v) => !v.valid);
  // Every object valid now and last run: the last run's list with the edited positions replaced
  // (what chooseVersions gives then, without building it again).
  let chosen: ChosenVersions;
  if (same && !anyInvalid && last.valid) {
    const valid = last.valid.slice();
    for (const i of edited) valid[i] = validated[i]!.valid!;
    chosen = { valid, servingPrevious: NONE_PREVIOUS };
  } else
    chosen = chooseVersions(
      validated,
      anyInvalid ? (input.acceptedVersions ?? acceptedVersions(input.lastAccepted ?? [])) : new Map(),
      validate,
    );
  const compiled = compile({
    valid: chosen.valid,
    secrets: input.secrets,
    services: input.services,
    ...(input.now !== undefined ? { now: input.now } : {}),
    ...(input.lastGoodCertificates ? { lastGoodCertificates: input.lastGoodCertificates } : {}),
    ...(memo ? { memo } : {}),
  });
  // The same list as the last run's while none of its parts changed (reports compare by identity).
  const diagnostics =
    same && validationDiagnosticsSame && compiled.diagnostics === last.compiledDiagnostics
      ? last.diagnostics
      : [
          ...(input.sourceDiagnostics ?? []),
          ...validated.flatMap((v) => v.diagnostics),
          ...compiled.diagnostics,
        ];
  const objects =
    same &&
    diagnostics === last.diagnostics &&
    compiled.groups === last.groups &&
    chosen.servingPrevious.size === 0 &&
    last.servingPrevious === 0
      ? patchReports(input.resources, last, compiled.groups)
      : reportObjects(input.resources, diagnostics, compiled.groups, chosen.servingPrevious);
  if (memo)
    memo.stages = {
      validate,
      resources: input.resources,
      sourceDiagnostics: input.sourceDiagnostics,
      validated,
      valid: anyInvalid ? undefined : chosen.valid,
      compiledDiagnostics: compiled.diagnostics,
      diagnostics,
      groups: compiled.groups,
      servingPrevious: chosen.servingPrevious.size,
      objects,
    };
  return {
    snapshots: compiled.snapshots,
    diagnostics,
    objects,
    certificates: compiled.certificates,
  };
}

/**
 * The last run's reports with those of the edited resources made again, when nothing else they
 * join changed (the same diagnostics list, the same groups map, no object serving its previous
 * version): each in the place of the report of the same refKey, found by a binary search of the
 * sorted list. A resource that took another's place (another refKey) makes the whole list again.
 */
function patchReports(
  resources: readonly SourcedResource[],
  last: StagesState,
  groups: ReadonlyMap<string, string[]>,
): ObjectReport[] {
  let objects: ObjectReport[] | undefined;
  for (let i = 0; i < resources.length; i++) {
    const r = resources[i]!;
    if (r === last.resources[i]) continue;
    const key = refKey(refOf(r));
    if (key !== refKey(refOf(last.resources[i]!)))
      return reportObjects(resources, last.diagnostics, groups, new Set());
    const at = searchReports(last.objects, key);
    if (at < 0) return reportObjects(resources, last.diagnostics, groups, new Set());
    objects ??= last.objects.slice();
    // The list is the last run's: what it says of this object (nothing, but for a source's).
    const ds =
      last.diagnostics.length === 0
        ? NO_DIAGNOSTICS
        : last.diagnostics.filter((d) => refKey(d.object) === key);
    const [report] = reportObjects([r], ds, groups, new Set());
    objects[at] = report!;
  }
  return objects ?? last.objects;
}

const NO_DIAGNOSTICS: readonly Diagnostic[] = [];
const NONE_PREVIOUS: ReadonlySet<string> = new Set();
