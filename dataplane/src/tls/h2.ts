// HTTP/2 towards clients (ALPN "h2"): one http2 server per listener, fed secured sockets with
// emit('connection') exactly like the HTTP/1.1 server, so both share the listener's request
// handler — and with it routing, header edits, persistence, limits and the upstream exchange.
//
// Each stream becomes the same engine-neutral request an HTTP/1.1 connection produces
// (http/engine/h2-client.ts), never a patched IncomingMessage.
// Closing a connection "after this response" becomes a graceful GOAWAY (closeTlsGracefully).
//
// Every session reads its client through a frame guard (tls/h2-guard.ts) that enforces the parts
// of RFC 9113 Node's http2 leaves out (closed streams, malformed fields, unsolicited PING ACKs);
// and a connection error nghttp2 reports is answered with its own GOAWAY code, where Node would
// send INTERNAL_ERROR (goawayCodeOf).
import type http2 from 'node:http2';
import { createRequire } from 'node:module';
import type net from 'node:net';
import type tls from 'node:tls';
import type { Logger } from 'pino';
import { GuardedSocket } from './h2-guard.js';
import { RAW_SOCKET, rawSocketOf } from './terminator.js';

// node:http2 and its nghttp2 bindings load with the first HTTP/2 server: a dataplane without a
// TLS frontend never speaks HTTP/2, and its primary never serves traffic (docs/memory.md).
const requireOnUse = createRequire(import.meta.url);
let http2Module: typeof http2 | undefined;
const h2 = (): typeof http2 => (http2Module ??= requireOnUse('node:http2') as typeof http2);

/** Concurrent streams per connection (HAProxy tune.h2.max-concurrent-streams). */
export const H2_MAX_CONCURRENT_STREAMS = 100;
/** Largest request head accepted, as for HTTP/1.1 (http/engine MAX_HEADER_SIZE). */
export const H2_MAX_HEADER_LIST_SIZE = 16 * 1024;

export interface H2Handlers {
  /** A request stream (the listener turns it into a neutral request: http/engine/h2-client.ts). */
  request(req: http2.Http2ServerRequest, res: http2.Http2ServerResponse, expectContinue: boolean): void;
  /** The bind's current inactivity timeout for a connection (timeouts.client; 0: none). */
  idleTimeoutMs(): number;
  /** How long a connection with no stream open is kept (timeouts.keepAlive; 0: no limit). */
  keepAliveMs(): number;
}

/** Sessions by the accepted socket underneath them (graceful close on drain). */
const sessions = new WeakMap<object, http2.ServerHttp2Session>();

export function h2SessionOf(raw: object): http2.ServerHttp2Session | undefined {
  return sessions.get(raw);
}

export function createH2Server(handlers: H2Handlers, log: Logger): http2.Http2Server {
  const server = h2().createServer({
    settings: {
      maxConcurrentStreams: H2_MAX_CONCURRENT_STREAMS,
      maxHeaderListSize: H2_MAX_HEADER_LIST_SIZE,
      enablePush: false,
    },
    maxSessionInvalidFrames: 100,
  });
  const onRequest =
    (expectContinue: boolean) => (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse) => {
      if (req.stream.closed || req.stream.destroyed) return; // reset by the guard (see 'stream' below)
      handlers.request(req, res, expectContinue);
    };
  server.on('request', onRequest(false));
  server.on('checkContinue', onRequest(true));
  // Before the compatibility layer's own 'stream' listener: a stream the guard reset before
  // nghttp2 delivered it (malformed fields, a window overflow) is reset here, so no request is
  // ever made from it.
  server.prependListener('stream', (stream: http2.ServerHttp2Stream) => {
    const reset = stream.id === undefined ? undefined : guardOf(stream.session)?.resets.get(stream.id);
    if (reset === undefined) return;
    log.debug({ stream: stream.id, code: reset.code, reason: reset.reason }, 'HTTP/2 stream reset');
    stream.close(reset.code);
  });
  server.on('session', (session: http2.ServerHttp2Session) => {
    session.on('error', (err: Error) => log.debug({ err: err.message }, 'http2 session error'));
    const guarded = handoff;
    handoff = undefined;
    if (guarded) adoptGuard(session, guarded, log);
    const raw = rawSocketOf(session.socket as unknown as object);
    if (raw !== (session.socket as unknown)) {
      sessions.set(raw, session);
      session.once('close', () => sessions.delete(raw));
    }
    const idle = handlers.idleTimeoutMs();
    if (idle > 0) session.setTimeout(idle, () => session.close());
    closeWhenIdle(session, handlers.keepAliveMs());
  });
  server.on('sessionError', () => {}); // reported per session above
  return server;
}

