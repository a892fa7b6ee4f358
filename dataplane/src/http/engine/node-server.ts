// The per-listener HTTP/1.1 server, on Node's http module. It never listens itself: the listener
// hands it accepted sockets (emit('connection')), which is what lets one bind switch routers or
// even modes without closing its socket. Requests leave here as engine-neutral ClientSides.
//
// Malformed requests never reach a handler: Node's llhttp parser (strict mode) refuses bad
// request lines, invalid header names and values, conflicting or repeated Content-Length,
// Transfer-Encoding with Content-Length, and oversized heads; each gets 400 with a short body
// and the connection is closed (HAProxy answers 400 to all of these, oversized heads included).
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type net from 'node:net';
import type { Duplex } from 'node:stream';
import type { FrontendSnap } from '#protocol/snapshot';
import { pairs } from '../headers.js';
import { MAX_HEADER_COUNT } from '../admission.js';
import { replyBytes } from '../local-reply.js';
import { closeWithLinger } from './close.js';
import type { BodyFraming, ByteMarks, ClientSide, HttpRequestHead } from '../message.js';
import { exchangeStart, NodeClient, nodeRequestHead } from './node-client.js';

/** Bounded request heads (Node's default is 16 KiB too; state it so it cannot drift). */
export const MAX_HEADER_SIZE = 16 * 1024;

export interface HttpHandlers {
  /** A request; `socket` is the connection it arrived on. */
  request(client: ClientSide, socket: net.Socket): void;
  /** An Upgrade request (WebSocket): the socket is the handler's from now on. */
  upgrade(head: HttpRequestHead, withBody: boolean, socket: net.Socket, rest: Buffer, start: ByteMarks): void;
}

function framingOf(req: IncomingMessage): { framing: BodyFraming; contentLength: number } {
  if (req.headers['transfer-encoding'] !== undefined) return { framing: 'chunked', contentLength: -1 };
  const cl = req.headers['content-length'];
  if (cl !== undefined) return { framing: 'length', contentLength: Number(cl) };
  return { framing: 'none', contentLength: -1 };
}

/** A malformed request or a timeout before any response: answer on the raw socket and close. */
function rawReply(socket: Duplex, status: number, detail: string): void {
  closeWithLinger(socket, replyBytes(status, detail, undefined, true));
}

export function createHttpServer(handlers: HttpHandlers, localPort: number): http.Server {
  const onRequest = (expectContinue: boolean) => (req: IncomingMessage, res: ServerResponse) => {
    const head = nodeRequestHead(req, pairs(req.rawHeaders), localPort);
    const client = new NodeClient(req, res, {
      head,
      ...framingOf(req),
      expectContinue,
      socket: req.socket as net.Socket,
    });
    // HTTP/2 has its own engine (tls/h2.ts); an HTTP/1.1 connection only carries HTTP/1.x.
    if (req.httpVersionMajor !== 1)
      return client.reply(505, `HTTP/${req.httpVersion} is not supported`, undefined, true);
    handlers.request(client, req.socket as net.Socket);
  };
  const server = http.createServer(
    {
      maxHeaderSize: MAX_HEADER_SIZE,
      // HAProxy's "timeout http-request" bounds the request head; the body is bounded by the client
      // inactivity timeout instead, so long uploads are not cut (Node's requestTimeout would).
      requestTimeout: 0,
      headersTimeout: 10_000,
      keepAliveTimeout: 5_000,
      connectionsCheckingInterval: 1_000,
      requireHostHeader: false, // checked in admission.ts, for a clear 400 body
    },
    onRequest(false),
  );
  // One more than allowed, so that admission.ts sees the overflow (Node silently drops the rest,
  // framing fields included).
  server.maxHeadersCount = MAX_HEADER_COUNT + 1;
  // A client may send its request and half-close (shutdown(SHUT_WR), `nc -N`): HAProxy still
  // answers. Node's default aborts the request on the client's FIN; this keeps it, answers, then
  // closes after that response.
  (server as http.Server & { httpAllowHalfOpen: boolean }).httpAllowHalfOpen = true;
  // Without this listener Node would answer "100 Continue" itself, before we know whether the
  // request will be proxied at all.
  server.on('checkContinue', onRequest(true));
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, rest: Buffer) => {
    if (req.httpVersionMajor !== 1) return rawReply(socket, 505, `HTTP/${req.httpVersion} is not supported`);
    const head = nodeRequestHead(req, pairs(req.rawHeaders), localPort);
    const f = framingOf(req);
    const withBody = f.framing === 'chunked' || (f.framing === 'length' && f.contentLength > 0);
    handlers.upgrade(head, withBody, socket as net.Socket, rest, exchangeStart(req.socket as net.Socket));
  });
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    if (err.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    // Pipelined requests before the bad bytes are answered first, in order; the error reply
    // (if any) comes after them and closes the connection.
    afterInFlight(socket, () => {
      if (!socket.writable) return;
      if (err.code === 'HPE_CLOSED_CONNECTION') return closeWithLinger(socket); // bytes after "Connection: close": ignored
      if (err.code === 'HPE_HEADER_OVERFLOW')
        rawReply(socket, 400, `malformed HTTP request: request head larger than ${MAX_HEADER_SIZE} bytes`);
      else if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT')
        rawReply(socket, 408, 'request head not received in time (timeouts.httpRequest)');
      else {
        const reason = (err as { reason?: string }).reason;
        rawReply(socket, 400, `malformed HTTP request${reason ? `: ${reason}` : ''}`);
      }
    });
  });
  server.on('connect', (_req: IncomingMessage, socket: Duplex) =>
    rawReply(socket, 405, 'CONNECT is not supported'),
  );
  // The server never calls listen(), so start Node's connection tracking (which enforces
  // headersTimeout) the way listen() would.
  server.emit('listening');
  return server;
}

/**
 * Runs `then` (the error reply) once the responses to the complete requests before the bad bytes
 * are written: Node queues pipelined responses, and the error must come after them, in order.
 * When the connection already closes after the current response, or the bad bytes are in the
 * body of a request whose response has started, no error reply can follow.
 */
function afterInFlight(socket: Duplex, then: () => void): void {
  const current = (socket as Duplex & { _httpMessage?: (ServerResponse & { _last?: boolean }) | null })
    ._httpMessage;
  if (!current || current.destroyed) return then();
  const earlier = current.req.complete; // the bad bytes belong to a later request
  if (current.headersSent && !earlier && !current._last) return void socket.destroy();
  if (!current.headersSent && !earlier) return then();
  current.once('close', () =>
    setImmediate(() => {
      if (socket.destroyed) return;
      if (current._last) closeWithLinger(socket);
      else afterInFlight(socket, then);
    }),
  );
}

/** Frontend timeouts, re-read on every swap: keep-alive and head timeouts apply to new waits. */
export function configureHttpServer(server: http.Server, fe: Readonly<FrontendSnap>): void {
  server.headersTimeout = fe.timeouts.httpRequest;
  server.keepAliveTimeout = fe.timeouts.keepAlive;
  server.timeout = fe.timeouts.client; // socket inactivity
}
