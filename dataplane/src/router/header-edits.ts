// Header edits (add / set / remove), compiled once per build and applied as pure list transforms.
import type { HeaderEditsSnap } from '#protocol/snapshot';
import { isFieldName } from '../util/field-name.js';
import type { CompiledHeaderEdits, HeaderList } from './types.js';

/**
 * Up to this many dropped names are compared in place against each field name; past it, the
 * field name is lower-cased once and looked up in the set.
 */
const COMPARE_IN_PLACE = 8;

export function compileHeaderEdits(
  edits: Readonly<HeaderEditsSnap> | undefined,
): CompiledHeaderEdits | undefined {
  if (!edits || (edits.add.length === 0 && edits.set.length === 0 && edits.remove.length === 0))
    return undefined;
  const remove = new Set(edits.remove.map((n) => n.toLowerCase()));
  const set = edits.set.map((h) =>
    Object.freeze({ name: h.name, lower: h.name.toLowerCase(), value: h.value }),
  );
  const add = edits.add.map((h) => Object.freeze({ name: h.name, value: h.value }));
  const drop = new Set([...remove, ...set.map((h) => h.lower)]);
  const appended = Object.freeze([...set, ...add]);
  const appendedPairs = Object.freeze(appended.map((h) => Object.freeze([h.name, h.value] as const)));
  return Object.freeze({
    remove,
    set,
    add,
    drop,
    dropNames: Object.freeze([...drop]),
    appended,
    appendedPairs,
    // Made once per build (join gives one flat string): each message with these fields wrote the
    // same lines with three concatenations per field.
    appendedLines: appendedPairs.map(([n, v]) => `${n}: ${v}\r\n`).join(''),
  });
}

function dropped(name: string, e: CompiledHeaderEdits): boolean {
  const names = e.dropNames;
  if (names.length > COMPARE_IN_PLACE) return e.drop.has(name.toLowerCase());
  for (let i = 0; i < names.length; i++) if (isFieldName(name, names[i]!)) return true;
  return false;
}

/**
 * Applies edits in order; returns the input list untouched when there is nothing to do, else a
 * new list (never the caller's).
 */
export function applyHeaderEdits(headers: HeaderList, edits: readonly CompiledHeaderEdits[]): HeaderList {
  if (edits.length === 0) return headers;
  let out = headers;
  for (const e of edits) {
    // One pass: a new list (never the caller's) without the dropped fields, then the appended.
    const next: HeaderList = [];
    const dropping = e.dropNames.length > 0;
    for (let i = 0; i < out.length; i++) {
      const h = out[i]!;
      if (!dropping || !dropped(h[0], e)) next.push(h);
    }
    // A fresh pair per request: a shared frozen one slows every later walk of the list.
    for (let i = 0; i < e.appended.length; i++) next.push([e.appended[i]!.name, e.appended[i]!.value]);
    out = next;
  }
  return out;
}