/**
 * Keep-alive for HTTP/2 (HAProxy `timeout http-keep-alive`): a connection with no stream open for
 * `ms` — before its first request or after its last — is closed with GOAWAY. A stream in flight,
 * however slow, keeps it; inactivity within streams is `timeouts.client` (session.setTimeout).
 */
function closeWhenIdle(session: http2.ServerHttp2Session, ms: number): void {
  if (ms <= 0) return;
  let open = 0;
  let timer: NodeJS.Timeout | undefined;
  const arm = (): void => {
    clearTimeout(timer);
    if (open === 0 && !session.closed && !session.destroyed) timer = setTimeout(() => session.close(), ms);
  };
  session.on('stream', (stream: http2.ServerHttp2Stream) => {
    open++;
    clearTimeout(timer);
    stream.once('close', () => {
      open--;
      arm();
    });
  });
  session.once('close', () => clearTimeout(timer));
  arm();
}

// ---- the frame guard in front of each session ----

interface SessionGuard {
  readonly socket: GuardedSocket;
  /** Streams the guard reset, with the code and why (applied on 'stream' if not open yet). */
  readonly resets: Map<number, { code: number; reason: string }>;
  /** Streams open in JS, by id. */
  readonly streams: Map<number, http2.ServerHttp2Stream>;
}

const guards = new WeakMap<http2.Http2Session, SessionGuard>();
const guardOf = (session: http2.Http2Session | undefined): SessionGuard | undefined =>
  session ? guards.get(session) : undefined;

const RESETS_REMEMBERED = 256;

/** The guarded socket a server's 'connection' is being emitted for (handed to its 'session'). */
let handoff: SessionGuard | undefined;

/**
 * Starts HTTP/2 on a secured socket: the session reads it through the frame guard. The session is
 * created synchronously inside emit('connection'), where its 'session' listener adopts the guard.
 */
export function serveH2(server: http2.Http2Server, secure: tls.TLSSocket): void {
  const resets = new Map<number, { code: number; reason: string }>();
  const streams = new Map<number, http2.ServerHttp2Stream>();
  // The guard judges frames before nghttp2 reads them, so the stream may not exist in JS yet.
  const reset = (id: number, code: number, reason: string): void => {
    const open = streams.get(id);
    if (open) {
      if (!open.closed) open.close(code);
      return;
    }
    resets.set(id, { code, reason });
    // Bounded: a stream nghttp2 refused on its own never reaches JS to be forgotten on close.
    if (resets.size > RESETS_REMEMBERED) resets.delete(resets.keys().next().value!);
  };
  const socket = new GuardedSocket(secure, {
    connectionError: (code, reason) => {
      const session = adopted.get(guard);
      if (session && !session.destroyed)
        session.destroy(new Error(`HTTP/2 connection error: ${reason}`), code);
      else secure.destroy();
    },
    streamError: reset,
    malformed: (id, reason) => reset(id, h2().constants.NGHTTP2_PROTOCOL_ERROR, reason),
  });
  const guard: SessionGuard = { socket, resets, streams };
  handoff = guard;
  try {
    server.emit('connection', socket);
  } finally {
    handoff = undefined;
  }
}

/** The session that adopted a guard (adoptGuard). */
const adopted = new WeakMap<SessionGuard, http2.ServerHttp2Session>();

/**
 * Links a session to its guard: the session's socket (Node wraps the guard in an internal stream
 * socket) is given the client's identity — address, port, TLS — which request handling, logs and
 * connection tracking read from it; streams are followed for trailers; and connection errors get
 * their HTTP/2 code.
 */
