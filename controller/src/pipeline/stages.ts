// The pure stages of the controller, in order (Envoy Gateway's translator runners, without the
// goroutines): validate each object on its own → choose which version of each to compile
// (accepted-versions.ts) → compile the validated objects → one report per object. Same input,
// same result; no clock (input.now), no I/O.
import { compile } from '../compile/compile.js';
import type { CompileMemo } from '../compile/memo.js';
import type { CompileInput, CompileResult, SourcedResource } from '../compile/types.js';
import { validateResource, type ValidatedObject } from '../validate/validate.js';
import { acceptedVersions, chooseVersions } from './accepted-versions.js';
import { reportObjects } from './object-reports.js';

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
  const validated = input.resources.map(validate);
  // The last accepted versions stand in only for objects that are invalid now: indexed only then.
  const anyInvalid = validated.some((v) => !v.valid);
  const chosen = chooseVersions(
    validated,
    anyInvalid ? acceptedVersions(input.lastAccepted ?? []) : new Map(),
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
  const diagnostics = [
    ...(input.sourceDiagnostics ?? []),
    ...validated.flatMap((v) => v.diagnostics),
    ...compiled.diagnostics,
  ];
  return {
    snapshots: compiled.snapshots,
    diagnostics,
    objects: reportObjects(input.resources, diagnostics, compiled.groups, chosen.servingPrevious),
    certificates: compiled.certificates,
  };
}
