// What the stats page and the metrics read from a running dataplane, as plain accessors (so
// neither depends on how the dataplane is assembled).
import type { HealthView } from '../health/manager.js';
import type { ListenerInfo } from '../serving/listener.js';
import type { Runtime } from '../runtime/types.js';

export interface ApplyCounters {
  applied: number;
  noop: number;
  rejected: number;
  /** Rejections by error code (what a controller sees as NACKs). */
  nacks: Map<string, number>;
  lastDurationMs: number | null;
  lastError: { code: string; message: string; at: number } | null;
}

export interface DataplaneView {
  readonly nodeId: string;
  readonly group: string;
  runtime(): Runtime;
  listeners(): ListenerInfo[];
  /** Health checks (absent when the dataplane has no health manager). */
  health(): HealthView | undefined;
  appliedAt(): number | null;
  /** Control channel: null when the dataplane runs without a controller. */
  controller(): { connected: boolean; url: string | null } | null;
  applies(): ApplyCounters;
}
