// Per-object compile results, reused across runs while the object and what it depends on are
// unchanged. The key is the validated object (the pipeline hands the same frozen object for an
// unchanged resource); the dependencies are the values the object's compile read from other
// objects, compared with ===. A reused result is the very same snapshot object, so hashing,
// diffing and the dataplane's rebuild all skip it too. Diagnostics the compile produced are
// replayed, so a reused result reports exactly what a fresh compile would.
import type { Diagnostic } from '../validate/diagnostic.js';
import type { ObjectDiagnostics } from './context.js';
import { ListenerMemo } from './listeners.js';

interface Entry {
  readonly deps: readonly unknown[];
  readonly value: unknown;
  readonly diagnostics: readonly Diagnostic[];
}

export class CompileMemo {
  private entries = new WeakMap<object, Entry>();
  /** Shared listeners merged in earlier runs (listeners.ts). */
  readonly listeners = new ListenerMemo();
  hits = 0;
  misses = 0;

  /**
   * `build()`'s result for `key`, or the one remembered from an earlier run with the same
   * `deps`. `build` must depend on nothing but `key` and `deps`.
   */
  reuse<T>(key: object, deps: readonly unknown[], diag: ObjectDiagnostics, build: () => T): T {
    const entry = this.entries.get(key);
    if (entry && sameItems(entry.deps, deps)) {
      this.hits++;
      for (const d of entry.diagnostics) diag.list.push(d);
      return entry.value as T;
    }
    this.misses++;
    const before = diag.list.length;
    const value = build();
    this.entries.set(key, { deps, value, diagnostics: diag.list.slice(before) });
    return value;
  }
}

/** Whether two lists hold the very same items (===) in the same order. */
export function sameItems<T>(a: readonly T[], b: readonly T[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
