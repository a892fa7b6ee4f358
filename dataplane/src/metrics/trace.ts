// Trace implementations: one per HTTP request, WebSocket tunnel or TCP session. They keep a few
// monotonic timestamps and counters, derive the HAProxy-style termination state, and hand one
// record to the sink when the exchange ends. Nothing here touches the network.
import type net from 'node:net';
import type { Duplex } from 'node:stream';
import type {
  FailureKind,
  HttpRecord,
  RecordSink,
  TcpRecord,
  Termination,
  Trace,
  TracedRequest,
  TracedServer,
  TrafficRecord,
} from '../types/traffic.js';
import { clockNow, wallAt } from '../http/engine/clock.js';

/** One attempt on a server, kept for per-server error, retry and redispatch counters. */
export interface AttemptInfo {
  readonly server: string;
  failed?: FailureKind;
  /** `state.active` right after this attempt started (for max sessions). */
  readonly active: number;
}

/** Records carry their attempts for the stats table (never logged). */
export type TracedRecord = TrafficRecord & { readonly attempts: readonly AttemptInfo[] };

/** A record being completed field by field (then handed on as a TracedRecord). */
type Completing<R extends TrafficRecord> = { -readonly [K in keyof R]: R[K] } & {
  readonly attempts: readonly AttemptInfo[];
};

const ms = (a: number, b: number): number => Math.max(0, Math.round(b - a));

function socketBytes(socket: net.Socket | null | undefined): { bytesIn: number; bytesOut: number } {
  return { bytesIn: socket?.bytesRead ?? 0, bytesOut: socket?.bytesWritten ?? 0 };
}

/** Client address as shown in logs: IPv4-mapped IPv6 unwrapped. */
export function clientAddress(socket: { remoteAddress?: string | undefined } | null | undefined): string {
  const a = socket?.remoteAddress ?? '';
  return a.startsWith('::ffff:') ? a.slice(7) : a;
}

/** "HTTP/1.1" for "1.1": the usual versions without a new string per record. */
function httpVersion(v: string): string {
  if (v === '1.1') return 'HTTP/1.1';
  if (v === '1.0') return 'HTTP/1.0';
  if (v === '2.0') return 'HTTP/2.0';
  return `HTTP/${v}`;
}

/** `address:port` of each server records named, made once per server object (see serverAddress). */
const addressText = new WeakMap<TracedServer, { address: string; port: number; text: string }>();

/**
 * A record's `serverAddress`: the text of a server is made once rather than per request (a number
 * turned into a string and two concatenations), and made again if its address or port changed.
 */
function serverAddress(s: TracedServer): string {
  const known = addressText.get(s);
  if (known !== undefined && known.address === s.address && known.port === s.port) return known.text;
  const text = `${s.address}:${s.port}`;
  addressText.set(s, { address: s.address, port: s.port, text });
  return text;
}

/** The attempts of a trace that made none (shared: never pushed to, see BaseTrace.attempt). */
const NO_ATTEMPTS: AttemptInfo[] = [];

abstract class BaseTrace implements Trace {
  /** Timestamps are clockNow(): read once per engine read callback (http/engine/clock.ts). */
  protected readonly t0 = clockNow();
  protected readonly start = wallAt(this.t0);
  protected backend: string | null = null;
  protected server: TracedServer | null = null;
  /** A new array per attempt list: `[]` then push() reserves 17 slots for the usual single one. */
  protected attempts: AttemptInfo[] = NO_ATTEMPTS;
  protected firstAttemptAt = -1;
  protected connectedAt = -1;
  protected Tc = -1;
  protected queuedAt = -1;
  protected queuedMs = 0;
  protected everQueued = false;
  protected lastFailure: { kind: FailureKind; afterResponse: boolean } | undefined;
  protected responseAt = -1;
  protected serverStatus: number | null = null;
  protected localTermination: Termination | undefined;
  protected done = false;

  constructor(
    protected readonly sink: RecordSink,
    protected readonly frontend: string,
    protected readonly version: string | null,
  ) {}

  routed(backendId: string): void {
    this.backend = backendId;
  }

