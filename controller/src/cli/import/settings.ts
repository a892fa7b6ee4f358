// Directives that may appear in "defaults" as well as in proxies, and the server options shared
// by "server" and "default-server". A proxy starts from a copy of its defaults' settings and
// applies its own directives on top, as HAProxy does.
import type { Algorithm } from '#api/v1alpha1';
import type { Directive } from './parse.js';
import { ConfigError, type Anchor, type Reporter } from './report.js';
import { parseInteger, parseTime } from './values.js';

export interface Located<T> {
  value: T;
  line: number;
}

export type TimeoutKey =
  'client' | 'httpRequest' | 'keepAlive' | 'connect' | 'server' | 'queue' | 'tunnel' | 'check';

export interface CookieSettings {
  name: string;
  mode: 'insert' | 'rewrite' | 'prefix';
  indirect?: boolean;
  nocache?: boolean;
  httpOnly?: boolean;
  secure?: boolean;
  domain?: string;
  sameSite?: 'Strict' | 'Lax' | 'None';
}

export interface HttpCheck {
  type: 'http';
  method: string;
  path: string;
  host?: string;
  headers: { name: string; value: string }[];
}

export type CheckSettings = HttpCheck | { type: 'tcp' };

export interface Expect {
  status?: number[];
  statusRange?: string;
  statusRegex?: string;
  bodyContains?: string;
  bodyRegex?: string;
}

export interface ServerParams {
  weight?: number;
  backup?: boolean;
  disabled?: boolean;
  maxconn?: number;
  cookie?: string;
  check?: boolean;
  inter?: string;
  fastinter?: string;
  downinter?: string;
  rise?: number;
  fall?: number;
  port?: number;
  slowstart?: string;
  ssl?: boolean;
  verify?: 'none' | 'required';
  caFile?: string;
  sni?: string;
  observe?: 'layer4' | 'layer7';
  errorLimit?: number;
  onError?: 'fastinter' | 'fail-check' | 'sudden-death' | 'mark-down';
}

export interface Settings {
  mode?: Located<'http' | 'tcp'>;
  maxconn?: Located<number>;
  timeouts: Partial<Record<TimeoutKey, Located<string>>>;
  retries?: Located<number>;
  redispatch?: Located<boolean>;
  keepAlive?: Located<boolean>;
  forwardFor?: Located<boolean>;
  balance?: Located<{ algorithm: Algorithm; hashKey?: string }>;
  hashType?: Located<'map-based' | 'consistent'>;
  cookie?: Located<CookieSettings>;
  check?: Located<CheckSettings>;
  expect?: Located<Expect>;
  defaultServer: ServerParams;
  allBackups?: Located<boolean>;
}

export const emptySettings = (): Settings => ({ timeouts: {}, defaultServer: {} });

/** Where a directive is being applied: what kind of section, and who gets its messages. */
export interface Scope {
  kind: 'defaults' | 'frontend' | 'backend' | 'listen';
  report: Reporter;
  /** Anchors for frontend-side and backend-side messages. */
  frontendAnchors: Anchor[];
  backendAnchors: Anchor[];
}

export const LOGGING =
  'access logging is dataplane-wide in Bascule (JSON lines on stdout): there is no per-proxy log setting';
export const STATS =
  'the statistics page is a dataplane admin feature in Bascule, not a resource: the admin endpoint (bascule dataplane --admin ADDR) serves /stats and /metrics';

const TIMEOUTS: Record<string, TimeoutKey | string> = {
  client: 'client',
  clitimeout: 'client',
  'http-request': 'httpRequest',
  'http-keep-alive': 'keepAlive',
  connect: 'connect',
  contimeout: 'connect',
  server: 'server',
  srvtimeout: 'server',
  queue: 'queue',
  tunnel: 'tunnel',
  check: 'check',
  'client-fin':
    'half-closed client connections have no separate timeout in Bascule (timeouts.client applies)',
  'server-fin':
    'half-closed server connections have no separate timeout in Bascule (timeouts.server applies)',
  tarpit: 'tarpit is not supported',
};
const FRONTEND_TIMEOUTS = new Set<TimeoutKey>(['client', 'httpRequest', 'keepAlive']);

const BALANCE: Record<string, Algorithm> = {
  roundrobin: 'roundrobin',
  'static-rr': 'static-rr',
  leastconn: 'leastconn',
  first: 'first',
  source: 'source',
  uri: 'uri',
  url_param: 'url-param',
  random: 'random',
};

