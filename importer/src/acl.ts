// ACLs and conditions ("acl NAME criterion [flags] values", "if a b || !c { path_beg /x }")
// → the match part of Bascule rules.
//
// A condition is an OR of AND groups of terms. Each term becomes a set of alternative matches
// (the values of an ACL are OR-ed, so are several "acl" lines with the same name); AND is a
// cross product of alternatives merged field by field; OR concatenates them. Every
// alternative becomes one Bascule rule. Terms whose value is known when importing (ssl_fc and
// dst_port on a given bind, TRUE/FALSE) fold to constants, which is how
// "redirect scheme https unless { ssl_fc }" lands on the plain-HTTP Frontend only.
// Negation is expressed where Bascule can (path and header regexes with a negative lookahead,
// constants); anything else is reported, never approximated silently.
import { isIP } from 'node:net';
import { compilePattern, patternProblem } from '#protocol/pattern';
import type { FrontendSpecT } from '#api/v1alpha1';
import { ConfigError } from './report.js';
import { literalRegex } from './values.js';

// ---------- the Bascule side: the Frontend API's rule match ----------

export type Match = NonNullable<NonNullable<FrontendSpecT['rules']>[number]['match']>;
export type PathMatch = NonNullable<Match['path']>;
export type ValueMatch = NonNullable<Match['headers']>[number];

export type Translation =
  | { kind: 'const'; value: boolean }
  | { kind: 'alts'; alts: Match[] }
  | { kind: 'unsupported'; reason: string };

const TRUE: Translation = { kind: 'const', value: true };
const FALSE: Translation = { kind: 'const', value: false };
const unsupported = (reason: string): Translation => ({ kind: 'unsupported', reason });
const alts = (...a: Match[]): Translation => ({ kind: 'alts', alts: a });

// ---------- the HAProxy side ----------

export type MatchMethod =
  'str' | 'beg' | 'end' | 'sub' | 'reg' | 'dir' | 'dom' | 'found' | 'len' | 'int' | 'bool' | 'ip' | 'bin';
export type IntOp = 'eq' | 'ge' | 'gt' | 'le' | 'lt';

export interface AclLine {
  line: number;
  text: string;
  /** The sample fetch, normalised: path, url, hdr, urlp, src, method, ssl_fc, dst_port, sni, ... */
  fetch: string;
  /** Fetch argument: header or parameter name, stick counter number... */
  arg?: string;
  /** The fetch as written (for messages). */
  criterion: string;
  method: MatchMethod;
  ignoreCase: boolean;
  files: string[];
  op?: IntOp;
  values: string[];
  /** Converters applied to the sample (",lower" is understood; others are not). */
  converters: string[];
}

export type Acls = Map<string, AclLine[]>;

/** Fetch name → [normalised fetch, default match method]. Suffixed forms (path_beg) are derived. */
const FETCHES: Record<string, [string, MatchMethod]> = {
  path: ['path', 'str'],
  url: ['url', 'str'],
  hdr: ['hdr', 'str'],
  'req.hdr': ['hdr', 'str'],
  'req.fhdr': ['hdr', 'str'],
  fhdr: ['hdr', 'str'],
  'req.hdr_cnt': ['hdr_cnt', 'int'],
  hdr_cnt: ['hdr_cnt', 'int'],
  urlp: ['urlp', 'str'],
  url_param: ['urlp', 'str'],
  src: ['src', 'ip'],
  method: ['method', 'str'],
  ssl_fc: ['ssl_fc', 'bool'],
  dst_port: ['dst_port', 'int'],
  req_ssl_sni: ['sni', 'str'],
  'req.ssl_sni': ['sni', 'str'],
  ssl_fc_sni: ['ssl_fc_sni', 'str'],
  req_ssl_hello_type: ['hello_type', 'int'],
  'req.ssl_hello_type': ['hello_type', 'int'],
  always_true: ['true', 'bool'],
  always_false: ['false', 'bool'],
};

const SUFFIXES: Record<string, MatchMethod> = {
  beg: 'beg',
  end: 'end',
  sub: 'sub',
  reg: 'reg',
  dir: 'dir',
  dom: 'dom',
  len: 'len',
};
const METHODS = new Set<MatchMethod>([
  'str',
  'beg',
  'end',
  'sub',
  'reg',
  'dir',
  'dom',
  'found',
  'len',
  'int',
  'bool',
  'ip',
  'bin',
]);
const OPS = new Set<string>(['eq', 'ge', 'gt', 'le', 'lt']);

