// The control channel: a WebSocket client to the controller. Sends hello on open, heartbeats
// both ways (a silent controller is dropped and redialled), reconnects with jittered backoff,
// and hands snapshots to the applier, answering ACK/NACK on the connection they came from.
// Whatever happens here, the dataplane keeps serving its last snapshot.
import type { Logger } from 'pino';
import { createRequire } from 'node:module';
import type { RawData, default as WebSocketClass } from 'ws';
import { shortVersion } from '#protocol/canonical';
import { PROTOCOL_VERSION, SUBPROTOCOL } from '#protocol/channel';
import type { ControllerMessage, DataplaneMessage, HealthReport, ServerOverride } from '#protocol/messages';
import { describeAjvErrors, validateControllerMessage } from '#protocol/validators';
import { ErrorCodes } from '#protocol/errors';
import { replyFor, type ApplyInput, type ApplyResult } from './apply.js';
import { Backoff } from './backoff.js';
import { channelUrls, redactUrl } from './endpoint.js';
import { certificateProblem } from '../tls/upstream.js';
import { isoTime } from '../iso-time.js';

// Loaded with require, not import: an ES module importing a CommonJS one makes Node.js scan it
// for its exports with a WebAssembly lexer, which on Node.js 20 is compiled on background threads
// and leaves their malloc arenas in an idle dataplane (docs/memory.md).
const WebSocket = createRequire(import.meta.url)('ws') as typeof WebSocketClass;
type WebSocket = WebSocketClass;

export interface ChannelTuning {
  heartbeatIntervalMs: number;
  /** Nothing heard from the controller for this long: terminate and reconnect. */
  heartbeatTimeoutMs: number;
  backoffBaseMs: number;
  backoffCapMs: number;
  /** A connection that stayed up this long resets the backoff. */
  stableAfterMs: number;
  handshakeTimeoutMs: number;
  /**
   * Largest frame accepted from the controller (a snapshot is one frame). A larger frame closes
   * the connection (1009) before it is buffered; the dataplane keeps serving and reconnects.
   */
  maxFrameBytes: number;
}

export const DEFAULT_TUNING: ChannelTuning = {
  heartbeatIntervalMs: 5_000,
  heartbeatTimeoutMs: 15_000,
  backoffBaseMs: 100,
  backoffCapMs: 5_000,
  stableAfterMs: 10_000,
  handshakeTimeoutMs: 10_000,
  maxFrameBytes: 64 * 1024 * 1024,
};

export interface ChannelOptions {
  url: string;
  token?: string;
  nodeId: string;
  group: string;
  /** PEM CA bundle for wss:// to a controller with a private CA. */
  tlsCa?: string;
  log: Logger;
  lastAppliedVersion: () => string | null;
  onSnapshot: (input: ApplyInput) => Promise<ApplyResult>;
  /** After hello on each (re)connect: the place to resend state such as the full health table. */
  onConnected?: () => void;
  tuning?: Partial<ChannelTuning>;
  random?: () => number;
}

export interface ChannelState {
  url: string;
  connected: boolean;
  /** When the current connection opened, or the last one closed. */
  since: string | null;
  /** Connection attempts since the last stable connection. */
  attempts: number;
  lastError: string | null;
}

type Outbound = DataplaneMessage;