  queued(): void {
    if (this.queuedAt >= 0) return;
    this.queuedAt = clockNow();
    this.everQueued = true;
  }

  dequeued(): void {
    if (this.queuedAt < 0) return;
    this.queuedMs += clockNow() - this.queuedAt;
    this.queuedAt = -1;
  }

  attempt(server: TracedServer): void {
    this.dequeued();
    this.server = server;
    this.connectedAt = -1;
    if (this.firstAttemptAt < 0) this.firstAttemptAt = clockNow();
    const info: AttemptInfo = { server: server.name, failed: undefined, active: server.state.active };
    if (this.attempts === NO_ATTEMPTS) this.attempts = [info];
    else this.attempts.push(info);
  }

  connected(): void {
    const now = clockNow();
    this.connectedAt = now;
    this.Tc = ms(this.firstAttemptAt >= 0 ? this.firstAttemptAt : now, now);
  }

  response(status: number): void {
    this.responseAt = clockNow();
    this.serverStatus = status;
  }

  failed(kind: FailureKind): void {
    const last = this.attempts[this.attempts.length - 1];
    if (last && last.failed === undefined) last.failed = kind;
    this.lastFailure = { kind, afterResponse: this.responseAt >= 0 };
  }

  local(termination: Termination): void {
    this.localTermination = termination;
  }

  upgraded(): void {}

  finish(_status: number, _complete: boolean, _bytesIn: number, _bytesOut: number): void {}

  protected redispatches(): number {
    let n = 0;
    for (let i = 1; i < this.attempts.length; i++)
      if (this.attempts[i]!.server !== this.attempts[i - 1]!.server) n++;
    return n;
  }

  protected Tw(): number {
    if (this.backend === null) return -1;
    const open = this.queuedAt >= 0 ? clockNow() - this.queuedAt : 0;
    return Math.round(this.queuedMs + open);
  }

  /** Phase letter for an exchange that ended early. */
  protected phase(dataStarted: boolean): string {
    if (dataStarted) return 'D';
    if (this.responseAt >= 0) return 'D';
    if (this.connectedAt >= 0) return 'H';
    if (this.queuedAt >= 0) return 'Q';
    if (this.server) return 'C';
    return 'R';
  }

  /** Termination of an exchange whose client side ended normally. */
  protected serverSideTermination(status: number): Termination {
    const f = this.lastFailure;
    if (f && this.serverStatus === null) {
      if (f.kind === 'connect') return 'SC';
      if (f.kind === 'timeout') return 'sH';
      return 'SH';
    }
    if (f && f.afterResponse) return f.kind === 'timeout' ? 'sD' : 'SD';
    if (this.backend !== null && !this.server && this.serverStatus === null && status >= 500) {
      // No server could be had: queue timeout, queue full, or none usable (<NOSRV>).
      if (this.everQueued) return 'sQ';
      return 'SC';
    }
    if (this.localTermination) return this.localTermination;
    if (this.backend === null && status >= 0) return status >= 300 && status < 400 ? 'LR' : 'PR';
    return '--';
  }

  /**
   * The fields every record has, in one object that the subclass then completes in place (a
   * fixed sequence of property writes: no second object, no spread).
   */
  protected base<R extends TrafficRecord>(
    type: R['type'],
    bytesIn: number,
    bytesOut: number,
    termination: Termination,
  ): Completing<R> {
    // Typed as the whole record: the caller writes the remaining fields before emitting it.
    const common = {
      type,
      start: this.start,
      frontend: this.frontend,
      backend: this.backend,
      server: this.server?.name ?? null,
      serverAddress: this.server ? serverAddress(this.server) : null,
      bytesIn,
      bytesOut,
      Tw: this.Tw(),
      Tc: this.Tc,
      retries: Math.max(0, this.attempts.length - 1),
      redispatches: this.redispatches(),
      termination,
      version: this.version,
      attempts: this.attempts,
    };
    return common as unknown as Completing<R>;
  }

  protected emit(record: TracedRecord): void {
    if (this.done) return;
    this.done = true;
    this.sink(record);
  }
}

