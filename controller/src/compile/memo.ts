// Per-object compile results, reused across runs while the object and what it depends on are
// unchanged. The key is the validated object (the pipeline hands the same frozen object for an
// unchanged resource); the dependencies are the values the object's compile read from other
// objects, compared with ===. A reused result is the very same snapshot object, so hashing,
// diffing and the dataplane's rebuild all skip it too. Diagnostics the compile produced are
// replayed, so a reused result reports exactly what a fresh compile would.
import type { Diagnostic } from '../validate/diagnostic.js';
import type { ObjectDiagnostics } from './context.js';
import type { CompileState } from './incremental.js';
import type { StagesState } from './types.js';
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
  private readonly groups = new Map<string, { backends: GroupBackends; used: boolean }>();
  hits = 0;
  misses = 0;
  /** What the last full or patched compile left for the next run to patch (incremental.ts). */
  last: CompileState | undefined;
  /** What the last run of the stages left for the next (pipeline/stages.ts). */
  stages: StagesState | undefined;
  /** Runs whose output was patched from the last one's instead of compiled in full. */
  patchedRuns = 0;

  /** The backends a dataplane group's served frontends route to, kept across runs. */
  groupBackends(group: string): GroupBackends {
    let entry = this.groups.get(group);
    if (!entry) this.groups.set(group, (entry = { backends: new GroupBackends(), used: true }));
    entry.used = true;
    return entry.backends;
  }

  /** Forgets the groups no run used since the last sweep. */
  sweepGroups(): void {
    for (const [group, entry] of this.groups) {
      if (!entry.used) this.groups.delete(group);
      entry.used = false;
    }
  }

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

/**
 * The backend ids a group's served frontends route to, sorted, kept by reference counts: each
 * run hands the served frontends' compile results, and only those that are not the very same
 * object as in the last run (an edited frontend, one added or gone) move the counts. The sorted
 * list is made again only when an id appears or disappears.
 */
export class GroupBackends {
  private readonly counts = new Map<string, number>();
  /** Frontend id → the backend ids counted for it (its compile result's own array). */
  private readonly members = new Map<string, readonly string[]>();
  private sorted: readonly string[] = [];
  private changed = false;

  update(served: readonly { snap: { id: string }; backendIds: readonly string[] }[]): readonly string[] {
    const seen = new Set<string>();
    for (const { snap, backendIds } of served) {
      seen.add(snap.id);
      const before = this.members.get(snap.id);
      if (before === backendIds) continue;
      for (const id of backendIds) this.add(id);
      if (before) for (const id of before) this.remove(id);
      this.members.set(snap.id, backendIds);
    }
    if (seen.size !== this.members.size) {
      for (const [frontend, before] of this.members) {
        if (seen.has(frontend)) continue;
        for (const id of before) this.remove(id);
        this.members.delete(frontend);
      }
    }
    if (this.changed) {
      this.sorted = [...this.counts.keys()].sort();
      this.changed = false;
    }
    return this.sorted;
  }

  private add(id: string): void {
    const n = this.counts.get(id) ?? 0;
    this.counts.set(id, n + 1);
    if (n === 0) this.changed = true;
  }

  private remove(id: string): void {
    const n = this.counts.get(id)!;
    if (n > 1) this.counts.set(id, n - 1);
    else {
      this.counts.delete(id);
      this.changed = true;
    }
  }
}
