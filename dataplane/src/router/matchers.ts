// Match predicates compiled from rule conditions. Semantics follow HAProxy's fetches:
// host exact or "*.suffix" (hdr_dom-like, one or more labels), path_beg / path / path_reg on the
// raw path (regexes are unanchored searches, as in HAProxy, on RE2 semantics: linear time),
// header and query values by exact / regex / presence.
import { compilePattern, type Pattern } from '#protocol/pattern';
import type { RuleSnap } from '#protocol/snapshot';
import { compileCidrs } from './cidr.js';
import type { RequestHead } from './types.js';

export type Predicate = (head: RequestHead) => boolean;

type ValueMatchSnap = NonNullable<RuleSnap['match']['headers']>[number];

export function compileRegex(source: string, what: string): Pattern {
  try {
    return compilePattern(source);
  } catch (err) {
    throw new Error(
      `${what}: invalid regular expression ${JSON.stringify(source)}: ${(err as Error).message}`,
    );
  }
}

export function compileHost(pattern: string): Predicate {
  const p = pattern.toLowerCase();
  if (p === '*') return () => true;
  if (p.startsWith('*.')) {
    const suffix = p.slice(1); // ".example.com"
    return (h) => h.host.length > suffix.length && h.host.endsWith(suffix);
  }
  return (h) => h.host === p;
}

export interface PathMatcher {
  readonly test: Predicate;
  /** The matched prefix, for prefix-replacing redirects. */
  readonly prefix?: string;
}

export function compilePath(path: NonNullable<RuleSnap['match']['path']>, what: string): PathMatcher {
  if (path.exact !== undefined) {
    const exact = path.exact;
    return { test: (h) => h.path === exact };
  }
  if (path.prefix !== undefined) {
    const prefix = path.prefix;
    return { test: (h) => h.path.startsWith(prefix), prefix };
  }
  if (path.regex !== undefined) {
    const re = compileRegex(path.regex, `${what} path`);
    return { test: (h) => re.test(h.path) };
  }
  return { test: () => true };
}

function compileValue(m: ValueMatchSnap, what: string): (value: string | undefined) => boolean {
  if (m.present === false) return (v) => v === undefined;
  if (m.exact !== undefined) {
    const exact = m.exact;
    return (v) => v === exact;
  }
  if (m.regex !== undefined) {
    const re = compileRegex(m.regex, `${what} ${m.name}`);
    return (v) => v !== undefined && re.test(v);
  }
  return (v) => v !== undefined;
}

const joinValue = (v: string | string[] | undefined): string | undefined =>
  Array.isArray(v) ? v.join(', ') : v;

export function compileHeaderMatch(m: ValueMatchSnap, what: string): Predicate {
  const name = m.name.toLowerCase();
  const test = compileValue(m, `${what} header`);
  return (h) => test(joinValue(h.headers[name]));
}

export function compileQueryMatch(m: ValueMatchSnap, what: string): Predicate {
  const test = compileValue(m, `${what} query parameter`);
  return (h) => {
    if (h.query === '') return test(undefined);
    const v = new URLSearchParams(h.query).get(m.name);
    return test(v === null ? undefined : v);
  };
}

export function compileMethods(methods: readonly string[]): Predicate {
  const set = new Set(methods.map((m) => m.toUpperCase()));
  return (h) => set.has(h.method);
}

export function compileSource(cidrs: readonly string[], what: string): Predicate {
  let match: (a: string) => boolean;
  try {
    match = compileCidrs(cidrs);
  } catch (err) {
    throw new Error(`${what} sourceCIDRs: ${(err as Error).message}`);
  }
  return (h) => match(h.sourceAddress);
}

export function compileSni(names: readonly string[]): Predicate {
  const hosts = names.map(compileHost);
  return (h) => {
    if (h.sni === undefined) return false;
    const probe = { ...h, host: h.sni.toLowerCase() };
    return hosts.some((p) => p(probe));
  };
}
