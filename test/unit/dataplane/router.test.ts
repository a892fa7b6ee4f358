import { expect } from 'chai';
import { compileCidrs } from '#dataplane/router/cidr';
import { applyHeaderEdits, compileHeaderEdits } from '#dataplane/router/header-edits';
import { compileRouter } from '#dataplane/router/router';
import type { HeaderList, RequestHead } from '#dataplane/router/types';
import type { RuleSnap } from '#protocol/snapshot';
import { frontend } from './helpers.js';

const head = (h: Partial<RequestHead> = {}): RequestHead => ({
  method: 'GET',
  path: '/',
  query: '',
  host: 'shop.example.com',
  headers: {},
  sourceAddress: '10.1.2.3',
  scheme: 'http',
  localPort: 8080,
  ...h,
});

const to = (
  name: string,
  match: RuleSnap['match'],
  backendId = `default/${name}`,
  extra: Partial<RuleSnap> = {},
): RuleSnap => ({
  name,
  match,
  action: { type: 'backend', backend: backendId },
  ...extra,
});

const routeOf = (rules: RuleSnap[], h: Partial<RequestHead>, defaultBackend?: string) => {
  const r = compileRouter(
    frontend('default/fe', 8080, { rules, ...(defaultBackend ? { defaultBackend } : {}) }),
  );
  return r.route(head(h));
};

const picked = (rules: RuleSnap[], h: Partial<RequestHead>, defaultBackend = 'default/fallback'): string => {
  const d = routeOf(rules, h, defaultBackend);
  return d.action.type === 'backend' ? d.action.backend : d.action.type;
};

describe('dataplane/router: matching', () => {
  it('matches host exactly (case-insensitive) and by *.suffix wildcard', () => {
    const rules = [to('exact', { host: 'Shop.Example.com' }), to('wild', { host: '*.example.org' })];
    expect(picked(rules, { host: 'shop.example.com' })).to.equal('default/exact');
    expect(picked(rules, { host: 'a.b.example.org' })).to.equal('default/wild');
    expect(picked(rules, { host: 'example.org' })).to.equal('default/fallback');
    expect(picked(rules, { host: 'other.com' })).to.equal('default/fallback');
  });

  it('matches path prefix, exact and (unanchored) regex', () => {
    const rules = [
      to('exact', { path: { exact: '/health' } }),
      to('prefix', { path: { prefix: '/api/' } }),
      to('re', { path: { regex: '\\.(png|jpg)$' } }),
    ];
    expect(picked(rules, { path: '/health' })).to.equal('default/exact');
    expect(picked(rules, { path: '/healthz' })).to.equal('default/fallback');
    expect(picked(rules, { path: '/api/v1' })).to.equal('default/prefix');
    expect(picked(rules, { path: '/api' })).to.equal('default/fallback');
    expect(picked(rules, { path: '/img/a.png' })).to.equal('default/re');
  });

  it('matches methods, headers (exact, regex, presence, absence) and query parameters', () => {
    const rules = [
      to('post', { methods: ['post'] }),
      to('canary', { headers: [{ name: 'X-Env', exact: 'canary' }] }),
      to('mobile', { headers: [{ name: 'user-agent', regex: 'Mobile' }] }),
      to('debug', {
        headers: [{ name: 'x-debug', present: true }],
        queryParams: [{ name: 'trace', exact: '1' }],
      }),
    ];
    expect(picked(rules, { method: 'POST' })).to.equal('default/post');
    expect(picked(rules, { headers: { 'x-env': 'canary' } })).to.equal('default/canary');
    expect(picked(rules, { headers: { 'x-env': 'prod' } })).to.equal('default/fallback');
    expect(picked(rules, { headers: { 'user-agent': 'Foo Mobile Safari' } })).to.equal('default/mobile');
    expect(picked(rules, { headers: { 'x-debug': '' }, query: 'a=2&trace=1' })).to.equal('default/debug');
    expect(picked(rules, { headers: { 'x-debug': '' }, query: 'trace=2' })).to.equal('default/fallback');
    const absent = [to('nocookie', { headers: [{ name: 'cookie', present: false }] })];
    expect(picked(absent, {})).to.equal('default/nocookie');
    expect(picked(absent, { headers: { cookie: 'a=1' } })).to.equal('default/fallback');
  });

  it('matches source CIDRs, IPv4, IPv6 and IPv4-mapped', () => {
    const rules = [to('inside', { sourceCIDRs: ['10.0.0.0/8', '2001:db8::/32', '192.168.1.7'] })];
    expect(picked(rules, { sourceAddress: '10.9.9.9' })).to.equal('default/inside');
    expect(picked(rules, { sourceAddress: '::ffff:10.9.9.9' })).to.equal('default/inside');
    expect(picked(rules, { sourceAddress: '2001:db8::1' })).to.equal('default/inside');
    expect(picked(rules, { sourceAddress: '192.168.1.7' })).to.equal('default/inside');
    expect(picked(rules, { sourceAddress: '192.168.1.8' })).to.equal('default/fallback');
    expect(picked(rules, { sourceAddress: '11.0.0.1' })).to.equal('default/fallback');
  });

  it('requires every condition of a rule and takes the first matching rule', () => {
    const rules = [
      to('both', { host: 'shop.example.com', path: { prefix: '/ms1/' } }),
      to('host', { host: 'shop.example.com' }),
    ];
    expect(picked(rules, { path: '/ms1/x' })).to.equal('default/both');
    expect(picked(rules, { path: '/ms2/x' })).to.equal('default/host');
  });

  it('answers no-route without a default backend', () => {
    const d = routeOf([to('x', { host: 'other' })], {});
    expect(d.action).to.deep.equal({ type: 'no-route' });
    expect(d.rule).to.equal(undefined);
  });

  it('refuses invalid regexes and CIDRs at build time', () => {
    expect(() =>
      compileRouter(frontend('default/fe', 1, { rules: [to('bad', { path: { regex: '(' } })] })),
    ).to.throw(/rule bad.*invalid regular expression/);
    expect(() =>
      compileRouter(frontend('default/fe', 1, { rules: [to('bad', { sourceCIDRs: ['10.0.0.0/33'] })] })),
    ).to.throw(/invalid CIDR/);
    expect(() => compileCidrs(['nonsense'])).to.throw(/invalid CIDR/);
  });
});

