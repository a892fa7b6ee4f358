// Extracts the router's plain RequestHead from a Node request (the only place that parses the
// request target and Host).
import type { HeaderList, RequestHead } from '../router/types.js';
import { hostValue, type HttpRequestHead } from './message.js';
import { ownCopy } from './own-copy.js';

export interface Authority {
  host: string;
  port?: number;
}

/** "Example.com:8080" → {host: "example.com", port: 8080}; "[::1]:80" → {host: "::1", port: 80}. */
export function parseAuthority(value: string): Authority {
  const plain = plainAuthority(value);
  if (plain >= 0) {
    // The usual Host: a lower-case name or address and maybe a port, read without a regex.
    const colon = plain === value.length ? -1 : plain;
    let host = colon < 0 ? value : value.slice(0, colon);
    if (host.endsWith('.')) host = host.slice(0, -1);
    return colon < 0 ? { host } : { host, port: Number(value.slice(colon + 1)) };
  }
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

/**
 * The authorities routingAuthority() parsed, by their exact value: at most ROUTING_AUTHORITIES_KEPT,
 * each key a copy of its own (a slice would keep the whole head it was cut from).
 */
const authorities = new Map<string, Authority>();

/** How many Host values routingAuthority() remembers (all are forgotten when one more comes). */
export const ROUTING_AUTHORITIES_KEPT = 64;
/** The longest Host value routingAuthority() remembers. */
const MEMO_AUTHORITY_MAX = 255;

/**
 * parseAuthority() for routing, remembering what it gave per value: the requests of a frontend
 * mostly carry one of a few Host values (alternating between them too), and a known one then costs
 * a map lookup instead of a slice, a parse and, in the router's host index, the hash of a new host
 * string (the remembered one has it). The result is frozen: it is shared by every request with that
 * value. A frontend with more Host values than are kept forgets them all now and then: each new
 * value costs what it costs without the map, plus one copy.
 */
function routingAuthority(value: string): Authority {
  const known = authorities.get(value);
  if (known !== undefined) return known;
  // Only a usual Host is remembered (ASCII: the copy is exact), parsed from the copy so that the
  // parts kept are cut from it, not from the head.
  const own = value.length > MEMO_AUTHORITY_MAX || plainAuthority(value) < 0 ? undefined : ownCopy(value);
  if (own === undefined) return parseAuthority(value);
  const parsed = Object.freeze(parseAuthority(own));
  if (authorities.size >= ROUTING_AUTHORITIES_KEPT) authorities.clear();
  authorities.set(own, parsed);
  return parsed;
}

/** How many Host values routingAuthority() holds now (tests: the bound). */
export const routingAuthoritiesKept = (): number => authorities.size;

/** A request target, split as RFC 9112 §3.2 defines its forms. */
export interface Target {
  readonly form: 'origin' | 'absolute' | 'asterisk';
  /** Origin-form to send upstream: path and query, never a fragment. */
  readonly path: string;
  /** The authority and scheme of an absolute-form target (http/https only, never empty). */
  readonly authority?: string;
  readonly scheme?: 'http' | 'https';
}

// RFC 3986 §3: scheme "://" authority path-abempty [ "?" query ] — no fragment (RFC 9112 §3.2).
const ABSOLUTE = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]*)([^#]*)$/;
// uri-host [ ":" port ] (RFC 9110 §7.2): a bracketed IP literal or a reg-name / IPv4 address
// (unreserved, pct-encoded, sub-delims — no userinfo "@", no "/", no whitespace).
const AUTHORITY = /^(?:\[[0-9A-Fa-f:.]+\]|(?:[A-Za-z0-9\-._~!$&'()*+,;=]|%[0-9A-Fa-f]{2})*)(?::\d*)?$/;

/**
 * When `value` is lower-case letters, digits, "." and "-" (at least one), then optionally ":" and
 * one to five digits: where the colon is (value.length without one). Else -1. Such a value is
 * what AUTHORITY and parseAuthority accept without further ado; anything else takes the regex.
 */
function plainAuthority(value: string): number {
  const n = value.length;
  let i = 0;
  for (; i < n; i++) {
    const c = value.charCodeAt(i);
    if (!((c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2e || c === 0x2d)) break;
  }
  if (i === 0) return -1;
  if (i === n) return n;
  if (value.charCodeAt(i) !== 0x3a || n - i - 1 < 1 || n - i - 1 > 5) return -1;
  for (let k = i + 1; k < n; k++) {
    const c = value.charCodeAt(k);
    if (c < 0x30 || c > 0x39) return -1;
  }
  return i;
}

/** Whether a Host value or target authority is a valid uri-host [":" port]. */
export const validAuthority = (value: string): boolean => plainAuthority(value) >= 0 || AUTHORITY.test(value);

/**
 * Parses the request target strictly, without URL normalisation (WHATWG URL would turn
 * "http:///a" into host "a"): undefined when the target is none of the forms a proxy accepts.
 */
export function parseTarget(url: string, method: string): Target | undefined {
  if (url.startsWith('/')) return url.includes('#') ? undefined : { form: 'origin', path: url };
  if (url === '*') return method === 'OPTIONS' ? { form: 'asterisk', path: '*' } : undefined;
  const m = ABSOLUTE.exec(url);
  if (!m) return undefined;
  const scheme = m[1]!.toLowerCase();
  const authority = m[2]!;
  if (scheme !== 'http' && scheme !== 'https') return undefined;
  // An http(s) URI with an empty host is invalid (RFC 9110 §4.2.1); userinfo is refused (§4.2.4).
  if (authority === '' || authority.startsWith(':') || !validAuthority(authority)) return undefined;
  const rest = m[3]!;
  return { form: 'absolute', scheme, authority, path: rest.startsWith('/') ? rest : `/${rest}` };
}

/** The origin-form target to send upstream (absolute-form is reduced to path + query). */
export function originForm(url: string): string {
  // Origin-form already (what almost every request sends): itself, without a Target object.
  if (url.charCodeAt(0) === 0x2f && !url.includes('#')) return url;
  return parseTarget(url, 'OPTIONS')?.path ?? '/';
}

/** Header values by lower-case name, built only when a rule or a hash key asks for one. */
function headerRecord(headers: HeaderList): Record<string, string | string[] | undefined> {
  const out: Record<string, string | string[] | undefined> = Object.create(null);
  for (const [n, v] of headers) {
    const k = n.toLowerCase();
    const prev = out[k];
    out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return out;
}

class RoutingHead implements RequestHead {
  readonly method: string;
  readonly path: string;
  readonly query: string;
  readonly host: string;
  readonly hostPort?: number;
  readonly sourceAddress: string;
  readonly scheme: 'http' | 'https';
  readonly localPort: number;
  private record: Record<string, string | string[] | undefined> | undefined;

  constructor(private readonly h: HttpRequestHead) {
    const t = h.target;
    let target: string;
    let authority: string;
    if (t.charCodeAt(0) === 0x2f && !t.includes('#')) {
      // Origin-form (what almost every request sends): parseTarget would return the target itself.
      target = t;
      authority = hostValue(h) ?? '';
    } else {
      const parsed = parseTarget(t, h.method);
      // Absolute-form: the target's authority is the request's identity (RFC 9112 §3.2.2);
      // admission has refused any Host that names another, so routing, logs and the server all
      // see one name.
      authority = parsed?.authority ?? hostValue(h) ?? '';
      target = parsed?.path ?? '/';
    }
    const q = target.indexOf('?');
    const { host, port } = routingAuthority(authority);
    this.method = h.method;
    this.path = q < 0 ? target : target.slice(0, q);
    this.query = q < 0 ? '' : target.slice(q + 1);
    this.host = host;
    if (port !== undefined) this.hostPort = port;
    this.sourceAddress = h.source;
    this.scheme = h.scheme;
    this.localPort = h.localPort;
  }

  get headers(): Readonly<Record<string, string | string[] | undefined>> {
    return (this.record ??= headerRecord(this.h.headers));
  }
}

/** What the router (and hashing balancers) see of a request. */
export function routingHead(head: HttpRequestHead): RequestHead {
  return new RoutingHead(head);
}
