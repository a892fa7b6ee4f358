// The young generation collected while nothing waits for the controller. V8 runs a scavenge when
// an allocation finds the young generation full (or from a task once it is ~80% full), and
// nearly all the controller's allocation is an edit's own work: so nearly every scavenge ran in
// the middle of an edit's read, compile or send, 2–48 ms on a loaded machine (the first one after
// start-up's last mark-compact the longest), on the path from the file write to the dataplanes'
// ACKs. Once every dataplane has ACKed and no batch is pending, a young generation already past
// IDLE_SCAVENGE_FILL of its capacity is collected then: the same work, at a moment no edit waits
// for it. V8's gc() is reached through the --expose-gc flag set for one new context
// (minorGcFunction); where that is not possible, scavenges stay where V8 puts them.
import v8 from 'node:v8';
import vm from 'node:vm';

/**
 * Share of the young generation's capacity in use above which an idle moment collects it. An
 * edit allocates ~0.3–1 MB (the young generation grows to 16 MiB per semi-space on 64-bit
 * Node.js), so below V8's own task trigger (80%) there is room for a few versions between idle
 * moments, and each collection still frees most of the space (few survivors: scavenges cost
 * what survives, not what is freed).
 */
export const IDLE_SCAVENGE_FILL = 0.6;

/** V8's minor (young generation) collection, run synchronously. */
export type MinorGc = () => void;

/**
 * V8's gc({ type: 'minor' }), taken from a context created while --expose-gc is set (the flag is
 * unset again: only that context has gc). Undefined when this Node.js refuses either step or the
 * function does not take the minor type; the unit test fails when this returns undefined.
 */
export function minorGcFunction(): MinorGc | undefined {
  try {
    v8.setFlagsFromString('--expose-gc');
    let gc: unknown;
    try {
      gc = vm.runInNewContext('typeof gc === "function" ? gc : undefined');
    } finally {
      v8.setFlagsFromString('--no-expose-gc');
    }
    if (typeof gc !== 'function') return undefined;
    const collect = gc as (opts: { type: 'minor' | 'major' }) => void;
    return () => collect({ type: 'minor' });
  } catch {
    return undefined;
  }
}

/** The young generation's use and capacity in bytes (V8's new space). */
export interface YoungGeneration {
  used: number;
  capacity: number;
}

export function youngGeneration(): YoungGeneration | undefined {
  for (const s of v8.getHeapSpaceStatistics())
    if (s.space_name === 'new_space')
      return { used: s.space_used_size, capacity: s.space_used_size + s.space_available_size };
  return undefined;
}

export interface IdleScavengeOptions {
  /** The collection; undefined: never collect (no gc() on this Node.js). */
  gc: MinorGc | undefined;
  /** The young generation now (tests pass their own). */
  young?: () => YoungGeneration | undefined;
  fill?: number;
}

export class IdleScavenge {
  private readonly gc: MinorGc | undefined;
  private readonly young: () => YoungGeneration | undefined;
  private readonly fill: number;
  /** Collections run (for tests and the log). */
  collections = 0;

  constructor(opts: IdleScavengeOptions) {
    this.gc = opts.gc;
    this.young = opts.young ?? youngGeneration;
    this.fill = opts.fill ?? IDLE_SCAVENGE_FILL;
  }

  /** Whether a collection is available at all. */
  get enabled(): boolean {
    return this.gc !== undefined;
  }

  /**
   * Called at a moment nothing waits for (every dataplane ACKed, no batch pending): collects the
   * young generation when it is past the fill. Returns whether it did.
   */
  idle(): boolean {
    if (!this.gc) return false;
    const y = this.young();
    if (!y || y.capacity <= 0 || y.used < this.fill * y.capacity) return false;
    this.gc();
    this.collections++;
    return true;
  }
}
