// Walks the directives of one frontend/backend/listen section into the intermediate model.
// Malformed lines throw ConfigError (collected by the caller); valid HAProxy that Bascule cannot
// express is reported with the line it came from.
import { parseAclWords, parseCondition, splitCondition, type Condition } from './acl.js';
import type { Directive } from './parse.js';
import {
  frontendAnchor,
  backendAnchor,
  PHASE,
  type Bind,
  type HeaderEdit,
  type Proxy,
  type RuleAction,
  type TlsOptions,
  type TlsVersion,
} from './model.js';
import { ConfigError, type Anchor, type Reporter } from './report.js';
import {
  applyCommon,
  LOGGING,
  parseServerOptions,
  unsupportedServerOptions,
  type Scope,
} from './settings.js';
import { parseHostPort, parseInteger, parseTime } from './values.js';

export interface GlobalSettings {
  crtBase?: string;
  caBase?: string;
  bindTls: TlsOptions;
}

const UNSUPPORTED_KEYWORDS: Record<string, string> = {
  capture: LOGGING,
  declare: LOGGING,
  'unique-id-format': 'request ids are not supported',
  'unique-id-header': 'request ids are not supported',
  errorfile: 'custom error pages are not supported',
  errorfiles: 'custom error pages are not supported',
  errorloc: 'custom error pages are not supported',
  errorloc302: 'custom error pages are not supported',
  errorloc303: 'custom error pages are not supported',
  'http-error': 'custom error pages are not supported',
  compression: 'HTTP compression is not supported',
  'monitor-uri': 'Bascule has no monitor URI: probe the dataplane admin endpoint (/healthz, /readyz) instead',
  monitor: 'Bascule has no monitor URI: probe the dataplane admin endpoint (/healthz, /readyz) instead',
  'monitor-net': 'Bascule has no monitor URI: probe the dataplane admin endpoint (/healthz, /readyz) instead',
  description: 'descriptions are not carried over (use a metadata annotation)',
  id: 'numeric proxy ids are not used',
  'bind-process': 'not applicable to Bascule',
  'email-alert': 'email alerts are not supported',
  'external-check': 'external checks are not supported',
  filter: 'filters are not supported',
  'force-persist': 'forcing persistence is not supported',
  'ignore-persist': 'conditional persistence is not supported',
  fullconn: 'dynamic maxconn (minconn/fullconn) is not supported',
  'hash-balance-factor': 'bounded-load consistent hashing is not supported',
  'http-reuse': 'Bascule reuses idle server connections on its own (keepAlive)',
  'http-send-name-header': 'not supported',
  'load-server-state-from-file':
    'server state files are not used: health state is carried across snapshot swaps',
  'max-keep-alive-queue': 'not configurable',
  'max-session-srv-conns': 'not configurable',
  persist: 'not supported',
  'rate-limit': 'session rate limits are not supported (rateLimit is per client)',
  'server-state-file-name': 'server state files are not used',
  'server-template': 'server templates are not expanded: list the servers, or use spec.service for discovery',
  source: 'source address selection is not supported',
  dispatch: 'dispatch is not supported: declare a server',
  'use-server': 'conditional server selection is not supported',
  'use-fcgi-app': 'FastCGI is not supported',
  'http-after-response': 'http-after-response rules are not supported',
  'tcp-response': 'tcp-response rules are not supported',
  backlog: 'not configurable',
  grace: 'not configurable',
  'dynamic-cookie-key': 'dynamic cookies are not supported',
  'clitcpka-cnt': 'TCP keep-alive probes are not configurable',
  'clitcpka-idle': 'TCP keep-alive probes are not configurable',
  'clitcpka-intvl': 'TCP keep-alive probes are not configurable',
  'srvtcpka-cnt': 'TCP keep-alive probes are not configurable',
  'srvtcpka-idle': 'TCP keep-alive probes are not configurable',
  'srvtcpka-intvl': 'TCP keep-alive probes are not configurable',
  appsession: 'appsession was removed from HAProxy 1.6; use cookie insert',
  guid: 'global ids are not used',
};

const LEGACY_REQ_RSP = /^(req|rsp)(i?)(rep|del|deny|allow|pass|tarpit|setbe)$/;

export function newProxy(
  section: Proxy['section'],
  settings: Proxy['settings'],
  feName: string,
  beName: string,
): Proxy {
  return {
    section,
    kind: section.kind as Proxy['kind'],
    hname: section.name,
    settings,
    acls: new Map(),
    fe: { name: feName, binds: [], rules: [], edits: [], tracks: [] },
    be: { name: beName, servers: [] },
  };
}

