// The HTTP/1.1 engine towards servers: UpstreamConnector over raw sockets (plain or TLS) kept in a
// per-server idle pool. A request goes out head and body together (cork); the response head is
// parsed strictly (h1-parser.ts), 1xx handled (100 → continued, 101 → the socket is handed to
// the Upgrade tunnel, others relayed as interim responses), and the body relayed as received: Content-Length, chunked (validated,
// never re-chunked) or close-delimited. A connection goes back to the pool only when both
// messages ended cleanly and nothing says close; a pooled connection the server closed
// meanwhile fails with ECONNRESET, which the assignment retries for replayable requests.
// Plaintext connections that stay HTTP are driven on their own libuv handle (RawSocket.connect,
// util/raw-socket.ts): responses are read without Node's stream read path (onStreamRead and the
// socket's Readable state per read), requests written straight on the handle (HandleWrites: one
// write request, without the Writable's pass over it). Where the handle cannot be driven this way
// (a host name, another Node.js release) a net.Socket reading through `onread` does the same job.
import { createRequire } from 'node:module';
import net from 'node:net';
import type tls from 'node:tls';
import type { ServerRuntime } from '../../runtime/backend.js';
import type { ServerPool } from '../../runtime/state.js';
import { connectTimeout, serverTimeout, UpstreamError } from '../../runtime/upstream-error.js';
import {
  reportUpstreamTlsFailure,
  upstreamConnectOptions,
  type UpstreamServer,
  type UpstreamTls,
} from '../../tls/upstream.js';
import type {
  UpstreamCall,
  UpstreamConnector,
  UpstreamEvents,
  UpstreamRequest,
  UpstreamResponseHead,
  UpstreamTimeouts,
} from '../upstream.js';
import {
  ChunkedDecoder,
  findHeadEnd,
  HeadScan,
  ParseError,
  parseResponseHead,
  type Head,
} from './h1-parser.js';
import type { FieldLines } from '../field-lines.js';
import type { BodyFraming } from '../message.js';
import type { HeaderList } from '../../router/types.js';
import { InactivityLimit } from '../../limits/inactivity.js';
import { HandleWrites, RawSocket } from '../../util/raw-socket.js';
import { Reads, taken } from '../../util/socket-reads.js';
import { resetTls } from '../../util/tls-reset.js';
import { JOINED_WRITE_MAX, writeJoined } from './write.js';
import { clockNow, enterTurn, leaveTurn } from './clock.js';

// node:tls loads with the first TLS server connection (a connect, never a request).
const requireOnUse = createRequire(import.meta.url);
let tlsModule: typeof tls | undefined;
const tlsOnUse = (): typeof tls => (tlsModule ??= requireOnUse('node:tls') as typeof tls);

/** Idle pooled upstream connections close before typical server idle timeouts (Node: 5s). */
export const UPSTREAM_IDLE_MS = 4000;
/** Idle connections kept per server. */
export const MAX_IDLE_PER_SERVER = 64;

const EMPTY = Buffer.alloc(0);

/**
 * The bytes of `buf` from `end`: almost always none (a read holds one message), and then no view
 * is made (a Uint8Array is ~100 bytes of heap: three per keep-alive exchange were empty ones).
 */
function after(buf: Buffer, end: number): Buffer {
  return end >= buf.length ? EMPTY : buf.subarray(end);
}

/**
 * A server's idle keep-alive connections, oldest first (taken from the end: most recently used).
 * Idle time is kept here rather than with a socket timeout per connection: a request then costs
 * no timer of its own, and one timer per pool closes what stayed idle past UPSTREAM_IDLE_MS.
 */
export class UpstreamPool implements ServerPool {
  private readonly idle: UpstreamConn[] = [];
  /** Content address of the TLS settings the pooled connections were made with ('' for plaintext). */
  private tlsHash = '';
  private destroyed = false;
  private sweeper: NodeJS.Timeout | undefined;

