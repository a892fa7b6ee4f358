// The per-listener HTTP/1.1 server. It never listens itself: the listener hands it accepted
// sockets (emit('connection')), which is what lets one bind switch routers or even modes
// without closing its socket.
//
// Malformed requests never reach a handler: Node's llhttp parser (strict mode) refuses bad
// request lines, invalid header names and values, conflicting or repeated Content-Length,
// Transfer-Encoding with Content-Length, and oversized heads; each gets 400 with a short body
// and the connection is closed (HAProxy answers 400 to all of these, oversized heads included).
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FrontendSnap } from '#protocol/snapshot';
import { MAX_HEADER_COUNT } from './admission.js';
import { closeWithLinger, writeRawReply } from './local-reply.js';

/** Bounded request heads (Node's default is 16 KiB too; state it so it cannot drift). */
export const MAX_HEADER_SIZE = 16 * 1024;

export interface HttpHandlers {
  /** A request; `expectContinue` when the client waits for "100 Continue" before its body. */
  request(req: IncomingMessage, res: ServerResponse, expectContinue: boolean): void;
  /** An Upgrade request (WebSocket): the socket is the handler's from now on. */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
}

export function createHttpServer(handlers: HttpHandlers): http.Server {
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
    (req, res) => handlers.request(req, res, false),
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
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => handlers.request(req, res, true));
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) =>
    handlers.upgrade(req, socket, head),
  );
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
        writeRawReply(socket, {
          status: 400,
          detail: `malformed HTTP request: request head larger than ${MAX_HEADER_SIZE} bytes`,
        });
      else if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT')
        writeRawReply(socket, {
          status: 408,
          detail: 'request head not received in time (timeouts.httpRequest)',
        });
      else {
        const reason = (err as { reason?: string }).reason;
        writeRawReply(socket, {
          status: 400,
          detail: `malformed HTTP request${reason ? `: ${reason}` : ''}`,
        });
      }
    });
  });
  server.on('connect', (_req: IncomingMessage, socket: Duplex) =>
    writeRawReply(socket, { status: 405, detail: 'CONNECT is not supported' }),
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