function adoptGuard(session: http2.ServerHttp2Session, guard: SessionGuard, log: Logger): void {
  guards.set(session, guard);
  adopted.set(guard, session);
  const secure = guard.socket.secure;
  // session.socket forwards property writes to the socket under the session (Node's documented
  // proxy); `_peername` is what net.Socket reports remoteAddress/remotePort/remoteFamily from when
  // its handle cannot tell (the internal stream socket's cannot).
  const proxy = session.socket as unknown as Record<string | symbol, unknown>;
  proxy._peername = { address: secure.remoteAddress, port: secure.remotePort, family: secure.remoteFamily };
  proxy.encrypted = true;
  proxy.alpnProtocol = secure.alpnProtocol;
  proxy.servername = secure.servername;
  proxy[RAW_SOCKET] = rawSocketOf(secure);
  session.on('stream', (stream: http2.ServerHttp2Stream) => {
    const id = stream.id;
    if (id === undefined) return;
    guard.streams.set(id, stream);
    stream.once('close', () => {
      guard.streams.delete(id);
      guard.resets.delete(id);
    });
  });
  const destroy = session.destroy.bind(session) as (error?: Error | number, code?: number) => void;
  Object.defineProperty(session, 'destroy', {
    configurable: true,
    value: (error?: Error | number, code?: number) => {
      // A flow-control error has been answered by nghttp2 already: RST_STREAM for a stream's
      // window, GOAWAY for the connection's (the guard then closes it). Node would escalate a
      // stream's error to the whole connection.
      if (isNghttpError(error, NGHTTP2_ERR_FLOW_CONTROL)) {
        log.debug({ err: (error as Error).message }, 'http2 flow-control error answered by nghttp2');
        return;
      }
      const mapped = code ?? goawayCodeOf(error);
      if (mapped !== undefined)
        log.debug(
          { code: mapped, err: error instanceof Error ? error.message : error },
          'http2 connection error',
        );
      destroy(error, mapped);
    },
  });
}

const NGHTTP2_ERR_FLOW_CONTROL = -524;

const isNghttpError = (error: unknown, errno: number): boolean =>
  error instanceof Error &&
  (error as NodeJS.ErrnoException).code === 'ERR_HTTP2_ERROR' &&
  (error as NodeJS.ErrnoException).errno === errno;

/** nghttp2 library errors Node reports on a session, and the HTTP/2 error code each one means. */
let goawayCodes: Map<number, number> | undefined;
const goawayCodeTable = (): Map<number, number> =>
  (goawayCodes ??= new Map<number, number>([
    [-505, h2().constants.NGHTTP2_PROTOCOL_ERROR], // NGHTTP2_ERR_PROTO
    [-510, h2().constants.NGHTTP2_STREAM_CLOSED], // NGHTTP2_ERR_STREAM_CLOSED
    [-522, h2().constants.NGHTTP2_FRAME_SIZE_ERROR], // NGHTTP2_ERR_FRAME_SIZE_ERROR
    [-523, h2().constants.NGHTTP2_COMPRESSION_ERROR], // NGHTTP2_ERR_HEADER_COMP
  ]));

/**
 * The GOAWAY code for an error Node destroys a session with. Node's http2 passes nghttp2's
 * connection errors (window overflow, protocol errors) to destroy() as an Error and so sends
 * INTERNAL_ERROR; RFC 9113 asks for the error's own code (§6.9.1: FLOW_CONTROL_ERROR).
 */
export function goawayCodeOf(error: unknown): number | undefined {
  if (!(error instanceof Error)) return undefined;
  const e = error as NodeJS.ErrnoException;
  if (e.code === 'ERR_HTTP2_TOO_MANY_INVALID_FRAMES') return h2().constants.NGHTTP2_ENHANCE_YOUR_CALM;
  if (e.code !== 'ERR_HTTP2_ERROR' || typeof e.errno !== 'number') return undefined;
  return goawayCodeTable().get(e.errno);
}

/** Ends a secured connection politely: GOAWAY for HTTP/2, close_notify + FIN for TLS. */
export function closeSecure(raw: net.Socket, secure: net.Socket | undefined): boolean {
  const session = sessions.get(raw);
  if (session) {
    if (!session.closed && !session.destroyed) session.close();
    return true;
  }
  if (secure) {
    if (!secure.destroyed) {
      secure.once('finish', () => secure.destroy());
      secure.end();
    }
    return true;
  }
  return false;
}
