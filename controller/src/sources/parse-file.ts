// A manifest file (multi-document YAML, or JSON which is YAML too) → store records, each with
// its origin: the line its document starts on and the line and column of every field, so a
// diagnostic points at the field it is about. A syntax or structural error in any document
// fails the whole file so the caller can keep the file's last good records while someone is
// half-way through an edit; every document is still diagnosed on its own, so one broken
// document hides nothing about the others.
//
// The input is hostile until proven otherwise: bounded size, document count, nesting depth,
// string length and alias expansion, and only JSON values (no !!binary, !!set, timestamps…).
import {
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  parseAllDocuments,
  type Document,
  type Node,
} from 'yaml';
import { ErrorCodes } from '#protocol/errors';
import type { FieldPositions, Origin } from '../compile/types.js';
import type { Diagnostic } from '../validate/diagnostic.js';
import { validateResources } from '../validate/validate.js';
import { DEFAULT_NAMESPACE, type StoreRecord } from '../store/records.js';
import { fileDiagnostic } from './diagnostics.js';
import { parseJsonManifest } from './json-manifest.js';
import { documentToRecord } from './manifest.js';

export type ParsedFile =
  { ok: true; records: StoreRecord[]; diagnostics: Diagnostic[] } | { ok: false; diagnostics: Diagnostic[] };

/** Bounds on one manifest file (docs/security.md#configuration-input). */
export interface ManifestLimits {
  /** File size in bytes. */
  maxBytes: number;
  /** Objects in one file (documents, and the items of v1 Lists). */
  maxObjects: number;
  /** Nesting of maps and lists (a Bascule object needs about 8). */
  maxDepth: number;
  /** Characters in one string, keys included (a CA bundle in a Secret fits). */
  maxStringLength: number;
  /** Alias expansions per document (the yaml package's bound against "billion laughs"). */
  maxAliasCount: number;
}

export const MANIFEST_LIMITS: Readonly<ManifestLimits> = Object.freeze({
  maxBytes: 8 * 1024 * 1024,
  maxObjects: 1000,
  maxDepth: 32,
  maxStringLength: 1024 * 1024,
  maxAliasCount: 100,
});

interface Problem {
  message: string;
  offset: number | undefined;
}

