// The wire-contract validators as ajv standalone code: the text of an ES module that exports one
// validate function per schema, so no process compiles a schema at run time (docs/memory.md).
// Pure: schemas in, source text out; gen-validators.ts writes it to generated/validators.ts, and
// a test fails when the committed file differs from what these schemas generate now.
import { createRequire } from 'node:module';
import { Ajv, type Options } from 'ajv';
import standaloneCode from 'ajv/dist/standalone/index.js';
import { ControllerEnvelope, DataplaneMessage } from './messages.js';
import { BackendSnap, FrontendSnap, SnapshotBody } from './snapshot.js';

/**
 * The options the validators are compiled with (the differential test compiles with the same).
 * inlineRefs off: a schema referenced by another (see withRefs) stays one function that both call.
 */
export const AJV_OPTIONS = { allErrors: false, strict: true, inlineRefs: false } as const satisfies Options;

/** Export name in the generated module → schema. */
export const VALIDATED_SCHEMAS = {
  SnapshotBody,
  FrontendSnap,
  BackendSnap,
  DataplaneMessage,
  ControllerEnvelope,
} as const;

export const GENERATED_VALIDATORS_PATH = 'protocol/src/generated/validators.ts';

const HEADER = `// @ts-nocheck -- ajv's untyped JavaScript; only the exports are typed.
// GENERATED FILE, do not edit: \`npm run gen:validators\` (protocol/src/gen-validators.ts) writes it
// from the TypeBox schemas in messages.ts and snapshot.ts with ajv's standalone code generation.
// test/unit/protocol/generated-validators.test.ts fails when it differs from what they generate.
// Each export is what ajv.compile returns (errors of the last call on \`errors\`) without its
// \`schema\`, \`schemaEnv\` and \`source\` properties.
import type { ValidateFunction } from "ajv";
`;

// The exports carry their type: without it the compiler infers the functions' types through their
// whole control flow to write the declarations, and its recursion overflows the stack.
const EXPORT = /^export const (\w+) = (validate\d+);$/gm;

// ajv's generated code calls small runtime helpers, which it writes as CommonJS requires even in
// ESM output. Each is a self-contained function and is written into the module instead: an import
// of a CommonJS module gives `module.exports` under Node's ESM loader but `exports.default` under
// a CommonJS transform (tsx running tests), and a function needs neither.
const RUNTIME_REQUIRE = /require\("ajv\/dist\/runtime\/([A-Za-z0-9]+)"\)\.default/g;
/** The helpers known to close over nothing (a new one is checked before it is added here). */
const SELF_CONTAINED_HELPERS = new Set(['ucs2length']);
const requireHelper = createRequire(import.meta.url);

/**
 * `schema` with every sub-schema that is itself one of `named` (the same object: TypeBox composes
 * by reference) replaced by a `$ref` to it. SnapshotBody holds FrontendSnap and BackendSnap;
 * inlined, their whole validation code was generated twice (a third of the module's source text,
 * which every process that validates keeps in memory). What the validators accept and the errors
 * they report are unchanged; only `schemaPath` inside a referenced schema is relative to it.
 */
export function withRefs(schema: unknown, named: ReadonlyMap<object, string>, root = true): unknown {
  if (schema === null || typeof schema !== 'object') return schema;
  const ref = named.get(schema);
  if (ref !== undefined && !root) return { $ref: ref };
  if (Array.isArray(schema)) return schema.map((s) => withRefs(s, named, false));
  // Own string keys only: TypeBox's symbol-keyed markers are not schema keywords.
  return Object.fromEntries(Object.entries(schema).map(([k, v]) => [k, withRefs(v, named, false)]));
}

export function renderValidatorsModule(): string {
  const ajv = new Ajv({ ...AJV_OPTIONS, code: { source: true, esm: true, lines: true } });
  const names = Object.keys(VALIDATED_SCHEMAS) as Array<keyof typeof VALIDATED_SCHEMAS>;
  const named = new Map<object, string>(names.map((n) => [VALIDATED_SCHEMAS[n], n]));
  for (const name of names) ajv.addSchema(withRefs(VALIDATED_SCHEMAS[name], named) as object, name);
  const code = standaloneCode.default(ajv, Object.fromEntries(names.map((n) => [n, n])));
  let exported = 0;
  const body = code
    .replace(RUNTIME_REQUIRE, (_, helper: string) => {
      if (!SELF_CONTAINED_HELPERS.has(helper))
        throw new Error(`ajv standalone code uses runtime helper ${helper}: check it and add it`);
      const fn = (requireHelper(`ajv/dist/runtime/${helper}`) as { default: () => unknown }).default;
      return fn.toString();
    })
    .replace(EXPORT, (_, name: string, validate: string) => {
      exported++;
      return `export const ${name}: ValidateFunction = ${validate};`;
    });
  if (exported !== names.length)
    throw new Error('ajv standalone code does not export one validate function per schema');
  if (/\brequire\(/.test(body))
    throw new Error('ajv standalone code requires a module that is not a runtime helper');
  return `${HEADER}${body}\n`;
}