describe('dataplane/router: actions', () => {
  const redirect = (
    r: Partial<Extract<RuleSnap['action'], { type: 'redirect' }>>,
    match: RuleSnap['match'] = {},
  ): RuleSnap => ({
    name: 'r',
    match,
    action: { type: 'redirect', code: 301, stripQuery: false, ...r },
  });
  const location = (rule: RuleSnap, h: Partial<RequestHead>): string => {
    const d = routeOf([rule], h);
    if (d.action.type !== 'redirect') throw new Error('not a redirect');
    return d.action.location;
  };

  it('builds redirect locations from the request and the action', () => {
    expect(location(redirect({ scheme: 'https' }), { path: '/a', query: 'x=1', hostPort: 8080 })).to.equal(
      'https://shop.example.com/a?x=1',
    );
    expect(location(redirect({ host: 'new.example.com' }), { path: '/a', hostPort: 8080 })).to.equal(
      'http://new.example.com:8080/a',
    );
    expect(location(redirect({ path: '/b', stripQuery: true }), { path: '/a', query: 'q' })).to.equal(
      'http://shop.example.com/b',
    );
    expect(
      location(redirect({ prefix: '/new/' }, { path: { prefix: '/old/' } }), { path: '/old/x/y' }),
    ).to.equal('http://shop.example.com/new/x/y');
    expect(location(redirect({ scheme: 'https', port: 8443 }), { path: '/' })).to.equal(
      'https://shop.example.com:8443/',
    );
    const d = routeOf([redirect({ code: 308 })], {});
    expect(d.action).to.include({ type: 'redirect', status: 308 });
  });

  it('returns deny actions with status and optional body', () => {
    const d = routeOf(
      [{ name: 'block', match: { path: { prefix: '/admin' } }, action: { type: 'deny', status: 403 } }],
      { path: '/admin/x' },
    );
    expect(d.action).to.deep.equal({ type: 'deny', status: 403, body: undefined });
    expect(d.rule).to.equal('block');
  });

  it('orders header edits frontend first, then rule', () => {
    const fe = frontend('default/fe', 1, {
      defaultBackend: 'default/x',
      requestHeaders: { add: [], set: [{ name: 'X-Tier', value: 'frontend' }], remove: [] },
      rules: [
        to('r', { path: { prefix: '/r' } }, 'default/x', {
          requestHeaders: {
            add: [{ name: 'X-Extra', value: '1' }],
            set: [{ name: 'X-Tier', value: 'rule' }],
            remove: ['X-Secret'],
          },
        }),
      ],
    });
    const router = compileRouter(fe);
    const input: HeaderList = [
      ['Host', 'h'],
      ['x-secret', 's'],
      ['X-Tier', 'client'],
    ];
    expect(applyHeaderEdits(input, router.route(head({ path: '/r' })).requestHeaders)).to.deep.equal([
      ['Host', 'h'],
      ['X-Tier', 'rule'],
      ['X-Extra', '1'],
    ]);
    expect(applyHeaderEdits(input, router.route(head({ path: '/other' })).requestHeaders)).to.deep.equal([
      ['Host', 'h'],
      ['x-secret', 's'],
      ['X-Tier', 'frontend'],
    ]);
    expect(input).to.have.length(3); // never mutated
  });

  it('compiles empty edits away', () => {
    expect(compileHeaderEdits({ add: [], set: [], remove: [] })).to.equal(undefined);
    const d = routeOf([], {}, 'default/x');
    expect(d.requestHeaders).to.deep.equal([]);
  });
});
