// Header plumbing for the proxy: hop-by-hop removal (RFC 9110 §7.6.1), forwarding headers, and
// conversion between Node's flat rawHeaders arrays and HeaderLists.
import type { CompiledHeaderEdits, HeaderList } from '../router/types.js';
import { FIELD_DROPPED, type FieldLines } from './field-lines.js';
import { isFieldName } from './message.js';

/**
 * Fields a Connection option may never remove. RFC 9110 §7.6.1 lets a sender nominate extra
 * hop-by-hop fields, and says fields meant for every recipient must never be nominated; a client
 * that does so is attacking the proxy: dropping Content-Length unframes the body (request
 * smuggling), dropping Host changes what the server routes on, and dropping forwarding fields
 * hides where the request came from. HAProxy ignores such options too.
 */
const NEVER_NOMINATED = new Set([
  'content-length',
  'transfer-encoding',
  'host',
  'x-forwarded-for',
  'x-forwarded-host',
  'x-forwarded-port',
  'x-forwarded-proto',
  'forwarded',
  'via',
]);

/**
 * Drops hop-by-hop fields, including every field the Connection header names — except the
 * framing, routing and forwarding fields above, which stay whatever Connection says. Returns
 * `headers` itself when nothing is dropped (callers never modify a list they did not make).
 */
export function endToEnd(headers: HeaderList): HeaderList {
  let named: Set<string> | undefined;
  for (const [n, v] of headers) {
    if (!isFieldName(n, 'connection')) continue;
    // The usual single option, without splitting (and allocating) anything.
    if (isFieldName(v, 'close') || isFieldName(v, 'keep-alive')) continue;
    for (const token of v.split(',')) {
      const t = token.trim().toLowerCase();
      // "close", "keep-alive" and "upgrade" (the usual options) name nothing left to drop.
      if (t && t !== 'close' && !isHopByHop(t) && !NEVER_NOMINATED.has(t)) (named ??= new Set()).add(t);
    }
  }
  let out: HeaderList | undefined; // made at the first field dropped
  for (let i = 0; i < headers.length; i++) {
    const h = headers[i]!;
    const n = h[0];
    if (isHopByHop(n) || (named !== undefined && named.has(n.toLowerCase()))) {
      out ??= headers.slice(0, i);
      continue;
    }
    if (out !== undefined) out.push(h);
  }
  return out ?? headers;
}

/**
 * The hop-by-hop fields (RFC 9110 §7.6.1, and the legacy Keep-Alive and Proxy-Connection):
 * Connection, Keep-Alive, Proxy-Connection, TE, Trailer, Transfer-Encoding, Upgrade. Compared in
 * place, most names rejected on their length alone.
 */
function isHopByHop(n: string): boolean {
  switch (n.length) {
    case 2:
      return isFieldName(n, 'te');
    case 7:
      return isFieldName(n, 'trailer') || isFieldName(n, 'upgrade');
    case 10:
      return isFieldName(n, 'connection') || isFieldName(n, 'keep-alive');
    case 16:
      return isFieldName(n, 'proxy-connection');
    case 17:
      return isFieldName(n, 'transfer-encoding');
    default:
      return false;
  }
}

/**
 * The request's framing as the parser established it, replacing whatever framing fields the
 * list carries (from the client, header edits or anywhere else): a body is never sent to a
 * server without its length. A chunked body (or one of unknown length) goes chunked. Returns
 * `headers` itself when there is no body and no framing field to drop.
 */
export function withFraming(
  headers: HeaderList,
  framing: { chunked: boolean; contentLength: string | undefined },
): HeaderList {
  let out: HeaderList | undefined; // made at the first framing field dropped
  for (let i = 0; i < headers.length; i++) {
    const h = headers[i]!;
    if (isFramingField(h[0])) out ??= headers.slice(0, i);
    else if (out !== undefined) out.push(h);
  }
  if (framing.chunked) (out ??= headers.slice()).push(['Transfer-Encoding', 'chunked']);
  else if (framing.contentLength !== undefined)
    (out ??= headers.slice()).push(['Content-Length', framing.contentLength]);
  return out ?? headers;
}

