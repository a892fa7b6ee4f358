// A manifest file (multi-document YAML, or JSON which is YAML too) → store records, each with
// the line its document starts on. Any syntax or structural error fails the whole file so the
// caller can keep the file's last good records while someone is half-way through an edit.
import { isSeq, LineCounter, parseAllDocuments, type Document } from 'yaml';
import { ErrorCodes } from '#protocol/errors';
import type { Diagnostic } from '../validate/diagnostic.js';
import type { StoreRecord } from '../store/records.js';
import { fileDiagnostic } from './diagnostics.js';
import { documentToRecord } from './manifest.js';

export type ParsedFile =
  { ok: true; records: StoreRecord[]; diagnostics: Diagnostic[] } | { ok: false; diagnostics: Diagnostic[] };

/** Bounds alias expansion ("billion laughs"). */
const MAX_ALIAS_COUNT = 100;

export function parseManifestFile(text: string, file: string): ParsedFile {
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter, prettyErrors: false });
  const records: StoreRecord[] = [];
  const diagnostics: Diagnostic[] = [];
  const fatal: Diagnostic[] = [];
  const lineOf = (offset: number | undefined) =>
    offset === undefined ? 1 : lineCounter.linePos(offset).line;

  for (const doc of docs) {
    if (doc.errors.length > 0) {
      const err = doc.errors[0]!;
      const line = err.linePos?.[0]?.line ?? lineOf(err.pos[0]);
      fatal.push(
        fileDiagnostic(file, line, ErrorCodes.CONFIG_PARSE, `YAML syntax error: ${firstLine(err.message)}`),
      );
      continue;
    }
    const docLine = lineOf(doc.contents?.range[0] ?? doc.range[0]);
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (err) {
      fatal.push(
        fileDiagnostic(
          file,
          docLine,
          ErrorCodes.CONFIG_PARSE,
          `cannot decode document: ${(err as Error).message}`,
        ),
      );
      continue;
    }
    if (value === null || value === undefined) continue; // empty document (e.g. a trailing ---)
    if (hasNonFinite(value)) {
      fatal.push(
        fileDiagnostic(
          file,
          docLine,
          ErrorCodes.CONFIG_PARSE,
          'numbers must be finite (.inf and .nan are not allowed)',
        ),
      );
      continue;
    }

    for (const { item, line } of expandList(doc, value, docLine, lineOf)) {
      const out = documentToRecord(item, { file, line });
      if (out.outcome === 'fatal') fatal.push(...out.diagnostics);
      else diagnostics.push(...out.diagnostics);
      if (out.outcome === 'record') records.push(out.record);
    }
  }
  return fatal.length > 0 ? { ok: false, diagnostics: fatal } : { ok: true, records, diagnostics };
}

/** `kubectl get -o yaml` writes a v1 List; treat each item as its own document. */
function expandList(
  doc: Document,
  value: unknown,
  docLine: number,
  lineOf: (offset: number | undefined) => number,
): { item: unknown; line: number }[] {
  const v = value as { apiVersion?: unknown; kind?: unknown; items?: unknown };
  if (
    typeof v !== 'object' ||
    Array.isArray(v) ||
    v.apiVersion !== 'v1' ||
    v.kind !== 'List' ||
    !Array.isArray(v.items)
  ) {
    return [{ item: value, line: docLine }];
  }
  const node = doc.get('items', true);
  const nodes = isSeq(node) ? node.items : [];
  return v.items.map((item, i) => {
    const n = nodes[i] as { range?: [number, number, number] } | undefined;
    return { item, line: n?.range ? lineOf(n.range[0]) : docLine };
  });
}

function hasNonFinite(v: unknown): boolean {
  if (typeof v === 'number') return !Number.isFinite(v);
  if (v && typeof v === 'object') return Object.values(v).some(hasNonFinite);
  return false;
}

const firstLine = (s: string) => s.split('\n', 1)[0]!.replace(/ at line \d+, column \d+:?$/, '');
