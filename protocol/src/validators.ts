// ajv validators for the wire contract, compiled once per process.
import { Ajv, type ValidateFunction, type ErrorObject } from 'ajv';
import { ControllerMessage, DataplaneMessage } from './messages.js';
import { BackendSnap, FrontendSnap, SnapshotBody } from './snapshot.js';

const ajv = new Ajv({ allErrors: false, strict: true });

export const validateSnapshotBody: ValidateFunction = ajv.compile(SnapshotBody);
/** One object of a delta (only what changed is checked). */
export const validateFrontendSnap: ValidateFunction = ajv.compile(FrontendSnap);
export const validateBackendSnap: ValidateFunction = ajv.compile(BackendSnap);
export const validateDataplaneMessage: ValidateFunction = ajv.compile(DataplaneMessage);
export const validateControllerMessage: ValidateFunction = ajv.compile(ControllerMessage);

export function describeAjvErrors(errors: ErrorObject[] | null | undefined): string {
  if (!errors || errors.length === 0) return 'invalid';
  return errors.map((e) => `${e.instancePath || '/'} ${e.message ?? 'invalid'}`).join('; ');
}
