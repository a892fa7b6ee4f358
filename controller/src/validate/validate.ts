// Validate stage: schema (with CRD defaults applied), CEL twins, and semantic checks
// (regexes compile as RE2, CIDRs parse). Pure: the same resources always give the same result.
/* eslint-disable @typescript-eslint/no-explicit-any */
import { isIP } from 'node:net';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { deepFreeze } from '#protocol/canonical';
import { ErrorCodes } from '#protocol/errors';
import { patternProblem } from '#protocol/pattern';
import { API_VERSION, KINDS, type Kind, type Resource } from '#api/v1alpha1';
import type { SourcedResource } from './types.js';
import { DURATION_PATTERN, PATH_PATTERN } from '#api/schema-helpers';
import { CEL_TWINS } from './cel-twins.js';
import { located, type Diagnostic, type ObjectRef } from './diagnostic.js';
import { forEachCelSite } from './schema-walk.js';
import { cipherListProblem } from './tls-ciphers.js';

const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: true, strictTypes: false, verbose: true });
for (const kw of [
  'x-kubernetes-validations',
  'x-kubernetes-list-type',
  'x-kubernetes-list-map-keys',
  'x-kubernetes-int-or-string',
]) {
  ajv.addKeyword(kw);
}
const specValidators = new Map<Kind, ValidateFunction>(KINDS.map((k) => [k.kind, ajv.compile(k.spec)]));
const specSchemas = new Map<Kind, unknown>(KINDS.map((k) => [k.kind, k.spec]));

export interface ValidResource<S = any> {
  resource: SourcedResource;
  ref: ObjectRef;
  /** spec with schema defaults applied (a fresh copy; the input is never mutated). */
  spec: S;
}

export interface ValidationResult {
  valid: ValidResource[];
  diagnostics: Diagnostic[];
}

const refs = new WeakMap<Resource, ObjectRef>();

/**
 * The object's reference: one frozen object per resource object (the store hands the same
 * frozen resource while its content is the same), so every run does not allocate ~1,100 refs
 * and their keys (refKey remembers its key per ref object).
 */
export function refOf(r: Resource): ObjectRef {
  let ref = refs.get(r);
  if (!ref) {
    ref = Object.freeze({
      kind: r.kind,
      namespace: r.metadata?.namespace ?? 'default',
      name: r.metadata?.name ?? '',
    });
    refs.set(r, ref);
  }
  return ref;
}

/** "/rules/0/match" → "spec.rules[0].match" */
export function toFieldPath(instancePath: string, root = 'spec'): string {
  let out = root;
  for (const seg of instancePath.split('/').slice(1)) {
    const s = seg.replace(/~1/g, '/').replace(/~0/g, '~');
    out += /^\d+$/.test(s) ? `[${s}]` : `.${s}`;
  }
  return out;
}

function ajvMessage(e: ErrorObject): { field: string; message: string } {
  const field = toFieldPath(e.instancePath);
  switch (e.keyword) {
    case 'additionalProperties':
      return { field: `${field}.${e.params.additionalProperty}`, message: 'unknown field' };
    case 'required':
      return { field: `${field}.${e.params.missingProperty}`, message: 'required field is missing' };
    case 'enum':
      return {
        field,
        message: `must be one of ${(e.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`,
      };
    case 'pattern':
      if (e.params.pattern === PATH_PATTERN)
        return { field, message: `${JSON.stringify(e.data)} must start with "/"` };
      return { field, message: `does not match the expected format (${e.params.pattern})` };
    default:
      return { field, message: e.message ?? 'invalid' };
  }
}