/** Options that are valid HAProxy but have no Bascule equivalent, with the reason shown to the operator. */
export const UNSUPPORTED_OPTIONS: Record<string, string> = {
  httplog: LOGGING,
  httpslog: LOGGING,
  tcplog: LOGGING,
  dontlognull: LOGGING,
  'dontlog-normal': LOGGING,
  'log-separate-errors': LOGGING,
  'log-health-checks': LOGGING,
  logasap: LOGGING,
  abortonclose:
    "Bascule always forwards an aborted request's close to the server connection; there is no option",
  'accept-invalid-http-request': 'Bascule does not relax HTTP parsing',
  'accept-invalid-http-response': 'Bascule does not relax HTTP parsing',
  checkcache: 'cacheable-response checks are not supported',
  clitcpka: 'TCP keep-alive probes are not configurable',
  srvtcpka: 'TCP keep-alive probes are not configurable',
  tcpka: 'TCP keep-alive probes are not configurable',
  contstats: 'statistics are reported by the dataplane admin endpoint',
  'socket-stats': 'statistics are reported by the dataplane admin endpoint',
  'disable-h2-upgrade': 'not configurable',
  'h1-case-adjust-bogus-client': 'header case adjustment is not supported',
  'h1-case-adjust-bogus-server': 'header case adjustment is not supported',
  'http-buffer-request': 'request buffering is not configurable',
  'http-ignore-probes': 'not configurable',
  'http-no-delay': 'not configurable',
  'http-pretend-keepalive': 'not configurable',
  'http-restrict-req-hdr-names': 'not configurable',
  'http-use-proxy-header': 'not supported',
  http_proxy: 'Bascule is not a forward proxy',
  'http-use-htx': 'not applicable',
  'http-tunnel': 'not applicable',
  'idle-close-on-response': 'not configurable',
  'independent-streams': 'not configurable',
  nolinger: 'not configurable',
  originalto: 'X-Original-To is not supported (forwardFor adds X-Forwarded-*)',
  persist: 'forcing persistence to a down server is not supported',
  'prefer-last-server': 'not supported',
  'splice-auto': 'not applicable to a Node.js dataplane',
  'splice-request': 'not applicable to a Node.js dataplane',
  'splice-response': 'not applicable to a Node.js dataplane',
  'tcp-smart-accept': 'not configurable',
  'tcp-smart-connect': 'not configurable',
  transparent: 'transparent proxying is not supported',
  'http-drop-request-trailers': 'not configurable',
  'http-drop-response-trailers': 'not configurable',
  'ssl-hello-chk': 'protocol-specific checks are not supported: Bascule runs a TCP connect check instead',
  'mysql-check': 'protocol-specific checks are not supported: Bascule runs a TCP connect check instead',
  'pgsql-check': 'protocol-specific checks are not supported: Bascule runs a TCP connect check instead',
  'redis-check': 'protocol-specific checks are not supported: Bascule runs a TCP connect check instead',
  smtpchk: 'protocol-specific checks are not supported: Bascule runs a TCP connect check instead',
  'ldap-check': 'protocol-specific checks are not supported: Bascule runs a TCP connect check instead',
  'spop-check': 'protocol-specific checks are not supported: Bascule runs a TCP connect check instead',
  'external-check': 'external check scripts are not supported: Bascule runs a TCP connect check instead',
};

const PROTOCOL_CHECKS = new Set([
  'ssl-hello-chk',
  'mysql-check',
  'pgsql-check',
  'redis-check',
  'smtpchk',
  'ldap-check',
  'spop-check',
  'external-check',
]);

const isFrontendSide = (kind: Scope['kind']) => kind !== 'backend';
const isBackendSide = (kind: Scope['kind']) => kind !== 'frontend';

/**
 * Applies a directive that may come from defaults. Returns false when the keyword is not one of
 * these (the caller then tries section-specific keywords).
 */
