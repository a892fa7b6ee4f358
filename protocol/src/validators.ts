// ajv validators for the wire contract, generated ahead of time (generated/validators.json, written
// by `npm run gen:validators` from the TypeBox schemas): no process loads ajv's compiler or the
// schemas to check a message, nor compiles the large snapshot schemas at run time (docs/memory.md).
//
// The generated code is a function body in a JSON document, made into functions once, here, and
// not a TypeScript module: tsc prints a module re-indented, and ajv's code nests deeply (one level
// per property checked), so the module was 0.9 MB as tsc printed it for 0.24 MB of code; the source
// text of a loaded module stays in V8's heap for the process's life. The function keeps its own
// source; the document's copy is dropped once it is made.
import type { ValidateFunction, ErrorObject } from 'ajv';
import generated from './generated/validators.json' with { type: 'json' };

function make(): Record<string, ValidateFunction> {
  const doc = generated as { source?: string };
  if (typeof doc.source !== 'string') throw new Error('generated validators: no source');
  // Code generated at build time from this package's own schemas; no input reaches it.
  const made = new Function(doc.source)() as Record<string, ValidateFunction>;
  delete doc.source;
  return made;
}
const generatedValidators = make();

function validator(name: string): ValidateFunction {
  const v = generatedValidators[name];
  if (typeof v !== 'function') throw new Error(`generated validators: no ${name}`);
  return v;
}

export const validateSnapshotBody: ValidateFunction = validator('SnapshotBody');
/** One object of a delta (only what changed is checked). */
export const validateFrontendSnap: ValidateFunction = validator('FrontendSnap');
export const validateBackendSnap: ValidateFunction = validator('BackendSnap');
export const validateDataplaneMessage: ValidateFunction = validator('DataplaneMessage');
/** The envelope of a controller message; its snapshot body or delta objects are the applier's to check. */
export const validateControllerMessage: ValidateFunction = validator('ControllerEnvelope');

export function describeAjvErrors(errors: ErrorObject[] | null | undefined): string {
  if (!errors || errors.length === 0) return 'invalid';
  return errors.map((e) => `${e.instancePath || '/'} ${e.message ?? 'invalid'}`).join('; ');
}