export function scopeOf(p: Proxy, report: Reporter): Scope {
  // Messages about the frontend side fall back to the backend (a listen without bind) and back.
  const fa: Anchor[] = [frontendAnchor(p), backendAnchor(p)];
  const ba: Anchor[] = [backendAnchor(p), frontendAnchor(p)];
  return {
    kind: p.kind,
    report,
    frontendAnchors: p.kind === 'backend' ? ba : fa,
    backendAnchors: p.kind === 'frontend' ? fa : ba,
  };
}

export function collectProxy(p: Proxy, global: GlobalSettings, report: Reporter): void {
  const scope = scopeOf(p, report);
  // Old style "listen NAME ADDR:PORT" carries its bind in the header.
  if (p.kind === 'listen' && p.section.args.length > 0) {
    try {
      for (const b of p.section.args.join(' ').split(',').filter(Boolean))
        addBind(p, [b], p.section.line, p.section.text, global, scope);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      report.error(err.line, err.message);
    }
  }
  let allowLine: number | undefined;
  for (const d of p.section.directives) {
    try {
      if (d.envVars.length > 0)
        report.note(
          d.line,
          `${d.text}: environment variable${d.envVars.length > 1 ? 's' : ''} ${d.envVars.map((v) => `$${v}`).join(', ')} kept verbatim (not expanded by the importer)`,
          scope.frontendAnchors,
        );
      if (applyCommon(d, p.settings, scope)) continue;
      const r = applyProxyDirective(p, d, global, scope, allowLine);
      if (r === 'allow') allowLine = d.line;
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      report.error(err.line, err.message);
    }
  }
}

function frontendOnly(p: Proxy, d: Directive): void {
  if (p.kind === 'backend')
    throw new ConfigError(d.line, `"${d.words[0]}" is not allowed in a backend section`);
}
function backendOnly(p: Proxy, d: Directive): void {
  if (p.kind === 'frontend')
    throw new ConfigError(d.line, `"${d.words[0]}" is not allowed in a frontend section`);
}