export function applyCommon(d: Directive, s: Settings, scope: Scope): boolean {
  const [kw, ...a] = d.words;
  const { report } = scope;
  const fa = scope.frontendAnchors;
  const ba = scope.backendAnchors;
  const anyAnchors = [...fa, ...ba];
  const text = d.text;
  const onlyIn = (side: 'frontend' | 'backend') => {
    if (side === 'frontend' && !isFrontendSide(scope.kind)) {
      report.unsupported(d.line, text, `has no effect in a backend section (HAProxy ignores it too)`, ba);
      return false;
    }
    if (side === 'backend' && !isBackendSide(scope.kind)) {
      report.unsupported(d.line, text, `has no effect in a frontend section (HAProxy ignores it too)`, fa);
      return false;
    }
    return true;
  };

  switch (kw) {
    case 'mode': {
      const m = a[0];
      if (m === 'http' || m === 'tcp') s.mode = { value: m, line: d.line };
      else if (m === 'health')
        report.unsupported(d.line, text, 'mode health (answer "OK" and close) is not supported', anyAnchors);
      else throw new ConfigError(d.line, `mode: expected http or tcp, got ${JSON.stringify(m ?? '')}`);
      return true;
    }
    case 'maxconn':
      if (!onlyIn('frontend')) return true;
      s.maxconn = { value: parseInteger(a[0], d.line, 'maxconn', 1), line: d.line };
      return true;
    case 'contimeout':
    case 'clitimeout':
    case 'srvtimeout':
      applyTimeout(kw, a[0], d, s, scope);
      return true;
    case 'timeout': {
      if (a[0] === undefined) throw new ConfigError(d.line, 'timeout: missing timeout name');
      applyTimeout(a[0], a[1], d, s, scope);
      return true;
    }
    case 'retries':
      if (!onlyIn('backend')) return true;
      {
        let n = parseInteger(a[0], d.line, 'retries', 0);
        if (n > 10) {
          report.note(d.line, `retries ${n}: Bascule allows at most 10 attempts; using 10`, ba);
          n = 10;
        }
        s.retries = { value: n, line: d.line };
      }
      return true;
    case 'balance':
      if (!onlyIn('backend')) return true;
      applyBalance(d, s, scope);
      return true;
    case 'hash-type': {
      if (!onlyIn('backend')) return true;
      const t = a[0];
      if (t !== 'map-based' && t !== 'consistent')
        throw new ConfigError(
          d.line,
          `hash-type: expected map-based or consistent, got ${JSON.stringify(t ?? '')}`,
        );
      s.hashType = { value: t, line: d.line };
      if (a.length > 1 && !(a[1] === 'sdbm' && a.length === 2))
        report.unsupported(
          d.line,
          text,
          `hash function "${a.slice(1).join(' ')}" is not configurable (Bascule picks its own hash)`,
          ba,
        );
      return true;
    }
    case 'cookie':
      if (!onlyIn('backend')) return true;
      applyCookie(d, s, scope);
      return true;
    case 'default-server':
      if (!onlyIn('backend')) return true;
      {
        const { params, unsupported } = parseServerOptions(a, d.line);
        Object.assign(s.defaultServer, params);
        if (unsupported.length > 0)
          report.unsupported(d.line, text, unsupportedServerOptions(unsupported), ba);
      }
      return true;
    case 'http-check':
      if (!onlyIn('backend')) return true;
      applyHttpCheck(d, s, scope);
      return true;
    case 'tcp-check':
      if (!onlyIn('backend')) return true;
      if (a[0] === 'connect' && a.length === 1) return true; // a plain connect is what a TCP check does
      report.unsupported(
        d.line,
        text,
        'tcp-check send/expect sequences are not supported: Bascule runs a TCP connect check',
        ba,
      );
      return true;
    case 'stats':
      report.unsupported(d.line, text, STATS, anyAnchors);
      return true;
    case 'log':
    case 'log-format':
    case 'log-format-sd':
    case 'error-log-format':
    case 'log-tag':
      report.unsupported(d.line, text, LOGGING, anyAnchors);
      return true;
    case 'option':
    case 'no': {
      let negated = false;
      let words = d.words;
      if (kw === 'no') {
        if (words[1] !== 'option') throw new ConfigError(d.line, `"no" must be followed by "option"`);
        negated = true;
        words = words.slice(1);
      }
      return applyOption(words[1], words.slice(2), negated, d, s, scope);
    }
    default:
      return false;
  }
}

function applyTimeout(
  name: string,
  value: string | undefined,
  d: Directive,
  s: Settings,
  scope: Scope,
): void {
  const key = TIMEOUTS[name];
  if (key === undefined) throw new ConfigError(d.line, `timeout: unknown timeout "${name}"`);
  const anchors = [...scope.frontendAnchors, ...scope.backendAnchors];
  if (
    !['client', 'httpRequest', 'keepAlive', 'connect', 'server', 'queue', 'tunnel', 'check'].includes(key)
  ) {
    parseTime(value, d.line, `timeout ${name}`);
    scope.report.unsupported(d.line, d.text, key, anchors);
    return;
  }
  const t = parseTime(value, d.line, `timeout ${name}`);
  const k = key as TimeoutKey;
  if (FRONTEND_TIMEOUTS.has(k) && !isFrontendSide(scope.kind)) {
    scope.report.unsupported(
      d.line,
      d.text,
      'a client-side timeout has no effect in a backend section (HAProxy ignores it too)',
      scope.backendAnchors,
    );
    return;
  }
  if (!FRONTEND_TIMEOUTS.has(k) && !isBackendSide(scope.kind)) {
    scope.report.unsupported(
      d.line,
      d.text,
      'a server-side timeout has no effect in a frontend section (HAProxy ignores it too)',
      scope.frontendAnchors,
    );
    return;
  }
  if (t.rounded)
    scope.report.note(
      d.line,
      `${d.text}: rounded up to ${t.duration} (Bascule durations are whole milliseconds)`,
      anchors,
    );
  if (t.ms === 0) {
    scope.report.unsupported(
      d.line,
      d.text,
      'a zero timeout (wait forever) is not allowed; Bascule keeps its default',
      anchors,
    );
    return;
  }
  s.timeouts[k] = { value: t.duration, line: d.line };
}