/** Stick-counter fetches (rate limiting): sc_http_req_rate(0), sc0_http_req_rate, src_http_req_rate(table)... */
export const COUNTER_FETCH =
  /^(?:sc(\d)_|sc_|src_)(http_req_rate|conn_cur|conn_rate|http_err_rate|conn_cnt|http_req_cnt|gpc0|gpc0_rate|sess_rate|bytes_in_rate|bytes_out_rate)$/;

export function parseCriterion(
  criterion: string,
  line: number,
): Pick<AclLine, 'fetch' | 'arg' | 'method' | 'converters'> {
  const [head, ...converters] = splitConverters(criterion);
  const m = /^([a-z0-9_.]+)(?:\((.*)\))?$/.exec(head!);
  if (!m) throw new ConfigError(line, `invalid ACL criterion "${criterion}"`);
  const name = m[1]!;
  const arg = m[2];
  const counter = COUNTER_FETCH.exec(name);
  if (counter) {
    const slot = counter[1] ?? (name.startsWith('sc_') ? arg?.split(',')[0] : undefined);
    const table = name.startsWith('sc_') ? arg?.split(',')[1] : name.startsWith('src_') ? arg : arg;
    return {
      fetch: `counter:${counter[2]}`,
      arg: `${name.startsWith('src_') ? 'src' : (slot ?? '0')}|${table ?? ''}`,
      method: 'int',
      converters,
    };
  }
  const known = FETCHES[name];
  if (known) return { fetch: known[0], ...(arg !== undefined ? { arg } : {}), method: known[1], converters };
  const us = name.lastIndexOf('_');
  if (us > 0) {
    const base = FETCHES[name.slice(0, us)];
    const suffix = SUFFIXES[name.slice(us + 1)];
    if (base && suffix && base[1] === 'str')
      return { fetch: base[0], ...(arg !== undefined ? { arg } : {}), method: suffix, converters };
  }
  return { fetch: name, ...(arg !== undefined ? { arg } : {}), method: 'str', converters };
}

