// Per-object diagnostics: user configuration problems are data, not exceptions.
import type { ErrorCode } from '#protocol/errors';
import type { Kind } from '#api/v1alpha1';

export interface ObjectRef {
  kind: Kind | 'Secret' | 'Service' | 'EndpointSlice' | 'File';
  namespace: string;
  name: string;
}

export type ConditionType = 'Accepted' | 'ResolvedRefs';

export interface Diagnostic {
  object: ObjectRef;
  /** Field path in the object, e.g. "spec.rules[0].backend". Empty for the whole object. */
  field: string;
  message: string;
  code: ErrorCode;
  /** Which condition it sets to False. */
  condition: ConditionType;
  /** Where the object came from (directory source), for file:line reporting. */
  file?: string;
  line?: number;
}

export const refKey = (r: ObjectRef): string => `${r.kind}/${r.namespace}/${r.name}`;

export function formatDiagnostic(d: Diagnostic): string {
  if (d.object.kind === 'File')
    return `${d.file ?? d.object.name}${d.line ? `:${d.line}` : ''}: ${d.message} (${d.code})`;
  const where = d.file ? `${d.file}${d.line ? `:${d.line}` : ''} ` : '';
  const field = d.field ? ` ${d.field}:` : ':';
  return `${where}${d.object.kind}/${d.object.namespace}/${d.object.name}${field} ${d.message} (${d.code})`;
}
