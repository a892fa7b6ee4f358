// One dataplane connection and its protocol state.
import type { WebSocket } from 'ws';
import type { ControllerMessage } from '#protocol/messages';
import type { NackRecord } from './nack-memory.js';
import type { DataplaneInfo } from './types.js';

export interface InFlight {
  version: string;
  nonce: string;
  /** performance.now() at send, for ACK latency. */
  sentAt: number;
  /** Sent as a delta against the version the peer ACKed (else the full snapshot). */
  delta: boolean;
}

export class Peer {
  hello: { nodeId: string; group: string } | undefined;
  connectedSince: Date | undefined;
  appliedVersion: string | null = null;
  /**
   * The next send must be the full snapshot: on connect, and after any NACK of a delta (doubt
   * about what the peer holds). Cleared by an ACK.
   */
  needFull = true;
  inflight: InFlight | undefined;
  lastAck: { version: string; at: Date } | undefined;
  lastNack: NackRecord | undefined;
  lastSeen = Date.now();
  badMessages = 0;
  /** Set when a newer connection with the same nodeId took over; its close is then silent. */
  replaced = false;
  helloTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly ws: WebSocket,
    readonly remoteAddress: string,
  ) {}

  send(msg: ControllerMessage): void {
    this.sendRaw(JSON.stringify(msg));
  }

  sendRaw(text: string): void {
    if (this.ws.readyState === this.ws.OPEN) this.ws.send(text);
  }

  info(): DataplaneInfo {
    return {
      nodeId: this.hello?.nodeId ?? '',
      group: this.hello?.group ?? '',
      remoteAddress: this.remoteAddress,
      connectedSince: (this.connectedSince ?? new Date(0)).toISOString(),
      appliedVersion: this.appliedVersion,
      pendingVersion: this.inflight?.version ?? null,
      lastAck: this.lastAck ? { version: this.lastAck.version, at: this.lastAck.at.toISOString() } : null,
      lastNack: this.lastNack
        ? {
            version: this.lastNack.version,
            error: { ...this.lastNack.error },
            at: this.lastNack.at.toISOString(),
          }
        : null,
    };
  }
}