function splitConverters(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

/** "acl NAME criterion [flags] [op] values..." (words from the criterion on). */
export function parseAclWords(words: string[], line: number, text: string): AclLine {
  const criterion = words[0];
  if (criterion === undefined) throw new ConfigError(line, 'acl: missing criterion');
  const parsed = parseCriterion(criterion, line);
  const out: AclLine = { line, text, criterion, ...parsed, ignoreCase: false, files: [], values: [] };
  let i = 1;
  for (; i < words.length; i++) {
    const w = words[i]!;
    if (w === '--') {
      i++;
      break;
    }
    if (w === '-i') out.ignoreCase = true;
    else if (w === '-n' || w === '-M') continue;
    else if (w === '-f') {
      const f = words[++i];
      if (f === undefined) throw new ConfigError(line, 'acl: -f needs a file name');
      out.files.push(f);
    } else if (w === '-m') {
      const meth = words[++i];
      if (meth === undefined || !METHODS.has(meth as MatchMethod))
        throw new ConfigError(line, `acl: unknown match method "-m ${meth ?? ''}"`);
      out.method = meth as MatchMethod;
    } else if (w === '-u') i++;
    else break;
  }
  const rest = words.slice(i);
  if (rest.length > 0 && OPS.has(rest[0]!) && (out.method === 'int' || out.method === 'len')) {
    out.op = rest.shift() as IntOp;
  }
  out.values = rest;
  return out;
}

// ---------- conditions ----------

export interface Term {
  negated: boolean;
  /** A named ACL... */
  name?: string;
  /** ...or an anonymous one: { criterion values }. */
  anonymous?: AclLine;
}

export interface Condition {
  line: number;
  /** "unless": the whole condition is negated. */
  unless: boolean;
  /** OR of AND groups. */
  groups: Term[][];
  text: string;
}

/** Splits "ACTION ARGS... if|unless COND" at the first if/unless keyword at or after `from`. */
export function splitCondition(
  words: string[],
  from: number,
): { args: string[]; cond?: { unless: boolean; words: string[] } } {
  for (let i = from; i < words.length; i++) {
    if (words[i] === 'if' || words[i] === 'unless') {
      return { args: words.slice(0, i), cond: { unless: words[i] === 'unless', words: words.slice(i + 1) } };
    }
  }
  return { args: words };
}

export function parseCondition(words: string[], unless: boolean, line: number): Condition {
  if (words.length === 0)
    throw new ConfigError(line, `missing condition after "${unless ? 'unless' : 'if'}"`);
  const groups: Term[][] = [[]];
  let negated = false;
  for (let i = 0; i < words.length; i++) {
    let w = words[i]!;
    if (w === '||' || w === 'or') {
      if (negated || groups[groups.length - 1]!.length === 0)
        throw new ConfigError(line, `misplaced "${w}" in condition`);
      groups.push([]);
      continue;
    }
    if (w === '!') {
      negated = !negated;
      continue;
    }
    if (w.startsWith('!')) {
      negated = !negated;
      w = w.slice(1);
    }
    if (w === '{') {
      const close = words.indexOf('}', i + 1);
      if (close < 0) throw new ConfigError(line, 'missing "}" in condition');
      const inner = words.slice(i + 1, close);
      if (inner.length === 0) throw new ConfigError(line, 'empty anonymous ACL "{ }"');
      groups[groups.length - 1]!.push({
        negated,
        anonymous: parseAclWords(inner, line, `{ ${inner.join(' ')} }`),
      });
      i = close;
    } else if (w === '}' || w === '') {
      throw new ConfigError(line, `unexpected "${w}" in condition`);
    } else {
      groups[groups.length - 1]!.push({ negated, name: w });
    }
    negated = false;
  }
  if (negated || groups[groups.length - 1]!.length === 0)
    throw new ConfigError(line, 'condition ends with an operator');
  return { line, unless, groups, text: `${unless ? 'unless' : 'if'} ${words.join(' ')}` };
}

/** Predefined ACLs (HAProxy section 7.4) that have a Bascule meaning. */
const PREDEFINED: Record<string, (ctx: CondContext) => Translation> = {
  TRUE: () => TRUE,
  FALSE: () => FALSE,
  HTTP: (ctx) => ({ kind: 'const', value: ctx.mode === 'http' }),
  LOCALHOST: () => alts({ sourceCIDRs: ['127.0.0.1/8'] }),
  METH_CONNECT: () => alts({ methods: ['CONNECT'] }),
  METH_DELETE: () => alts({ methods: ['DELETE'] }),
  METH_GET: () => alts({ methods: ['GET', 'HEAD'] }),
  METH_HEAD: () => alts({ methods: ['HEAD'] }),
  METH_OPTIONS: () => alts({ methods: ['OPTIONS'] }),
  METH_POST: () => alts({ methods: ['POST'] }),
  METH_PUT: () => alts({ methods: ['PUT'] }),
  METH_TRACE: () => alts({ methods: ['TRACE'] }),
  HTTP_URL_SLASH: () => alts({ path: { prefix: '/' } }),
};
const PREDEFINED_OTHER = new Set([
  'HTTP_1.0',
  'HTTP_1.1',
  'HTTP_2.0',
  'HTTP_CONTENT',
  'HTTP_URL_ABS',
  'HTTP_URL_STAR',
  'RDP_COOKIE',
  'REQ_CONTENT',
  'WAIT_END',
]);

export const isKnownAclName = (name: string, acls: Acls): boolean =>
  acls.has(name) || name in PREDEFINED || PREDEFINED_OTHER.has(name);

export interface CondContext {
  mode: 'http' | 'tcp';
  /** The bind terminates TLS (ssl_fc). */
  ssl: boolean;
  /** The bind's port (dst_port). */
  port: number;
  acls: Acls;
}

/** The condition as an OR of AND groups of terms, with "unless" pushed into the terms. */
function toDnf(cond: Condition): Term[][] | undefined {
  if (!cond.unless) return cond.groups;
  // not(OR_i AND_j t_ij) = AND_i OR_j not(t_ij) → back to OR of ANDs by distribution.
  let dnf: Term[][] = [[]];
  for (const g of cond.groups) {
    const next: Term[][] = [];
    for (const partial of dnf) for (const t of g) next.push([...partial, { ...t, negated: !t.negated }]);
    dnf = next;
    if (dnf.length > 64) return undefined;
  }
  return dnf;
}

/** The whole condition; undefined = unconditional. */
export function translateCondition(cond: Condition | undefined, ctx: CondContext): Translation {
  if (!cond) return TRUE;
  const groups = toDnf(cond);
  if (!groups) return unsupported('the negated condition is too large to expand');
  let out: Translation = FALSE;
  for (const g of groups) {
    let acc: Translation = TRUE;
    for (const t of g) acc = and(acc, term(t, ctx, cond.line));
    out = or(out, acc);
  }
  return out;
}

/**
 * "A and not B" (or "unless B") as positive = A and exception = B, for conditions with a single
 * AND group whose negated terms cannot be matched directly (e.g. !{ src 10.0.0.0/8 }). The caller
 * can then express the exception by rule order. Undefined when the condition has another shape.
 */
export function exceptionForm(
  cond: Condition | undefined,
  ctx: CondContext,
): { positive: Translation; exception: Translation } | undefined {
  if (!cond) return undefined;
  const groups = toDnf(cond);
  if (!groups || groups.length !== 1) return undefined;
  const terms = groups[0]!;
  const negated = terms.filter((t) => t.negated);
  if (negated.length === 0) return undefined;
  let positive: Translation = TRUE;
  for (const t of terms.filter((x) => !x.negated)) positive = and(positive, term(t, ctx, cond.line));
  let exception: Translation = FALSE;
  for (const t of negated) exception = or(exception, term({ ...t, negated: false }, ctx, cond.line));
  return { positive, exception };
}

function term(t: Term, ctx: CondContext, line: number): Translation {
  if (t.anonymous) return t.negated ? negativeLine(t.anonymous, ctx) : positiveLine(t.anonymous, ctx);
  const name = t.name!;
  const lines = ctx.acls.get(name);
  if (lines) {
    if (!t.negated) return lines.reduce<Translation>((acc, l) => or(acc, positiveLine(l, ctx)), FALSE);
    return lines.reduce<Translation>((acc, l) => and(acc, negativeLine(l, ctx)), TRUE);
  }
  const pre = PREDEFINED[name];
  if (pre) {
    const v = pre(ctx);
    return t.negated ? negate(v, `!${name}`) : v;
  }
  if (PREDEFINED_OTHER.has(name)) return unsupported(`predefined ACL ${name} has no Bascule equivalent`);
  throw new ConfigError(line, `no such ACL "${name}"`);
}

function negate(v: Translation, what: string): Translation {
  if (v.kind === 'const') return { kind: 'const', value: !v.value };
  if (v.kind === 'unsupported') return v;
  return unsupported(`the negation ${what} cannot be expressed as a Bascule match`);
}

export function or(a: Translation, b: Translation): Translation {
  if (a.kind === 'const') return a.value ? a : b;
  if (b.kind === 'const') return b.value ? b : a;
  if (a.kind === 'unsupported') return a;
  if (b.kind === 'unsupported') return b;
  return { kind: 'alts', alts: [...a.alts, ...b.alts] };
}

export function and(a: Translation, b: Translation): Translation {
  if (a.kind === 'const') return a.value ? b : a;
  if (b.kind === 'const') return b.value ? a : b;
  if (a.kind === 'unsupported') return a;
  if (b.kind === 'unsupported') return b;
  const out: Match[] = [];
  for (const x of a.alts) {
    for (const y of b.alts) {
      const m = mergeMatches(x, y);
      if (m === 'never') continue;
      if (typeof m === 'string') return unsupported(m);
      out.push(m);
    }
  }
  if (out.length > 256) return unsupported('the condition expands to more than 256 rules');
  return out.length === 0 ? FALSE : { kind: 'alts', alts: out };
}

function pathHolds(p: PathMatch, path: string): boolean | undefined {
  if (p.exact !== undefined) return p.exact === path;
  if (p.prefix !== undefined) return path.startsWith(p.prefix);
  try {
    return compilePattern(p.regex!).test(path);
  } catch {
    return undefined;
  }
}

/** Bascule patterns are RE2 (linear time), which has no lookahead to AND or negate with. */
const NO_LOOKAHEAD = 'Bascule regexes are RE2 (linear time) and have no lookahead to express it with';

/** AND of two path conditions, simplified when one decides the other; a string when inexpressible. */
function mergePaths(a: PathMatch, b: PathMatch): PathMatch | 'never' | string {
  const holds =
    a.exact !== undefined ? pathHolds(b, a.exact) : b.exact !== undefined ? pathHolds(a, b.exact) : undefined;
  if (holds !== undefined) return holds ? (a.exact !== undefined ? a : b) : 'never';
  if (a.prefix !== undefined && b.prefix !== undefined) {
    if (a.prefix.startsWith(b.prefix)) return a;
    if (b.prefix.startsWith(a.prefix)) return b;
    return 'never';
  }
  return `two path conditions in one rule (${NO_LOOKAHEAD})`;
}

/** AND of two matches; 'never' when they cannot both hold, a string when it cannot be expressed. */
export function mergeMatches(a: Match, b: Match): Match | 'never' | string {
  const out: Match = { ...a };
  if (b.host !== undefined) {
    if (a.host !== undefined && a.host.toLowerCase() !== b.host.toLowerCase()) {
      if (!a.host.includes('*') && !b.host.includes('*')) return 'never';
      return 'two different host conditions in one rule';
    }
    out.host = b.host;
  }
  if (b.path) {
    const m = a.path ? mergePaths(a.path, b.path) : b.path;
    if (typeof m === 'string') return m;
    out.path = m;
  }
  if (b.methods) {
    if (a.methods) {
      const both = a.methods.filter((m) => b.methods!.includes(m));
      if (both.length === 0) return 'never';
      out.methods = both;
    } else out.methods = b.methods;
  }
  if (b.headers) out.headers = [...(a.headers ?? []), ...b.headers];
  if (b.queryParams) out.queryParams = [...(a.queryParams ?? []), ...b.queryParams];
  if (b.sourceCIDRs) {
    if (a.sourceCIDRs) return 'two source address conditions in one rule (Bascule matches any of one list)';
    out.sourceCIDRs = b.sourceCIDRs;
  }
  if (b.sni) {
    if (a.sni) return 'two SNI conditions in one rule';
    out.sni = b.sni;
  }
  return out;
}

// ---------- one ACL line ----------

const HOST_PATTERN = /^(\*\.)?[a-zA-Z0-9]([-a-zA-Z0-9.]*[a-zA-Z0-9])?$/;

const regexOk = (src: string): boolean => patternProblem(src) === null;

/** A regex (unanchored search, like HAProxy's) matching any of the values with the line's match method. */
function valuesRegex(l: AclLine): string | undefined {
  const lit = (v: string) => literalRegex(v, l.ignoreCase);
  const any = (parts: string[]) => (parts.length === 1 ? parts[0]! : `(?:${parts.join('|')})`);
  switch (l.method) {
    case 'str':
      return `^${any(l.values.map(lit))}$`;
    case 'beg':
      return `^${any(l.values.map(lit))}`;
    case 'end':
      return `${any(l.values.map(lit))}$`;
    case 'sub':
      return any(l.values.map(lit));
    case 'dir':
      return `(?:^|[/?])${any(l.values.map(lit))}(?:[/?]|$)`;
    case 'dom':
      return `(?:^|[/?.:])${any(l.values.map(lit))}(?:[/?.:]|$)`;
    case 'reg': {
      const any = l.values.length === 1 ? l.values[0]! : l.values.map((v) => `(?:${v})`).join('|');
      return l.ignoreCase ? `(?i)${any}` : any;
    }
    default:
      return undefined;
  }
}

function checkCommon(l: AclLine): string | undefined {
  if (l.files.length > 0)
    return `patterns loaded from a file (-f ${l.files.join(' ')}) are not read by the importer; list the values in the rule`;
  const extra = l.converters.filter((c) => c !== 'lower');
  if (extra.length > 0) return `sample converters (${extra.join(', ')}) have no Bascule equivalent`;
  return undefined;
}

function intCompare(value: number, op: IntOp | undefined, values: string[]): boolean | undefined {
  if (values.length === 0) return undefined;
  return values.some((v) => {
    const range = /^(\d+):(\d+)$/.exec(v);
    if (range) return value >= Number(range[1]) && value <= Number(range[2]);
    const n = Number(v);
    switch (op ?? 'eq') {
      case 'eq':
        return value === n;
      case 'ge':
        return value >= n;
      case 'gt':
        return value > n;
      case 'le':
        return value <= n;
      case 'lt':
        return value < n;
    }
  });
}

export function positiveLine(l: AclLine, ctx: CondContext): Translation {
  const problem = checkCommon(l);
  if (problem) return unsupported(problem);
  const ignoreCase = l.ignoreCase || l.converters.includes('lower');
  const line = { ...l, ignoreCase };
  const needValues = () =>
    l.values.length === 0 && l.method !== 'found' && l.method !== 'bool'
      ? unsupported(`"${l.criterion}" has no value to match`)
      : undefined;
  switch (l.fetch) {
    case 'true':
      return TRUE;
    case 'false':
      return FALSE;
    case 'ssl_fc':
      return {
        kind: 'const',
        value:
          l.values.length === 0 ? ctx.ssl : l.values.some((v) => (v === '1' || v === 'true') === ctx.ssl),
      };
    case 'dst_port': {
      const r = intCompare(ctx.port, l.op, l.values);
      return r === undefined ? unsupported('dst_port without a value') : { kind: 'const', value: r };
    }
    case 'path':
    case 'url': {
      if (ctx.mode !== 'http') return unsupported(`${l.criterion} needs mode http`);
      if (l.fetch === 'url' && l.method !== 'beg')
        return unsupported(`${l.criterion} also matches the query string; use path`);
      if (l.method === 'found') return TRUE;
      const missing = needValues();
      if (missing) return missing;
      // A literal match must start with "/"; HAProxy's path_beg "api" (never true) stays a regex.
      if (
        !ignoreCase &&
        l.values.length === 1 &&
        (l.method === 'str' || l.method === 'beg') &&
        l.values[0]!.startsWith('/')
      ) {
        return alts({ path: l.method === 'str' ? { exact: l.values[0]! } : { prefix: l.values[0]! } });
      }
      const r = valuesRegex(line);
      if (r === undefined || !regexOk(r))
        return unsupported(
          `${l.criterion} ${l.ignoreCase ? '-i ' : ''}with match "${l.method}" cannot be expressed as a path match`,
        );
      return alts({ path: { regex: r } });
    }
    case 'hdr': {
      if (ctx.mode !== 'http') return unsupported(`${l.criterion} needs mode http`);
      const name = (l.arg ?? '').split(',')[0]!.trim();
      if (name === '') return unsupported(`${l.criterion} without a header name`);
      if (l.method === 'found') return alts({ headers: [{ name, present: true }] });
      const missing = needValues();
      if (missing) return missing;
      if (name.toLowerCase() === 'host') {
        if (l.method === 'str' && l.values.every((v) => HOST_PATTERN.test(v) && !v.startsWith('*')))
          return alts(...l.values.map((v) => ({ host: v.toLowerCase() })));
        if (l.method === 'end' && l.values.every((v) => v.startsWith('.') && HOST_PATTERN.test(`*${v}`)))
          return alts(...l.values.map((v) => ({ host: `*${v.toLowerCase()}` })));
      }
      if (l.method === 'str' && l.values.length === 1 && !ignoreCase)
        return alts({ headers: [{ name, exact: l.values[0]! }] });
      const r = valuesRegex(line);
      if (r === undefined || !regexOk(r))
        return unsupported(`${l.criterion} with match "${l.method}" cannot be expressed as a header match`);
      return alts({ headers: [{ name, regex: r }] });
    }
    case 'hdr_cnt': {
      if (ctx.mode !== 'http') return unsupported(`${l.criterion} needs mode http`);
      const name = (l.arg ?? '').trim();
      const present = presence(l);
      if (!name || present === undefined)
        return unsupported(
          `${l.criterion} ${l.op ?? ''} ${l.values.join(' ')}: only "gt 0" (present) and "eq 0" (absent) are expressible`,
        );
      return alts({ headers: [{ name, present }] });
    }
    case 'urlp': {
      if (ctx.mode !== 'http') return unsupported(`${l.criterion} needs mode http`);
      const name = (l.arg ?? '').split(',')[0]!.trim();
      if (name === '') return unsupported(`${l.criterion} without a parameter name`);
      if (l.method === 'found') return alts({ queryParams: [{ name, present: true }] });
      const missing = needValues();
      if (missing) return missing;
      if (l.method === 'str' && l.values.length === 1 && !ignoreCase)
        return alts({ queryParams: [{ name, exact: l.values[0]! }] });
      const r = valuesRegex(line);
      if (r === undefined || !regexOk(r))
        return unsupported(
          `${l.criterion} with match "${l.method}" cannot be expressed as a query parameter match`,
        );
      return alts({ queryParams: [{ name, regex: r }] });
    }
    case 'src': {
      const missing = needValues();
      if (missing) return missing;
      const bad = l.values.find((v) => isIP(v.split('/')[0]!) === 0);
      if (bad !== undefined) return unsupported(`source "${bad}" is not an IP address or CIDR`);
      return alts({ sourceCIDRs: [...l.values] });
    }
    case 'method': {
      if (ctx.mode !== 'http') return unsupported('method needs mode http');
      const missing = needValues();
      if (missing) return missing;
      if (l.method !== 'str') return unsupported(`method with match "${l.method}"`);
      const bad = l.values.find((v) => !/^[A-Za-z]+$/.test(v));
      if (bad !== undefined) return unsupported(`method "${bad}"`);
      return alts({ methods: [...new Set(l.values.map((v) => v.toUpperCase()))] });
    }
    case 'sni': {
      if (ctx.mode !== 'tcp')
        return unsupported(`${l.criterion} is a TLS passthrough fetch; in mode http match the host instead`);
      const missing = needValues();
      if (missing) return missing;
      if (l.method === 'str' && l.values.every((v) => HOST_PATTERN.test(v)))
        return alts({ sni: l.values.map((v) => v.toLowerCase()) });
      if (l.method === 'end' && l.values.every((v) => v.startsWith('.') && HOST_PATTERN.test(`*${v}`)))
        return alts({ sni: l.values.map((v) => `*${v.toLowerCase()}`) });
      return unsupported(
        `${l.criterion} with match "${l.method}": Bascule matches SNI exactly or by *.suffix`,
      );
    }
    case 'ssl_fc_sni':
      return unsupported(
        'ssl_fc_sni (SNI of a TLS connection terminated by Bascule): match the host instead, or use strictSNI',
      );
    case 'hello_type':
      return unsupported(
        `${l.criterion}: Bascule waits for the TLS ClientHello itself when a rule matches sni`,
      );
    default:
      if (l.fetch.startsWith('counter:')) {
        return unsupported(
          `stick counter ${l.criterion}: only the rate-limit pattern (track-sc0 src + deny if { sc_http_req_rate(0) gt N }) is converted`,
        );
      }
      return unsupported(`the fetch "${l.criterion}" has no Bascule equivalent`);
  }
}

function presence(l: AclLine): boolean | undefined {
  const v = l.values.length === 1 ? Number(l.values[0]) : NaN;
  const op = l.op ?? 'eq';
  if ((op === 'gt' && v === 0) || (op === 'ge' && v === 1)) return true;
  if ((op === 'eq' && v === 0) || (op === 'lt' && v === 1) || (op === 'le' && v === 0)) return false;
  return undefined;
}

export function negativeLine(l: AclLine, ctx: CondContext): Translation {
  const pos = positiveLine(l, ctx);
  if (pos.kind === 'const') return { kind: 'const', value: !pos.value };
  if (pos.kind === 'unsupported') return pos;
  const negation = `!${l.text.startsWith('{') ? l.text : l.criterion}`;
  // not(presence) is a presence match; not(value) is not expressible: a negative regex would need
  // a lookahead, which RE2 patterns do not have.
  if (pos.alts.length === 1) {
    const m = pos.alts[0]!;
    const single = Object.keys(m).length === 1 && m.headers?.length === 1 ? m.headers[0]! : undefined;
    if (single?.present !== undefined)
      return alts({ headers: [{ name: single.name, present: !single.present }] });
    const q = Object.keys(m).length === 1 && m.queryParams?.length === 1 ? m.queryParams[0]! : undefined;
    if (q?.present !== undefined) return alts({ queryParams: [{ name: q.name, present: !q.present }] });
  }
  const valueNegation = pos.alts.every(
    (m) => Object.keys(m).length === 1 && (m.path || m.host || m.headers?.length === 1),
  );
  return unsupported(
    `the negation ${negation} cannot be expressed as a Bascule match${valueNegation ? ` (${NO_LOOKAHEAD})` : ''}`,
  );
}

/** The parsed condition of a rule, as an optional field to spread into it. */
export const condOf = (
  cond: { unless: boolean; words: string[] } | undefined,
  line: number,
): { cond?: Condition } => (cond ? { cond: parseCondition(cond.words, cond.unless, line) } : {});
