// What the primary and its workers say to each other over the cluster IPC channel. Plain JSON.
// The primary owns every decision that must be the same everywhere (which snapshot is live,
// health verdicts, runtime overrides); workers own traffic and report what it saw.
import type { SnapshotDelta } from '#protocol/delta';
import type { SnapshotBody } from '#protocol/snapshot';
import type { RuntimeOverride } from '../metrics/server-status.js';

/** A server's health verdict, by server key (backend | name | address:port). */
export interface VerdictRow {
  readonly key: string;
  readonly up: boolean;
  /** When it last came up (ms since epoch): slow start ramps from here in every worker. */
  readonly upSince: number;
}

/** A runtime override from the admin API, by server key. */
export interface OverrideRow {
  readonly key: string;
  readonly override: RuntimeOverride;
}

/** A run of identical passive observations on one server, oldest first. */
export interface ObservationRun {
  readonly layer: 4 | 7;
  readonly failed: boolean;
  /** The last one's description (log lines name the error that crossed the threshold). */
  readonly what: string;
  readonly count: number;
}

/** Test-only behaviour, set explicitly by a test through DataplaneOptions.testHooks. */
export interface WorkerTestHooks {
  /** This worker fails to prepare these versions (as a build error would). */
  readonly rejectVersions?: readonly string[];
}

export type WorkerQuery = 'stats' | 'metrics' | 'status';

export type PrimaryMessage =
  | {
      readonly type: 'init';
      readonly worker: number;
      readonly nodeId: string;
      readonly group: string;
      readonly snapshot: { readonly version: string; readonly body: SnapshotBody } | null;
      readonly verdicts: readonly VerdictRow[];
      readonly overrides: readonly OverrideRow[];
      readonly bindAddress?: string;
      readonly reusePort: boolean;
      /** The primary's log level (a quiet primary has quiet workers). */
      readonly logLevel: string;
      /** The primary's logger name: a worker's lines name the same process role. */
      readonly logName?: string;
      /** Access log and metrics settings (serializable subset of DataplaneObservabilityOptions). */
      readonly accessLog?: { readonly format?: 'json' | 'text' | 'off'; readonly destination?: string };
      readonly processMetrics?: boolean;
      /** Flush start-up's compiled code once the first snapshot is live (startup-code-flush.ts). */
      readonly flushStartupCode?: boolean;
      readonly testHooks?: WorkerTestHooks;
    }
  | {
      readonly type: 'prepare';
      readonly seq: number;
      readonly version: string;
      /** The whole body, or (when the worker is on baseVersion, as every serving worker is) the change. */
      readonly body?: SnapshotBody;
      readonly delta?: { readonly baseVersion: string; readonly change: SnapshotDelta };
    }
  | {
      readonly type: 'commit';
      readonly seq: number;
      readonly verdicts: readonly VerdictRow[];
      readonly overrides: readonly OverrideRow[];
    }
  | { readonly type: 'abort'; readonly seq: number }
  | { readonly type: 'verdicts'; readonly servers: readonly VerdictRow[] }
  | { readonly type: 'overrides'; readonly servers: readonly OverrideRow[] }
  | { readonly type: 'query'; readonly seq: number; readonly what: WorkerQuery }
  | { readonly type: 'shutdown' }
  /** Graceful stop: stop accepting, finish what is in flight, exit (cut what is left after timeoutMs). */
  | { readonly type: 'drain'; readonly timeoutMs: number };

export interface WireError {
  readonly code: string;
  readonly message: string;
}

export type WorkerMessage =
  | { readonly type: 'online' }
  | { readonly type: 'ready'; readonly ok: boolean; readonly error?: WireError }
  | {
      readonly type: 'reply';
      readonly seq: number;
      readonly ok: boolean;
      readonly data?: unknown;
      readonly error?: WireError;
    }
  | { readonly type: 'observations'; readonly servers: Readonly<Record<string, readonly ObservationRun[]>> };

/** Primary → worker messages that expect a reply carry a sequence number. */
export const isWorkerMessage = (m: unknown): m is WorkerMessage =>
  typeof m === 'object' && m !== null && typeof (m as { type?: unknown }).type === 'string';
