// Snapshot deltas: a change sent as the objects that differ from the version a dataplane ACKed.
// The version is still the content address of the whole resulting body, so the receiver proves
// it ended where the sender meant (bodyVersion of the rebuilt body) and asks for a full snapshot
// on any doubt. Frontends and backends are keyed by id; a body's arrays are sorted by id (the
// compiler's order), which is what lets a delta leave positions out.
import { sameItem } from './canonical.js';
import { BasculeError, ErrorCodes } from './errors.js';
import type { BackendSnap, FrontendSnap, SnapshotBody } from './snapshot.js';

/** Most objects one delta may carry (upserts plus removals, both kinds); beyond it: a full snapshot. */
export const MAX_DELTA_OBJECTS = 10_000;

export interface KindDelta<T> {
  /** Objects added or changed, whole. */
  readonly upsert: readonly T[];
  /** Ids of objects removed. */
  readonly remove: readonly string[];
}

export interface SnapshotDelta {
  readonly group: string;
  readonly frontends: KindDelta<FrontendSnap>;
  readonly backends: KindDelta<BackendSnap>;
}

const byId = <T extends { id: string }>(a: T, b: T): number => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** Strictly increasing ids: the only order a delta can reproduce. */
/** Frozen lists found in strictly increasing id order (a frozen list cannot change order). */
const sortedLists = new WeakSet<readonly object[]>();

function sortedById(items: readonly { id: string }[]): boolean {
  if (sortedLists.has(items)) return true;
  for (let i = 1; i < items.length; i++) if (!(items[i - 1]!.id < items[i]!.id)) return false;
  if (Object.isFrozen(items)) sortedLists.add(items);
  return true;
}

function diffKind<T extends { id: string }>(base: readonly T[], target: readonly T[]): KindDelta<T> {
  // Both in id order (the target is checked by the caller; the base was an earlier target): one
  // walk down the two lists, comparing objects that are not the very same only by digest.
  if (sortedById(base)) {
    const upsert: T[] = [];
    const remove: string[] = [];
    let i = 0;
    // Indexed: ~1,100 objects per diff, and for…of made an iterator result per object.
    for (let j = 0; j < target.length; j++) {
      const o = target[j]!;
      while (i < base.length && base[i]!.id < o.id) remove.push(base[i++]!.id);
      const prev = i < base.length && base[i]!.id === o.id ? base[i++] : undefined;
      if (!prev || !sameItem(prev, o)) upsert.push(o);
    }
    while (i < base.length) remove.push(base[i++]!.id);
    return { upsert, remove };
  }
  const before = new Map(base.map((o) => [o.id, o]));
  const upsert: T[] = [];
  for (const o of target) {
    const prev = before.get(o.id);
    before.delete(o.id);
    if (prev && sameItem(prev, o)) continue;
    upsert.push(o);
  }
  return { upsert, remove: [...before.keys()] };
}

/**
 * The delta that turns `base` into `target`, or null when one cannot express it (the target's
 * arrays are not sorted by unique id, the groups differ, or it is larger than the bound).
 */
export function diffBodies(base: SnapshotBody, target: SnapshotBody): SnapshotDelta | null {
  if (base.group !== target.group) return null;
  if (!sortedById(target.frontends) || !sortedById(target.backends)) return null;
  const delta: SnapshotDelta = {
    group: target.group,
    frontends: diffKind(base.frontends, target.frontends),
    backends: diffKind(base.backends, target.backends),
  };
  return deltaObjects(delta) > MAX_DELTA_OBJECTS ? null : delta;
}

export const deltaObjects = (d: SnapshotDelta): number =>
  d.frontends.upsert.length + d.frontends.remove.length + d.backends.upsert.length + d.backends.remove.length;

/**
 * Where `id` is in `list` (sorted by strictly increasing id, as compile makes every list), or
 * -(insertion point) - 1. Shared by the deltas, the controller's patched compile and its status.
 */
export function searchById(list: readonly { id: string }[], id: string): number {
  let lo = 0;
  let hi = list.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const at = list[mid]!.id;
    if (at < id) lo = mid + 1;
    else if (at > id) hi = mid - 1;
    else return mid;
  }
  return -lo - 1;
}

function applyKind<T extends { id: string }>(kind: string, base: readonly T[], delta: KindDelta<T>): T[] {
  // The base is in id order (the compiler's, kept by every delta): each change is put in place by
  // a binary search, so a version costs a copy of the list and what changed, not a map of every
  // object and a sort. Another base (a full snapshot out of order) takes the general way.
  if (sortedById(base)) {
    // Nothing of this kind changed: the base's own list, so the receiver's version check and
    // rebuild find it the very same (1,000 backends after a Frontend edit: no copy, no walk).
    if (delta.upsert.length === 0 && delta.remove.length === 0) return base as T[];
    return applySorted(kind, base, delta);
  }
  const byKey = new Map(base.map((o) => [o.id, o]));
  for (const id of delta.remove) {
    if (!byKey.delete(id))
      throw new BasculeError(
        ErrorCodes.DELTA_BASE,
        `delta removes ${kind} ${id}, which the base does not have`,
      );
  }
  const upserted = new Set<string>();
  for (const o of delta.upsert) {
    if (upserted.has(o.id))
      throw new BasculeError(ErrorCodes.SNAPSHOT_INVALID, `delta repeats ${kind} ${o.id}`);
    upserted.add(o.id);
    byKey.set(o.id, o);
  }
  return [...byKey.values()].sort(byId);
}

function applySorted<T extends { id: string }>(kind: string, base: readonly T[], delta: KindDelta<T>): T[] {
  const out = base.slice();
  for (const id of delta.remove) {
    const at = searchById(out, id);
    if (at < 0)
      throw new BasculeError(
        ErrorCodes.DELTA_BASE,
        `delta removes ${kind} ${id}, which the base does not have`,
      );
    out.splice(at, 1);
  }
  const upserted = new Set<string>();
  for (const o of delta.upsert) {
    if (upserted.has(o.id))
      throw new BasculeError(ErrorCodes.SNAPSHOT_INVALID, `delta repeats ${kind} ${o.id}`);
    upserted.add(o.id);
    const at = searchById(out, o.id);
    if (at >= 0) out[at] = o;
    else out.splice(-at - 1, 0, o);
  }
  return out;
}

/**
 * The body `delta` makes of `base`. Unchanged objects are the base's own (same references), so
 * the receiver can keep what it built from them. Throws BASCULE_E_DELTA_BASE when the delta
 * does not fit the base.
 */
export function applyDelta(base: SnapshotBody, delta: SnapshotDelta): SnapshotBody {
  if (delta.group !== base.group)
    throw new BasculeError(
      ErrorCodes.DELTA_BASE,
      `delta for group ${delta.group} on a base of group ${base.group}`,
    );
  if (deltaObjects(delta) > MAX_DELTA_OBJECTS)
    throw new BasculeError(
      ErrorCodes.SNAPSHOT_INVALID,
      `delta carries more than ${MAX_DELTA_OBJECTS} objects`,
    );
  return {
    group: base.group,
    frontends: applyKind('frontend', base.frontends, delta.frontends),
    backends: applyKind('backend', base.backends, delta.backends),
  };
}
