// The status loop: after a compile or dataplane activity, recompute every object's conditions
// from the last reports, the published versions and the dataplanes' ACKs and health, and hand
// the tracker what changed. Coalesced like the store; the writer decides whether this replica
// writes at all (leader election) and re-evaluates everything when it becomes active.
import type { EventEmitter } from 'node:events';
import { itemDigest } from '#protocol/canonical';
import type { BackendSnap, Snapshot } from '#protocol/snapshot';
import { searchById } from '#protocol/delta';
import type { ObjectReport } from '../compile/types.js';
import type { ObjectRef } from '../validate/diagnostic.js';
import type { ControllerEvents } from '../events.js';
import type { Logger } from '../log.js';
import type { DataplaneInfo } from '../publish/types.js';
import { Coalescer } from '../store/coalescer.js';
import { SettledSignatures, signedContext, type GroupState, type StatusContext } from './compute.js';
import type { HealthAggregator } from './health-aggregator.js';
import type { StatusTracker } from './tracker.js';
import type { StatusWriter } from './writer.js';

export interface StatusLoopOptions {
  tracker: StatusTracker;
  writer?: StatusWriter;
  health: HealthAggregator;
  /** The published snapshots and their versions. */
  published: { snapshots(): Record<string, Snapshot>; versionOf(group: string): string | null };
  /** Every dataplane that counts: local ones and (HA) those of the other replicas. */
  dataplanes: () => DataplaneInfo[];
  /** The reports of the last compile; null before the first. */
  reports: () => readonly ObjectReport[] | null;
  inconsistent: (group: string) => boolean;
  events: EventEmitter<ControllerEvents>;
  clock: () => Date;
  logger: Logger;
  /** Re-evaluate every object this often even if nothing changed (0/absent: never). */
  resyncMs?: number;
  /**
   * Resolves at a moment no edit is on its way (pipeline/background-gate.ts): a pass starts only
   * then (its chunks wait likewise, through the tracker). Absent: at once.
   */
  whenQuiet?: () => Promise<void>;
}

/** Quiet before a status update, and the longest an update waits under a stream of changes. */
export const STATUS_HOLDOFF_MS = 100;
export const STATUS_MAX_DELAY_MS = 300;

/** Versions remembered per group for ordering; a dataplane further behind counts as not there. */
const ORDER_MEMORY = 4096;

export class StatusLoop {
  private readonly updates: Coalescer;
  /** Per group: each version published, in order (the value is its place). */
  private readonly published = new Map<string, Map<string, number>>();
  private readonly latest = new Map<string, string>();
  private sequence = 0;
  private readonly resync: NodeJS.Timeout | undefined;
  private closed = false;
  /** Something status depends on changed since the running update computed (see trigger()). */
  private changed = false;
  /** Signatures of versions every dataplane of a group serves, kept across updates (compute.ts). */
  private readonly settled = new SettledSignatures();

  constructor(private readonly opts: StatusLoopOptions) {
    // Status is for people and for `kubectl wait`, not on the path of an edit to the dataplanes:
    // it waits for 100 ms of quiet (at most 300 ms), so under a stream of edits (an update
    // follows every compile and every ACK, each over all ~1,100 objects at 5,000 routes) it runs
    // about three times a second instead of twice per version, and leaves the CPU to the next
    // version's compile.
    this.updates = new Coalescer(() => this.update(), {
      holdoffMs: STATUS_HOLDOFF_MS,
      maxDelayMs: STATUS_MAX_DELAY_MS,
      onError: (err) => opts.logger.error({ err }, 'status update failed'),
    });
    opts.writer?.onActivate?.(() => this.recheckAll());
    if (opts.resyncMs && opts.resyncMs > 0) {
      this.resync = setInterval(() => this.recheckAll(), opts.resyncMs);
      this.resync.unref();
    }
  }

  /**
   * Something that status depends on changed. The versions published by now are put in order
   * here, not when the coalesced update runs: under a stream of edits several versions are
   * published between two updates, and a dataplane at one of those in between must still count
   * as serving every object whose form is older (without its place in the order it counted as
   * at no known version, and every status flapped to Pending and back, ~1,100 rewrites each).
   */
  trigger(): void {
    const { published } = this.opts;
    for (const [group, snap] of Object.entries(published.snapshots())) this.orderOf(group, snap.version);
    this.changed = true;
    this.updates.trigger();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.opts.tracker.close();
    clearInterval(this.resync);
    await this.updates.close();
  }