  /** An idle connection made with these TLS settings, or undefined. */
  take(t: UpstreamTls | undefined): UpstreamConn | undefined {
    const hash = t?.hash ?? '';
    if (hash !== this.tlsHash) {
      this.clear(); // settings changed: nothing made with the old ones is reused
      this.tlsHash = hash;
    }
    // No clock read here: the sweep closes each connection when it reaches UPSTREAM_IDLE_MS
    // (late only by the event loop's lag), and the newest is taken first.
    for (;;) {
      const c = this.idle.pop();
      if (!c) return undefined;
      if (c.usable()) return c;
      c.socket.destroy(); // closed (or half-closed) by the server while idle
    }
  }

  /** Keeps a connection for the next request (or closes it when the pool is full or gone). */
  put(c: UpstreamConn, t: UpstreamTls | undefined): void {
    if (this.idle.length >= MAX_IDLE_PER_SERVER) this.sweep();
    if (this.destroyed || this.idle.length >= MAX_IDLE_PER_SERVER || (t?.hash ?? '') !== this.tlsHash) {
      c.socket.destroy();
      return;
    }
    c.idleSince = clockNow();
    this.idle.push(c);
    if (!this.sweeper) this.armSweep(UPSTREAM_IDLE_MS);
  }

  /** Idle connections that closed (the server's idle timeout) are dropped. */
  private sweep(): void {
    for (let i = this.idle.length - 1; i >= 0; i--)
      if (!this.idle[i]!.usable()) this.idle.splice(i, 1)[0]!.socket.destroy();
  }

  private armSweep(ms: number): void {
    this.sweeper = setTimeout(this.expire, ms);
    this.sweeper.unref();
  }

  /** Closes the connections idle for UPSTREAM_IDLE_MS (the oldest are first). */
  private readonly expire = (): void => {
    this.sweeper = undefined;
    const now = clockNow();
    let n = 0;
    while (n < this.idle.length && now - this.idle[n]!.idleSince >= UPSTREAM_IDLE_MS) n++;
    for (const c of this.idle.splice(0, n)) c.socket.destroy();
    const oldest = this.idle[0];
    if (oldest && !this.destroyed) this.armSweep(Math.max(1, oldest.idleSince + UPSTREAM_IDLE_MS - now));
  };

  private clear(): void {
    for (const c of this.idle.splice(0)) c.socket.destroy();
  }

  destroy(): void {
    this.destroyed = true;
    clearTimeout(this.sweeper);
    this.sweeper = undefined;
    this.clear();
  }
}

function poolOf(server: ServerRuntime): UpstreamPool {
  const s = server.state;
  if (!(s.pool instanceof UpstreamPool)) {
    s.pool?.destroy();
    s.pool = new UpstreamPool();
  }
  return s.pool as UpstreamPool;
}

/** A server connection: its own handle (RawSocket), or a net.Socket (TLS, tunnels, the fallback). */
type UpSocket = net.Socket | RawSocket;

/**
 * Connects to `server`; bytes read go to `onData`. Plaintext connections that stay HTTP are
 * RawSockets reading through util/socket-reads.ts (or, where RawSocket.connect cannot be used,
 * net.Sockets reading through `onread`); TLS ones and those that may become a tunnel (Upgrade: the
 * socket is then piped) are net.Sockets with 'data' events.
 */
function connect(server: ServerRuntime, onData: (chunk: Buffer) => void, tunnel: boolean): UpSocket {
  const t = server.tls;
  if (!t) {
    if (tunnel) {
      const s = net.connect({ host: server.address, port: server.port, noDelay: true });
      s.on('data', onData);
      return s;
    }
    const raw = RawSocket.connect(server.address, server.port);
    if (raw !== undefined) {
      raw.readThrough(new Reads(onData)); // reads start once connected
      return raw;
    }
    return net.connect({
      host: server.address,
      port: server.port,
      noDelay: true,
      onread: new Reads(onData),
    });
  }
  const s = tlsOnUse().connect({
    host: server.address,
    port: server.port,
    ...upstreamConnectOptions(t, server.snap),
  });
  s.setNoDelay(true);
  s.on('data', onData);
  return s;
}

const enum State {
  Connecting,
  Head,
  Body,
  /** The exchange is over; the connection is idle in its pool, or closing. */
  Idle,
}

