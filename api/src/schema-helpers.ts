// Small builders over TypeBox so every field carries a description (kubectl explain)
// and Kubernetes-specific keywords stay in one place.
import { Type, type TSchema, type SchemaOptions } from '@sinclair/typebox';

export const DURATION_PATTERN = '^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$';
/** A literal request path: origin-form, so it starts with "/". */
export const PATH_PATTERN = '^/';

export interface Cel {
  rule: string;
  message: string;
  fieldPath?: string;
  reason?: string;
}

/** Attach CEL rules (x-kubernetes-validations); the validate stage mirrors each one in TypeScript. */
export function cel(...rules: Cel[]): SchemaOptions {
  return { 'x-kubernetes-validations': rules };
}

export const Duration = (description: string, opts: SchemaOptions = {}) =>
  Type.String({
    description: `${description} A duration such as "250ms", "5s", "1m", "1h".`,
    pattern: DURATION_PATTERN,
    maxLength: 32,
    ...opts,
  });

export const Str = (description: string, opts: SchemaOptions = {}) =>
  Type.String({ description, maxLength: 253, ...opts });

/** A user-supplied pattern: RE2 syntax (linear-time matching), an unanchored search. */
export const Regex = (description: string, maxLength = 1024) =>
  Str(
    `${description} RE2 syntax (no lookaround or backreferences), matched anywhere unless anchored with ^ and $.`,
    { maxLength },
  );

export const Int = (description: string, opts: SchemaOptions = {}) => Type.Integer({ description, ...opts });

export const Bool = (description: string, opts: SchemaOptions = {}) => Type.Boolean({ description, ...opts });

export const Port = (description: string, opts: SchemaOptions = {}) =>
  Type.Integer({ description, minimum: 1, maximum: 65535, ...opts });

export const Obj = <T extends Record<string, TSchema>>(
  description: string,
  props: T,
  opts: SchemaOptions = {},
) => Type.Object(props, { description, additionalProperties: false, ...opts });

export const List = <T extends TSchema>(
  description: string,
  item: T,
  maxItems: number,
  opts: SchemaOptions = {},
) => Type.Array(item, { description, maxItems, ...opts });

export const Enum = <T extends string>(description: string, values: readonly T[], opts: SchemaOptions = {}) =>
  Type.Unsafe<T>({ type: 'string', enum: [...values], description, ...opts });

/** A name of another object in the same namespace. */
export const Ref = (description: string) =>
  Type.String({ description, minLength: 1, maxLength: 253, pattern: '^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$' });

/** Port by number or by name (Service port). */
export const IntOrString = (description: string) =>
  Type.Unsafe<number | string>({
    description,
    'x-kubernetes-int-or-string': true,
    anyOf: [{ type: 'integer' }, { type: 'string' }],
  });
