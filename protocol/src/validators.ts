// ajv validators for the wire contract, each compiled on first use (once per process): a
// process compiles only what it checks, and the snapshot schemas are large when compiled.
import { Ajv, type ValidateFunction, type ErrorObject } from 'ajv';
import type { TSchema } from '@sinclair/typebox';
import { ControllerEnvelope, DataplaneMessage } from './messages.js';
import { BackendSnap, FrontendSnap, SnapshotBody } from './snapshot.js';

const ajv = new Ajv({ allErrors: false, strict: true });

/** A validator that compiles its schema on the first call; `errors` is that of the last call. */
function compiledOnUse(schema: TSchema): ValidateFunction {
  let compiled: ValidateFunction | undefined;
  const validate = ((data: unknown) => {
    compiled ??= ajv.compile(schema);
    const ok = compiled(data);
    validate.errors = compiled.errors;
    return ok;
  }) as ValidateFunction;
  validate.errors = null;
  return validate;
}

export const validateSnapshotBody: ValidateFunction = compiledOnUse(SnapshotBody);
/** One object of a delta (only what changed is checked). */
export const validateFrontendSnap: ValidateFunction = compiledOnUse(FrontendSnap);
export const validateBackendSnap: ValidateFunction = compiledOnUse(BackendSnap);
export const validateDataplaneMessage: ValidateFunction = compiledOnUse(DataplaneMessage);
/** The envelope of a controller message; its snapshot body or delta objects are the applier's to check. */
export const validateControllerMessage: ValidateFunction = compiledOnUse(ControllerEnvelope);

export function describeAjvErrors(errors: ErrorObject[] | null | undefined): string {
  if (!errors || errors.length === 0) return 'invalid';
  return errors.map((e) => `${e.instancePath || '/'} ${e.message ?? 'invalid'}`).join('; ');
}