/** What the exchange holds for one request: stale once the connection moved on to another. */
class Call implements UpstreamCall {
  constructor(
    private readonly conn: UpstreamConn,
    private readonly gen: number,
    readonly reused: boolean,
  ) {}
  write(chunk: Buffer): boolean {
    return this.conn.gen === this.gen ? this.conn.write(chunk) : true;
  }
  end(): void {
    if (this.conn.gen === this.gen) this.conn.end();
  }
  pause(): void {
    if (this.conn.gen === this.gen) this.conn.socket.pause();
  }
  resume(): void {
    if (this.conn.gen === this.gen) this.conn.socket.resume();
  }
  abort(): void {
    if (this.conn.gen === this.gen) this.conn.abort();
  }
}

/** The events of an idle connection: none are due (every path checks the state first). */
const DETACHED: UpstreamEvents = Object.freeze({
  connected() {},
  continued() {},
  response() {},
  data() {},
  end() {},
  drain() {},
  error() {},
});

/**
 * The byte counters InactivityLimit reads, for a connection whose requests may be written on its
 * handle: the socket's own bytesWritten does not count those writes, and an upload the server
 * takes without answering is activity all the same (as it is through the Writable).
 */
class Counters {
  constructor(private readonly conn: UpstreamConn) {}
  get bytesRead(): number {
    return this.conn.socket.bytesRead;
  }
  get bytesWritten(): number {
    return this.conn.socket.bytesWritten + (this.conn.direct?.bytesWritten ?? 0);
  }
  get writableLength(): number {
    return this.conn.socket.writableLength + (this.conn.direct?.writableLength ?? 0);
  }
  get _handle(): unknown {
    return (this.conn.socket as unknown as { _handle?: unknown })._handle;
  }
}

/**
 * One server connection, reused by request after request while it stays clean: its socket
 * listeners are bound once, and each request only resets the fields below.
 */
class UpstreamConn {
  readonly socket: UpSocket;
  /** Writes on the socket's handle: plaintext connections that stay HTTP, once connected. */
  direct: HandleWrites | undefined;
  private readonly canWriteDirect: boolean;
  /** Request generation: a Call of an earlier request no longer touches this connection. */
  gen = 0;
  /** When it went back to its pool (clockNow(): performance.now() time). */
  idleSince = 0;
  /** timeouts.server while a request is under way (limits/inactivity.ts: no timer per read or write). */
  private readonly inactivity = new InactivityLimit({
    socket: new Counters(this) as unknown as net.Socket,
    watched: () => this.watched(),
    expired: () => this.expired(),
  });
  private state = State.Connecting;
  private tcpUp = false;
  private secure = false;
  private lastError: NodeJS.ErrnoException | undefined;
  private connectTimer: NodeJS.Timeout | undefined;
  // per request
  private req!: UpstreamRequest;
  private ev!: UpstreamEvents;
  private call!: Call;
  private t!: UpstreamTimeouts;
  private head = '';
  private chunkOut = false;
  private requestEnded = false;
  private isHead = false;
  private buf: Buffer = EMPTY;
  private readonly scan = new HeadScan();
  private res: Head | undefined;
  private remaining = 0;
  private decoder: ChunkedDecoder | undefined;
  /** The chunk being decoded (payload ranges refer to it). */
  private chunk: Buffer = EMPTY;

  constructor(
    /** The server as the request being served sees it: a pooled connection outlives the config
     * version it was opened under, and each request rebinds it to its own (newer) build. */
    private server: ServerRuntime,
    private readonly pool: UpstreamPool,
    tunnel: boolean,
  ) {
    // A tunnel's socket is handed to pipe(), whose writes go through the Writable: its request too.
    this.canWriteDirect = !server.tls && !tunnel;
    const s = (this.socket = connect(server, this.onData, tunnel));
    s.on('end', this.onEnd);
    s.on('error', this.onError);
    s.on('close', this.onClose);
    s.on('drain', this.onDrain);
    s.once('connect', this.onTcp);
    (s as net.Socket).once(server.tls ? 'secureConnect' : 'connect', this.onReady);
  }

