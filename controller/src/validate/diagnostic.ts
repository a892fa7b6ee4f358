// Per-object diagnostics: user configuration problems are data, not exceptions.
import type { ErrorCode } from '#protocol/errors';
import type { Kind } from '#api/v1alpha1';
import type { Origin } from './types.js';

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
  column?: number;
}

/**
 * Where in its file a diagnostic about `field` points: the field itself, or its nearest
 * ancestor present in the file (a missing required field points at its parent), else the
 * object's first line.
 */
export function located(
  origin: Origin | undefined,
  field: string,
): Pick<Diagnostic, 'file' | 'line' | 'column'> {
  if (!origin) return {};
  for (let f = field; f !== ''; f = f.replace(/(\.[^.[\]]*|\[\d+\])$/, '')) {
    const pos = origin.fields?.[f];
    if (pos) return { file: origin.file, line: pos[0], column: pos[1] };
    if (!/[.[]/.test(f)) break;
  }
  return { file: origin.file, line: origin.line };
}

const keys = new WeakMap<ObjectRef, string>();

/**
 * "kind/namespace/name". Remembered per ref object: the pipeline sorts and indexes ~1,100
 * objects by it on every run, and a ref handed again (refOf) need not build its key again.
 * Refs are never mutated once made.
 */
export function refKey(r: ObjectRef): string {
  let key = keys.get(r);
  if (key === undefined) keys.set(r, (key = `${r.kind}/${r.namespace}/${r.name}`));
  return key;
}

const position = (d: Diagnostic) => (d.line ? `:${d.line}${d.column ? `:${d.column}` : ''}` : '');

export function formatDiagnostic(d: Diagnostic): string {
  if (d.object.kind === 'File') return `${d.file ?? d.object.name}${position(d)}: ${d.message} (${d.code})`;
  const where = d.file ? `${d.file}${position(d)} ` : '';
  const field = d.field ? ` ${d.field}:` : ':';
  return `${where}${d.object.kind}/${d.object.namespace}/${d.object.name}${field} ${d.message} (${d.code})`;
}