function applyBalance(d: Directive, s: Settings, scope: Scope): void {
  const [, algo, ...rest] = d.words;
  if (algo === undefined) throw new ConfigError(d.line, 'balance: missing algorithm');
  const ba = scope.backendAnchors;
  const hdr = /^hdr\((.+)\)$/.exec(algo);
  const random = /^random(?:\((\d+)\))?$/.exec(algo);
  if (hdr) {
    s.balance = { value: { algorithm: 'header', hashKey: hdr[1]! }, line: d.line };
    if (rest.length > 0)
      scope.report.unsupported(
        d.line,
        d.text,
        `"${rest.join(' ')}" is not supported: the whole header value is hashed`,
        ba,
      );
    return;
  }
  if (random) {
    s.balance = { value: { algorithm: 'random' }, line: d.line };
    if (random[1] !== undefined && random[1] !== '2')
      scope.report.unsupported(
        d.line,
        d.text,
        `random with ${random[1]} draws: Bascule's random uses its own draw count`,
        ba,
      );
    return;
  }
  if (/^rdp-cookie(\(.*\))?$/.test(algo) || algo === 'hash') {
    scope.report.unsupported(
      d.line,
      d.text,
      `balance ${algo} has no Bascule equivalent; the Backend uses roundrobin`,
      ba,
    );
    s.balance = { value: { algorithm: 'roundrobin' }, line: d.line };
    return;
  }
  const a = BALANCE[algo];
  if (a === undefined) throw new ConfigError(d.line, `balance: unknown algorithm "${algo}"`);
  if (a === 'url-param') {
    const name = rest[0];
    if (name === undefined) throw new ConfigError(d.line, 'balance url_param: missing parameter name');
    s.balance = { value: { algorithm: a, hashKey: name }, line: d.line };
    if (rest.length > 1)
      scope.report.unsupported(
        d.line,
        d.text,
        `"${rest.slice(1).join(' ')}": only the query string is hashed (no POST body lookup)`,
        ba,
      );
    return;
  }
  s.balance = { value: { algorithm: a }, line: d.line };
  if (rest.length > 0) {
    const why =
      a === 'uri'
        ? `uri options "${rest.join(' ')}" are not supported: the path is hashed`
        : `unexpected arguments "${rest.join(' ')}"`;
    scope.report.unsupported(d.line, d.text, why, ba);
  }
}

function applyCookie(d: Directive, s: Settings, scope: Scope): void {
  const [, name, ...rest] = d.words;
  if (name === undefined) throw new ConfigError(d.line, 'cookie: missing cookie name');
  const c: Partial<CookieSettings> & { name: string } = { name };
  const dropped: string[] = [];
  const domains: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const w = rest[i]!;
    switch (w) {
      case 'insert':
      case 'rewrite':
      case 'prefix':
        c.mode = w;
        break;
      case 'indirect':
        c.indirect = true;
        break;
      case 'nocache':
        c.nocache = true;
        break;
      case 'httponly':
        c.httpOnly = true;
        break;
      case 'secure':
        c.secure = true;
        break;
      case 'domain':
        domains.push(rest[++i] ?? '');
        break;
      case 'attr': {
        const v = rest[++i] ?? '';
        const ss = /^SameSite=(Strict|Lax|None)$/i.exec(v);
        if (ss)
          c.sameSite = (ss[1]![0]!.toUpperCase() +
            ss[1]!.slice(1).toLowerCase()) as CookieSettings['sameSite'];
        else dropped.push(`attr ${v}`);
        break;
      }
      case 'maxidle':
      case 'maxlife':
        dropped.push(`${w} ${rest[++i] ?? ''}`);
        break;
      case 'postonly':
      case 'preserve':
      case 'dynamic':
        dropped.push(w);
        break;
      default:
        throw new ConfigError(d.line, `cookie: unknown option "${w}"`);
    }
  }
  const ba = scope.backendAnchors;
  if (domains.length > 0) {
    c.domain = domains[0]!;
    if (domains.length > 1) dropped.push(`domain ${domains.slice(1).join(' domain ')}`);
  }
  if (!c.mode) {
    scope.report.unsupported(
      d.line,
      d.text,
      'passive cookie persistence (no insert, rewrite or prefix: the application sets the cookie) has no Bascule equivalent; add insert to let Bascule set it',
      ba,
    );
    delete s.cookie;
    return;
  }
  if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(c.name))
    throw new ConfigError(d.line, `cookie: invalid cookie name "${c.name}"`);
  s.cookie = { value: c as CookieSettings, line: d.line };
  if (dropped.length > 0) {
    const why = dropped.some((x) => x.startsWith('maxidle') || x.startsWith('maxlife'))
      ? 'server-side cookie expiry (maxidle/maxlife) is not supported; the cookie lasts for the browser session'
      : 'not supported by Bascule cookie persistence';
    scope.report.unsupported(d.line, `${dropped.join(', ')} (in: ${d.text})`, why, ba);
  }
}

