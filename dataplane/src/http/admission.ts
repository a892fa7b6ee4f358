// What happens to a request before it may reach a backend, shared by plain requests and Upgrade
// (WebSocket) requests: framing sanity checks Node's parser leaves to us, the frontend's
// per-client rate limit, and the local answers of the router (404, deny, redirect).
import type { IncomingMessage } from 'node:http';
import type { HttpFrontendRuntime } from '../runtime/types.js';
import type { HeaderList, RouteDecision } from '../router/types.js';

/** A response the proxy writes itself. */
export interface LocalReply {
  readonly status: number;
  readonly detail: string;
  readonly headers?: HeaderList;
  /** The connection must close after it (the request cannot be trusted or its body is unread). */
  readonly close?: boolean;
}

/**
 * Requests Node's llhttp lets through but a proxy must refuse (RFC 9112): anything but HTTP/1.x,
 * an HTTP/1.1 request without exactly one Host field (§3.2), and a Transfer-Encoding whose final coding is not chunked (§6.3:
 * the length cannot be determined; llhttp only notices once the body starts). They never reach a
 * backend and the connection is closed.
 */
export function framingProblem(req: IncomingMessage): LocalReply | undefined {
  if (req.httpVersionMajor !== 1)
    return { status: 505, detail: `HTTP/${req.httpVersion} is not supported`, close: true };
  let hosts = 0;
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2)
    if (raw[i]!.length === 4 && raw[i]!.toLowerCase() === 'host') hosts++;
  if (hosts > 1)
    return { status: 400, detail: 'malformed HTTP request: several Host header fields', close: true };
  if (hosts === 0 && req.httpVersionMinor >= 1)
    return { status: 400, detail: 'malformed HTTP request: no Host header field', close: true };
  const te = req.headers['transfer-encoding'];
  if (te !== undefined) {
    const last = te.split(',').pop()!.trim().toLowerCase();
    if (last !== 'chunked')
      return {
        status: 400,
        detail: 'malformed HTTP request: Transfer-Encoding must end with chunked',
        close: true,
      };
  }
  return undefined;
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
export function rateLimited(
  fe: HttpFrontendRuntime,
  client: string,
  now = Date.now(),
): LocalReply | undefined {
  const rl = fe.snap.rateLimit;
  if (!rl) return undefined;
  const v = fe.state.rate.hit(client, rl.requests, rl.periodMs, now);
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
