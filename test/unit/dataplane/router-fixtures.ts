// Seeded random rules and requests for the router's differential tests, drawn from small pools of
// overlapping hosts, paths and conditions (so rules shadow each other often).
import type { RequestHead } from '#dataplane/router/types';
import type { RuleSnap } from '#protocol/snapshot';

export const RULE_HOSTS = [
  undefined,
  '*',
  'a.example.com',
  'b.example.com',
  'x.a.example.com',
  'A.Example.com',
  '*.example.com',
  '*.a.example.com',
  '*.com',
  '*.',
  '',
  'example.com',
];
export const REQUEST_HOSTS = [
  'a.example.com',
  'b.example.com',
  'x.a.example.com',
  'y.x.a.example.com',
  'example.com',
  '.example.com',
  'com',
  'a.',
  '',
  'other.org',
  'a..example.com',
];
const PATHS = ['', '/', '/a', '/a/', '/ab', '/a/b', '/a/b/c', '/b', '/b/', '/é', '/a%2fb'];
const REGEXES = ['^/a', 'b$', '/a/.*c', '^/$'];
const METHODS = ['GET', 'POST', 'PUT'];

export function randomRule(
  rnd: () => number,
  i: number,
  hosts: readonly (string | undefined)[] = RULE_HOSTS,
): RuleSnap {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const match: RuleSnap['match'] = {};
  const host = pick(hosts);
  if (host !== undefined) match.host = host;
  const p = rnd();
  if (p < 0.4) match.path = { prefix: pick(PATHS) };
  else if (p < 0.6) match.path = { exact: pick(PATHS) };
  else if (p < 0.7) match.path = { regex: pick(REGEXES) };
  if (rnd() < 0.15) match.methods = [pick(METHODS)];
  if (rnd() < 0.1) match.headers = [{ name: 'X-Env', exact: pick(['canary', 'prod']) }];
  if (rnd() < 0.1) match.queryParams = [{ name: 'v', present: true }];
  if (rnd() < 0.1) match.sourceCIDRs = [pick(['10.0.0.0/8', '192.168.0.0/16'])];
  const kind = rnd();
  const action: RuleSnap['action'] =
    kind < 0.8
      ? { type: 'backend', backend: `default/b${i % 7}` }
      : kind < 0.9
        ? { type: 'deny', status: 403 }
        : { type: 'redirect', code: 302, stripQuery: false, prefix: '/new' };
  return { name: `r${i}`, match, action };
}

export function randomHead(rnd: () => number): RequestHead {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  let path = pick(PATHS);
  if (rnd() < 0.3) path += pick(['x', '/x', 'b', '/c']);
  return {
    method: pick(METHODS),
    path,
    query: rnd() < 0.2 ? 'v=1' : '',
    host: pick(REQUEST_HOSTS),
    headers: rnd() < 0.3 ? { 'x-env': pick(['canary', 'prod']) } : {},
    sourceAddress: pick(['10.1.2.3', '192.168.1.1', '127.0.0.1']),
    scheme: 'http',
    localPort: 8080,
  };
}
