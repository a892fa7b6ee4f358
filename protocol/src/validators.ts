// ajv validators for the wire contract, compiled once per process.
import { Ajv, type ValidateFunction, type ErrorObject } from 'ajv';
import { ControllerMessage, DataplaneMessage } from './messages.js';
import { SnapshotBody } from './snapshot.js';

const ajv = new Ajv({ allErrors: false, strict: true });

export const validateSnapshotBody: ValidateFunction = ajv.compile(SnapshotBody);
export const validateDataplaneMessage: ValidateFunction = ajv.compile(DataplaneMessage);
export const validateControllerMessage: ValidateFunction = ajv.compile(ControllerMessage);

export function describeAjvErrors(errors: ErrorObject[] | null | undefined): string {
  if (!errors || errors.length === 0) return 'invalid';
  return errors.map((e) => `${e.instancePath || '/'} ${e.message ?? 'invalid'}`).join('; ');
}
