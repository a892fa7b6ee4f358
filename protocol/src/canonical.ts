// Canonical JSON (sorted keys, no whitespace) and the content address of a snapshot.
import { createHash } from 'node:crypto';
import type { Snapshot, SnapshotBody } from './snapshot.js';

/**
 * Sorted keys, no whitespace. The pieces go into one list joined once: a map and a join per
 * nesting level copied every subtree's text once per level, and quoted keys (a small set: the
 * schema's field names) are made once per process.
 */
export function canonicalJson(value: unknown): string {
  const out: string[] = [];
  writeCanonical(out, value);
  return out.join('');
}

const quotedKeys = new Map<string, string>();
const MAX_QUOTED_KEYS = 4096;

function quotedKey(k: string): string {
  let q = quotedKeys.get(k);
  if (q === undefined) {
    q = `${JSON.stringify(k)}:`;
    if (quotedKeys.size < MAX_QUOTED_KEYS) quotedKeys.set(k, q);
  }
  return q;
}

function writeCanonical(out: string[], value: unknown): void {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value))
      throw new TypeError('non-finite number in canonical JSON');
    out.push(JSON.stringify(value));
    return;
  }
  // The elements of a list (rules, servers, certificates) are remembered like whole frontends
  // and backends (canonicalItem): a merged listener built from unchanged rule objects costs a join.
  if (Array.isArray(value)) {
    out.push('[');
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out.push(',');
      const item: unknown = value[i];
      if (item !== null && typeof item === 'object') out.push(canonicalItem(item));
      else writeCanonical(out, item ?? null);
    }
    out.push(']');
    return;
  }
  const obj = value as Record<string, unknown>;
  out.push('{');
  let first = true;
  for (const k of Object.keys(obj).sort()) {
    const v = obj[k];
    if (v === undefined) continue;
    if (!first) out.push(',');
    first = false;
    out.push(quotedKey(k));
    writeCanonical(out, v);
  }
  out.push('}');
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value as object)) deepFreeze(v);
  }
  return value;
}

/**
 * Canonical JSON of one frontend or backend of a snapshot, remembered per frozen object: a
 * snapshot that reuses the objects of the previous one (a delta, an incremental compile) is
 * hashed and compared at the cost of what changed. Only frozen objects are remembered (a
 * mutable one could change under its cached text).
 */
const itemJson = new WeakMap<object, string>();
export function canonicalItem(item: object): string {
  let json = itemJson.get(item);
  if (json === undefined) {
    json = canonicalJson(item);
    if (Object.isFrozen(item)) itemJson.set(item, json);
  }
  return json;
}

/**
 * canonicalJson(body), byte for byte, as the list of its pieces: the per-object texts of
 * canonicalItem between the keys and brackets. Hashing or writing the pieces one by one never
 * builds a string the size of the snapshot (the join, the flattening before hashing and the
 * hash's UTF-8 copy each made one per version: ~3.4 MiB of large objects per apply at 5,000
 * routes, which grew the heap of a dataplane under churn).
 */
export function canonicalBodyPieces(body: SnapshotBody): string[] {
  const list = (items: readonly object[]): string[] => {
    const out = ['['];
    for (const [i, item] of items.entries()) {
      if (i > 0) out.push(',');
      out.push(canonicalItem(item));
    }
    out.push(']');
    return out;
  };
  const rest = Object.keys(body).filter(
    (k) => k !== 'frontends' && k !== 'backends' && body[k as keyof SnapshotBody] !== undefined,
  );
  const parts: Array<[string, string[]]> = [
    ['backends', list(body.backends)],
    ['frontends', list(body.frontends)],
    ...rest.map((k): [string, string[]] => [k, [canonicalJson(body[k as keyof SnapshotBody])]]),
  ];
  parts.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const pieces = ['{'];
  for (const [i, [k, v]] of parts.entries()) pieces.push(`${i > 0 ? ',' : ''}${JSON.stringify(k)}:`, ...v);
  pieces.push('}');
  return pieces;
}

/** canonicalJson(body), byte for byte, built from the per-object texts of canonicalItem. */
export function canonicalBodyJson(body: SnapshotBody): string {
  return canonicalBodyPieces(body).join('');
}

/** The version of a body: sha256Hex(canonicalBodyJson(body)), hashed piece by piece. */
export function bodyVersion(body: SnapshotBody): string {
  const hash = createHash('sha256');
  for (const piece of canonicalBodyPieces(body)) hash.update(piece);
  return hash.digest('hex');
}

/** version = sha256(canonical JSON of the body). */
export function makeSnapshot(body: SnapshotBody): Snapshot {
  const frozen = deepFreeze(body);
  return deepFreeze({ version: bodyVersion(frozen), body: frozen });
}

export const shortVersion = (v: string | undefined | null): string => (v ? v.slice(0, 12) : 'none');
