// Canonical JSON (sorted keys, no whitespace) and the content address of a snapshot.
import { createHash } from 'node:crypto';
import type { Snapshot, SnapshotBody } from './snapshot.js';

export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value))
      throw new TypeError('non-finite number in canonical JSON');
    return JSON.stringify(value);
  }
  if (Array.isArray(value))
    return `[${value.map((v) => canonicalJson(v === undefined ? null : v)).join(',')}]`;
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

/** version = sha256(canonical JSON of the body). */
export function makeSnapshot(body: SnapshotBody): Snapshot {
  const version = sha256Hex(canonicalJson(body));
  return deepFreeze({ version, body });
}

export const shortVersion = (v: string | undefined | null): string => (v ? v.slice(0, 12) : 'none');