  /** Idle in the pool and still open both ways. */
  usable(): boolean {
    const s = this.socket;
    if (this.state !== State.Idle || s.destroyed) return false;
    return s instanceof RawSocket
      ? !s.connecting && !s.readableEnded && !s.writableEnded
      : s.readyState === 'open';
  }

  /** Starts a request on this connection (new, or taken from the pool). */
  begin(server: ServerRuntime, req: UpstreamRequest, ev: UpstreamEvents, t: UpstreamTimeouts): Call {
    const reused = this.secure;
    this.server = server;
    this.gen++;
    this.req = req;
    this.ev = ev;
    this.t = t;
    this.isHead = req.method === 'HEAD';
    let head = requestLine(req.method, req.target);
    const fields = req.fields;
    if (fields !== undefined) head += fields;
    else for (const [n, v] of req.headers) head += `${n}: ${v}\r\n`;
    // Keep-alive is HTTP/1.1's default; say close when this connection will not be reused.
    if (!this.server.keepAlive && !req.upgrade) head += 'Connection: close\r\n';
    this.head = `${head}\r\n`;
    this.chunkOut = req.framing === 'stream';
    this.requestEnded = false;
    this.buf = EMPTY;
    this.scan.reset(0);
    this.res = undefined;
    this.decoder = undefined;
    this.remaining = 0;
    this.lastError = undefined;
    const call = (this.call = new Call(this, this.gen, reused));
    this.state = State.Connecting;
    // A pooled connection is ready now: the request goes out within this call, not a tick later
    // (the exchange gets the call with connected()).
    if (reused) this.ready();
    else if (t.connect > 0) this.connectTimer = setTimeout(this.onConnectTimeout, t.connect);
    return call;
  }

  private readonly onTcp = (): void => {
    this.tcpUp = true;
  };

  private readonly onReady = (): void => {
    this.secure = true;
    // Nothing was written yet (the request goes out from ready()); undefined where the handle
    // cannot be written this way (another Node.js release): the Writable then.
    if (this.canWriteDirect) this.direct = HandleWrites.of(this.socket, this.onDrain);
    this.ready();
  };

  /** Connected (or taken from the pool): the request goes out. */
  ready(): void {
    if (this.state !== State.Connecting) return;
    clearTimeout(this.connectTimer);
    this.state = State.Head;
    // Kept while pooled (not watched there: the pool's own expiry closes idle connections).
    this.inactivity.set(this.t.server);
    this.inactivity.restart();
    this.ev.connected(this.call);
    // The head went out with the request's end or its first body bytes if they were at hand;
    // when none are (a client waiting for "100 Continue", a slow upload), it goes on its own.
    if (this.head.length > 0 && this.state === State.Head) process.nextTick(flushHeadTick, this, this.gen);
  }

  flushHead(gen: number): void {
    if (gen !== this.gen || this.head.length === 0 || this.state === State.Idle || this.socket.destroyed)
      return;
    const h = this.head;
    this.head = '';
    if (this.direct) this.direct.writeLatin1(h);
    else this.socket.write(h, 'latin1');
  }

  private readonly onConnectTimeout = (): void => {
    if (this.state !== State.Connecting) return;
    this.fail(connectTimeout(this.t.connect));
  };

  /** Whether timeouts.server applies now: a request or its response is under way. */
  watched(): boolean {
    return this.state === State.Head || this.state === State.Body;
  }

  expired(): void {
    if (this.watched()) this.fail(serverTimeout(this.t.server));
  }

  // ---- the request ----

  write(chunk: Buffer): boolean {
    const s = this.socket;
    if (this.state === State.Idle || s.destroyed) return true;
    const h = this.head;
    this.head = '';
    const d = this.direct;
    if (this.chunkOut) {
      const size = `${h}${chunk.length.toString(16)}\r\n`;
      return d ? writeDirect(d, size, chunk, '\r\n') : writeJoined(s, size, chunk, '\r\n');
    }
    return d ? writeDirect(d, h, chunk, '') : writeJoined(s, h, chunk);
  }

