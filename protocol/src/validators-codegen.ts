// The wire-contract validators as ajv standalone code, so no process compiles a schema at run time
// (docs/memory.md): the body of a function that returns one validate function per schema, in a
// JSON document (validators.ts says why not a TypeScript module). Pure: schemas in, text out;
// gen-validators.ts writes it to generated/validators.json, and a test fails when the committed
// file differs from what these schemas generate now.
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

export const GENERATED_VALIDATORS_PATH = 'protocol/src/generated/validators.json';

/** The generated document (validators.ts reads it). */
export interface GeneratedValidators {
  generated: string;
  /** Export names, in the order of VALIDATED_SCHEMAS. */
  exports: string[];
  /** A function body ("use strict" first) returning { [export name]: validate function }. */
  source: string;
}

const NOTE =
  'GENERATED FILE, do not edit: `npm run gen:validators` (protocol/src/gen-validators.ts) writes it from the ' +
  'TypeBox schemas in messages.ts and snapshot.ts with ajv standalone code generation; ' +
  'test/unit/protocol/generated-validators.test.ts fails when it differs from what they generate. ' +
  'Each validator is what ajv.compile returns (errors of the last call on `errors`) without its ' +
  '`schema`, `schemaEnv` and `source` properties.';

// ajv's ES module output exports each validator by a line of its own.
const EXPORT = /^export const (\w+) = (validate\d+);\n/gm;

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
  const exports: string[] = [];
  const body = code
    .replace(RUNTIME_REQUIRE, (_, helper: string) => {
      if (!SELF_CONTAINED_HELPERS.has(helper))
        throw new Error(`ajv standalone code uses runtime helper ${helper}: check it and add it`);
      const fn = (requireHelper(`ajv/dist/runtime/${helper}`) as { default: () => unknown }).default;
      return fn.toString();
    })
    .replace(EXPORT, (_, name: string, validate: string) => {
      exports.push(`${name}:${validate}`);
      return '';
    });
  if (exports.length !== names.length || !body.startsWith('"use strict";'))
    throw new Error('ajv standalone code does not export one validate function per schema');
  if (/\brequire\(|^export /m.test(body))
    throw new Error('ajv standalone code requires or exports what a function body cannot');
  const doc: GeneratedValidators = {
    generated: NOTE,
    exports: exports.map((e) => e.slice(0, e.indexOf(':'))),
    source: `${body}\nreturn {${exports.join(',')}};\n`,
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}
