// bind ADDRESS:PORT [options]: one Frontend per bind, with its TLS settings (HAProxy's bind_kws
// and the ssl-* options of cfgparse-ssl.c).
import type { Bind, GlobalSettings, Proxy, TlsOptions, TlsVersion } from './model.js';
import { ConfigError } from './report.js';
import type { Scope } from './settings.js';
import { parseHostPort } from './values.js';

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

export function addBind(
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