function applyProxyDirective(
  p: Proxy,
  d: Directive,
  global: GlobalSettings,
  scope: Scope,
  allowLine: number | undefined,
): 'allow' | void {
  const [kw, ...a] = d.words;
  const { report } = scope;
  const fa = scope.frontendAnchors;
  const ba = scope.backendAnchors;
  switch (kw) {
    case 'bind':
      frontendOnly(p, d);
      if (a[0] === undefined) throw new ConfigError(d.line, 'bind: missing address');
      for (const addr of a[0].split(',').filter(Boolean))
        addBind(p, [addr, ...a.slice(1)], d.line, d.text, global, scope);
      return;
    case 'acl': {
      const name = a[0];
      if (name === undefined || a.length < 2)
        throw new ConfigError(d.line, 'acl: expected "acl NAME CRITERION [VALUES]"');
      if (!/^[A-Za-z0-9_.:-]+$/.test(name)) throw new ConfigError(d.line, `acl: invalid name "${name}"`);
      const line = parseAclWords(a.slice(1), d.line, d.text);
      const list = p.acls.get(name) ?? [];
      list.push(line);
      p.acls.set(name, list);
      return;
    }
    case 'use_backend': {
      frontendOnly(p, d);
      const { args, cond } = splitCondition(a, 1);
      if (args.length !== 1)
        throw new ConfigError(d.line, 'use_backend: expected "use_backend BACKEND [if|unless CONDITION]"');
      if (args[0]!.includes('%[')) {
        report.unsupported(
          d.line,
          d.text,
          'dynamic backend names (%[...]) are not supported: write one rule per backend',
          fa,
        );
        return;
      }
      p.fe.rules.push({
        line: d.line,
        text: d.text,
        phase: PHASE.useBackend,
        action: { type: 'backend', backend: args[0]! },
        ...condOf(cond, d.line),
      });
      return;
    }
    case 'default_backend':
      frontendOnly(p, d);
      if (a.length !== 1) throw new ConfigError(d.line, 'default_backend: expected one backend name');
      if (a[0]!.includes('%[')) {
        report.unsupported(d.line, d.text, 'dynamic backend names (%[...]) are not supported', fa);
        return;
      }
      p.fe.defaultBackend = { value: a[0]!, line: d.line };
      return;
    case 'redirect':
      if (p.kind === 'backend') return backendRule(d, scope);
      if (allowLine !== undefined) return blockedByAllow(d, allowLine, fa, report);
      addRedirect(p, a, d, PHASE.redirect, scope);
      return;
    case 'block': {
      if (p.kind === 'backend') return backendRule(d, scope);
      const { cond } = splitCondition(a, 0);
      if (!cond) throw new ConfigError(d.line, 'block: expected "block if|unless CONDITION"');
      p.fe.rules.push({
        line: d.line,
        text: d.text,
        phase: PHASE.block,
        action: { type: 'deny', status: 403 },
        ...condOf(cond, d.line),
      });
      return;
    }
    case 'http-request':
      if (p.kind === 'backend') {
        report.unsupported(
          d.line,
          d.text,
          'http-request rules in a backend are not supported: Bascule applies them on the Frontend (move them to the frontend, or to a rule of it)',
          ba,
        );
        return;
      }
      return httpRequest(p, a, d, scope, allowLine);
    case 'http-response':
      if (p.kind === 'backend') {
        report.unsupported(
          d.line,
          d.text,
          'http-response rules in a backend are not supported: Bascule applies header edits on the Frontend or per rule',
          ba,
        );
        return;
      }
      return httpResponse(p, a, d, scope);
    case 'tcp-request':
      if (p.kind === 'backend') {
        report.unsupported(d.line, d.text, 'tcp-request rules in a backend are not supported', ba);
        return;
      }
      return tcpRequest(p, a, d, scope);
    case 'reqadd':
    case 'rspadd': {
      if (p.kind === 'backend') return backendRule(d, scope);
      const { args, cond } = splitCondition(a, 1);
      const h = args[0] ?? '';
      const colon = h.indexOf(':');
      if (args.length !== 1 || colon <= 0)
        throw new ConfigError(d.line, `${kw}: expected "${kw} Name:\\ value [if|unless CONDITION]"`);
      addEdit(
        p,
        {
          line: d.line,
          text: d.text,
          dir: kw === 'reqadd' ? 'request' : 'response',
          op: 'add',
          name: h.slice(0, colon).trim(),
          value: h.slice(colon + 1).trim(),
          ...condOf(cond, d.line),
        },
        scope,
      );
      report.note(
        d.line,
        `${d.text}: ${kw} was removed in HAProxy 2.1; converted as ${kw === 'reqadd' ? 'http-request' : 'http-response'} add-header`,
        fa,
      );
      return;
    }
    case 'server': {
      backendOnly(p, d);
      const [name, addr, ...opts] = a;
      if (name === undefined || addr === undefined)
        throw new ConfigError(d.line, 'server: expected "server NAME ADDRESS[:PORT] [options]"');
      const hp = parseHostPort(addr, d.line, `server ${name}`);
      if (hp.unsupported) {
        report.unsupported(d.line, d.text, `server address: ${hp.unsupported}`, ba);
        return;
      }
      if (hp.host === '') throw new ConfigError(d.line, `server ${name}: missing address`);
      const { params, unsupported } = parseServerOptions(opts, d.line);
      if (unsupported.length > 0)
        report.unsupported(d.line, d.text, unsupportedServerOptions(unsupported), ba);
      p.be.servers.push({
        line: d.line,
        text: d.text,
        name,
        host: hp.host,
        ...(hp.port !== undefined ? { port: hp.port } : {}),
        params: { ...p.settings.defaultServer, ...params },
      });
      return;
    }
    case 'stick': {
      backendOnly(p, d);
      const [verb, pattern, ...rest] = a;
      if (!['on', 'match', 'store-request', 'store-response'].includes(verb ?? '') || pattern === undefined)
        throw new ConfigError(d.line, 'stick: expected "stick on|match|store-request PATTERN [table NAME]"');
      let table: string | undefined;
      const ti = rest.indexOf('table');
      if (ti >= 0) table = rest[ti + 1];
      const condAt = rest.findIndex((w) => w === 'if' || w === 'unless');
      if (pattern !== 'src' || condAt >= 0) {
        report.unsupported(
          d.line,
          d.text,
          'only unconditional "stick on src" (source persistence) is supported',
          ba,
        );
        return;
      }
      if (p.be.stick && p.be.stick.line !== d.line) {
        // "stick match src" + "stick store-request src" together are "stick on src".
        return;
      }
      p.be.stick = { line: d.line, text: d.text, ...(table !== undefined ? { table } : {}) };
      return;
    }
    case 'stick-table':
      p.table = parseStickTable(p, a, d);
      return;
    case 'disabled':
      p.disabled = d.line;
      return;
    case 'enabled':
      return;
    default:
      if (kw !== undefined && LEGACY_REQ_RSP.test(kw)) {
        report.unsupported(
          d.line,
          d.text,
          `${kw} was removed in HAProxy 2.1 and has no Bascule equivalent (regex header rewriting)`,
          fa,
        );
        return;
      }
      if (kw !== undefined && UNSUPPORTED_KEYWORDS[kw]) {
        report.unsupported(
          d.line,
          d.text,
          UNSUPPORTED_KEYWORDS[kw]!,
          kw === 'server-template' || kw === 'use-server' || kw === 'fullconn' || kw === 'http-reuse'
            ? ba
            : fa,
        );
        return;
      }
      throw new ConfigError(d.line, `unknown keyword "${kw}" in ${p.kind} section "${p.hname}"`);
  }
}

