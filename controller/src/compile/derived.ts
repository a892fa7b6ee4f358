// Objects a listener merge derives from a member's rules (renamed, scoped to one host or server
// name), remembered per source object and key: while a member is unchanged its compiled rules are
// the same objects (compile/memo.ts), so a merge after another member's edit hands back the same
// derived objects. Snapshots freeze them, and canonical JSON (hashing, deltas, the merge's own
// conflict keys) is then remembered per object instead of recomputed for every rule of the
// listener on every edit.
const derived = new WeakMap<object, Map<string, object>>();

/** make(), or what it returned before for the same `from` and `key` (key: everything else make reads). */
export function derive<T extends object>(from: object, key: string, make: () => T): T {
  let byKey = derived.get(from);
  if (!byKey) derived.set(from, (byKey = new Map()));
  let out = byKey.get(key) as T | undefined;
  if (out === undefined) byKey.set(key, (out = make()));
  return out;
}
