// Canonical JSON (sorted keys, no whitespace) and the content address of a snapshot (bodyVersion).
import { createHash, type Hash } from 'node:crypto';
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

/** Lists at least this long have their elements' canonical JSON remembered (writeCanonical). */
const REMEMBERED_LIST_LENGTH = 256;

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
  // The elements of a long list (a merged TCP listener's rules) are remembered like whole
  // frontends and backends (canonicalItem): one built from unchanged rule objects costs a join.
  // A short one (a Frontend's rules, a backend's servers) is written again unless its element's
  // text is remembered already: keeping every rule's text cost a dataplane ~1.5 MiB of live
  // heap at 5,000 routes (twice that in RSS under its heap bound), so only the controller asks
  // for it (canonicalItem on each rule it compiles: a Frontend edit then writes its new rules).
  if (Array.isArray(value)) {
    // A list of strings (the digest form's ~1,100 digests per version, on the controller and on
    // every dataplane) is what JSON.stringify writes, in one native call.
    if (value.length > 0 && value.every((item) => typeof item === 'string')) {
      out.push(JSON.stringify(value));
      return;
    }
    const remember = value.length >= REMEMBERED_LIST_LENGTH;
    out.push('[');
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out.push(',');
      const item: unknown = value[i];
      if (item !== null && typeof item === 'object') {
        if (remember) {
          out.push(canonicalItem(item));
          continue;
        }
        // An element whose text someone remembered (the controller does for each compiled rule).
        const known = itemJson.get(item);
        if (known !== undefined) {
          out.push(known);
          continue;
        }
      }
      writeCanonical(out, item ?? null);
    }
    out.push(']');
    return;
  }
  const obj = value as Record<string, unknown>;
  out.push('{');
  let first = true;
  for (const k of sortedKeys(obj)) {
    const v = obj[k];
    if (v === undefined) continue;
    if (!first) out.push(',');
    first = false;
    out.push(quotedKey(k));
    writeCanonical(out, v);
  }
  out.push('}');
}

/** Key lists up to this long are sorted in place by insertion (sortedKeys). */
const SMALL_KEY_LIST = 24;

/**
 * An object's own enumerable keys sorted by UTF-16 code units (what `sort()` does to strings).
 * The usual object has a handful of keys: an insertion sort in place of the keys array costs no
 * more than Array.prototype.sort and allocates nothing, where sort() allocated ~0.5 KB of work
 * arrays per call (~280 KB per Frontend edit at 5,000 routes, a third of what went to the young
 * generation).
 */
export function sortedKeys(obj: object): string[] {
  const keys = Object.keys(obj);
  if (keys.length > SMALL_KEY_LIST) return keys.sort();
  for (let i = 1; i < keys.length; i++) {
    const k = keys[i]!;
    let j = i - 1;
    while (j >= 0 && keys[j]! > k) {
      keys[j + 1] = keys[j]!;
      j--;
    }
    keys[j + 1] = k;
  }
  return keys;
}

/**
 * Whether `a` and `b` have the same canonical JSON (canonicalJson(a) === canonicalJson(b)),
 * found by walking both, without writing either: no string, no list, no hash. Undefined
 * properties count as absent and undefined list items as null, as canonicalJson writes them.
 * A non-finite number (which canonicalJson refuses) is equal to nothing; an object is equal to
 * itself without a walk.
 */