/** Request rules that HAProxy also accepts in a backend section; Bascule has them on the Frontend. */
function backendRule(d: Directive, scope: Scope): void {
  scope.report.unsupported(
    d.line,
    d.text,
    `${d.words[0]} in a backend is not supported: Bascule applies rules and header edits on the Frontend (move it to the frontends that use this backend)`,
    scope.backendAnchors,
  );
}

function blockedByAllow(d: Directive, allowLine: number, anchors: Anchor[], report: Reporter): void {
  report.unsupported(
    d.line,
    d.text,
    `follows "http-request allow" (line ${allowLine}), which could not be converted; converting this rule alone would also apply it to the requests that allow exempts`,
    anchors,
  );
}

const condOf = (
  cond: { unless: boolean; words: string[] } | undefined,
  line: number,
): { cond?: Condition } => (cond ? { cond: parseCondition(cond.words, cond.unless, line) } : {});

// ---------- bind ----------

const BIND_FLAGS_IGNORED = new Set([
  'v4v6',
  'v6only',
  'defer-accept',
  'tfo',
  'no-ca-names',
  'prefer-client-ciphers',
  'ssl-reuse',
  'tls-tickets',
  'no-tls-tickets',
  'npn',
  'generate-certificates',
  'allow-0rtt',
  'quic-force-retry',
  'no-alpn',
  'crt-ignore-err',
  'ca-ignore-err',
]);
const BIND_FLAGS_UNSUPPORTED: Record<string, string> = {
  'accept-proxy': 'the PROXY protocol is not supported',
  transparent: 'transparent proxying is not supported',
  'expose-fd': 'not applicable',
  'no-sslv3': '',
  'no-tlsv10': '',
  'no-tlsv11': '',
  'no-tlsv12': '',
  'no-tlsv13': '',
  'force-sslv3': '',
  'force-tlsv10': '',
  'force-tlsv11': '',
  'force-tlsv12': '',
  'force-tlsv13': '',
  ssl: '',
  'strict-sni': '',
};
const BIND_ARGS_IGNORED = new Set([
  'name',
  'id',
  'process',
  'thread',
  'nice',
  'gid',
  'group',
  'uid',
  'user',
  'mode',
  'level',
  'severity-output',
  'tcp-ut',
  'mss',
  'interface',
  'namespace',
  'ecdhe',
  'curves',
  'sigalgs',
  'client-sigalgs',
  'ca-sign-file',
  'ca-sign-pass',
  'ca-verify-file',
  'tls-ticket-keys',
  'crl-file',
  'quic-cc-algo',
  'guid-prefix',
]);
const BIND_ARGS_UNSUPPORTED: Record<string, string> = {
  maxconn: 'a per-listener maxconn (Frontend maxConnections covers the whole frontend)',
  backlog: 'the listen backlog is not configurable',
  'crt-list': 'crt-list files are not read: list each certificate',
  proto: 'protocol selection',
  ciphersuites: 'TLS 1.3 cipher suites are not configurable',
  'accept-netscaler-cip': 'NetScaler client IP insertion',
};

export function parseTlsOptionWord(
  w: string,
  next: () => string,
  tls: TlsOptions,
  dropped: string[],
  line: number,
): boolean {
  const ver = (v: string): TlsVersion | 'old' => {
    if (v === 'TLSv1.2' || v === 'TLSv1.3') return v;
    if (v === 'SSLv3' || v === 'TLSv1.0' || v === 'TLSv1.1') return 'old';
    throw new ConfigError(line, `unknown TLS version "${v}"`);
  };
  switch (w) {
    case 'ssl-min-ver': {
      const v = ver(next());
      if (v === 'old') dropped.push(`ssl-min-ver below TLSv1.2 (Bascule never accepts below TLSv1.2)`);
      else tls.minVersion = v;
      return true;
    }
    case 'ssl-max-ver': {
      const v = ver(next());
      if (v === 'old') dropped.push('ssl-max-ver below TLSv1.2 (Bascule supports TLSv1.2 and TLSv1.3)');
      else tls.maxVersion = v;
      return true;
    }
    case 'no-sslv3':
    case 'no-tlsv10':
    case 'no-tlsv11':
      return true; // Bascule never accepts these
    case 'no-tlsv12':
      tls.minVersion = 'TLSv1.3';
      return true;
    case 'no-tlsv13':
      tls.maxVersion = 'TLSv1.2';
      return true;
    case 'force-tlsv12':
      tls.minVersion = 'TLSv1.2';
      tls.maxVersion = 'TLSv1.2';
      return true;
    case 'force-tlsv13':
      tls.minVersion = 'TLSv1.3';
      tls.maxVersion = 'TLSv1.3';
      return true;
    case 'force-sslv3':
    case 'force-tlsv10':
    case 'force-tlsv11':
      dropped.push(`${w} (Bascule supports TLSv1.2 and TLSv1.3 only)`);
      return true;
    case 'ciphers':
      tls.ciphers = next();
      return true;
    default:
      return false;
  }
}