/**
 * One HTTP request on a keep-alive connection, or one Upgrade request and its tunnel. The engine
 * that carries the exchange calls finish() once it is over (response complete or cut, tunnel closed).
 */
export class HttpTrace extends BaseTrace {
  private tunnel = false;
  private readonly path: string;

  constructor(
    sink: RecordSink,
    frontend: string,
    version: string | null,
    private readonly head: TracedRequest,
    private readonly type: 'http' | 'websocket',
  ) {
    super(sink, frontend, version);
    const url = head.target;
    const q = url.indexOf('?');
    this.path = q >= 0 ? url.slice(0, q) : url;
  }

  override upgraded(): void {
    this.tunnel = true;
  }

  /**
   * `status`: what the client was sent (-1: nothing); `complete`: the response (or the tunnel)
   * ended normally; bytes from and to the client during this exchange.
   */
  override finish(status: number, complete: boolean, bytesIn: number, bytesOut: number): void {
    const now = clockNow();
    let termination: Termination;
    if (this.tunnel) {
      status = 101;
      termination = this.lastFailure ? 'SD' : '--';
    } else if (!complete) {
      // The response did not complete: the server cut it, or the client went away.
      const f = this.lastFailure;
      if (f && (f.afterResponse || this.serverStatus !== null))
        termination = f.kind === 'timeout' ? 'sD' : 'SD';
      else termination = `C${this.phase(status >= 0)}`;
    } else termination = this.serverSideTermination(status);
    const h = this.head;
    // One literal with every field, in base()'s order then the HTTP fields (the order the access
    // log writes them): a record completed field by field grew its property store three times.
    const rec: Completing<HttpRecord> = {
      type: this.type,
      start: this.start,
      frontend: this.frontend,
      backend: this.backend,
      server: this.server?.name ?? null,
      serverAddress: this.server ? serverAddress(this.server) : null,
      bytesIn,
      bytesOut,
      Tw: this.Tw(),
      Tc: this.Tc,
      retries: Math.max(0, this.attempts.length - 1),
      redispatches: this.redispatches(),
      termination,
      version: this.version,
      attempts: this.attempts,
      clientAddress: h.source,
      clientPort: h.sourcePort,
      method: h.method,
      path: this.path,
      httpVersion: httpVersion(h.version),
      status,
      Tr: this.connectedAt >= 0 && this.responseAt >= 0 ? ms(this.connectedAt, this.responseAt) : -1,
      Ta: ms(this.t0, now),
      serverStatus: this.serverStatus,
    };
    this.emit(rec);
  }
}

/** One L4 session: from accept to the client socket's close. */
export class TcpTrace extends BaseTrace {
  private readonly clientAddr: string;
  private readonly clientPort: number;

  constructor(
    sink: RecordSink,
    frontend: string,
    version: string | null,
    private readonly client: Duplex & Partial<net.Socket>,
  ) {
    super(sink, frontend, version);
    const s = client as net.Socket;
    this.clientAddr = clientAddress(s);
    this.clientPort = s.remotePort ?? 0;
    if (client.destroyed) queueMicrotask(() => this.finishSession());
    else client.once('close', () => this.finishSession());
  }

  private finishSession(): void {
    const now = clockNow();
    let termination: Termination;
    const f = this.lastFailure;
    if (this.connectedAt >= 0) termination = f ? (f.kind === 'timeout' ? 'sD' : 'SD') : '--';
    else if (f) termination = f.kind === 'timeout' ? 'sC' : 'SC';
    else if (this.localTermination) termination = this.localTermination;
    else if (this.backend === null) termination = 'PR';
    else if (!this.server) termination = this.everQueued ? 'sQ' : 'SC';
    else termination = `C${this.phase(false)}`;
    const io = socketBytes(this.client as net.Socket);
    const rec = this.base<TcpRecord>('tcp', io.bytesIn, io.bytesOut, termination);
    rec.clientAddress = this.clientAddr;
    rec.clientPort = this.clientPort;
    rec.Tt = ms(this.t0, now);
    this.emit(rec);
  }
}