function applyOption(
  name: string | undefined,
  args: string[],
  negated: boolean,
  d: Directive,
  s: Settings,
  scope: Scope,
): boolean {
  if (name === undefined) throw new ConfigError(d.line, 'option: missing option name');
  const { report } = scope;
  const fa = scope.frontendAnchors;
  const ba = scope.backendAnchors;
  const anyAnchors = [...fa, ...ba];
  const at = (value: boolean) => ({ value, line: d.line });
  switch (name) {
    case 'redispatch':
      if (!isBackendSide(scope.kind)) {
        report.unsupported(
          d.line,
          d.text,
          'has no effect in a frontend section (HAProxy ignores it too)',
          fa,
        );
        return true;
      }
      s.redispatch = at(!negated);
      if (args.length > 0 && args[0] !== '-1' && args[0] !== '1')
        report.unsupported(
          d.line,
          d.text,
          `redispatch interval ${args[0]}: Bascule redispatches on the last retry`,
          ba,
        );
      return true;
    case 'httpclose':
    case 'forceclose':
    case 'http-server-close':
      if (!isBackendSide(scope.kind)) {
        if (!negated)
          report.unsupported(
            d.line,
            d.text,
            'Bascule keeps client connections alive; closing applies to server connections: set keepAlive: false on the Backends this frontend uses',
            fa,
          );
        return true;
      }
      s.keepAlive = at(negated);
      if (!negated && name !== 'http-server-close') {
        report.note(
          d.line,
          `${d.text}: server connections close after each response (keepAlive: false); client connections stay kept-alive in Bascule`,
          ba,
        );
      }
      return true;
    case 'http-keep-alive':
      if (isBackendSide(scope.kind)) s.keepAlive = at(!negated);
      return true;
    case 'forwardfor':
      // In a backend it is resolved once the frontends routing there are known (see convert.ts).
      s.forwardFor = at(!negated);
      if (args.length > 0)
        report.unsupported(
          d.line,
          d.text,
          `"${args.join(' ')}" is not supported: forwardFor always sets X-Forwarded-For (and -Proto, -Host, -Port)`,
          anyAnchors,
        );
      return true;
    case 'allbackups':
      if (!isBackendSide(scope.kind)) return true;
      s.allBackups = at(!negated);
      return true;
    case 'httpchk':
      if (!isBackendSide(scope.kind)) {
        report.unsupported(
          d.line,
          d.text,
          'has no effect in a frontend section (HAProxy ignores it too)',
          fa,
        );
        return true;
      }
      if (negated) {
        delete s.check;
        return true;
      }
      s.check = { value: parseHttpchk(args, d), line: d.line };
      return true;
    case 'tcp-check':
      if (isBackendSide(scope.kind)) {
        if (negated) delete s.check;
        else s.check = { value: { type: 'tcp' }, line: d.line };
      }
      return true;
    default: {
      const reason = UNSUPPORTED_OPTIONS[name];
      if (reason === undefined) throw new ConfigError(d.line, `unknown option "${name}"`);
      if (negated) return true; // turning off something Bascule does not do
      if (PROTOCOL_CHECKS.has(name) && isBackendSide(scope.kind))
        s.check = { value: { type: 'tcp' }, line: d.line };
      report.unsupported(d.line, d.text, reason, anyAnchors);
      return true;
    }
  }
}

/** option httpchk [<method>] [<uri>] [<version>[\r\nHeader: value...]] */
export function parseHttpchk(args: string[], d: Directive): HttpCheck {
  const check: HttpCheck = { type: 'http', method: 'OPTIONS', path: '/', headers: [] };
  if (args.length === 1) check.path = args[0]!;
  else if (args.length >= 2) {
    check.method = args[0]!.toUpperCase();
    check.path = args[1]!;
  }
  if (args.length >= 3) {
    // The version may carry headers: "HTTP/1.1\r\nHost:\ www" (HAProxy < 2.2 idiom).
    const parts = args.slice(2).join(' ').split(/\r?\n/);
    for (const h of parts.slice(1)) addCheckHeader(check, h, d);
  }
  if (!/^[A-Z]+$/.test(check.method))
    throw new ConfigError(d.line, `option httpchk: invalid method "${check.method}"`);
  return check;
}