const joinPath = (base: string | undefined, p: string) =>
  base && !p.startsWith('/') ? `${base.replace(/\/+$/, '')}/${p}` : p;

function addBind(
  p: Proxy,
  words: string[],
  line: number,
  text: string,
  global: GlobalSettings,
  scope: Scope,
): void {
  const [addr, ...opts] = words;
  const { report } = scope;
  const fa = scope.frontendAnchors;
  const hp = parseHostPort(addr!, line, 'bind');
  if (hp.unsupported && hp.port === undefined) {
    report.unsupported(line, text, `bind ${addr}: ${hp.unsupported}; this bind is not converted`, fa);
    return;
  }
  if (hp.port === undefined) throw new ConfigError(line, `bind ${addr}: missing port`);
  if (hp.unsupported) {
    report.unsupported(line, text, `bind ${addr}: ${hp.unsupported}; only port ${hp.port} is converted`, fa);
  }
  let host = hp.host;
  if (host === 'localhost') {
    host = '127.0.0.1';
    report.note(line, `bind ${addr}: localhost is bound as 127.0.0.1`, fa);
  } else if (host !== '' && !/^[0-9.]+$/.test(host) && !host.includes(':')) {
    report.unsupported(
      line,
      text,
      `bind ${addr}: Bascule binds IP addresses, not host names; this bind is not converted`,
      fa,
    );
    return;
  }
  const b: Omit<Bind, 'frontendName'> = { line, text, host, port: hp.port, ssl: false, certs: [], tls: {} };
  const dropped: string[] = [];
  let crtList = false;
  for (let i = 0; i < opts.length; i++) {
    const w = opts[i]!;
    const next = () => {
      const v = opts[++i];
      if (v === undefined) throw new ConfigError(line, `bind option "${w}" needs a value`);
      return v;
    };
    if (w === 'ssl') b.ssl = true;
    else if (w === 'crt') b.certs.push(joinPath(global.crtBase, next()));
    else if (w === 'strict-sni') b.strictSNI = true;
    else if (w === 'alpn') {
      const list = next().split(',');
      const ok = list.filter((x): x is 'h2' | 'http/1.1' => x === 'h2' || x === 'http/1.1');
      if (ok.length !== list.length)
        dropped.push(
          `alpn ${list.filter((x) => !ok.includes(x as 'h2')).join(',')} (Bascule offers h2 and http/1.1)`,
        );
      if (ok.length > 0) b.alpn = ok;
    } else if (w === 'verify') {
      const v = next();
      if (v !== 'none' && v !== 'optional' && v !== 'required')
        throw new ConfigError(line, `bind verify: expected none, optional or required, got "${v}"`);
      b.verify = v;
    } else if (w === 'ca-file') b.caFile = joinPath(global.caBase, next());
    else if (parseTlsOptionWord(w, next, b.tls, dropped, line)) continue;
    else if (BIND_FLAGS_IGNORED.has(w)) continue;
    else if (BIND_ARGS_IGNORED.has(w)) next();
    else if (w in BIND_FLAGS_UNSUPPORTED && BIND_FLAGS_UNSUPPORTED[w])
      dropped.push(`${w} (${BIND_FLAGS_UNSUPPORTED[w]})`);
    else if (w in BIND_ARGS_UNSUPPORTED) {
      if (w === 'crt-list') crtList = true;
      dropped.push(`${w} ${next()} (${BIND_ARGS_UNSUPPORTED[w]})`);
    } else throw new ConfigError(line, `unknown bind option "${w}"`);
  }
  if (dropped.length > 0)
    report.unsupported(line, text, `bind options not supported: ${dropped.join(', ')}`, fa);
  if (b.ssl && b.certs.length === 0) {
    if (crtList) {
      report.unsupported(
        line,
        text,
        'a TLS bind whose certificates come only from a crt-list is not converted (list the certificates with crt)',
        fa,
      );
      return;
    }
    throw new ConfigError(line, 'bind ... ssl needs at least one crt');
  }
  if (b.ssl) {
    b.tls = { ...global.bindTls, ...b.tls };
    for (const c of b.certs) {
      if (c.endsWith('/'))
        report.unsupported(
          line,
          text,
          `crt ${c} is a directory: HAProxy loads every certificate in it, Bascule needs each file listed`,
          fa,
        );
    }
  }
  // One Frontend per bind (named when the whole config is known); the first keeps the proxy's name.
  p.fe.binds.push({ ...b, frontendName: '' });
}