export function parseManifestFile(
  text: string,
  file: string,
  limits: Readonly<ManifestLimits> = MANIFEST_LIMITS,
  opts: { yamlOnly?: boolean } = {},
): ParsedFile {
  const bytes = Buffer.byteLength(text);
  if (bytes > limits.maxBytes)
    return failed([
      fileDiagnostic(
        file,
        undefined,
        ErrorCodes.CONFIG_PARSE,
        `file is ${bytes} bytes, more than the ${limits.maxBytes} allowed`,
      ),
    ]);
  // One JSON object: the same result without the YAML syntax tree (json-manifest.ts).
  const fast = opts.yamlOnly ? undefined : parseJsonManifest(text, file, limits);
  if (fast) return { ok: true, ...fast };
  const lineCounter = new LineCounter();
  let docs: Document.Parsed[];
  try {
    docs = parseAllDocuments(text, {
      lineCounter,
      prettyErrors: false,
      uniqueKeys: true,
    }) as Document.Parsed[];
  } catch (err) {
    return failed([
      fileDiagnostic(file, undefined, ErrorCodes.CONFIG_PARSE, `cannot parse: ${(err as Error).message}`),
    ]);
  }
  const at = (offset: number | undefined) => {
    const { line, col } = lineCounter.linePos(offset ?? 0);
    return { line, column: col };
  };
  const problemAt = (p: Problem): Diagnostic => ({
    ...fileDiagnostic(file, at(p.offset).line, ErrorCodes.CONFIG_PARSE, p.message),
    column: at(p.offset).column,
  });

  const records: StoreRecord[] = [];
  const diagnostics: Diagnostic[] = [];
  const fatal: Diagnostic[] = [];
  let objects = 0;

  for (const doc of docs) {
    const broken = doc.errors[0] ?? doc.warnings[0];
    if (broken) {
      const what = doc.errors.length > 0 ? 'YAML syntax error' : 'YAML';
      fatal.push(problemAt({ message: `${what}: ${firstLine(broken.message)}`, offset: broken.pos[0] }));
      continue;
    }
    const docOffset = doc.contents?.range[0] ?? doc.range[0];
    const who = identityOf(doc);
    const problem = checkNodes(doc.contents, limits);
    if (problem) {
      fatal.push(problemAt({ ...problem, message: `${who}${problem.message}` }));
      continue;
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: limits.maxAliasCount });
    } catch (err) {
      const alias = firstAlias(doc.contents);
      fatal.push(
        problemAt({
          message: `${who}cannot decode document: ${(err as Error).message} (at most ${limits.maxAliasCount} alias expansions)`,
          offset: alias ?? docOffset,
        }),
      );
      continue;
    }
    if (value === null || value === undefined) continue; // empty document (e.g. a trailing ---)

    for (const { item, node } of expandList(doc, value)) {
      if (++objects > limits.maxObjects) {
        fatal.push(
          problemAt({
            message: `more than ${limits.maxObjects} objects in one file`,
            offset: node?.range?.[0],
          }),
        );
        break;
      }
      const origin: Origin = {
        file,
        line: at(node?.range?.[0] ?? docOffset).line,
        fields: fieldPositions(node, at),
      };
      const out = documentToRecord(item, origin);
      if (out.outcome === 'fatal') fatal.push(...out.diagnostics);
      else diagnostics.push(...out.diagnostics);
      if (out.outcome === 'record') records.push(out.record);
    }
    if (objects > limits.maxObjects) break;
  }
  if (fatal.length === 0) return { ok: true, records, diagnostics };
  return failed([...fatal, ...diagnostics, ...unappliedDiagnostics(records)]);
}

const failed = (diagnostics: Diagnostic[]): ParsedFile => ({ ok: false, diagnostics });

/**
 * The documents of a file that fails still get their own diagnostics, as file problems: they
 * are not applied (the file's last good content keeps serving), so they must not change the
 * status of the objects that are live.
 */
function unappliedDiagnostics(records: StoreRecord[]): Diagnostic[] {
  const resources = records.flatMap((r) => (r.type === 'resource' ? [r.resource] : []));
  return validateResources(resources).diagnostics.map((d) => {
    const { kind, namespace, name } = d.object;
    const message = `${kind}/${namespace}/${name} ${d.field}: ${d.message} (not applied: the file has errors)`;
    return {
      ...fileDiagnostic(d.file ?? '', d.line, d.code, message),
      ...(d.column ? { column: d.column } : {}),
    };
  });
}

/**
 * The first node that is not plain JSON, or breaks a bound: depth, string length, a tag that
 * decodes to something other than a string, number, boolean or null, a non-scalar key.
 */
function checkNodes(root: unknown, limits: Readonly<ManifestLimits>): Problem | undefined {
  // `key`: where the field's key is, so a problem in a value points at its field.
  type Entry = { node: unknown; depth: number; path: string; key?: number | undefined };
  const stack: Entry[] = [{ node: root, depth: 0, path: '' }];
  while (stack.length > 0) {
    const { node, depth, path, key } = stack.pop()!;
    if (node === null || node === undefined || isAlias(node)) continue;
    const offset = key ?? (node as Node).range?.[0];
    const problem = (message: string, at = offset): Problem => ({
      message: path ? `${path}: ${message}` : message,
      offset: at,
    });
    if (isScalar(node)) {
      const v = node.value;
      if (typeof v === 'string' && v.length > limits.maxStringLength)
        return problem(`string of ${v.length} characters, more than the ${limits.maxStringLength} allowed`);
      if (typeof v === 'number' && !Number.isFinite(v))
        return problem('numbers must be finite (.inf and .nan are not allowed)');
      if (v !== null && !['string', 'number', 'boolean'].includes(typeof v))
        return problem(`${tagName(node.tag)} values are not supported: write a string`);
      continue;
    }
    if (!isMap(node) && !isSeq(node)) continue;
    if (node.tag && !['tag:yaml.org,2002:map', 'tag:yaml.org,2002:seq'].includes(node.tag))
      return problem(`${tagName(node.tag)} collections are not supported: write a map or a list`);
    if (depth >= limits.maxDepth) return problem(`nested more than ${limits.maxDepth} levels deep`);
    // Pushed in reverse so that the first problem in document order is the one reported.
    for (let i = node.items.length - 1; i >= 0; i--) {
      const item = node.items[i];
      if (!isPair(item)) {
        stack.push({ node: item, depth: depth + 1, path: `${path}[${i}]` });
        continue;
      }
      if (item.key !== null && !isScalar(item.key))
        return problem('mapping keys must be plain strings', (item.key as Node).range?.[0] ?? offset);
      const field = item.key === null ? '' : String(item.key.value);
      const p = path ? `${path}.${field}` : field;
      const at = (item.key as Node | null)?.range?.[0];
      stack.push(
        { node: item.value, depth: depth + 1, path: p, key: at },
        { node: item.key, depth: depth + 1, path: p },
      );
    }
  }
  return undefined;
}

