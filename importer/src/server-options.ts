// The options of server and default-server lines (HAProxy's srv_kws).
import { ConfigError } from './report.js';
import type { ServerParams } from './settings.js';
import { parseInteger, parseTime } from './values.js';

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
