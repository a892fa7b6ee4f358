// Access-log line formats. JSON (the default): one flat object per request or session, easy to
// ship to any log pipeline. Text: HAProxy's HTTP/TCP log layouts, for eyes and for existing
// parsers. Neither ever contains a header value, a cookie or a query string.
import { shortVersion } from '#protocol/canonical';
import type { TrafficRecord } from '../types/traffic.js';
import { isoTime, two, utcFields } from '../iso-time.js';

/** A health-check transition, logged in the same stream as the traffic. */
export interface HealthTransitionLine {
  backend: string;
  server: string;
  address: string;
  state: 'up' | 'down';
  reason: string;
  /** When the transition happened (ms since epoch). */
  since: number;
}

/** The JSON object for one record (field names are documented in docs/observability.md). */
export function accessJson(r: TrafficRecord): Record<string, unknown> {
  const common = {
    type: r.type,
    start: isoTime(r.start),
    clientAddress: r.clientAddress,
    clientPort: r.clientPort,
    frontend: r.frontend,
    backend: r.backend,
    server: r.server,
    serverAddress: r.serverAddress,
  };
  const tail = {
    bytesIn: r.bytesIn,
    bytesOut: r.bytesOut,
    retries: r.retries,
    redispatches: r.redispatches,
    termination: r.termination,
    version: r.version === null ? null : shortVersion(r.version),
  };
  if (r.type === 'tcp') return { ...common, Tw: r.Tw, Tc: r.Tc, Tt: r.Tt, ...tail };
  return {
    ...common,
    method: r.method,
    path: r.path,
    httpVersion: r.httpVersion,
    status: r.status,
    serverStatus: r.serverStatus,
    Tw: r.Tw,
    Tc: r.Tc,
    Tr: r.Tr,
    Ta: r.Ta,
    ...tail,
  };
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** HAProxy's accept date, in UTC: 21/Nov/2025:05:38:10.123 (from the UTC fields: iso-time.ts says why not a Date). */
export function haproxyDate(ms: number): string {
  const f = utcFields(ms);
  if (f === undefined) {
    // Years outside 0–9999 and invalid times: what a Date makes of them.
    const d = new Date(ms);
    return (
      `${two(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:` +
      `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}.${String(d.getUTCMilliseconds()).padStart(3, '0')}`
    );
  }
  return (
    `${two(f.day)}/${MONTHS[f.month - 1]}/${f.year}:` +
    `${two(f.hours)}:${two(f.minutes)}:${two(f.seconds)}.${String(f.millis).padStart(3, '0')}`
  );
}

/** Quoted-string content: no quote, backslash or control character survives unescaped. */
export function escapeText(s: string): string {
  return s.replace(/["\\\x00-\x1f\x7f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

const hostPort = (address: string, port: number): string =>
  address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;

/**
 * HTTP: `client:port [date] frontend backend/server Tw/Tc/Tr/Ta status bytes_out ts retries/redispatches bytes_in "METHOD /path HTTP/1.1" version`
 * TCP:  `client:port [date] frontend backend/server Tw/Tc/Tt bytes_out ts retries/redispatches bytes_in version`
 * (HAProxy's %TR is not measured: Node parses the request head before the proxy sees it.)
 */
export function accessText(r: TrafficRecord): string {
  const who = `${hostPort(r.clientAddress, r.clientPort)} [${haproxyDate(r.start)}] ${r.frontend} ${r.backend ?? '<NOBACKEND>'}/${r.server ?? '<NOSRV>'}`;
  const tail = `${r.termination} ${r.retries}/${r.redispatches} ${r.bytesIn}`;
  const version = r.version === null ? '-' : shortVersion(r.version);
  if (r.type === 'tcp') return `${who} ${r.Tw}/${r.Tc}/${r.Tt} ${r.bytesOut} ${tail} ${version}`;
  const request = `"${escapeText(`${r.method} ${r.path} ${r.httpVersion}`)}"`;
  return `${who} ${r.Tw}/${r.Tc}/${r.Tr}/${r.Ta} ${r.status} ${r.bytesOut} ${tail} ${request} ${version}`;
}

export function healthJson(h: HealthTransitionLine): Record<string, unknown> {
  return {
    type: 'health',
    backend: h.backend,
    server: h.server,
    serverAddress: h.address,
    state: h.state,
    reason: h.reason,
    since: isoTime(h.since),
  };
}

/** HAProxy's own wording: "Server web/a is DOWN, reason: ..." */
export function healthText(h: HealthTransitionLine): string {
  return `[${haproxyDate(h.since)}] Server ${h.backend}/${h.server} (${h.address}) is ${h.state.toUpperCase()}, reason: ${escapeText(h.reason)}`;
}