function addCheckHeader(check: HttpCheck, raw: string, d: Directive): void {
  const line = raw.trim();
  if (line === '') return;
  const colon = line.indexOf(':');
  if (colon <= 0) throw new ConfigError(d.line, `health check header "${line}" is not "Name: value"`);
  setCheckHeader(check, line.slice(0, colon).trim(), line.slice(colon + 1).trim());
}

function setCheckHeader(check: HttpCheck, name: string, value: string): void {
  if (name.toLowerCase() === 'host') check.host = value;
  else check.headers.push({ name, value });
}

function applyHttpCheck(d: Directive, s: Settings, scope: Scope): void {
  const [, sub, ...a] = d.words;
  const ba = scope.backendAnchors;
  switch (sub) {
    case 'send': {
      const base: HttpCheck =
        s.check?.value.type === 'http'
          ? { ...s.check.value, headers: [...s.check.value.headers] }
          : { type: 'http', method: 'GET', path: '/', headers: [] };
      // "http-check send" replaces the request line pieces it names.
      const dropped: string[] = [];
      for (let i = 0; i < a.length; i++) {
        const w = a[i]!;
        const v = a[i + 1];
        if (v === undefined && w !== 'body')
          throw new ConfigError(d.line, `http-check send: "${w}" needs a value`);
        if (w === 'meth') base.method = v!.toUpperCase();
        else if (w === 'uri') base.path = v!;
        else if (w === 'ver') {
          /* the version is not configurable in Bascule */
        } else if (w === 'hdr') {
          const value = a[i + 2];
          if (value === undefined)
            throw new ConfigError(d.line, 'http-check send: hdr needs a name and a value');
          setCheckHeader(base, v!, value);
          i++;
        } else if (w === 'body' || w === 'body-lf' || w === 'uri-lf' || w === 'comment')
          dropped.push(`${w} ${v ?? ''}`.trim());
        else throw new ConfigError(d.line, `http-check send: unknown argument "${w}"`);
        i++;
      }
      s.check = { value: base, line: d.line };
      if (dropped.length > 0)
        scope.report.unsupported(
          d.line,
          d.text,
          `${dropped.join(', ')}: health check requests carry no body in Bascule`,
          ba,
        );
      return;
    }
    case 'expect': {
      let i = 0;
      const opts: string[] = [];
      while (
        a[i] === 'min-recv' ||
        a[i] === 'ok-status' ||
        a[i] === 'error-status' ||
        a[i] === 'tout-status' ||
        a[i] === 'on-success' ||
        a[i] === 'on-error' ||
        a[i] === 'status-code' ||
        a[i] === 'comment'
      ) {
        opts.push(`${a[i]} ${a[i + 1] ?? ''}`);
        i += 2;
      }
      let negate = false;
      if (a[i] === '!') {
        negate = true;
        i++;
      }
      const what = a[i];
      const pattern = a.slice(i + 1).join(' ');
      if (what === undefined || pattern === '')
        throw new ConfigError(
          d.line,
          'http-check expect: needs a match (status, rstatus, string, rstring) and a pattern',
        );
      if (negate) {
        scope.report.unsupported(
          d.line,
          d.text,
          "negated expectations are not supported: Bascule keeps HAProxy's default (2xx and 3xx are healthy)",
          ba,
        );
        return;
      }
      if (opts.length > 0)
        scope.report.unsupported(
          d.line,
          `${opts.join(', ')} (in: ${d.text})`,
          'expect options are not supported',
          ba,
        );
      const e: Expect = {};
      switch (what) {
        case 'status': {
          const parts = pattern.split(',');
          const codes = parts.filter((p) => /^\d{3}$/.test(p)).map(Number);
          const ranges = parts.filter((p) => /^\d{3}-\d{3}$/.test(p));
          if (codes.length + ranges.length !== parts.length)
            throw new ConfigError(d.line, `http-check expect status: invalid status "${pattern}"`);
          if (ranges.length === 0) e.status = codes;
          else if (ranges.length === 1 && codes.length === 0) e.statusRange = ranges[0]!;
          else e.statusRegex = `^(?:${parts.map((p) => (p.includes('-') ? rangeRegex(p) : p)).join('|')})$`;
          break;
        }
        case 'rstatus':
          e.statusRegex = pattern;
          break;
        case 'string':
          e.bodyContains = pattern;
          break;
        case 'rstring':
          e.bodyRegex = pattern;
          break;
        default:
          scope.report.unsupported(
            d.line,
            d.text,
            `expect ${what} is not supported (status, rstatus, string and rstring are)`,
            ba,
          );
          return;
      }
      if (s.expect && s.expect.line !== d.line && scope.kind !== 'defaults') {
        scope.report.unsupported(
          d.line,
          d.text,
          'only one http-check expect is supported per backend; this one replaces the previous',
          ba,
        );
      }
      s.expect = { value: e, line: d.line };
      return;
    }
    case 'disable-on-404':
      scope.report.unsupported(d.line, d.text, 'draining on 404 is not supported', ba);
      return;
    case 'send-state':
      scope.report.unsupported(d.line, d.text, 'the X-Haproxy-Server-State header is not sent', ba);
      return;
    case 'connect':
    case 'comment':
    case 'set-var':
    case 'set-var-fmt':
    case 'unset-var':
      scope.report.unsupported(d.line, d.text, 'multi-step health checks are not supported', ba);
      return;
    default:
      throw new ConfigError(d.line, `http-check: unknown action "${sub ?? ''}"`);
  }
}

