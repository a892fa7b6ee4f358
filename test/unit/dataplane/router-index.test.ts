// The indexed rule lookup must pick exactly the rule the ordered linear scan picks. A seeded,
// randomized differential test: many rule sets drawn from small pools of overlapping hosts,
// paths and conditions (so rules shadow each other often), many requests against each.
import { expect } from 'chai';
import { compileRouter } from '#dataplane/router/router';
import { PrefixTree } from '#dataplane/router/prefix-tree';
import type { RequestHead } from '#dataplane/router/types';
import type { RuleSnap } from '#protocol/snapshot';
import { frontend } from './helpers.js';
import { prng } from '../../support/prng.js';

const RULE_HOSTS = [
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
const REQUEST_HOSTS = [
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

function randomRule(rnd: () => number, i: number): RuleSnap {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const match: RuleSnap['match'] = {};
  const host = pick(RULE_HOSTS);
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

function randomHead(rnd: () => number): RequestHead {
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

describe('router: indexed lookup', () => {
  it('picks the same rule as the linear scan (randomized, seeded)', () => {
    let compared = 0;
    let matchedRule = 0;
    for (let seed = 1; seed <= 300; seed++) {
      const rnd = prng(seed);
      const count = 1 + Math.floor(rnd() * 60);
      const rules = Array.from({ length: count }, (_, i) => randomRule(rnd, i));
      const fe = frontend('default/fe', 8080, {
        rules,
        ...(rnd() < 0.5 ? { defaultBackend: 'default/fallback' } : {}),
      });
      const indexed = compileRouter(fe);
      const linear = compileRouter(fe, { lookup: 'linear' });
      for (let n = 0; n < 200; n++) {
        const head = randomHead(rnd);
        const got = indexed.route(head);
        const want = linear.route(head);
        expect(got, `seed ${seed}, request ${JSON.stringify(head)}`).to.deep.equal(want);
        compared++;
        if (want.rule !== undefined) matchedRule++;
      }
    }
    // The pools must produce both outcomes often, or the comparison proves little.
    expect(compared).to.equal(60_000);
    expect(matchedRule).to.be.greaterThan(compared * 0.3);
    expect(compared - matchedRule).to.be.greaterThan(compared * 0.05);
  });

  it('finds a later rule among thousands without losing order', () => {
    const rules: RuleSnap[] = [];
    for (let i = 0; i < 5000; i++)
      rules.push({
        name: `r${i}`,
        match: { host: `h${i % 100}.example.com`, path: { prefix: `/svc${i}/` } },
        action: { type: 'backend', backend: `default/b${i}` },
      });
    // A broader rule after a narrower one for the same host: order, not specificity, decides.
    rules.push({
      name: 'broad',
      match: { host: 'h7.example.com', path: { prefix: '/' } },
      action: { type: 'backend', backend: 'default/broad' },
    });
    const router = compileRouter(frontend('default/fe', 8080, { rules }));
    const head = (host: string, path: string): RequestHead => ({
      method: 'GET',
      path,
      query: '',
      host,
      headers: {},
      sourceAddress: '127.0.0.1',
      scheme: 'http',
      localPort: 8080,
    });
    expect(router.route(head('h7.example.com', '/svc4907/x')).rule).to.equal('r4907');
    expect(router.route(head('h7.example.com', '/svc4908/x')).rule).to.equal('broad');
    expect(router.route(head('h8.example.com', '/svc4907/x')).rule).to.equal(undefined);
  });
});

describe('router: prefix tree', () => {
  it('visits every stored prefix of a key, shortest first, across edge splits', () => {
    const tree = new PrefixTree<string>();
    for (const k of ['/abc', '/a', '/ab', '', '/abd', '/b']) tree.upsert(k, () => k);
    expect(tree.upsert('/ab', () => 'new')).to.equal('/ab');
    const seen = (key: string): string[] => {
      const out: string[] = [];
      tree.prefixesOf(key, (v) => out.push(v));
      return out;
    };
    expect(seen('/abcd')).to.deep.equal(['', '/a', '/ab', '/abc']);
    expect(seen('/abd')).to.deep.equal(['', '/a', '/ab', '/abd']);
    expect(seen('/ax')).to.deep.equal(['', '/a']);
    expect(seen('/b')).to.deep.equal(['', '/b']);
    expect(seen('x')).to.deep.equal(['']);
  });
});