export function canonicalEqual(a: unknown, b: unknown): boolean {
  if (a === b) return typeof a !== 'number' || Number.isFinite(a);
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  const aList = Array.isArray(a);
  if (aList !== Array.isArray(b)) return false;
  if (aList) {
    const x = a as unknown[];
    const y = b as unknown[];
    if (x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) if (!canonicalEqual(x[i] ?? null, y[i] ?? null)) return false;
    return true;
  }
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  let defined = 0;
  for (const k in x) {
    if (!Object.prototype.hasOwnProperty.call(x, k)) continue;
    const v = x[k];
    if (v === undefined) continue;
    defined++;
    if (!Object.prototype.hasOwnProperty.call(y, k) || !canonicalEqual(v, y[k])) return false;
  }
  for (const k in y) {
    if (!Object.prototype.hasOwnProperty.call(y, k)) continue;
    if (y[k] !== undefined) defined--;
  }
  return defined === 0;
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    // Own enumerable properties, as Object.values gives them, without a list of them per object.
    if (Array.isArray(value)) for (let i = 0; i < value.length; i++) deepFreeze(value[i]);
    else
      for (const k in value)
        if (Object.prototype.hasOwnProperty.call(value, k)) deepFreeze((value as Record<string, unknown>)[k]);
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
 * sha256 hex of one frontend's or backend's canonical JSON, remembered per frozen object (its
 * text is not kept: the digest is what versions, deltas and rebuilds compare).
 */
const itemDigests = new WeakMap<object, string>();
export function itemDigest(item: object): string {
  let digest = itemDigests.get(item);
  if (digest === undefined) {
    digest = sha256Hex(canonicalJson(item));
    if (Object.isFrozen(item)) itemDigests.set(item, digest);
  }
  return digest;
}

/** The same snapshot object, or one with the same content. */
export const sameItem = (a: object, b: object): boolean => a === b || itemDigest(a) === itemDigest(b);

/**
 * The version of a body: the sha256 of the canonical JSON of its digest form, the body with every
 * frontend and backend replaced by its itemDigest (a two-level Merkle digest). It identifies the
 * whole body like a hash of its full text would, but a version after a change costs hashing the
 * changed objects and one digest per object (66 bytes), not the text of every route: ~1 MiB per
 * version at 5,000 routes, on the controller and again on every dataplane.
 */
export function bodyVersion(body: SnapshotBody): string {
  // The usual body (these three keys only): its digest form's canonical JSON written directly.
  // A digest is 64 lowercase hex characters, so a list of them is its digests joined (no escape
  // scan per string, no list of pieces): the same bytes, at about half the cost per version (on
  // the controller and again on every dataplane; ~0.5 ms of ~1 ms at 1,100 objects).
  if (
    Object.keys(body).length === 3 &&
    typeof body.group === 'string' &&
    Array.isArray(body.frontends) &&
    Array.isArray(body.backends)
  )
    return backendsHashed(body.backends)
      .copy()
      .update(`,"frontends":${digestList(body.frontends)},"group":${JSON.stringify(body.group)}}`)
      .digest('hex');
  return sha256Hex(canonicalJson(digestForm(body)));
}

/**
 * The hash state after the start of a usual body's digest form, `{"backends":[…]`, remembered per
 * frozen list of frozen backends: a body that keeps the list (after a Frontend edit: the
 * compiler's group backends, a delta's untouched kind) hashes only what follows, not its 1,000
 * digests joined again (67 KB). The state is small, where remembering the joined text kept 67 KB
 * per list alive past the young generation (more GC work per version).
 */
const backendsHashes = new WeakMap<readonly object[], Hash>();
function backendsHashed(backends: readonly object[]): Hash {
  let h = backendsHashes.get(backends);
  if (h === undefined) {
    h = createHash('sha256').update(`{"backends":${digestList(backends)}`);
    // Only a frozen list of frozen items cannot change under its state.
    if (Object.isFrozen(backends) && backends.every((item) => Object.isFrozen(item)))
      backendsHashes.set(backends, h);
  }
  return h;
}

/** canonicalJson of the items' digests (each a hex string: nothing to escape). */
function digestList(items: readonly object[]): string {
  if (items.length === 0) return '[]';
  return `["${items.map(itemDigest).join('","')}"]`;
}

/** The body with each frontend and backend replaced by its digest (what bodyVersion hashes). */
export const digestForm = (body: SnapshotBody): Record<string, unknown> => ({
  ...body,
  frontends: body.frontends.map(itemDigest),
  backends: body.backends.map(itemDigest),
});

/** version = bodyVersion(body). */
export function makeSnapshot(body: SnapshotBody): Snapshot {
  const frozen = deepFreeze(body);
  return deepFreeze({ version: bodyVersion(frozen), body: frozen });
}

export const shortVersion = (v: string | undefined | null): string => (v ? v.slice(0, 12) : 'none');