const tagName = (tag: string | undefined) => (tag ?? 'tagged').replace('tag:yaml.org,2002:', '!!');

function firstAlias(root: unknown): number | undefined {
  const stack = [root];
  while (stack.length > 0) {
    const node = stack.pop();
    if (isAlias(node)) return node.range?.[0];
    if (isMap(node)) stack.push(...node.items.map((p) => p.value).reverse());
    else if (isSeq(node)) stack.push(...[...node.items].reverse());
  }
  return undefined;
}

/** "Backend/default/web: ", read from the syntax tree of a document that cannot be decoded. */
function identityOf(doc: Document.Parsed): string {
  const str = (v: unknown) => (isScalar(v) && typeof v.value === 'string' ? v.value : undefined);
  const kind = str(doc.get('kind', true));
  const name = str(doc.getIn(['metadata', 'name'], true));
  if (!kind || !name) return '';
  return `${kind}/${str(doc.getIn(['metadata', 'namespace'], true)) ?? DEFAULT_NAMESPACE}/${name}: `;
}

/**
 * Line and column of every field below a node, keyed like diagnostics' field paths
 * ("spec.rules[0].match.path"); a map entry is located at its key, a list item at its value.
 */
function fieldPositions(
  root: unknown,
  at: (offset: number | undefined) => { line: number; column: number },
): FieldPositions {
  const out: FieldPositions = {};
  const walk = (node: unknown, path: string): void => {
    if (isMap(node)) {
      for (const pair of node.items) {
        if (!isScalar(pair.key)) continue;
        const key = String(pair.key.value);
        const p = path ? `${path}.${key}` : key;
        const { line, column } = at(pair.key.range?.[0]);
        out[p] = [line, column];
        walk(pair.value, p);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => {
        const p = `${path}[${i}]`;
        const { line, column } = at((item as Node | null)?.range?.[0]);
        out[p] = [line, column];
        walk(item, p);
      });
    }
  };
  walk(root, '');
  return out;
}

/** `kubectl get -o yaml` writes a v1 List; treat each item as its own document. */
function expandList(doc: Document.Parsed, value: unknown): { item: unknown; node: Node | null }[] {
  const v = value as { apiVersion?: unknown; kind?: unknown; items?: unknown };
  const node = doc.contents as Node | null;
  if (
    typeof v !== 'object' ||
    Array.isArray(v) ||
    v.apiVersion !== 'v1' ||
    v.kind !== 'List' ||
    !Array.isArray(v.items)
  ) {
    return [{ item: value, node }];
  }
  const items = doc.get('items', true);
  const nodes = isSeq(items) ? (items.items as Node[]) : [];
  return v.items.map((item, i) => ({ item, node: nodes[i] ?? node }));
}

const firstLine = (s: string) => s.split('\n', 1)[0]!.replace(/ at line \d+, column \d+:?$/, '');
