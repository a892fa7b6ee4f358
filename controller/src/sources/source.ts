// The seam between where configuration comes from (a directory, Kubernetes informers) and the
// rest of the pipeline. Nothing downstream knows which source runs.
import type { CompileInput } from '../compile/types.js';

export interface SourceEvents {
  /** The input changed (already coalesced by the source). Carries the full new input. */
  change: [input: CompileInput];
}

export type { SourceWatch } from '../kube/watch-state.js';
import type { SourceWatch } from '../kube/watch-state.js';

export interface Source {
  /** Short name for logs, e.g. "dir:/etc/bascule". */
  readonly name: string;
  /** True once start() resolved: the first full read (every informer synced) is done. */
  readonly synced: boolean;
  /** Reads everything once, then watches; resolves when synced, rejects if that is impossible. */
  start(): Promise<void>;
  /** The latest full input: sorted, deterministic, safe to pass to compile as is. */
  current(): CompileInput;
  /** The state of each watch, for sources that watch a remote origin (Kubernetes). */
  watches?(): SourceWatch[];
  /** Stops watching; no 'change' is emitted after it resolves. */
  stop(): Promise<void>;
  on<K extends keyof SourceEvents>(event: K, listener: (...args: SourceEvents[K]) => void): this;
  off<K extends keyof SourceEvents>(event: K, listener: (...args: SourceEvents[K]) => void): this;
}