const isFramingField = (n: string): boolean =>
  (n.length === 14 && isFieldName(n, 'content-length')) ||
  (n.length === 17 && isFieldName(n, 'transfer-encoding'));

export function flatten(headers: HeaderList): string[] {
  const out: string[] = new Array(headers.length * 2);
  for (let i = 0; i < headers.length; i++) {
    out[2 * i] = headers[i]![0];
    out[2 * i + 1] = headers[i]![1];
  }
  return out;
}

export const hasHeader = (headers: ReadonlyArray<readonly [string, string]>, lower: string): boolean =>
  headers.some(([n]) => isFieldName(n, lower));

export interface ForwardedInfo {
  readonly clientAddress: string;
  readonly proto: 'http' | 'https';
  /** Host header as the client sent it ('' when absent). */
  readonly host: string;
  readonly port: number;
}

/** X-Forwarded-For gets the client appended; X-Forwarded-Proto/Host/Port are replaced. */
export function addForwarded(headers: HeaderList, f: ForwardedInfo): HeaderList {
  let prior: string | undefined; // the X-Forwarded-For values so far, joined as they come
  const out: HeaderList = [];
  for (let i = 0; i < headers.length; i++) {
    const h = headers[i]!;
    const n = h[0];
    if (n.length < 15 || n.length > 17)
      out.push(h); // none of the X-Forwarded-* names
    else if (isFieldName(n, 'x-forwarded-for')) prior = prior === undefined ? h[1] : `${prior}, ${h[1]}`;
    else if (
      !isFieldName(n, 'x-forwarded-proto') &&
      !isFieldName(n, 'x-forwarded-host') &&
      !isFieldName(n, 'x-forwarded-port')
    )
      out.push(h);
  }
  out.push(['X-Forwarded-For', prior === undefined ? f.clientAddress : `${prior}, ${f.clientAddress}`]);
  out.push(['X-Forwarded-Proto', f.proto]);
  if (f.host) out.push(['X-Forwarded-Host', f.host]);
  out.push(['X-Forwarded-Port', String(f.port)]);
  return out;
}

/** What requestFieldLines applies to a request's lines. */
export interface RequestFieldEdits {
  /** forwardFor: the X-Forwarded-* fields (addForwarded). */
  readonly forwarded: ForwardedInfo | undefined;
  /** The route's request header edits. */
  readonly edits: readonly CompiledHeaderEdits[];
  /** The body goes chunked (withFraming). */
  readonly chunked: boolean;
  /** Content-Length of the body; -1: none. */
  readonly contentLength: number;
  /** The routed host, for a Host field an edit removed ('' → localhost). */
  readonly host: string;
}

/**
 * The request's field lines as sent to a server (CRLF-terminated), made from the lines the parser
 * validated: the same fields in the same order as the list path of http/proxy.ts (endToEnd,
 * addForwarded, applyHeaderEdits, withFraming, a Host when none is left) for a request with one
 * Host field and no Connection option naming other fields. Marks `lines` (dropped fields, added
 * ones): called once per request.
 */
export function requestFieldLines(lines: FieldLines, r: RequestFieldEdits): string {
  const f = r.forwarded;
  if (f) lines.forwardFor(f.clientAddress, f.proto, f.host, f.port);
  lines.edit(r.edits);
  lines.dropAddedFraming(); // the framing is the parser's (withFraming)
  let out = lines.serialize(true);
  if (r.chunked) out += 'Transfer-Encoding: chunked\r\n';
  else if (r.contentLength >= 0) out += `Content-Length: ${r.contentLength}\r\n`;
  if (
    (lines.firstHost < 0 || (lines.flags(lines.firstHost) & FIELD_DROPPED) !== 0) &&
    !hasHeader(lines.added, 'host')
  )
    out += `Host: ${r.host || 'localhost'}\r\n`; // an edit removed it
  return out;
}
