// What happens to a request before it may reach a backend, shared by plain requests and Upgrade
// (WebSocket) requests: framing sanity checks Node's parser leaves to us, the frontend's
// per-client rate limit, and the local answers of the router (404, deny, redirect).
import type { HttpFrontendRuntime } from '../runtime/types.js';
import type { HeaderList, RouteDecision } from '../router/types.js';
import { headerValue, isFieldName, type HttpRequestHead } from './message.js';
import { parseAuthority, parseTarget, validAuthority, type Target } from './request-head.js';
import { FIELD_FRAMING } from './field-lines.js';

/** A response the proxy writes itself. */
export interface LocalReply {
  readonly status: number;
  readonly detail: string;
  readonly headers?: HeaderList;
  /** The connection must close after it (the request cannot be trusted or its body is unread). */
  readonly close?: boolean;
}

/** Most header fields in a request head (HAProxy's tune.http.maxhdr is 101). */
export const MAX_HEADER_COUNT = 100;

const bad = (detail: string): LocalReply => ({
  status: 400,
  detail: `malformed HTTP request: ${detail}`,
  close: true,
});

/**
 * Requests Node's llhttp lets through but a proxy must refuse (RFC 9112). They never reach a
 * backend and the connection is closed:
 * - anything but HTTP/1.x (or HTTP/2 from the HTTP/2 engine);
 * - more than MAX_HEADER_COUNT fields;
 * - an HTTP/1.1 request without exactly one Host field, or a Host that is not uri-host[:port]
 *   (§3.2: userinfo, "/" or spaces would make the server see another name than the router);
 * - a target that is not origin-form, absolute-form (http/https, non-empty authority, no
 *   userinfo) or "*" for OPTIONS, or that carries a fragment (§3.2);
 * - an absolute-form target whose authority is not the Host (§3.2.2: one identity is routed,
 *   logged and forwarded; HAProxy refuses the mismatch too);
 * - a Transfer-Encoding whose final coding is not chunked (§6.3: the length cannot be
 *   determined; llhttp only notices once the body starts), or that carries any other coding:
 *   the body would be forwarded without it (HAProxy answers 422 as well).
 */
export function framingProblem(head: HttpRequestHead): LocalReply | undefined {
  const v = head.version;
  // The HTTP/2 engine presents its streams as version "2.0" with HTTP/1.1 semantics.
  if (!v.startsWith('1.') && v !== '2.0')
    return { status: 505, detail: `HTTP/${v} is not supported`, close: true };
  let hosts = 0;
  let te: string | undefined;
  let host: string | undefined;
  const lines = head.lines;
  if (lines !== undefined) {
    // The parser counted the Host fields; Transfer-Encoding is read only where it is.
    if (lines.count > MAX_HEADER_COUNT) return bad(`more than ${MAX_HEADER_COUNT} header fields`);
    hosts = lines.hosts;
    if (hosts === 1) host = lines.firstHostValue();
    for (let k = 0; k < lines.count; k++)
      if ((lines.flags(k) & FIELD_FRAMING) !== 0 && lines.is(k, 'transfer-encoding')) {
        const value = lines.value(k);
        te = te === undefined ? value : `${te}, ${value}`;
      }
  } else {
    const fields = head.headers;
    if (fields.length > MAX_HEADER_COUNT) return bad(`more than ${MAX_HEADER_COUNT} header fields`);
    for (const [n, value] of fields) {
      if (isFieldName(n, 'host')) hosts++;
      else if (isFieldName(n, 'transfer-encoding')) te = te === undefined ? value : `${te}, ${value}`;
    }
    if (hosts === 1) host = headerValue(fields, 'host');
  }
  if (hosts > 1) return bad('several Host header fields');
  if (hosts === 0 && v !== '1.0') return bad('no Host header field');
  if (host !== undefined && !validAuthority(host)) return bad('invalid Host header field');
  const t = head.target;
  if (t.charCodeAt(0) === 0x2f) {
    // Origin-form (almost every request): what parseTarget checks of it, without a Target object.
    if (t.includes('#')) return bad('invalid request target');
  } else {
    const target = parseTarget(t, head.method);
    if (!target) return bad('invalid request target');
    if (target.authority !== undefined && host !== undefined && !sameAuthority(target, host))
      return bad('the request target names another host than the Host header field');
  }
  if (te !== undefined) {
    const codings = te.split(',').map((c) => c.trim().toLowerCase());
    if (codings.at(-1) !== 'chunked') return bad('Transfer-Encoding must end with chunked');
    if (codings.length > 1)
      return {
        status: 422,
        detail: `Transfer-Encoding "${te.trim()}" is not supported: only chunked is`,
        close: true,
      };
  }
  return undefined;
}

/** Same host and port, ignoring case, a trailing dot and the scheme's default port (RFC 3986 §6.2.3). */
function sameAuthority(target: Target, host: string): boolean {
  const port = target.scheme === 'https' ? 443 : 80;
  const x = parseAuthority(target.authority!);
  const y = parseAuthority(host);
  return x.host === y.host && (x.port ?? port) === (y.port ?? port);
}

const periodText = (ms: number): string =>
  ms % 3_600_000 === 0
    ? `${ms / 3_600_000}h`
    : ms % 60_000 === 0
      ? `${ms / 60_000}m`
      : ms % 1000 === 0
        ? `${ms / 1000}s`
        : `${ms}ms`;

/** The frontend's per-client request rate (rateLimit); counts this request when allowed. */
export function rateLimited(fe: HttpFrontendRuntime, client: string, now?: number): LocalReply | undefined {
  const rl = fe.snap.rateLimit;
  if (!rl) return undefined; // no clock read for a frontend without a rate limit
  const v = fe.state.rate.hit(client, rl.requests, rl.periodMs, now ?? Date.now());
  if (v.allowed) return undefined;
  return {
    status: rl.status,
    detail: `rate limit exceeded: more than ${rl.requests} requests per ${periodText(rl.periodMs)} from ${client} (frontend ${fe.id}); retry in ${v.retryAfterSeconds}s`,
    headers: [['Retry-After', String(v.retryAfterSeconds)]],
  };
}

/** The answer for a connection over the per-client connection limit (connectionLimit). */
export function connectionLimited(fe: HttpFrontendRuntime, client: string): LocalReply {
  const cl = fe.snap.connectionLimit!;
  return {
    status: cl.status,
    detail: `too many connections: ${client} already has ${cl.perSource} open (frontend ${fe.id})`,
    close: true,
  };
}

/** Local answers of the router: no route, deny, redirect; undefined for a backend. */
export function routeReply(fe: HttpFrontendRuntime, decision: RouteDecision): LocalReply | undefined {
  const a = decision.action;
  switch (a.type) {
    case 'no-route':
      return {
        status: 404,
        detail: `no rule matches this request and frontend ${fe.id} has no default backend`,
      };
    case 'deny':
      return {
        status: a.status,
        detail: a.body ?? `request denied by rule ${decision.rule} (frontend ${fe.id})`,
      };
    case 'redirect':
      return { status: a.status, detail: `moved to ${a.location}`, headers: [['Location', a.location]] };
    case 'backend':
      return undefined;
  }
}
