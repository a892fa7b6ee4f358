// Canonical JSON (sorted keys, no whitespace) and the content address of a snapshot.
import { createHash } from 'node:crypto';
import type { Snapshot, SnapshotBody } from './snapshot.js';

export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value))
      throw new TypeError('non-finite number in canonical JSON');
    return JSON.stringify(value);
  }
  // The elements of a list (rules, servers, certificates) are remembered like whole frontends
  // and backends (canonicalItem): a merged listener built from unchanged rule objects costs a join.
  if (Array.isArray(value))
    return `[${value
      .map((v) =>
        v !== null && typeof v === 'object' ? canonicalItem(v as object) : canonicalJson(v ?? null),
      )
      .join(',')}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
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

/** canonicalJson(body), byte for byte, built from the per-object texts of canonicalItem. */
export function canonicalBodyJson(body: SnapshotBody): string {
  const list = (items: readonly object[]): string => `[${items.map(canonicalItem).join(',')}]`;
  const rest = Object.keys(body).filter(
    (k) => k !== 'frontends' && k !== 'backends' && body[k as keyof SnapshotBody] !== undefined,
  );
  const parts: Array<[string, string]> = [
    ['backends', list(body.backends)],
    ['frontends', list(body.frontends)],
    ...rest.map((k): [string, string] => [k, canonicalJson(body[k as keyof SnapshotBody])]),
  ];
  parts.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${parts.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`;
}

/** version = sha256(canonical JSON of the body). */
export function makeSnapshot(body: SnapshotBody): Snapshot {
  const frozen = deepFreeze(body);
  const version = sha256Hex(canonicalBodyJson(frozen));
  return deepFreeze({ version, body: frozen });
}

export const shortVersion = (v: string | undefined | null): string => (v ? v.slice(0, 12) : 'none');
