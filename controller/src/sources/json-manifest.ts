// The fast path for a manifest file that is one JSON object (what `kubectl get -o json`, most
// generators and the churn bench write): JSON.parse for the values and one scan of the text for
// where each field is, instead of the YAML parser's syntax tree (~6 ms for a Frontend of 50 rules,
// against ~0.1 ms here). It returns a result only when it is sure the YAML path would return the
// very same one: anything unusual — duplicate keys, a bound reached, a number that is not
// finite, a \u escape, a very long key, a v1 List, a document that does not become a record
// cleanly — returns undefined and the caller parses the file as YAML, which diagnoses it.
// test/unit/controller/json-manifest.test.ts compares both paths on generated documents.
import type { FieldPositions, Origin } from '../compile/types.js';
import type { Diagnostic } from '../validate/diagnostic.js';
import type { StoreRecord } from '../store/records.js';
import { documentToRecord } from './manifest.js';

/** The bounds the fast path checks (parse-file.ts's ManifestLimits). */
interface JsonLimits {
  maxDepth: number;
  maxStringLength: number;
}

/**
 * Keys longer than this go the YAML way: YAML limits implicit keys to 1024 characters, and the
 * fast path must not accept what the YAML path refuses.
 */
const MAX_KEY_LENGTH = 1000;

/** Thrown inside the scan to give up; never escapes this module. */
const GIVE_UP = Symbol('give up');

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/**
 * The record of a file holding one JSON object, with the same origin (line, every field's line
 * and column) the YAML path gives it; undefined when the YAML path must decide.
 */
export function parseJsonManifest(
  text: string,
  file: string,
  limits: Readonly<JsonLimits>,
): { records: StoreRecord[]; diagnostics: Diagnostic[] } | undefined {
  const scanned = scan(text, limits);
  if (!scanned) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  const v = value as { apiVersion?: unknown; kind?: unknown };
  if (v.apiVersion === 'v1' && v.kind === 'List') return undefined;
  const origin: Origin = { file, line: scanned.line, fields: scanned.fields };
  const out = documentToRecord(value, origin);
  if (out.outcome !== 'record' || out.diagnostics.length > 0) return undefined;
  return { records: [out.record], diagnostics: [] };
}

/**
 * One pass over the text: checks it is a single JSON object within the bounds, without
 * duplicate keys, and records the line and column (1-based, as YAML's LineCounter counts) of
 * every map key and list item under the field path diagnostics use ("spec.rules[0].match").
 */
function scan(
  text: string,
  limits: Readonly<JsonLimits>,
): { line: number; fields: FieldPositions } | undefined {
  let i = 0;
  let line = 1;
  let lineStart = 0;
  const fields: FieldPositions = {};
  const n = text.length;

  const ws = (): void => {
    for (; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c === 0x0a) {
        line++;
        lineStart = i + 1;
      } else if (c !== 0x20 && c !== 0x09 && c !== 0x0d) return;
    }
  };
  const here = (): [number, number] => [line, i - lineStart + 1];

  /** A string at i (the opening quote); its decoded value. */
  const string = (): string => {
    const start = i;
    let escaped = false;
    for (i++; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c === 0x22) break;
      if (c < 0x20) throw GIVE_UP;
      if (c === 0x5c) {
        escaped = true;
        // \uXXXX (surrogates, NUL…) is where JSON and YAML decoders could disagree: YAML decides.
        if (text.charCodeAt(i + 1) === 0x75) throw GIVE_UP;
        i++;
      }
    }
    if (i >= n) throw GIVE_UP;
    i++;
    const s = escaped ? (JSON.parse(text.slice(start, i)) as string) : text.slice(start + 1, i - 1);
    if (s.length > limits.maxStringLength) throw GIVE_UP;
    return s;
  };

  const value = (path: string, depth: number): void => {
    ws();
    const c = text.charCodeAt(i);
    if (c === 0x7b /* { */) {
      if (depth >= limits.maxDepth) throw GIVE_UP;
      i++;
      ws();
      if (text.charCodeAt(i) === 0x7d) {
        i++;
        return;
      }
      const keys = new Set<string>();
      for (;;) {
        ws();
        if (text.charCodeAt(i) !== 0x22) throw GIVE_UP;
        const at = here();
        const key = string();
        // __proto__ is an own property to JSON.parse: leave such a document to the YAML path.
        if (keys.has(key) || key.length > MAX_KEY_LENGTH || key === '__proto__') throw GIVE_UP;
        keys.add(key);
        const p = path ? `${path}.${key}` : key;
        fields[p] = at;
        ws();
        if (text.charCodeAt(i) !== 0x3a) throw GIVE_UP;
        i++;
        value(p, depth + 1);
        ws();
        const next = text.charCodeAt(i++);
        if (next === 0x7d) return;
        if (next !== 0x2c) throw GIVE_UP;
      }
    }
    if (c === 0x5b /* [ */) {
      if (depth >= limits.maxDepth) throw GIVE_UP;
      i++;
      ws();
      if (text.charCodeAt(i) === 0x5d) {
        i++;
        return;
      }
      for (let k = 0; ; k++) {
        ws();
        const p = `${path}[${k}]`;
        fields[p] = here();
        value(p, depth + 1);
        ws();
        const next = text.charCodeAt(i++);
        if (next === 0x5d) return;
        if (next !== 0x2c) throw GIVE_UP;
      }
    }
    if (c === 0x22) {
      string();
      return;
    }
    for (const word of ['true', 'false', 'null']) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return;
      }
    }
    NUMBER.lastIndex = i;
    const m = NUMBER.exec(text);
    if (!m || !Number.isFinite(Number(m[0]))) throw GIVE_UP;
    i += m[0].length;
  };

  try {
    ws();
    if (text.charCodeAt(i) !== 0x7b) return undefined;
    const start = line;
    value('', 0);
    ws();
    if (i !== n) return undefined;
    return { line: start, fields };
  } catch (err) {
    if (err === GIVE_UP) return undefined;
    throw err;
  }
}