// ---------- http-request / http-response / tcp-request ----------

function literalValue(v: string): string | undefined {
  if (/%(?!%)/.test(v.replace(/%%/g, ''))) return undefined;
  return v.replace(/%%/g, '%');
}

function addEdit(p: Proxy, e: HeaderEdit, scope: Scope): void {
  if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(e.name))
    throw new ConfigError(e.line, `invalid header name "${e.name}"`);
  if (e.value !== undefined) {
    const lit = literalValue(e.value);
    if (lit === undefined) {
      scope.report.unsupported(
        e.line,
        e.text,
        'header values with log-format expressions (%[...], %ci...) are not supported: Bascule sets literal values (forwardFor adds X-Forwarded-For/-Proto/-Host/-Port)',
        scope.frontendAnchors,
      );
      return;
    }
    e.value = lit;
  }
  p.fe.edits.push(e);
}

function headerAction(
  p: Proxy,
  dir: 'request' | 'response',
  action: string,
  a: string[],
  d: Directive,
  scope: Scope,
): boolean {
  if (action !== 'add-header' && action !== 'set-header' && action !== 'del-header') return false;
  const { args, cond } = splitCondition(a, 1);
  const op = action === 'add-header' ? 'add' : action === 'set-header' ? 'set' : 'remove';
  if (op === 'remove') {
    if (args.length === 3 && args[1] === '-m' && args[2] === 'str') args.splice(1, 2);
    if (args.length !== 1) {
      if (args[1] === '-m') {
        scope.report.unsupported(
          d.line,
          d.text,
          `del-header ${args.slice(1).join(' ')}: only exact header names can be removed`,
          scope.frontendAnchors,
        );
        return true;
      }
      throw new ConfigError(d.line, `${action}: expected a header name`);
    }
    addEdit(p, { line: d.line, text: d.text, dir, op, name: args[0]!, ...condOf(cond, d.line) }, scope);
    return true;
  }
  if (args.length < 1) throw new ConfigError(d.line, `${action}: expected a header name and a value`);
  // The value may have been split on unescaped spaces by a sloppy config: HAProxy rejects that too.
  if (args.length > 2)
    throw new ConfigError(d.line, `${action}: too many words; quote or escape spaces in the value`);
  addEdit(
    p,
    { line: d.line, text: d.text, dir, op, name: args[0]!, value: args[1] ?? '', ...condOf(cond, d.line) },
    scope,
  );
  return true;
}

function httpRequest(
  p: Proxy,
  a: string[],
  d: Directive,
  scope: Scope,
  allowLine: number | undefined,
): 'allow' | void {
  const [action, ...rest] = a;
  const fa = scope.frontendAnchors;
  if (action === undefined) throw new ConfigError(d.line, 'http-request: missing action');
  if (headerAction(p, 'request', action, rest, d, scope)) return;
  switch (action) {
    case 'redirect':
      if (allowLine !== undefined) return blockedByAllow(d, allowLine, fa, scope.report);
      addRedirect(p, rest, d, PHASE.httpRequest, scope);
      return;
    case 'deny':
    case 'reject': {
      if (allowLine !== undefined) return blockedByAllow(d, allowLine, fa, scope.report);
      const { args, cond } = splitCondition(rest, 0);
      const deny: RuleAction & { type: 'deny' } = { type: 'deny', status: 403 };
      const dropped: string[] = [];
      for (let i = 0; i < args.length; i++) {
        const w = args[i]!;
        if (w === 'deny_status' || w === 'status') deny.status = parseInteger(args[++i], d.line, w, 200, 599);
        else if (w === 'string') deny.body = args[++i] ?? '';
        else if (
          w === 'content-type' ||
          w === 'hdr' ||
          w === 'lf-string' ||
          w === 'file' ||
          w === 'lf-file' ||
          w === 'errorfile' ||
          w === 'errorfiles'
        ) {
          dropped.push(`${w} ${args[++i] ?? ''}${w === 'hdr' ? ` ${args[++i] ?? ''}` : ''}`);
        } else throw new ConfigError(d.line, `http-request ${action}: unknown argument "${w}"`);
      }
      if (action === 'reject') {
        deny.closes = true;
        scope.report.note(
          d.line,
          `${d.text}: HAProxy closes the connection without a response; Bascule answers ${deny.status}`,
          fa,
        );
      }
      if (dropped.length > 0)
        scope.report.unsupported(
          d.line,
          d.text,
          `${dropped.join(', ')}: a deny answers with a status and an optional literal body`,
          fa,
        );
      p.fe.rules.push({
        line: d.line,
        text: d.text,
        phase: PHASE.httpRequest,
        action: deny,
        ...condOf(cond, d.line),
      });
      return;
    }
    case 'track-sc0':
    case 'track-sc1':
    case 'track-sc2': {
      const { args, cond } = splitCondition(rest, 1);
      const key = args[0];
      if (key === undefined) throw new ConfigError(d.line, `http-request ${action}: missing key`);
      const ti = args.indexOf('table');
      p.fe.tracks.push({
        line: d.line,
        text: d.text,
        slot: Number(action.slice(-1)),
        key,
        ...(ti >= 0 && args[ti + 1] ? { table: args[ti + 1]! } : {}),
        conditional: cond !== undefined,
        used: false,
      });
      return;
    }
    case 'allow':
      scope.report.unsupported(
        d.line,
        d.text,
        'Bascule rules have no "allow" (stop evaluating) action; the deny and redirect rules that follow are not converted either',
        fa,
      );
      return 'allow';
    case 'tarpit':
      if (allowLine !== undefined) return blockedByAllow(d, allowLine, fa, scope.report);
      scope.report.unsupported(d.line, d.text, 'tarpit is not supported (a deny rule answers at once)', fa);
      return;
    default:
      if (/^[a-z0-9_.-]+$/.test(action)) {
        scope.report.unsupported(d.line, d.text, `http-request ${action} has no Bascule equivalent`, fa);
        return;
      }
      throw new ConfigError(d.line, `http-request: unknown action "${action}"`);
  }
}

