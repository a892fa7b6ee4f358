// Walks a value alongside its JSON schema, yielding every object that carries CEL rules.
/* eslint-disable @typescript-eslint/no-explicit-any */
import type { Cel } from '#api/schema-helpers';

export interface CelSite {
  path: string;
  value: any;
  rules: Cel[];
}

export function* celSites(schema: any, value: any, path: string): Generator<CelSite> {
  const sites: CelSite[] = [];
  forEachCelSite(schema, value, path, (v, rules, at) => sites.push({ path: at(), value: v, rules }));
  yield* sites;
}

/**
 * Every object of `value` that carries CEL rules, in the order celSites yields them (depth first,
 * properties in schema order), with its path made only when asked for (a failing rule names it).
 * Parts of the schema without any rule below them are not walked: a Frontend's 50 rules were
 * ~500 generator objects and as many path strings per validation, the largest allocation of an
 * edit after the status pass; now it is the rule and match.path of each rule, and no string.
 */
export function forEachCelSite(
  schema: any,
  value: any,
  root: string,
  visit: (value: any, rules: Cel[], path: () => string) => void,
): void {
  const segments: (string | number)[] = [];
  const path = () => root + segments.map((s) => (typeof s === 'number' ? `[${s}]` : `.${s}`)).join('');
  const walk = (schema: any, value: any): void => {
    if (value === undefined || value === null || !schema || !hasCel(schema)) return;
    const rules: Cel[] | undefined = schema['x-kubernetes-validations'];
    if (rules && typeof value === 'object') visit(value, rules, path);
    if (schema.type === 'object' && schema.properties && typeof value === 'object' && !Array.isArray(value)) {
      for (const k of celKeys(schema)) {
        if (value[k] === undefined) continue;
        segments.push(k);
        walk(schema.properties[k], value[k]);
        segments.pop();
      }
    } else if (schema.type === 'array' && Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        segments.push(i);
        walk(schema.items, value[i]);
        segments.pop();
      }
    }
  };
  walk(schema, value);
}

const withCel = new WeakMap<object, boolean>();

/** Whether the schema or anything the walk descends into carries a CEL rule (remembered per schema object). */
function hasCel(schema: any): boolean {
  let has = withCel.get(schema);
  if (has === undefined) {
    has =
      Boolean(schema['x-kubernetes-validations']) ||
      (schema.type === 'object' &&
        Boolean(schema.properties) &&
        Object.values<any>(schema.properties).some((sub) => sub && hasCel(sub))) ||
      (schema.type === 'array' && Boolean(schema.items) && hasCel(schema.items));
    withCel.set(schema, has);
  }
  return has;
}

const keysWithCel = new WeakMap<object, string[]>();

/** The properties of an object schema that have a CEL rule somewhere below them, in schema order. */
function celKeys(schema: any): string[] {
  let keys = keysWithCel.get(schema);
  if (!keys) {
    keys = Object.entries<any>(schema.properties)
      .filter(([, sub]) => sub && hasCel(sub))
      .map(([k]) => k);
    keysWithCel.set(schema, keys);
  }
  return keys;
}

/** Every CEL rule text in a schema (for the twin-coverage test). */
export function allCelRules(schema: any, out = new Set<string>()): Set<string> {
  if (!schema || typeof schema !== 'object') return out;
  for (const r of (schema['x-kubernetes-validations'] as Cel[] | undefined) ?? []) out.add(r.rule);
  for (const v of Object.values(schema)) if (v && typeof v === 'object') allCelRules(v, out);
  return out;
}
