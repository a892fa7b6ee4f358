// Scalar values of haproxy.cfg: times, integers, addresses, and names that must become
// Kubernetes object names.
import { isIP } from 'node:net';
import { formatDuration } from '#protocol/duration';
import { ConfigError } from './report.js';

const TIME_UNITS: Record<string, number> = {
  us: 0.001,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

/**
 * HAProxy time ("5000" is milliseconds, "5s", "1m", "100us", "1d") → a Bascule duration.
 * Exact whenever the value is a whole number of milliseconds; microseconds round up to 1ms.
 */
export function parseTime(
  word: string | undefined,
  line: number,
  what: string,
): { duration: string; ms: number; rounded: boolean } {
  const m = word === undefined ? null : /^(\d+)(us|ms|s|m|h|d)?$/.exec(word);
  if (!m)
    throw new ConfigError(
      line,
      `${what}: expected a time such as 5000 (milliseconds), 5s, 1m, got ${word === undefined ? 'nothing' : JSON.stringify(word)}`,
    );
  const exact = Number(m[1]) * TIME_UNITS[m[2] ?? 'ms']!;
  const ms = Math.ceil(exact);
  return { duration: ms === 0 ? '0s' : formatDuration(ms), ms, rounded: ms !== exact };
}

export function parseInteger(
  word: string | undefined,
  line: number,
  what: string,
  min = 0,
  max = Number.MAX_SAFE_INTEGER,
): number {
  if (word === undefined || !/^-?\d+$/.test(word))
    throw new ConfigError(
      line,
      `${what}: expected an integer, got ${word === undefined ? 'nothing' : JSON.stringify(word)}`,
    );
  const n = Number(word);
  if (n < min || n > max) throw new ConfigError(line, `${what}: ${n} is out of range ${min}..${max}`);
  return n;
}

export interface HostPort {
  /** '' for "any address" (*, empty, 0.0.0.0 are all reported as ''), else an IP or a host name. */
  host: string;
  port?: number;
  /** Anything that makes the address unusable as a plain host:port (port range, offset, socket family). */
  unsupported?: string;
}

/** HAProxy address forms: "1.2.3.4:80", "*:80", ":80", "[::1]:80", ":::80", "ipv4@...", "unix@/path", "host:8000-8010". */
export function parseHostPort(spec: string, line: number, what: string): HostPort {
  let s = spec;
  const fam = /^([a-z0-9+-]+)@(.*)$/.exec(s);
  if (fam) {
    if (fam[1] === 'ipv4' || fam[1] === 'ipv6' || fam[1] === 'tcp' || fam[1] === 'tcp4' || fam[1] === 'tcp6')
      s = fam[2]!;
    else
      return { host: s, unsupported: `address family "${fam[1]}@" (only TCP over IPv4/IPv6 is supported)` };
  }
  if (s.startsWith('/')) return { host: s, unsupported: 'UNIX sockets are not supported' };
  let host: string;
  let portText: string | undefined;
  const bracket = /^\[([^\]]*)\](?::(.*))?$/.exec(s);
  if (bracket) {
    host = bracket[1]!;
    portText = bracket[2];
  } else {
    const colon = s.lastIndexOf(':');
    if (colon < 0) {
      host = s;
      portText = undefined;
    } else {
      host = s.slice(0, colon);
      portText = s.slice(colon + 1);
    }
  }
  if (host === '*' || host === '0.0.0.0') host = '';
  if (host === '::' || host === '[::]') host = '::';
  if (portText === undefined || portText === '') return { host };
  if (/^\$/.test(portText) || /^\$/.test(host))
    return { host, unsupported: 'environment variables in addresses are not expanded by the importer' };
  if (/^[+-]\d+$/.test(portText))
    return {
      host,
      unsupported: `relative port "${portText}" (a port offset from the client's destination port)`,
    };
  const range = /^(\d+)-(\d+)$/.exec(portText);
  if (range)
    return {
      host,
      port: Number(range[1]),
      unsupported: `port range ${portText} (one Frontend per port is needed)`,
    };
  if (!/^\d+$/.test(portText))
    throw new ConfigError(line, `${what}: invalid port "${portText}" in "${spec}"`);
  const port = Number(portText);
  if (port < 1 || port > 65535) throw new ConfigError(line, `${what}: port ${port} is out of range 1..65535`);
  return { host, port };
}

export const isIpAddress = (s: string): boolean => isIP(s) !== 0;

// ---------- names ----------

/** Kubernetes object names (Ref pattern): lowercase [a-z0-9-.], starting and ending alphanumeric. */
export function sanitizeObjectName(raw: string, maxLength = 253): string {
  let s = raw
    .toLowerCase()
    .replace(/[^a-z0-9.-]+/g, '-')
    .replace(/-{2,}/g, '-');
  s = s
    .replace(/^[^a-z0-9]+/, '')
    .slice(0, maxLength)
    .replace(/[^a-z0-9]+$/, '');
  return s === '' ? 'unnamed' : s;
}

/** Rule names: lowercase [a-z0-9-], at most 63 characters. */
export const sanitizeRuleName = (raw: string): string => sanitizeObjectName(raw.replace(/\./g, '-'), 63);

/** Server names: [a-zA-Z0-9][-a-zA-Z0-9_.]* up to 63 characters. */
export function sanitizeServerName(raw: string): string {
  let s = raw.replace(/[^a-zA-Z0-9_.-]+/g, '-');
  s = s
    .replace(/^[^a-zA-Z0-9]+/, '')
    .slice(0, 63)
    .replace(/[^a-zA-Z0-9]+$/, '');
  return s === '' ? 'server' : s;
}

/** Hands out unique names within one scope, remembering what each source name became. */
export class NameScope {
  private readonly used = new Set<string>();
  private readonly bySource = new Map<string, string>();

  constructor(private readonly sanitize: (raw: string) => string) {}

  /** A fresh unique name derived from `raw` (suffixed -2, -3... on collision). */
  claim(raw: string, sourceKey?: string): string {
    const base = this.sanitize(raw);
    let name = base;
    for (let i = 2; this.used.has(name); i++) {
      const suffix = `-${i}`;
      name = `${base.slice(0, Math.max(1, 63 - suffix.length)).replace(/[^a-z0-9A-Z]+$/, '')}${suffix}`;
    }
    this.used.add(name);
    if (sourceKey !== undefined) this.bySource.set(sourceKey, name);
    return name;
  }

  get(sourceKey: string): string | undefined {
    return this.bySource.get(sourceKey);
  }

  has(name: string): boolean {
    return this.used.has(name);
  }
}

// ---------- regular expressions ----------

export const escapeRegex = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A case-insensitive regex for a literal (JavaScript has no inline (?i)). */
export function caseInsensitiveLiteral(s: string): string {
  let out = '';
  for (const ch of s) {
    const lo = ch.toLowerCase();
    const up = ch.toUpperCase();
    out += lo !== up && lo.length === 1 && up.length === 1 ? `[${lo}${up}]` : escapeRegex(ch);
  }
  return out;
}

export const literalRegex = (s: string, ignoreCase: boolean): string =>
  ignoreCase ? caseInsensitiveLiteral(s) : escapeRegex(s);
