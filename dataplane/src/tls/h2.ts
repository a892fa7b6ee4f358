// HTTP/2 towards clients (ALPN "h2"): one http2 server per listener, fed secured sockets with
// emit('connection') exactly like the HTTP/1.1 server, so both share the listener's request
// handler — and with it routing, header edits, persistence, limits and the upstream exchange.
//
// The HTTP engine speaks HTTP/1.1 semantics; adaptH2 makes Node's http2 compatibility objects
// look like what it expects, in place (no wrappers, so stream piping is untouched):
//   request:  pseudo-headers (":authority", ...) dropped from headers/rawHeaders, Host taken from
//             :authority (RFC 9113 §8.3.1), cookie crumbs joined with "; " (§8.2.3), a body of
//             unknown length (no content-length) flagged chunked so it is forwarded framed, and
//             HTTP/1.1 framing semantics (httpVersionMajor/Minor); httpVersion stays "2.0" for logs.
//   response: connection-specific fields (Connection, Keep-Alive, Transfer-Encoding, Upgrade,
//             Proxy-Connection) are illegal in HTTP/2 and dropped; the reason phrase does not exist.
// Closing a connection "after this response" becomes a graceful GOAWAY (closeTlsGracefully).
import http2 from 'node:http2';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type net from 'node:net';
import type { Logger } from 'pino';
import { rawSocketOf } from './terminator.js';

/** Concurrent streams per connection (HAProxy tune.h2.max-concurrent-streams). */
export const H2_MAX_CONCURRENT_STREAMS = 100;
/** Largest request head accepted, as for HTTP/1.1 (http/server.ts MAX_HEADER_SIZE). */
export const H2_MAX_HEADER_LIST_SIZE = 16 * 1024;

export interface H2Handlers {
  request(req: IncomingMessage, res: ServerResponse, expectContinue: boolean): void;
  /** The bind's current idle timeout for a connection (0: none). */
  idleTimeoutMs(): number;
}

const CONNECTION_SPECIFIC = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
]);

/** Sessions by the accepted socket underneath them (graceful close on drain). */
const sessions = new WeakMap<object, http2.ServerHttp2Session>();

export function h2SessionOf(raw: object): http2.ServerHttp2Session | undefined {
  return sessions.get(raw);
}

export function createH2Server(handlers: H2Handlers, log: Logger): http2.Http2Server {
  const server = http2.createServer({
    settings: {
      maxConcurrentStreams: H2_MAX_CONCURRENT_STREAMS,
      maxHeaderListSize: H2_MAX_HEADER_LIST_SIZE,
      enablePush: false,
    },
    maxSessionInvalidFrames: 100,
  });
  const onRequest =
    (expectContinue: boolean) => (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse) => {
      adaptH2(req, res);
      handlers.request(req as unknown as IncomingMessage, res as unknown as ServerResponse, expectContinue);
    };
  server.on('request', onRequest(false));
  server.on('checkContinue', onRequest(true));
  server.on('session', (session: http2.ServerHttp2Session) => {
    session.on('error', (err: Error) => log.debug({ err: err.message }, 'http2 session error'));
    const raw = rawSocketOf(session.socket as unknown as object);
    if (raw !== (session.socket as unknown)) {
      sessions.set(raw, session);
      session.once('close', () => sessions.delete(raw));
    }
    const idle = handlers.idleTimeoutMs();
    if (idle > 0) session.setTimeout(idle, () => session.close());
  });
  server.on('sessionError', () => {}); // reported per session above
  return server;
}

type RawHeaders = string[];

/** Rewrites a compat request/response pair in place for the HTTP/1.1 engine (see the header). */
export function adaptH2(req: http2.Http2ServerRequest, res: http2.Http2ServerResponse): void {
  const raw: RawHeaders = [];
  const cookies: string[] = [];
  let host: string | undefined;
  let contentLength = false;
  const src = req.rawHeaders;
  for (let i = 0; i < src.length; i += 2) {
    const name = src[i]!;
    const value = src[i + 1]!;
    if (name.startsWith(':')) continue;
    const lower = name.toLowerCase();
    if (lower === 'cookie') {
      cookies.push(value);
      continue;
    }
    if (lower === 'host') host = value;
    if (lower === 'content-length') contentLength = true;
    raw.push(name, value);
  }
  const authority = req.headers[':authority'];
  if (host === undefined && typeof authority === 'string' && authority !== '') {
    host = authority;
    raw.unshift('host', authority);
  }
  if (cookies.length > 0) raw.push('cookie', cookies.join('; '));
  // A body without content-length (DATA frames until END_STREAM): chunk it towards the server.
  const bodyOfUnknownLength =
    !contentLength && !req.stream.endAfterHeaders && req.method !== 'GET' && req.method !== 'HEAD';
  if (bodyOfUnknownLength) raw.push('transfer-encoding', 'chunked');

  const headers: Record<string, string | string[] | undefined> = {};
  for (const [k, v] of Object.entries(req.headers)) if (!k.startsWith(':')) headers[k] = v;
  if (host !== undefined) headers.host = host;
  if (cookies.length > 0) headers.cookie = cookies.join('; ');
  if (bodyOfUnknownLength) headers['transfer-encoding'] = 'chunked';

  Object.defineProperty(req, 'rawHeaders', { value: raw, configurable: true });
  Object.defineProperty(req, 'headers', { value: headers, configurable: true });
  Object.defineProperty(req, 'httpVersionMajor', { value: 1, configurable: true });
  Object.defineProperty(req, 'httpVersionMinor', { value: 1, configurable: true });

  const writeHead = res.writeHead.bind(res) as (status: number, headers?: unknown) => unknown;
  Object.defineProperty(res, 'writeHead', {
    configurable: true,
    value: (status: number, a?: unknown, b?: unknown) => {
      const h = typeof a === 'string' ? b : a;
      writeHead(status, sanitize(h));
      return res;
    },
  });
}

/** Drops fields HTTP/2 forbids; accepts Node's flat array or object forms. */
function sanitize(h: unknown): string[] | undefined {
  if (h === undefined || h === null) return undefined;
  const out: string[] = [];
  const add = (name: string, value: unknown): void => {
    const lower = name.toLowerCase();
    if (CONNECTION_SPECIFIC.has(lower)) return;
    if (Array.isArray(value)) for (const v of value) out.push(lower, String(v));
    else if (value !== undefined) out.push(lower, String(value));
  };
  if (Array.isArray(h)) {
    if (h.length > 0 && Array.isArray(h[0])) for (const [n, v] of h as [string, string][]) add(n, v);
    else for (let i = 0; i < h.length; i += 2) add(String(h[i]), h[i + 1]);
  } else for (const [n, v] of Object.entries(h as Record<string, unknown>)) add(n, v);
  return out;
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