function httpResponse(p: Proxy, a: string[], d: Directive, scope: Scope): void {
  const [action, ...rest] = a;
  if (action === undefined) throw new ConfigError(d.line, 'http-response: missing action');
  if (headerAction(p, 'response', action, rest, d, scope)) return;
  scope.report.unsupported(
    d.line,
    d.text,
    `http-response ${action} has no Bascule equivalent (response header add/set/remove are supported)`,
    scope.frontendAnchors,
  );
}

function tcpRequest(p: Proxy, a: string[], d: Directive, scope: Scope): void {
  const [layer, action, ...rest] = a;
  const fa = scope.frontendAnchors;
  if (layer === 'inspect-delay') {
    parseTime(action, d.line, 'tcp-request inspect-delay');
    scope.report.note(
      d.line,
      `${d.text}: Bascule waits for the data a rule needs (e.g. the TLS ClientHello for sni) on its own`,
      fa,
    );
    return;
  }
  if (layer !== 'connection' && layer !== 'content' && layer !== 'session')
    throw new ConfigError(
      d.line,
      `tcp-request: expected connection, content, session or inspect-delay, got "${layer ?? ''}"`,
    );
  if (action === undefined) throw new ConfigError(d.line, 'tcp-request: missing action');
  const phase = layer === 'connection' ? PHASE.tcpConnection : PHASE.tcpContent;
  switch (action) {
    case 'reject': {
      const { cond } = splitCondition(rest, 0);
      p.fe.rules.push({
        line: d.line,
        text: d.text,
        phase,
        action: { type: 'deny', status: 403, closes: true },
        ...condOf(cond, d.line),
      });
      return;
    }
    case 'accept': {
      const { cond } = splitCondition(rest, 0);
      const words = cond?.words.join(' ') ?? '';
      if (/^\{ req(_|\.)ssl_hello_type 1 \}$/.test(words)) {
        scope.report.note(
          d.line,
          `${d.text}: Bascule reads the TLS ClientHello itself before matching sni`,
          fa,
        );
      } else {
        scope.report.unsupported(
          d.line,
          d.text,
          'tcp-request accept rules are not supported (connections are accepted unless a rule denies them)',
          fa,
        );
      }
      return;
    }
    case 'track-sc0':
    case 'track-sc1':
    case 'track-sc2': {
      const { args, cond } = splitCondition(rest, 1);
      const key = args[0];
      if (key === undefined) throw new ConfigError(d.line, `tcp-request ${layer} ${action}: missing key`);
      const ti = args.indexOf('table');
      p.fe.tracks.push({
        line: d.line,
        text: d.text,
        slot: Number(action.slice(-1)),
        key,
        ...(ti >= 0 && args[ti + 1] ? { table: args[ti + 1]! } : {}),
        conditional: cond !== undefined,
        used: false,
      });
      return;
    }
    default:
      scope.report.unsupported(
        d.line,
        d.text,
        `tcp-request ${layer} ${action} has no Bascule equivalent`,
        fa,
      );
  }
}

// ---------- redirect ----------