  /** Forget what was written and compare every object again (the writer only writes drift). */
  private recheckAll(): void {
    this.opts.tracker.invalidate();
    this.changed = true;
    this.updates.trigger();
  }

  private async update(): Promise<void> {
    if (this.opts.reports() === null || this.closed) return;
    await this.opts.whenQuiet?.();
    const reports = this.opts.reports();
    if (!reports || this.closed) return;
    this.changed = false;
    const now = this.opts.clock();
    // A trigger during the writes makes the coalescer run another update after this one, which
    // recomputes first: the writes stop rather than go on with statuses out of date (the first
    // pass after a start wrote every object as Pending, then the next rewrote every one). Not
    // before the pass has written for STATUS_MAX_DELAY_MS: under a stream of edits a trigger
    // comes every ~100 ms, and a pass that gave way at once wrote ~1 status per update (~3 a
    // second, behind 10 edits a second); this way a pass writes for at least as long as the
    // next update is allowed to wait.
    const superseded = () =>
      this.changed && this.opts.clock().getTime() - now.getTime() >= STATUS_MAX_DELAY_MS;
    await this.opts.tracker.update(reports, this.context(), now, superseded);
    this.opts.events.emit('status');
  }

  /** The group's published versions in order, `version` (the latest) last. */
  private orderOf(group: string, version: string | null): Map<string, number> {
    let order = this.published.get(group);
    if (!order) this.published.set(group, (order = new Map()));
    // A version published again (an edit undone) moves to the end: it is the latest again.
    if (version !== null && this.latest.get(group) !== version) {
      this.latest.set(group, version);
      order.delete(version);
      order.set(version, ++this.sequence);
      if (order.size > ORDER_MEMORY) order.delete(order.keys().next().value!);
    }
    return order;
  }

  private context(): StatusContext {
    const { published, health } = this.opts;
    const dataplanes = this.opts.dataplanes();
    const groups = new Map<string, GroupState>();
    const group = (name: string): GroupState => {
      let g = groups.get(name);
      if (!g) {
        const version = published.versionOf(name);
        const order = this.orderOf(name, version);
        g = {
          version,
          dataplanes: dataplanes.filter((d) => d.group === name),
          inconsistent: this.opts.inconsistent(name),
          order: (v) => order.get(v),
        };
        groups.set(name, g);
      }
      return g;
    };
    // Backend id → snapshot entry (identical in every group that has it).
    const lists = Object.values(published.snapshots()).map((snap) => snap.body.backends);
    const backendOf = (id: string): BackendSnap | undefined => {
      for (const list of lists) {
        const b = backendById(list, id);
        if (b) return b;
      }
      return undefined;
    };
    return signedContext(
      {
        group,
        // The published servers a Backend's health summary lists (cached per frozen object).
        backendKey: (report) => {
          const backend = backendOf(idOfRef(report.ref));
          return backend ? itemDigest(backend) : '';
        },
        backendHealth: (report) => {
          const backend = backendOf(idOfRef(report.ref));
          if (!backend) return undefined;
          const nodes = report.groups.flatMap((g) => group(g).dataplanes.map((d) => d.nodeId));
          return health.summarize(backend, nodes);
        },
      },
      health.generation,
      this.settled,
    );
  }
}

const ids = new WeakMap<ObjectRef, string>();

/** "namespace/name", the id an object has in a snapshot (made once per ref object). */
function idOfRef(ref: ObjectRef): string {
  let id = ids.get(ref);
  if (id === undefined) ids.set(ref, (id = `${ref.namespace}/${ref.name}`));
  return id;
}

/**
 * The backend of a snapshot's list with this id, by a binary search: a snapshot's backends are
 * in id order (compile sorts them; the channel's deltas rely on it). A map per snapshot was
 * 1,000 entries made again for every version (~130 KB for the young generation to collect per
 * edit); a list out of order (never made by compile) is searched from end to end.
 */
export function backendById(list: readonly BackendSnap[], id: string): BackendSnap | undefined {
  const at = searchById(list, id);
  if (at >= 0) return list[at];
  if (!sortedLists.has(list)) {
    let sorted = true;
    for (let i = 1; i < list.length && sorted; i++) sorted = list[i - 1]!.id < list[i]!.id;
    if (sorted) sortedLists.add(list);
    else return list.find((b) => b.id === id);
  }
  return undefined;
}

/** Lists found in id order (checked once per list, on a search that found nothing). */
const sortedLists = new WeakSet<readonly BackendSnap[]>();
