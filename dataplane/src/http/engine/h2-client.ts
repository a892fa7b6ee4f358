// HTTP/2 streams as engine-neutral requests (http/message.ts), on Node's http2 compatibility API
// (same shape as its HTTP/1.1 objects, so NodeClient adapts both):
//   request:  pseudo-header fields (":authority", ...) dropped, Host taken from :authority when
//             absent (RFC 9113 §8.3.1), cookie crumbs joined with "; " (§8.2.3), and a body of
//             unknown length (no content-length) framed as a stream, chunked towards servers;
//             the version stays "2.0" for logs.
//   response: connection-specific fields (Connection, Keep-Alive, Transfer-Encoding, Upgrade,
//             Proxy-Connection) are illegal in HTTP/2 and dropped; the reason phrase does not exist.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type http2 from 'node:http2';
import type net from 'node:net';
import type { HeaderList } from '../../router/types.js';
import { rawSocketOf } from '../../tls/raw-socket-of.js';
import type { BodyFraming, ClientSide, HttpRequestHead } from '../message.js';
import { NodeClient } from './node-client.js';

const CONNECTION_SPECIFIC = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
]);

/** The neutral request of an HTTP/2 stream (see the header comment). */
export function h2RequestHead(req: http2.Http2ServerRequest, localPort: number): HttpRequestHead {
  const headers: HeaderList = [];
  const cookies: string[] = [];
  let host = false;
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
    if (lower === 'host') host = true;
    headers.push([name, value]);
  }
  const authority = req.headers[':authority'];
  if (!host && typeof authority === 'string' && authority !== '') headers.unshift(['host', authority]);
  if (cookies.length > 0) headers.push(['cookie', cookies.join('; ')]);
  const raw = rawSocketOf(req.socket) as net.Socket;
  const a = raw?.remoteAddress ?? '';
  return {
    method: req.method,
    target: req.url,
    version: '2.0',
    headers,
    source: a.startsWith('::ffff:') && a.includes('.') ? a.slice(7) : a,
    sourcePort: raw?.remotePort ?? 0,
    scheme: 'https',
    localPort,
  };
}

export function h2Client(
  req: http2.Http2ServerRequest,
  res: http2.Http2ServerResponse,
  expectContinue: boolean,
  localPort: number,
): ClientSide {
  const cl = req.headers['content-length'];
  // A body without content-length (DATA frames until END_STREAM) is a stream of unknown length,
  // whatever the method (RFC 9113 §8.1: HEADERS without END_STREAM announces content; HAProxy
  // forwards a GET's body too). Taking a GET without END_STREAM as complete answered it before
  // its DATA or RST_STREAM arrived, and dropped what the client sent.
  let framing: BodyFraming = 'none';
  if (cl !== undefined) framing = 'length';
  else if (!req.stream.endAfterHeaders) framing = 'stream';
  return new NodeClient(req as unknown as IncomingMessage, res as unknown as ServerResponse, {
    head: h2RequestHead(req, localPort),
    framing,
    contentLength: framing === 'length' ? Number(cl) : -1,
    expectContinue,
    http2: true,
    responseHeaders: connectionFree,
    socket: req.socket as unknown as net.Socket,
  });
}

/** Drops the fields HTTP/2 forbids (RFC 9113 §8.2.2); names go lower case. */
function connectionFree(h: HeaderList): HeaderList {
  const out: HeaderList = [];
  for (const [n, v] of h) {
    const lower = n.toLowerCase();
    if (!CONNECTION_SPECIFIC.has(lower)) out.push([lower, v]);
  }
  return out;
}
