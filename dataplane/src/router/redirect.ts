// Redirect targets (Gateway API RequestRedirect semantics): unspecified parts come from the request;
// changing the scheme without naming a port drops the port (the scheme's default applies).
import type { RuleSnap } from '#protocol/snapshot';
import type { RequestHead } from './types.js';

export type RedirectSnap = Extract<RuleSnap['action'], { type: 'redirect' }>;

const DEFAULT_PORT = { http: 80, https: 443 } as const;

export function redirectLocation(
  r: Readonly<RedirectSnap>,
  head: RequestHead,
  matchedPrefix?: string,
): string {
  const scheme = r.scheme ?? head.scheme;
  const host = r.host ?? head.host;
  let port: number | undefined;
  if (r.port !== undefined) port = r.port;
  else if (r.scheme === undefined) port = head.hostPort;
  const portPart = port === undefined || port === DEFAULT_PORT[scheme] ? '' : `:${port}`;

  let path = head.path;
  if (r.path !== undefined) path = r.path;
  else if (r.prefix !== undefined) {
    const rest =
      matchedPrefix !== undefined && path.startsWith(matchedPrefix) ? path.slice(matchedPrefix.length) : '';
    path = joinPath(r.prefix, rest);
  }
  const query = r.stripQuery || head.query === '' ? '' : `?${head.query}`;
  const hostPart = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host; // IPv6 literal
  return `${scheme}://${hostPart}${portPart}${path}${query}`;
}

function joinPath(prefix: string, rest: string): string {
  if (rest === '') return prefix === '' ? '/' : prefix;
  if (prefix.endsWith('/') && rest.startsWith('/')) return prefix + rest.slice(1);
  if (!prefix.endsWith('/') && !rest.startsWith('/')) return `${prefix}/${rest}`;
  return prefix + rest;
}