function frameText(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

export class ControlChannel {
  /** One or more controller replicas (comma-separated in opts.url); `current` is in use. */
  private readonly urls: URL[];
  private current = 0;
  private readonly tuning: ChannelTuning;
  private readonly backoff: Backoff;
  private ws: WebSocket | undefined;
  private connected = false;
  /** Date.now() when the channel last connected (a number: on Node.js 26 a Date makes ICU load the time zone, iso-time.ts). */
  private since: number | null = null;
  private lastError: string | null = null;
  private lastHeard = 0;
  private closed = false;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private stableTimer: NodeJS.Timeout | undefined;

  constructor(private readonly opts: ChannelOptions) {
    this.urls = channelUrls(opts.url);
    this.tuning = { ...DEFAULT_TUNING, ...opts.tuning };
    this.backoff = new Backoff({
      baseMs: this.tuning.backoffBaseMs,
      capMs: this.tuning.backoffCapMs,
      random: opts.random,
    });
  }

  start(): void {
    this.connect();
  }

  private get url(): URL {
    return this.urls[this.current]!;
  }

  private get printableUrl(): string {
    return redactUrl(this.url);
  }

  get state(): ChannelState {
    return {
      url: this.printableUrl,
      connected: this.connected,
      since: this.since === null ? null : isoTime(this.since),
      attempts: this.backoff.attempts,
      lastError: this.lastError,
    };
  }

  /** Reports server health upward; false when not connected (the caller resends a full table on reconnect). */
  sendHealth(report: Omit<HealthReport, 'type'>): boolean {
    return this.send({ type: 'health', full: report.full, servers: report.servers });
  }

  /** Reports the full table of runtime server-state overrides (admin API); false when not connected. */
  sendOverrides(servers: ServerOverride[]): boolean {
    return this.send({ type: 'overrides', servers });
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    this.stopTimers();
    const ws = this.ws;
    this.ws = undefined;
    this.connected = false;
    if (!ws || ws.readyState === WebSocket.CLOSED) return;
    await new Promise<void>((resolve) => {
      const force = setTimeout(() => ws.terminate(), 500);
      ws.once('close', () => {
        clearTimeout(force);
        resolve();
      });
      if (ws.readyState === WebSocket.CONNECTING) ws.terminate();
      else ws.close(1000, 'dataplane shutting down');
    });
  }

  private get log(): Logger {
    return this.opts.log;
  }

  private connect(): void {
    if (this.closed) return;
    const headers: Record<string, string> = {};
    if (this.opts.token) headers.authorization = `Bearer ${this.opts.token}`;
    const ws = new WebSocket(this.url, SUBPROTOCOL, {
      headers,
      handshakeTimeout: this.tuning.handshakeTimeoutMs,
      maxPayload: this.tuning.maxFrameBytes,
      // Nothing to gain on a channel of small messages and one snapshot per change; and no
      // inflation of frames a hostile peer compressed.
      perMessageDeflate: false,
      ...(this.opts.tlsCa ? { ca: this.opts.tlsCa } : {}),
    });
    this.ws = ws;
    ws.on('open', () => this.onOpen(ws));
    ws.on('message', (data, isBinary) => this.onFrame(ws, data, isBinary));
    ws.on('ping', () => (this.lastHeard = Date.now()));
    ws.on('pong', () => (this.lastHeard = Date.now()));
    ws.on('error', (err) => this.onError(err));
    ws.on('close', (code, reason) => this.onClose(ws, code, reason.toString('utf8')));
  }

  private onOpen(ws: WebSocket): void {
    if (ws !== this.ws) return;
    this.connected = true;
    this.since = Date.now();
    this.lastError = null;
    this.lastHeard = Date.now();
    const lastAppliedVersion = this.opts.lastAppliedVersion();
    this.log.info(
      { url: this.printableUrl, lastAppliedVersion: shortVersion(lastAppliedVersion) },
      'control channel connected',
    );
    this.send({
      type: 'hello',
      nodeId: this.opts.nodeId,
      group: this.opts.group,
      lastAppliedVersion,
      protocolVersion: PROTOCOL_VERSION,
    });
    this.opts.onConnected?.();
    this.heartbeatTimer = setInterval(() => this.heartbeat(ws), this.tuning.heartbeatIntervalMs);
    this.stableTimer = setTimeout(() => this.backoff.reset(), this.tuning.stableAfterMs);
  }

  private heartbeat(ws: WebSocket): void {
    const silentFor = Date.now() - this.lastHeard;
    if (silentFor > this.tuning.heartbeatTimeoutMs) {
      this.log.warn({ url: this.printableUrl, silentMs: silentFor }, 'controller silent; reconnecting');
      this.lastError = `no message from the controller for ${silentFor}ms`;
      ws.terminate();
      return;
    }
    this.send({ type: 'heartbeat', ts: Date.now() });
  }

  private onError(err: Error): void {
    this.lastError = err.message;
    // ws reports a refused handshake as "Unexpected server response: 401".
    const status = /Unexpected server response: (\d+)/.exec(err.message)?.[1];
    const tlsProblem = certificateProblem(err as NodeJS.ErrnoException); // wss:// (tls/upstream.ts)
    if (tlsProblem) {
      this.log.error(
        { url: this.printableUrl, code: (err as NodeJS.ErrnoException).code },
        `controller TLS certificate refused: ${tlsProblem}; give the dataplane the CA that signed it (--ca-file)`,
      );
    } else if (status === '401' || status === '403') {
      this.log.error(
        { url: this.printableUrl, status: Number(status) },
        'controller refused the channel: check the bearer token',
      );
    } else {
      this.log.warn({ url: this.printableUrl, err: err.message }, 'control channel error');
    }
  }

  private onClose(ws: WebSocket, code: number, reason: string): void {
    if (ws !== this.ws) return;
    const wasConnected = this.connected;
    this.connected = false;
    this.ws = undefined;
    this.stopTimers();
    if (wasConnected) {
      this.since = Date.now();
      this.log.warn(
        { url: this.printableUrl, code, reason },
        'control channel closed; serving the last snapshot',
      );
    }
    if (this.closed) return;
    // Failover: with several controller URLs, the next attempt goes to the next one.
    this.current = (this.current + 1) % this.urls.length;
    const delay = this.backoff.next();
    this.log.debug({ delayMs: delay, attempt: this.backoff.attempts }, 'reconnecting to the controller');
    this.reconnectTimer = setTimeout(() => this.connect(), delay);
  }

  private stopTimers(): void {
    clearInterval(this.heartbeatTimer);
    clearTimeout(this.stableTimer);
    this.heartbeatTimer = this.stableTimer = undefined;
  }

  private send(msg: Outbound): boolean {
    const ws = this.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) return false;
    ws.send(JSON.stringify(msg));
    return true;
  }

  private onFrame(ws: WebSocket, data: RawData, isBinary: boolean): void {
    if (ws !== this.ws) return;
    const receivedAt = performance.now();
    this.lastHeard = Date.now();
    if (isBinary) {
      this.log.warn('ignoring a binary frame from the controller');
      return;
    }
    let msg: unknown;
    try {
      msg = JSON.parse(frameText(data));
    } catch {
      this.log.warn('ignoring a malformed frame from the controller (not JSON)');
      return;
    }
    // (cast: the ajv guard would narrow `msg` to never in the branch below)
    if (!(validateControllerMessage(msg) as boolean)) {
      // A snapshot envelope with a bad body still deserves a NACK, so the controller can tell.
      if (
        isObject(msg) &&
        msg.type === 'snapshot' &&
        typeof msg.version === 'string' &&
        typeof msg.nonce === 'string'
      ) {
        this.onSnapshot(ws, { version: msg.version, nonce: msg.nonce, body: msg.body, receivedAt });
        return;
      }
      // A bad delta too: the NACK makes the controller send the full snapshot.
      if (
        isObject(msg) &&
        msg.type === 'delta' &&
        typeof msg.version === 'string' &&
        typeof msg.nonce === 'string'
      ) {
        this.nack(ws, msg.version, msg.nonce, {
          code: ErrorCodes.SNAPSHOT_INVALID,
          message: `delta is invalid: ${describeAjvErrors(validateControllerMessage.errors)}`,
        });
        return;
      }
      this.log.warn(
        { errors: describeAjvErrors(validateControllerMessage.errors) },
        'ignoring an invalid message from the controller',
      );
      return;
    }
    const m = msg as ControllerMessage;
    switch (m.type) {
      case 'snapshot':
        this.onSnapshot(ws, { version: m.version, nonce: m.nonce, body: m.body, receivedAt });
        return;
      case 'delta':
        this.onSnapshot(ws, {
          version: m.version,
          nonce: m.nonce,
          receivedAt,
          delta: {
            baseVersion: m.baseVersion,
            change: { group: m.group, frontends: m.frontends, backends: m.backends },
          },
        });
        return;
      case 'heartbeat':
        return;
      case 'error':
        this.lastError = `${m.error.code}: ${m.error.message}`;
        this.log.error(
          { code: m.error.code, url: this.printableUrl },
          `controller refused the channel: ${m.error.message}`,
        );
        return;
    }
  }

  private nack(
    ws: WebSocket,
    version: string,
    nonce: string,
    error: { code: string; message: string },
  ): void {
    this.log.warn(
      { version: shortVersion(version), code: error.code, err: error.message },
      'snapshot rejected',
    );
    if (ws === this.ws)
      this.send({
        type: 'nack',
        version: this.opts.lastAppliedVersion(),
        nonce,
        rejectedVersion: version,
        error,
      });
  }

  private onSnapshot(ws: WebSocket, msg: ApplyInput & { version: string; nonce: string }): void {
    this.opts
      .onSnapshot(msg)
      .then((result) => {
        const reply = replyFor(result, msg, this.opts.lastAppliedVersion());
        // The nonce belongs to this connection; after a reconnect, hello carries the state instead.
        if (reply && ws === this.ws) this.send(reply);
      })
      .catch((err: Error) => this.log.error({ err: err.message }, 'snapshot handling failed'));
  }
}