function addRedirect(p: Proxy, a: string[], d: Directive, phase: number, scope: Scope): void {
  const { args, cond } = splitCondition(a, 2);
  const [kind, target, ...opts] = args;
  if ((kind !== 'scheme' && kind !== 'location' && kind !== 'prefix') || target === undefined) {
    throw new ConfigError(
      d.line,
      'redirect: expected "redirect scheme|location|prefix TARGET [code N] [drop-query] [if|unless CONDITION]"',
    );
  }
  const r: Record<string, unknown> = {};
  const dropped: string[] = [];
  let code = 302;
  let dropQuery = false;
  for (let i = 0; i < opts.length; i++) {
    const w = opts[i]!;
    if (w === 'code') {
      code = parseInteger(opts[++i], d.line, 'redirect code');
      if (![301, 302, 303, 307, 308].includes(code))
        throw new ConfigError(d.line, `redirect code ${code}: expected 301, 302, 303, 307 or 308`);
    } else if (w === 'drop-query') dropQuery = true;
    else if (w === 'append-slash' || w === 'ignore-empty' || w === 'keep-query') {
      if (w !== 'keep-query') dropped.push(w);
    } else if (w === 'set-cookie' || w === 'clear-cookie') dropped.push(`${w} ${opts[++i] ?? ''}`);
    else throw new ConfigError(d.line, `redirect: unknown option "${w}"`);
  }
  if (target.includes('%[') || /%[a-zA-Z{]/.test(target)) {
    scope.report.unsupported(
      d.line,
      d.text,
      'redirect targets with log-format expressions are not supported',
      scope.frontendAnchors,
    );
    return;
  }
  if (kind === 'scheme') {
    if (target !== 'http' && target !== 'https') {
      scope.report.unsupported(
        d.line,
        d.text,
        `redirect scheme ${target}: only http and https`,
        scope.frontendAnchors,
      );
      return;
    }
    r.scheme = target;
  } else if (kind === 'location' || kind === 'prefix') {
    const abs = /^(https?):\/\/([^/:]+)(?::(\d+))?(\/.*)?$/.exec(target);
    if (abs) {
      r.scheme = abs[1];
      r.host = abs[2];
      if (abs[3]) r.port = Number(abs[3]);
      if (abs[4] && abs[4] !== '/') r[kind === 'location' ? 'path' : 'prefix'] = abs[4];
      else if (kind === 'location') r.path = '/';
    } else if (target.startsWith('/')) {
      if (kind === 'location') r.path = target;
      else if (target !== '/') r.prefix = target.replace(/\/$/, '');
    } else {
      scope.report.unsupported(
        d.line,
        d.text,
        `redirect ${kind} ${target}: expected an absolute URL or a path`,
        scope.frontendAnchors,
      );
      return;
    }
  }
  r.code = code;
  // "location" replaces the whole URI, query included.
  if (dropQuery || kind === 'location') r.stripQuery = true;
  if (dropped.length > 0)
    scope.report.unsupported(
      d.line,
      d.text,
      `redirect options not supported: ${dropped.join(', ')}`,
      scope.frontendAnchors,
    );
  p.fe.rules.push({
    line: d.line,
    text: d.text,
    phase,
    action: { type: 'redirect', redirect: r },
    ...condOf(cond, d.line),
  });
}

// ---------- stick-table ----------

function parseStickTable(p: Proxy, a: string[], d: Directive): Proxy['table'] {
  const t: NonNullable<Proxy['table']> = {
    line: d.line,
    text: d.text,
    owner: p.hname,
    type: '',
    store: new Map(),
    used: false,
  };
  for (let i = 0; i < a.length; i++) {
    const w = a[i]!;
    const v = a[i + 1];
    switch (w) {
      case 'type':
        if (v === undefined) throw new ConfigError(d.line, 'stick-table: type needs a value');
        t.type = v;
        i++;
        if ((v === 'string' || v === 'binary') && a[i + 1] === 'len') i += 2;
        break;
      case 'size':
      case 'peers':
      case 'srvkey':
      case 'write-to':
      case 'recv-only':
        i++;
        break;
      case 'expire':
        t.expire = parseTime(v, d.line, 'stick-table expire').duration;
        i++;
        break;
      case 'nopurge':
        break;
      case 'store':
        if (v === undefined) throw new ConfigError(d.line, 'stick-table: store needs a list');
        for (const item of v.split(',')) {
          const m = /^([a-z0-9_]+)(?:\(([^)]*)\))?$/.exec(item);
          if (!m) throw new ConfigError(d.line, `stick-table: invalid store item "${item}"`);
          t.store.set(
            m[1]!,
            m[2] !== undefined ? parseTime(m[2], d.line, `stick-table store ${m[1]}`).duration : undefined,
          );
        }
        i++;
        break;
      default:
        throw new ConfigError(d.line, `stick-table: unknown argument "${w}"`);
    }
  }
  if (t.type === '') throw new ConfigError(d.line, 'stick-table: missing type');
  return t;
}