/** "200-399" → a regex over status codes, for lists mixing codes and ranges. */
function rangeRegex(range: string): string {
  const [lo, hi] = range.split('-').map(Number) as [number, number];
  const codes: string[] = [];
  for (let c = lo; c <= hi; c++) codes.push(String(c));
  return codes.join('|');
}

// ---------- server options ----------

const SERVER_FLAGS_UNSUPPORTED: Record<string, string> = {
  'send-proxy': 'PROXY protocol',
  'send-proxy-v2': 'PROXY protocol',
  'send-proxy-v2-ssl': 'PROXY protocol',
  'send-proxy-v2-ssl-cn': 'PROXY protocol',
  'check-send-proxy': 'PROXY protocol',
  'no-send-proxy': '',
  'no-send-proxy-v2': '',
  'check-ssl': 'TLS health checks',
  'no-check-ssl': '',
  'agent-check': 'agent checks',
  'no-agent-check': '',
  'non-stick': 'non-stick servers',
  stick: '',
  'allow-0rtt': 'TLS 0-RTT',
  tfo: 'TCP fast open',
  'no-tfo': '',
  'no-sslv3': '',
  'no-tlsv10': '',
  'no-tlsv11': '',
  'no-tlsv12': 'TLS version limits towards servers',
  'no-tlsv13': 'TLS version limits towards servers',
  'force-sslv3': 'TLS version limits towards servers',
  'force-tlsv10': 'TLS version limits towards servers',
  'force-tlsv11': 'TLS version limits towards servers',
  'force-tlsv12': 'TLS version limits towards servers',
  'force-tlsv13': 'TLS version limits towards servers',
  'no-ssl-reuse': 'TLS session reuse settings',
  'ssl-reuse': '',
  'no-tls-tickets': 'TLS session tickets settings',
  'tls-tickets': '',
  'no-verifyhost': 'host name verification settings',
  ws: 'WebSocket protocol selection',
  'no-ssl': '',
  'check-via-socks4': 'SOCKS4',
  'send-proxy-v2-options': 'PROXY protocol',
};
const SERVER_ARGS_UNSUPPORTED: Record<string, string> = {
  addr: 'a separate check address',
  id: 'numeric server ids',
  resolvers: 'DNS resolvers (host names are resolved by the dataplane)',
  'resolve-prefer': 'DNS resolution settings',
  'resolve-net': 'DNS resolution settings',
  'resolve-opts': 'DNS resolution settings',
  'init-addr': 'DNS resolution settings',
  track: "tracking another server's health",
  'agent-port': 'agent checks',
  'agent-inter': 'agent checks',
  'agent-addr': 'agent checks',
  'agent-send': 'agent checks',
  alpn: 'ALPN towards servers',
  'check-alpn': 'ALPN towards servers',
  proto: 'HTTP/2 towards servers',
  'check-proto': 'HTTP/2 towards servers',
  ciphers: 'TLS cipher settings towards servers',
  ciphersuites: 'TLS cipher settings towards servers',
  'ssl-min-ver': 'TLS version limits towards servers',
  'ssl-max-ver': 'TLS version limits towards servers',
  namespace: 'network namespaces',
  source: 'source address selection',
  'pool-max-conn': 'connection pool tuning',
  'pool-low-conn': 'connection pool tuning',
  'pool-purge-delay': 'connection pool tuning',
  'pool-conn-name': 'connection pool tuning',
  'max-reuse': 'connection pool tuning',
  'tcp-ut': 'TCP user timeout',
  redir: 'redirecting clients to a server',
  shard: 'peers sharding',
  'proxy-v2-options': 'PROXY protocol',
  'check-sni': 'SNI of health checks',
  'log-proto': 'log servers',
  socks4: 'SOCKS4',
  verifyhost: 'host name verification settings',
  'set-proxy-v2-tlv-fmt': 'PROXY protocol',
  curves: 'TLS curve settings towards servers',
  sigalgs: 'TLS settings towards servers',
  'client-sigalgs': 'TLS settings towards servers',
  'crl-file': 'certificate revocation lists',
  crt: 'client certificates given as a combined PEM (use tls.clientCertificate)',
  'on-marked-down': 'actions on health transitions',
  'on-marked-up': 'actions on health transitions',
  minconn: 'dynamic maxconn (minconn/fullconn)',
  maxqueue: 'per-server queue limits (Backend maxQueue is per backend)',
  'hash-key': 'hash key selection',
  'init-state': 'initial health state per server',
  usesrc: 'source address selection',
  guid: 'global ids',
};

