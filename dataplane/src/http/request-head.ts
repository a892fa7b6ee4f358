// Extracts the router's plain RequestHead from a Node request (the only place that parses the
// request target and Host).
import type { IncomingMessage } from 'node:http';
import type { RequestHead } from '../router/types.js';
import { displayAddress } from './headers.js';

export interface Authority {
  host: string;
  port?: number;
}

/** "Example.com:8080" → {host: "example.com", port: 8080}; "[::1]:80" → {host: "::1", port: 80}. */
export function parseAuthority(value: string): Authority {
  let host = value.trim().toLowerCase();
  let port: number | undefined;
  const m = /^(\[[^\]]*\]|[^:]*)(?::(\d{1,5}))?$/.exec(host);
  if (m) {
    host = m[1]!;
    if (m[2] !== undefined) port = Number(m[2]);
  }
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  if (host.endsWith('.')) host = host.slice(0, -1); // "example.com." is the same name
  return port === undefined ? { host } : { host, port };
}

/** The origin-form target to send upstream (absolute-form is reduced to path + query). */
export function originForm(url: string): string {
  if (url.startsWith('/') || url === '*') return url;
  try {
    const u = new URL(url);
    return `${u.pathname}${u.search}`;
  } catch {
    return '/';
  }
}

export function requestHead(
  req: IncomingMessage,
  localPort: number,
  // https when the connection was TLS-terminated here (tls/): X-Forwarded-Proto, redirects.
  scheme: 'http' | 'https' = (req.socket as { encrypted?: boolean } | null)?.encrypted ? 'https' : 'http',
): RequestHead {
  const url = req.url ?? '/';
  let authority = req.headers.host ?? '';
  if (!url.startsWith('/') && url !== '*') {
    // Absolute-form: the target's authority wins over Host (RFC 9112 §3.2.2).
    try {
      authority = new URL(url).host;
    } catch {
      /* keep Host */
    }
  }
  const target = originForm(url);
  const q = target.indexOf('?');
  const { host, port } = parseAuthority(authority);
  return {
    method: req.method ?? 'GET',
    path: q < 0 ? target : target.slice(0, q),
    query: q < 0 ? '' : target.slice(q + 1),
    host,
    ...(port === undefined ? {} : { hostPort: port }),
    headers: req.headers,
    sourceAddress: displayAddress(req.socket.remoteAddress),
    scheme,
    localPort,
  };
}