  end(): void {
    if (this.requestEnded) return;
    this.requestEnded = true;
    const s = this.socket;
    if (this.state === State.Idle || s.destroyed) return;
    const out = this.head + (this.chunkOut ? '0\r\n\r\n' : '');
    this.head = '';
    if (out.length === 0) return;
    if (this.direct) this.direct.writeLatin1(out);
    else s.write(out, 'latin1');
  }

  private readonly onDrain = (): void => {
    if (this.state !== State.Idle) this.ev.drain();
  };

  /** The exchange gave up on this request (its client went away, timed out, or was answered). */
  abort(): void {
    if (this.state === State.Idle) return;
    this.state = State.Idle;
    clearTimeout(this.connectTimer);
    resetConnection(this.socket);
  }

  // ---- the response ----

  /** A read: the engine's clock is read at most once while it is handled (clock.ts). */
  private readonly onData = (chunk: Buffer): void => {
    enterTurn();
    try {
      this.onRead(chunk);
    } finally {
      leaveTurn();
    }
  };

  private onRead(chunk: Buffer): void {
    if (this.state === State.Body) return this.body(chunk, 0);
    if (this.state !== State.Head) {
      // A server talking on an idle connection is broken: nothing is in flight there.
      if (this.state === State.Idle) this.socket.destroy();
      else this.fail(new UpstreamError('protocol', 'data before the request', 'HPE_INVALID_CONSTANT'));
      return;
    }
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    this.heads();
  }

  /** Parses response heads (1xx ones included) from the buffered bytes. */
  private heads(): void {
    while (this.state === State.Head) {
      let end: number;
      let h: Head;
      try {
        end = findHeadEnd(this.buf, 0, this.scan);
        if (end < 0) return;
        h = parseResponseHead(this.buf, this.scan.start, end, true);
      } catch (e) {
        const p = e as ParseError;
        this.fail(new UpstreamError('protocol', `${p.code} ${p.reason}`, p.code));
        return;
      }
      const rest = after(this.buf, end);
      this.buf = EMPTY;
      this.scan.reset(0);
      if (h.status >= 100 && h.status < 200) {
        if (h.status === 101 && this.req.upgrade && this.ev.upgraded) return this.upgraded(h, rest);
        if (h.status === 100) this.ev.continued();
        // Other 1xx (102, 103): relayed (RFC 9110 §15.2), then the final response follows.
        else this.ev.informational?.(h.status, h.reason, h.lines!.headers());
        this.buf = rest;
        continue;
      }
      this.response(h, rest);
      return;
    }
  }

  private response(h: Head, rest: Buffer): void {
    this.res = h;
    let framing = h.framing;
    if (this.isHead || h.status === 204 || h.status === 304) framing = 'none';
    else if (framing === 'none') framing = 'stream'; // ends when the server closes
    const decoded = framing === 'chunked' && this.req.decode === true;
    const empty = framing === 'none' || (framing === 'length' && h.contentLength === 0);
    const head = new ResponseHead(
      h,
      decoded ? 'stream' : framing,
      framing === 'length' ? h.contentLength : -1,
      empty || (rest.length > 0 && !decoded),
    );
    this.state = State.Body;
    if (framing === 'chunked') this.decoder = new ChunkedDecoder();
    else if (framing === 'length') this.remaining = h.contentLength;
    this.ev.response(head);
    if (this.state !== State.Body) return; // aborted by the exchange
    if (framing === 'none' || (framing === 'length' && this.remaining === 0)) return this.complete(rest);
    if (rest.length > 0) this.body(rest, 0);
  }

  private body(chunk: Buffer, from: number): void {
    const framing = this.decoder ? 'chunked' : this.res!.framing === 'length' ? 'length' : 'stream';
    if (framing === 'stream') {
      this.ev.data(from === 0 ? chunk : chunk.subarray(from));
      return;
    }
    let end = chunk.length;
    if (this.decoder) {
      let done: number;
      this.chunk = chunk;
      try {
        done = this.decoder.feed(chunk, from, chunk.length, this.req.decode ? this.onPayload : undefined);
      } catch (e) {
        const p = e as ParseError;
        this.fail(new UpstreamError('protocol', `${p.code} ${p.reason}`, p.code));
        return;
      }
      this.chunk = EMPTY;
      if (done >= 0) end = done;
      if (this.req.decode) {
        if (this.state === State.Body && this.decoder.done) this.complete(after(chunk, end));
        return;
      }
    } else {
      end = Math.min(chunk.length, from + this.remaining);
      this.remaining -= end - from;
    }
    if (end > from) this.ev.data(from === 0 && end === chunk.length ? chunk : chunk.subarray(from, end));
    if (this.state !== State.Body) return;
    const finished = this.decoder ? this.decoder.done : this.remaining === 0;
    if (finished) this.complete(after(chunk, end));
  }

