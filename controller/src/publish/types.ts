// What the snapshot server tells the rest of the controller about connected dataplanes.
import type { HealthReport, OverridesReport } from '#protocol/messages';

export interface DataplaneInfo {
  nodeId: string;
  group: string;
  remoteAddress: string;
  /** ISO time of the hello. */
  connectedSince: string;
  /** The version the dataplane serves (from hello, then ACK/NACK). */
  appliedVersion: string | null;
  /** Sent and not answered yet. */
  pendingVersion: string | null;
  lastAck: { version: string; at: string } | null;
  /** Remembered per nodeId across reconnects. */
  lastNack: { version: string; error: { code: string; message: string }; at: string } | null;
}

export interface AckEvent {
  nodeId: string;
  group: string;
  version: string;
  /** From sending the snapshot to receiving the ACK. */
  latencyMs: number;
  /** How it was sent: as a delta against the peer's ACKed version, or whole. */
  via: 'delta' | 'snapshot';
}

export interface NackEvent {
  nodeId: string;
  group: string;
  /** The version that was rejected. */
  version: string;
  /** The version the dataplane keeps serving. */
  liveVersion: string | null;
  error: { code: string; message: string };
}

export interface HealthEvent {
  nodeId: string;
  group: string;
  report: HealthReport;
}

/** A dataplane's full table of runtime server-state overrides (admin API; ephemeral). */
export interface OverridesEvent {
  nodeId: string;
  group: string;
  report: OverridesReport;
}

export interface SnapshotServerEvents {
  connected: [info: DataplaneInfo];
  disconnected: [info: DataplaneInfo, reason: string];
  ack: [event: AckEvent];
  nack: [event: NackEvent];
  health: [event: HealthEvent];
  overrides: [event: OverridesEvent];
}
