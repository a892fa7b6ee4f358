// ajv validators for the wire contract, generated ahead of time (generated/validators.ts, written
// by `npm run gen:validators` from the TypeBox schemas): no process loads ajv's compiler or the
// schemas to check a message, nor compiles the large snapshot schemas at run time (docs/memory.md).
import type { ValidateFunction, ErrorObject } from 'ajv';
import * as generated from './generated/validators.js';

export const validateSnapshotBody: ValidateFunction = generated.SnapshotBody;
/** One object of a delta (only what changed is checked). */
export const validateFrontendSnap: ValidateFunction = generated.FrontendSnap;
export const validateBackendSnap: ValidateFunction = generated.BackendSnap;
export const validateDataplaneMessage: ValidateFunction = generated.DataplaneMessage;
/** The envelope of a controller message; its snapshot body or delta objects are the applier's to check. */
export const validateControllerMessage: ValidateFunction = generated.ControllerEnvelope;

export function describeAjvErrors(errors: ErrorObject[] | null | undefined): string {
  if (!errors || errors.length === 0) return 'invalid';
  return errors.map((e) => `${e.instancePath || '/'} ${e.message ?? 'invalid'}`).join('; ');
}
