// Header edits (add / set / remove), compiled once per build and applied as pure list transforms.
import type { HeaderEditsSnap } from '#protocol/snapshot';
import type { CompiledHeaderEdits, HeaderList } from './types.js';

export function compileHeaderEdits(
  edits: Readonly<HeaderEditsSnap> | undefined,
): CompiledHeaderEdits | undefined {
  if (!edits || (edits.add.length === 0 && edits.set.length === 0 && edits.remove.length === 0))
    return undefined;
  const remove = new Set(edits.remove.map((n) => n.toLowerCase()));
  const set = edits.set.map((h) =>
    Object.freeze({ name: h.name, lower: h.name.toLowerCase(), value: h.value }),
  );
  return Object.freeze({
    remove,
    set,
    add: edits.add.map((h) => Object.freeze({ name: h.name, value: h.value })),
    drop: new Set([...remove, ...set.map((h) => h.lower)]),
  });
}

/** Applies edits in order; returns the input list untouched when there is nothing to do. */
export function applyHeaderEdits(headers: HeaderList, edits: readonly CompiledHeaderEdits[]): HeaderList {
  if (edits.length === 0) return headers;
  let out = headers;
  let owned = false; // never mutate the caller's list
  for (const e of edits) {
    if (e.drop.size > 0) {
      const drop = e.drop;
      out = out.filter(([name]) => !drop.has(name.toLowerCase()));
      owned = true;
    }
    if (e.set.length === 0 && e.add.length === 0) continue;
    if (!owned) {
      out = out.slice();
      owned = true;
    }
    for (const s of e.set) out.push([s.name, s.value]);
    for (const a of e.add) out.push([a.name, a.value]);
  }
  return out;
}
