// The per-listener HTTP/1.1 server. It never listens itself: the listener hands it accepted
// sockets (emit('connection')), which is what lets one bind switch routers or even modes
// without closing its socket.
import http, { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FrontendSnap } from '../../../protocol/src/snapshot.js';

/** Bounded request heads (Node's default is 16 KiB too; state it so it cannot drift). */
export const MAX_HEADER_SIZE = 16 * 1024;

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void;

function rawReply(socket: Duplex, status: number, detail: string): void {
  const body = `${status} ${STATUS_CODES[status]}\n\n${detail}\n`;
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: text/plain; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

export function createHttpServer(onRequest: RequestHandler): http.Server {
  const server = http.createServer(
    {
      maxHeaderSize: MAX_HEADER_SIZE,
      // HAProxy's "timeout http-request" bounds the request head; the body is bounded by the client
      // inactivity timeout instead, so long uploads are not cut (Node's requestTimeout would).
      requestTimeout: 0,
      headersTimeout: 10_000,
      keepAliveTimeout: 5_000,
      connectionsCheckingInterval: 1_000,
      requireHostHeader: true,
    },
    onRequest,
  );
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    // Node's own pattern: answer only if nothing was written on this connection yet.
    const busy = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent;
    if (err.code === 'ECONNRESET' || !socket.writable || busy) {
      socket.destroy();
      return;
    }
    if (err.code === 'HPE_HEADER_OVERFLOW') rawReply(socket, 431, 'request head too large');
    else if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT')
      rawReply(socket, 408, 'request head not received in time');
    else rawReply(socket, 400, 'malformed HTTP request');
  });
  server.on('connect', (_req: IncomingMessage, socket: Duplex) =>
    rawReply(socket, 405, 'CONNECT is not supported'),
  );
  // The server never calls listen(), so start Node's connection tracking (which enforces
  // headersTimeout) the way listen() would.
  server.emit('listening');
  return server;
}

/** Frontend timeouts, re-read on every swap: keep-alive and head timeouts apply to new waits. */
export function configureHttpServer(server: http.Server, fe: Readonly<FrontendSnap>): void {
  server.headersTimeout = fe.timeouts.httpRequest;
  server.keepAliveTimeout = fe.timeouts.keepAlive;
  server.timeout = fe.timeouts.client; // socket inactivity
}