function schemaDiagnostics(
  kind: Kind,
  spec: any,
  base: Omit<Diagnostic, 'field' | 'message' | 'code' | 'condition'>,
): Diagnostic[] {
  const validate = specValidators.get(kind)!;
  if (validate(spec)) return [];
  const seen = new Set<string>();
  const out: Diagnostic[] = [];
  for (const e of validate.errors ?? []) {
    // anyOf (int-or-string) reports each branch; one line is enough.
    if (e.keyword === 'anyOf') continue;
    const { field, message } = ajvMessage(e);
    const key = `${field}|${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    if (e.keyword === 'pattern' && e.params.pattern === DURATION_PATTERN) {
      out.push({
        ...base,
        field,
        message: `invalid duration ${JSON.stringify(e.data)}: use forms like 250ms, 5s, 1m30s, 1h`,
        code: ErrorCodes.INVALID_DURATION,
        condition: 'Accepted',
      });
      continue;
    }
    out.push({ ...base, field, message, code: ErrorCodes.CONFIG_SCHEMA, condition: 'Accepted' });
  }
  return out;
}

function celDiagnostics(
  kind: Kind,
  spec: any,
  base: Omit<Diagnostic, 'field' | 'message' | 'code' | 'condition'>,
): Diagnostic[] {
  const out: Diagnostic[] = [];
  forEachCelSite(specSchemas.get(kind), spec, 'spec', (value, rules, path) => {
    for (const rule of rules) {
      const twin = CEL_TWINS[rule.rule];
      if (!twin) throw new Error(`no TypeScript twin for CEL rule ${rule.rule}`);
      if (!twin(value)) {
        out.push({
          ...base,
          field: path() + (rule.fieldPath ?? ''),
          message: rule.message,
          code: ErrorCodes.CONFIG_RULE,
          condition: 'Accepted',
        });
      }
    }
  });
  return out;
}

/** x-kubernetes-list-type: map — keys must be unique (the API server enforces this too). */
function listMapDiagnostics(
  kind: Kind,
  spec: any,
  base: Omit<Diagnostic, 'field' | 'message' | 'code' | 'condition'>,
): Diagnostic[] {
  const out: Diagnostic[] = [];
  const check = (list: any[] | undefined, path: string, what: string) => {
    const seen = new Map<string, number>();
    (list ?? []).forEach((item, i) => {
      const prev = seen.get(item?.name);
      if (prev !== undefined) {
        out.push({
          ...base,
          field: `${path}[${i}].name`,
          message: `duplicate ${what} name "${item.name}" (also at ${path}[${prev}])`,
          code: ErrorCodes.CONFIG_DUPLICATE,
          condition: 'Accepted',
        });
      } else seen.set(item?.name, i);
    });
  };
  if (kind === 'Frontend') check(spec.rules, 'spec.rules', 'rule');
  if (kind === 'Backend') check(spec.servers, 'spec.servers', 'server');
  return out;
}

export function cidrProblem(text: string): string | null {
  const [addr, bits, extra] = text.split('/');
  if (extra !== undefined || !addr) return 'not a CIDR';
  const family = isIP(addr);
  if (family === 0) return `"${addr}" is not an IP address`;
  if (bits === undefined) return null;
  if (!/^\d+$/.test(bits)) return `prefix length "${bits}" is not a number`;
  const max = family === 4 ? 32 : 128;
  if (Number(bits) > max) return `prefix length ${bits} exceeds ${max}`;
  return null;
}

function semanticDiagnostics(
  kind: Kind,
  spec: any,
  base: Omit<Diagnostic, 'field' | 'message' | 'code' | 'condition'>,
): Diagnostic[] {
  const out: Diagnostic[] = [];
  const regex = (value: string | undefined, field: string) => {
    if (value === undefined) return;
    const problem = patternProblem(value);
    if (problem)
      out.push({
        ...base,
        field,
        message: `invalid regular expression ${JSON.stringify(value)}: ${problem}`,
        code: ErrorCodes.INVALID_REGEX,
        condition: 'Accepted',
      });
  };
  if (kind === 'Frontend') {
    if (spec.bind?.address !== undefined && isIP(spec.bind.address) === 0) {
      out.push({
        ...base,
        field: 'spec.bind.address',
        message: `"${spec.bind.address}" is not an IP address`,
        code: ErrorCodes.CONFIG_SCHEMA,
        condition: 'Accepted',
      });
    }
    (spec.rules ?? []).forEach((r: any, i: number) => {
      const p = `spec.rules[${i}]`;
      regex(r.match?.path?.regex, `${p}.match.path.regex`);
      (r.match?.headers ?? []).forEach((h: any, j: number) =>
        regex(h.regex, `${p}.match.headers[${j}].regex`),
      );
      (r.match?.queryParams ?? []).forEach((h: any, j: number) =>
        regex(h.regex, `${p}.match.queryParams[${j}].regex`),
      );
      (r.match?.sourceCIDRs ?? []).forEach((c: string, j: number) => {
        const problem = cidrProblem(c);
        if (problem)
          out.push({
            ...base,
            field: `${p}.match.sourceCIDRs[${j}]`,
            message: `invalid CIDR "${c}": ${problem}`,
            code: ErrorCodes.INVALID_CIDR,
            condition: 'Accepted',
          });
      });
      if (spec.mode === 'tcp') {
        const m = r.match ?? {};
        for (const f of ['host', 'path', 'methods', 'headers', 'queryParams']) {
          if (m[f] !== undefined)
            out.push({
              ...base,
              field: `${p}.match.${f}`,
              message: 'only sni and sourceCIDRs can be matched in mode tcp',
              code: ErrorCodes.CONFIG_RULE,
              condition: 'Accepted',
            });
        }
        if (r.redirect)
          out.push({
            ...base,
            field: `${p}.redirect`,
            message: 'redirect needs mode http',
            code: ErrorCodes.CONFIG_RULE,
            condition: 'Accepted',
          });
        for (const f of ['requestHeaders', 'responseHeaders']) {
          if (r[f])
            out.push({
              ...base,
              field: `${p}.${f}`,
              message: `${f} need mode http`,
              code: ErrorCodes.CONFIG_RULE,
              condition: 'Accepted',
            });
        }
      } else if (r.match?.sni) {
        out.push({
          ...base,
          field: `${p}.match.sni`,
          message: 'sni can only be matched in mode tcp (use host in mode http)',
          code: ErrorCodes.CONFIG_RULE,
          condition: 'Accepted',
        });
      }
    });
    const tls = spec.tls;
    if (tls?.minVersion && tls?.maxVersion && tls.minVersion > tls.maxVersion) {
      out.push({
        ...base,
        field: 'spec.tls.maxVersion',
        message: `maxVersion ${tls.maxVersion} is lower than minVersion ${tls.minVersion}`,
        code: ErrorCodes.CONFIG_RULE,
        condition: 'Accepted',
      });
    }
    // TLS (docs/tls.md): a cipher list OpenSSL refuses, client certificates without a CA to check them.
    const cipherProblem = typeof tls?.ciphers === 'string' ? cipherListProblem(tls.ciphers) : undefined;
    if (cipherProblem) {
      out.push({
        ...base,
        field: 'spec.tls.ciphers',
        message: `OpenSSL refuses this cipher list: ${cipherProblem}`,
        code: ErrorCodes.CONFIG_RULE,
        condition: 'Accepted',
      });
    }
    const ca = tls?.clientAuth;
    if (ca && ca.mode !== 'none' && !ca.caSecretName && !ca.caFile) {
      out.push({
        ...base,
        field: 'spec.tls.clientAuth',
        message: `mode ${ca.mode} needs caSecretName or caFile (the CA that signs client certificates)`,
        code: ErrorCodes.CONFIG_RULE,
        condition: 'Accepted',
      });
    }
  }
  if (kind === 'HealthPolicy') {
    regex(spec.http?.expect?.statusRegex, 'spec.http.expect.statusRegex');
    regex(spec.http?.expect?.bodyRegex, 'spec.http.expect.bodyRegex');
    const range = spec.http?.expect?.statusRange as string | undefined;
    if (range) {
      const [lo, hi] = range.split('-').map(Number);
      if (lo! > hi!)
        out.push({
          ...base,
          field: 'spec.http.expect.statusRange',
          message: `range ${range} is empty`,
          code: ErrorCodes.CONFIG_RULE,
          condition: 'Accepted',
        });
    }
  }
  return out;
}

/**
 * A copy of JSON data (plain objects, arrays and primitives), property for property what
 * structuredClone gives for it, at a fraction of its cost: structuredClone serializes the whole
 * value and reads it back, ~0.5 ms for a 50-rule Frontend, the largest part of validating one.
 * A `__proto__` key stays an own property, as structuredClone keeps it; holes stay holes.
 * Throws on anything else (a Date, a Map, a class instance, a function or symbol value; a
 * cycle overflows the stack): the caller then uses structuredClone, which copies what it can
 * and throws on the rest, as before.
 */
export function cloneJson(value: unknown): unknown {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'function' || typeof value === 'symbol') throw new TypeError('not JSON data');
    return value;
  }
  const proto: unknown = Object.getPrototypeOf(value);
  if (Array.isArray(value)) {
    if (proto !== Array.prototype) throw new TypeError('not JSON data');
    const out: unknown[] = new Array(value.length);
    for (let i = 0; i < value.length; i++) if (i in value) out[i] = cloneJson(value[i]);
    return out;
  }
  if (proto !== Object.prototype && proto !== null) throw new TypeError('not JSON data');
  const obj = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k in obj) {
    if (!Object.prototype.hasOwnProperty.call(obj, k)) continue;
    if (k === '__proto__')
      Object.defineProperty(out, k, {
        value: cloneJson(obj[k]),
        writable: true,
        enumerable: true,
        configurable: true,
      });
    else out[k] = cloneJson(obj[k]);
  }
  return out;
}

/** The spec copy validation works on (ajv writes the schema's defaults into it). */
function cloneSpec(spec: unknown): any {
  try {
    return cloneJson(spec);
  } catch {
    return structuredClone(spec);
  }
}

/** One object through the validate stage: its valid form, or the diagnostics that exclude it. */
export interface ValidatedObject {
  resource: SourcedResource;
  ref: ObjectRef;
  /** Absent when the object has diagnostics. */
  valid?: ValidResource;
  diagnostics: Diagnostic[];
}

/**
 * Validates one resource on its own. The result depends on nothing else, so callers may keep it
 * per object (a frozen resource always validates the same way); the valid spec is frozen too.
 */
export function validateResource(resource: SourcedResource): ValidatedObject {
  const ref = refOf(resource);
  const diagnostics: Diagnostic[] = [];
  const report = (...found: Diagnostic[]) =>
    diagnostics.push(...found.map((d) => ({ ...d, ...located(resource.origin, d.field) })));
  const base = {
    object: ref,
    ...(resource.origin ? { file: resource.origin.file, line: resource.origin.line } : {}),
  };
  if (resource.apiVersion !== API_VERSION) {
    report({
      ...base,
      field: 'apiVersion',
      message: `expected ${API_VERSION}, got ${JSON.stringify(resource.apiVersion)}`,
      code: ErrorCodes.CONFIG_API_VERSION,
      condition: 'Accepted',
    });
    return { resource, ref, diagnostics };
  }
  if (!specValidators.has(resource.kind)) {
    report({
      ...base,
      field: 'kind',
      message: `unknown kind ${JSON.stringify(resource.kind)}`,
      code: ErrorCodes.CONFIG_UNKNOWN_KIND,
      condition: 'Accepted',
    });
    return { resource, ref, diagnostics };
  }
  if (resource.spec === null || typeof resource.spec !== 'object' || Array.isArray(resource.spec)) {
    report({
      ...base,
      field: 'spec',
      message: 'spec must be an object',
      code: ErrorCodes.CONFIG_SCHEMA,
      condition: 'Accepted',
    });
    return { resource, ref, diagnostics };
  }
  const spec = cloneSpec(resource.spec);
  const found = schemaDiagnostics(resource.kind, spec, base);
  if (found.length === 0) {
    found.push(
      ...celDiagnostics(resource.kind, spec, base),
      ...listMapDiagnostics(resource.kind, spec, base),
      ...semanticDiagnostics(resource.kind, spec, base),
    );
  }
  if (found.length > 0) {
    report(...found);
    return { resource, ref, diagnostics };
  }
  return { resource, ref, valid: { resource, ref, spec: deepFreeze(spec) }, diagnostics };
}

/** Validates every resource on its own; invalid ones are excluded with diagnostics. */
export function validateResources(resources: SourcedResource[]): ValidationResult {
  const valid: ValidResource[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const resource of resources) {
    const v = validateResource(resource);
    if (v.valid) valid.push(v.valid);
    diagnostics.push(...v.diagnostics);
  }
  return { valid, diagnostics };
}
