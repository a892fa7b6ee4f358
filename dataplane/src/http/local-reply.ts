// Responses the proxy writes itself: errors, deny, redirect, limits. Short plain-text bodies that
// say what happened and where ("... (backend default/web)").
import { STATUS_CODES, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { HeaderList } from '../router/types.js';
import type { LocalReply } from './admission.js';
import { flatten } from './headers.js';

export interface ReplyOptions {
  /** Close the connection after this response (draining, or unread request body). */
  close?: boolean;
  headers?: HeaderList;
}

export const statusText = (status: number): string => STATUS_CODES[status] ?? 'Unknown';

export const textBody = (status: number, detail: string): string =>
  `${status} ${statusText(status)}\n\n${detail}\n`;

export function replyText(
  res: ServerResponse,
  status: number,
  detail: string,
  opts: ReplyOptions = {},
): void {
  if (res.headersSent || res.destroyed) {
    // Too late for a clean answer: cutting the connection is the only honest signal.
    res.destroy();
    return;
  }
  const body = textBody(status, detail);
  const headers: HeaderList = [
    ['Content-Type', 'text/plain; charset=utf-8'],
    ['Content-Length', String(Buffer.byteLength(body))],
    ['Cache-Control', 'no-store'],
    ...(opts.headers ?? []),
  ];
  if (opts.close) headers.push(['Connection', 'close']);
  res.writeHead(status, flatten(headers));
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

export function replyRedirect(
  res: ServerResponse,
  status: number,
  location: string,
  opts: ReplyOptions = {},
): void {
  replyText(res, status, `moved to ${location}`, {
    ...opts,
    headers: [['Location', location], ...(opts.headers ?? [])],
  });
}

/** A LocalReply on a ServerResponse; `close` adds to the reply's own need to close. */
export function sendLocal(res: ServerResponse, r: LocalReply, close = false): void {
  replyText(res, r.status, r.detail, {
    close: close || r.close === true,
    headers: r.headers ? [...r.headers] : [],
  });
}

/**
 * How long a connection closed after a raw reply keeps reading (and discarding) what the client
 * still sends before it is released. Closing with unread input makes the kernel send a reset,
 * which can destroy the reply before the client reads it; waiting for the client's own close
 * forever lets a client that neither reads nor closes hold the descriptor.
 */
export const CLOSE_LINGER_MS = 1000;

/** Ends `socket` (our FIN after what was written), drains input, and frees it within the linger. */
export function closeWithLinger(socket: Duplex, bytes?: string): void {
  if (socket.destroyed) return;
  const timer = setTimeout(() => socket.destroy(), CLOSE_LINGER_MS);
  socket.once('close', () => clearTimeout(timer));
  socket.once('end', () => socket.destroy()); // the client closed too: nothing left to wait for
  socket.on('data', () => {});
  socket.resume();
  socket.end(bytes);
}

/**
 * A LocalReply written straight to a socket that Node's HTTP server no longer drives (Upgrade
 * requests, parse errors), then the connection is closed (closeWithLinger).
 */
export function writeRawReply(socket: Duplex, r: LocalReply, head = false): void {
  if (socket.destroyed) return;
  const body = textBody(r.status, r.detail);
  const lines = [
    `HTTP/1.1 ${r.status} ${statusText(r.status)}`,
    'Content-Type: text/plain; charset=utf-8',
    `Content-Length: ${Buffer.byteLength(body)}`,
    'Cache-Control: no-store',
    ...(r.headers ?? []).map(([n, v]) => `${n}: ${v}`),
    'Connection: close',
  ];
  closeWithLinger(socket, `${lines.join('\r\n')}\r\n\r\n${head ? '' : body}`);
}