export interface UnsupportedOption {
  option: string;
  what: string;
}

export function unsupportedServerOptions(list: UnsupportedOption[]): string {
  return `server options not supported: ${list.map((u) => `${u.option} (${u.what})`).join(', ')}`;
}

/** Parses server / default-server options; the address and name are not part of `words`. */
export function parseServerOptions(
  words: string[],
  line: number,
): { params: ServerParams; unsupported: UnsupportedOption[] } {
  const p: ServerParams = {};
  const unsupported: UnsupportedOption[] = [];
  const next = (i: number, what: string) => {
    const v = words[i + 1];
    if (v === undefined) throw new ConfigError(line, `server option "${what}" needs a value`);
    return v;
  };
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    switch (w) {
      case 'weight':
        p.weight = parseInteger(next(i, w), line, 'weight', 0, 256);
        i++;
        break;
      case 'backup':
        p.backup = true;
        break;
      case 'no-backup':
        p.backup = false;
        break;
      case 'disabled':
        p.disabled = true;
        break;
      case 'enabled':
        p.disabled = false;
        break;
      case 'maxconn':
        p.maxconn = parseInteger(next(i, w), line, 'maxconn', 0);
        i++;
        break;
      case 'cookie':
        p.cookie = next(i, w);
        i++;
        break;
      case 'check':
        p.check = true;
        break;
      case 'no-check':
        p.check = false;
        break;
      case 'inter':
      case 'fastinter':
      case 'downinter':
        p[w] = parseTime(next(i, w), line, w).duration;
        i++;
        break;
      case 'rise':
      case 'fall':
        p[w] = parseInteger(next(i, w), line, w, 1, 100);
        i++;
        break;
      case 'port':
        p.port = parseInteger(next(i, w), line, 'port', 1, 65535);
        i++;
        break;
      case 'slowstart':
        p.slowstart = parseTime(next(i, w), line, w).duration;
        i++;
        break;
      case 'ssl':
        p.ssl = true;
        break;
      case 'verify': {
        const v = next(i, w);
        if (v !== 'none' && v !== 'required')
          throw new ConfigError(line, `verify: expected none or required, got "${v}"`);
        p.verify = v;
        i++;
        break;
      }
      case 'ca-file':
        p.caFile = next(i, w);
        i++;
        break;
      case 'sni': {
        const v = next(i, w);
        const lit = /^str\((.*)\)$/.exec(v);
        if (lit) p.sni = lit[1]!;
        else
          unsupported.push({ option: `sni ${v}`, what: 'only a literal str(...) server name is supported' });
        i++;
        break;
      }
      case 'observe': {
        const v = next(i, w);
        if (v !== 'layer4' && v !== 'layer7')
          throw new ConfigError(line, `observe: expected layer4 or layer7, got "${v}"`);
        p.observe = v;
        i++;
        break;
      }
      case 'error-limit':
        p.errorLimit = parseInteger(next(i, w), line, w, 1);
        i++;
        break;
      case 'on-error': {
        const v = next(i, w);
        if (!['fastinter', 'fail-check', 'sudden-death', 'mark-down'].includes(v))
          throw new ConfigError(line, `on-error: unknown action "${v}"`);
        p.onError = v as ServerParams['onError'];
        i++;
        break;
      }
      default:
        if (w in SERVER_FLAGS_UNSUPPORTED) {
          if (SERVER_FLAGS_UNSUPPORTED[w])
            unsupported.push({ option: w, what: SERVER_FLAGS_UNSUPPORTED[w]! });
        } else if (w in SERVER_ARGS_UNSUPPORTED) {
          unsupported.push({ option: `${w} ${next(i, w)}`, what: SERVER_ARGS_UNSUPPORTED[w]! });
          i++;
        } else {
          throw new ConfigError(line, `unknown server option "${w}"`);
        }
    }
  }
  return { params: p, unsupported };
}