  private readonly onPayload = (start: number, end: number): void => {
    if (this.state === State.Body && end > start) this.ev.data(this.chunk.subarray(start, end));
  };

  private complete(extra: Buffer): void {
    this.state = State.Idle;
    const h = this.res!;
    const reusable =
      extra.length === 0 &&
      this.server.keepAlive &&
      !this.req.upgrade &&
      !h.close &&
      (h.version === '1.1' || h.keepAlive);
    if (!reusable) this.socket.destroy();
    const ev = this.ev;
    const ended = this.requestEnded;
    if (reusable) {
      if (ended) this.release();
      else this.socket.destroy(); // the server answered before the whole request was sent
    }
    ev.end();
  }

  /** Back to the pool (the response and the request both ended): idle until the next request. */
  private release(): void {
    // An idle connection holds nothing of the exchange it served: its events reach the client
    // side, which holds the runtime of the version that routed it (every frontend's router and
    // every backend). Kept, each pooled connection pinned a replaced runtime until its expiry.
    this.ev = DETACHED;
    this.res = undefined;
    const s = this.socket;
    if (s.destroyed) return;
    // Reading may have been paused for a slow client: idle, it must see the server close.
    s.resume();
    this.pool.put(this, this.server.tls);
  }

  private upgraded(h: Head, rest: Buffer): void {
    this.state = State.Idle;
    this.gen++; // the socket leaves this connection object for good
    // A connection that may be upgraded is a net.Socket (connect(), `tunnel`).
    const s = this.socket as net.Socket;
    s.off('data', this.onData);
    s.off('end', this.onEnd);
    s.off('error', this.onError);
    s.off('close', this.onClose);
    s.off('drain', this.onDrain);
    this.inactivity.clear();
    this.ev.upgraded!(
      {
        status: 101,
        reason: h.reason,
        version: h.version,
        headers: h.lines!.headers(),
        framing: 'none',
        contentLength: -1,
      },
      s,
      rest,
    );
  }

  // ---- ends ----

  private readonly onEnd = (): void => {
    if (this.state === State.Body && this.res && !this.decoder && this.res.framing !== 'length') {
      // Close-delimited body: the server's FIN ends it.
      this.state = State.Idle;
      this.socket.destroy();
      this.ev.end();
      return;
    }
    if (this.state !== State.Idle) this.fail(this.hangUp());
    // Idle (pooled) and the server closed: close too. A net.Socket does it by itself (no
    // allowHalfOpen); a RawSocket stays half-open until destroyed.
    else this.socket.destroy();
  };

  private readonly onError = (err: NodeJS.ErrnoException): void => {
    this.lastError = err;
    if (this.tcpUp && !this.secure && this.server.tls)
      reportUpstreamTlsFailure(this.server.tls, this.server.snap as UpstreamServer, err);
  };

  private readonly onClose = (): void => {
    this.inactivity.clear();
    if (this.state === State.Idle) return;
    this.fail(this.hangUp());
  };

  /** Why the connection ended before the response did. */
  private hangUp(): UpstreamError {
    const e = this.lastError;
    if (this.state === State.Body)
      return new UpstreamError('protocol', 'response stream ended early', e?.code);
    const code = e?.code ?? 'ECONNRESET';
    const kind = this.tcpUp ? 'protocol' : 'connect';
    return new UpstreamError(kind, e ? (e.code ?? e.message) : 'socket hang up', code);
  }

