// The seam between where configuration comes from (a directory, Kubernetes informers) and the
// rest of the pipeline. A source writes into the controller's one store (store/feed.ts) and
// triggers it; nothing downstream knows which source runs.
import type { StoreFeed } from '../store/feed.js';

export type { SourceWatch } from '../kube/watch-state.js';
import type { SourceWatch } from '../kube/watch-state.js';

export interface Source {
  /** Short name for logs, e.g. "dir:/etc/bascule". */
  readonly name: string;
  /** True once start() resolved: the first full read (every informer synced) is in the store. */
  readonly synced: boolean;
  /**
   * Reads everything once into the feed's store, then watches and keeps it current; resolves
   * when synced, rejects if that is impossible.
   */
  start(feed: StoreFeed): Promise<void>;
  /** The state of each watch, for sources that watch a remote origin (Kubernetes). */
  watches?(): SourceWatch[];
  /** Stops watching and leaves the feed; writes nothing after it resolves. */
  stop(): Promise<void>;
}
