// Diagnostic constructors shared by sources.
import type { ErrorCode } from '#protocol/errors';
import type { Origin } from '../compile/types.js';
import { located, type Diagnostic, type ObjectRef } from '../validate/diagnostic.js';

/** A problem with a file or a document that has no usable identity. */
export function fileDiagnostic(
  file: string,
  line: number | undefined,
  code: ErrorCode,
  message: string,
): Diagnostic {
  return {
    object: { kind: 'File', namespace: '', name: file },
    field: '',
    message,
    code,
    condition: 'Accepted',
    file,
    ...(line ? { line } : {}),
  };
}

export function objectDiagnostic(
  object: ObjectRef,
  field: string,
  code: ErrorCode,
  message: string,
  origin?: Origin,
  condition: Diagnostic['condition'] = 'Accepted',
): Diagnostic {
  return {
    object,
    field,
    message,
    code,
    condition,
    ...located(origin, field),
  };
}
