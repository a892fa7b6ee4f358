// Walks a value alongside its JSON schema, yielding every object that carries CEL rules.
/* eslint-disable @typescript-eslint/no-explicit-any */
import type { Cel } from '#api/schema-helpers';

export interface CelSite {
  path: string;
  value: any;
  rules: Cel[];
}

export function* celSites(schema: any, value: any, path: string): Generator<CelSite> {
  if (value === undefined || value === null || !schema) return;
  const rules: Cel[] | undefined = schema['x-kubernetes-validations'];
  if (rules && typeof value === 'object') yield { path, value, rules };
  if (schema.type === 'object' && schema.properties && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, sub] of Object.entries<any>(schema.properties)) {
      if (value[k] !== undefined) yield* celSites(sub, value[k], `${path}.${k}`);
    }
  } else if (schema.type === 'array' && Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) yield* celSites(schema.items, value[i], `${path}[${i}]`);
  }
}

/** Every CEL rule text in a schema (for the twin-coverage test). */
export function allCelRules(schema: any, out = new Set<string>()): Set<string> {
  if (!schema || typeof schema !== 'object') return out;
  for (const r of (schema['x-kubernetes-validations'] as Cel[] | undefined) ?? []) out.add(r.rule);
  for (const v of Object.values(schema)) if (v && typeof v === 'object') allCelRules(v, out);
  return out;
}