  private fail(e: UpstreamError): void {
    if (this.state === State.Idle) return;
    this.state = State.Idle;
    clearTimeout(this.connectTimer);
    this.socket.destroy();
    this.ev.error(e);
  }
}

/**
 * Ends a connection abandoned in the middle of an exchange with a reset (SO_LINGER 0), as HAProxy
 * aborts a server connection. A graceful close queues the FIN behind request bytes the server has
 * not read yet: a server slow to read an upload would see neither the end nor the abort, and keep
 * the connection (and whatever serves it) until it read its way there. TLS connections are reset
 * on the TCP handle under the TLS layer (util/tls-reset.ts). A connection still connecting, or one
 * Node cannot reset, is destroyed.
 */
function resetConnection(s: UpSocket): void {
  if (s instanceof RawSocket) {
    s.resetAndDestroy();
    return;
  }
  if (!s.destroyed && !s.connecting) {
    if ('encrypted' in s) resetTls(s as tls.TLSSocket);
    else {
      try {
        s.resetAndDestroy();
      } catch {
        // Not a TCP handle: destroyed below.
      }
    }
  }
  if (!s.destroyed) s.destroy();
}

/** A response head as the exchange sees it: the fields as lines, as pairs only when asked for. */
class ResponseHead implements UpstreamResponseHead {
  readonly status: number;
  readonly reason: string;
  readonly version: string;
  readonly lines: FieldLines;
  constructor(
    h: Head,
    readonly framing: BodyFraming,
    readonly contentLength: number,
    readonly bodyInHand: boolean,
  ) {
    this.status = h.status;
    this.reason = h.reason;
    this.version = h.version;
    this.lines = h.lines!;
  }
  get headers(): HeaderList {
    return this.lines.headers();
  }
}

/** writeJoined (write.ts) on a connection's handle: `head`, `body`, `tail` as one write. */
function writeDirect(d: HandleWrites, head: string, body: Uint8Array, tail: string): boolean {
  const total = head.length + body.length + tail.length;
  if (total === body.length) return d.write(body);
  if (total <= JOINED_WRITE_MAX) {
    const out = Buffer.allocUnsafe(total);
    let at = head.length > 0 ? out.write(head, 0, 'latin1') : 0;
    out.set(body, at);
    at += body.length;
    if (tail.length > 0) out.write(tail, at, 'latin1');
    const more = d.write(out);
    taken.last = body; // copied: the write holds nothing of it
    return more;
  }
  const chunks: Uint8Array[] = [];
  if (head.length > 0) chunks.push(Buffer.from(head, 'latin1'));
  chunks.push(body);
  if (tail.length > 0) chunks.push(Buffer.from(tail, 'latin1'));
  return d.writev(chunks);
}

/**
 * The last request line written, kept: most requests to servers repeat one of a few (the same
 * method and target), and each was three concatenations and, at its write, a flattened copy.
 */
let lastMethod = '';
let lastTarget = '';
let lastLine = '';

/** `<method> <target> HTTP/1.1` CRLF. */
function requestLine(method: string, target: string): string {
  if (target === lastTarget && method === lastMethod) return lastLine;
  const line = `${method} ${target} HTTP/1.1\r\n`;
  // Only a short target is kept: a long one is rarely repeated, and kept it would hold the
  // client's head it was cut from.
  if (target.length <= REQUEST_LINE_MEMO_MAX) {
    lastMethod = method;
    lastTarget = target;
    lastLine = line;
  }
  return line;
}

/** The longest target requestLine() remembers. */
const REQUEST_LINE_MEMO_MAX = 256;

function flushHeadTick(c: UpstreamConn, gen: number): void {
  c.flushHead(gen);
}

export const h1Upstream: UpstreamConnector = {
  request(
    server: ServerRuntime,
    req: UpstreamRequest,
    events: UpstreamEvents,
    timeouts: UpstreamTimeouts,
  ): UpstreamCall {
    const pool = poolOf(server);
    const pooled = server.keepAlive && !req.upgrade ? pool.take(server.tls) : undefined;
    const conn = pooled ?? new UpstreamConn(server, pool, req.upgrade === true);
    return conn.begin(server, req, events, timeouts);
  },
};
