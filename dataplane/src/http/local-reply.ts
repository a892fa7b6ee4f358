// Responses the proxy writes itself: errors, deny, redirect. Short plain-text bodies that say
// what happened and where ("... (backend default/web)").
import { STATUS_CODES, type ServerResponse } from 'node:http';
import { flatten } from './headers.js';
import type { HeaderList } from '../router/types.js';

export interface ReplyOptions {
  /** Close the connection after this response (draining, or unread request body). */
  close?: boolean;
  headers?: HeaderList;
}

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
  const body = `${status} ${STATUS_CODES[status] ?? 'Unknown'}\n\n${detail}\n`;
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
