// balance ALGORITHM [ARGS] → Backend balance (HAProxy's lb_*.c algorithms).
import type { Algorithm } from '#api/v1alpha1';
import type { Directive } from './parse.js';
import { ConfigError } from './report.js';
import type { Scope, Settings } from './settings.js';

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

export function applyBalance(d: Directive, s: Settings, scope: Scope): void {
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
