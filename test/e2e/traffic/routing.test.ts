// Routing rules (every match type and action) and header policy, seen from a real client and at
// real backends.
import { expect } from 'chai';
import type { RuleSnap } from '#protocol/snapshot';
import {
  HOST,
  backend,
  curl,
  frontend,
  get,
  harness,
  server,
  startBackend,
  type Harness,
  type TestBackend,
} from './support.js';

const edits = (e: { add?: [string, string][]; set?: [string, string][]; remove?: string[] } = {}) => ({
  add: (e.add ?? []).map(([name, value]) => ({ name, value })),
  set: (e.set ?? []).map(([name, value]) => ({ name, value })),
  remove: e.remove ?? [],
});

describe('e2e/traffic: routing rules and header policy', function () {
  this.timeout(60_000);
  let api: TestBackend;
  let web: TestBackend;
  let h: Harness;

  before(async () => {
    [api, web] = await Promise.all([startBackend('api'), startBackend('web')]);
  });
  after(async () => {
    await Promise.all([api.close(), web.close()]);
  });
  beforeEach(async () => {
    h = await harness();
    api.requests.length = 0;
    web.requests.length = 0;
  });
  afterEach(() => h.close());

  const to = (
    name: string,
    match: RuleSnap['match'],
    backendName = 'api',
    extra: Partial<RuleSnap> = {},
  ): RuleSnap => ({
    name,
    match,
    action: { type: 'backend', backend: `default/${backendName}` },
    ...extra,
  });
  const backends = () => [
    backend('default/api', [server('api', api.port)]),
    backend('default/web', [server('web', web.port)]),
  ];

  it('matches host (exact, wildcard), path (prefix, exact, regex), methods, headers, query and source', async () => {
    await h.apply(
      [
        frontend('default/fe', h.port, {
          defaultBackend: 'default/web',
          rules: [
            to('host', { host: 'api.example.com' }),
            to('wild', { host: '*.apis.example.com' }),
            to('prefix', { path: { prefix: '/api/' } }),
            to('exact', { path: { exact: '/status' } }),
            to('regex', { path: { regex: '\\.json$' } }),
            to('method', { methods: ['DELETE'] }),
            to('hdr-exact', { headers: [{ name: 'X-Env', exact: 'canary' }] }),
            to('hdr-regex', { headers: [{ name: 'User-Agent', regex: '^bot/' }] }),
            to('hdr-present', { headers: [{ name: 'X-Debug', present: true }] }),
            to('query', { queryParams: [{ name: 'v', exact: '2' }] }),
            to('query-present', { queryParams: [{ name: 'beta', present: true }] }),
            to('source', { sourceCIDRs: ['10.0.0.0/8'] }),
            to('all-of', { path: { prefix: '/both' }, methods: ['POST'] }),
          ],
        }),
      ],
      backends(),
    );
    const via = async (p: string, opts: Parameters<typeof get>[2] = {}) => (await get(h.port, p, opts)).body;
    expect(await via('/', { headers: { host: 'api.example.com' } })).to.equal('api');
    expect(await via('/', { headers: { host: 'API.Example.com:8080' } })).to.equal('api');
    expect(await via('/', { headers: { host: 'eu.apis.example.com' } })).to.equal('api');
    expect(await via('/', { headers: { host: 'apis.example.com' } })).to.equal('web');
    expect(await via('/api/users')).to.equal('api');
    expect(await via('/api')).to.equal('web');
    expect(await via('/status')).to.equal('api');
    expect(await via('/status/x')).to.equal('web');
    expect(await via('/data.json?x=1')).to.equal('api');
    expect(await via('/x', { method: 'DELETE' })).to.equal('api');
    expect(await via('/x', { headers: { 'x-env': 'canary' } })).to.equal('api');
    expect(await via('/x', { headers: { 'x-env': 'prod' } })).to.equal('web');
    expect(await via('/x', { headers: { 'user-agent': 'bot/1.0' } })).to.equal('api');
    expect(await via('/x', { headers: { 'x-debug': '' } })).to.equal('api');
    expect(await via('/x?v=2')).to.equal('api');
    expect(await via('/x?v=3')).to.equal('web');
    expect(await via('/x?beta')).to.equal('api');
    expect(await via('/both', { method: 'POST', body: '' })).to.equal('api');
    expect(await via('/both')).to.equal('web'); // GET: not all conditions hold
    // 127.0.0.1 is not in 10.0.0.0/8; a rule for loopback matches.
    await h.apply(
      [
        frontend('default/fe', h.port, {
          defaultBackend: 'default/web',
          rules: [to('src', { sourceCIDRs: ['127.0.0.0/8', '::1/128'] })],
        }),
      ],
      backends(),
    );
    expect(await via('/')).to.equal('api');
  });

  it('actions: backend, redirect (scheme, host, path, code), deny; 404 without a default', async () => {
    await h.apply(
      [
        frontend('default/fe', h.port, {
          rules: [
            {
              name: 'https',
              match: { path: { prefix: '/secure' } },
              action: { type: 'redirect', scheme: 'https', code: 301, stripQuery: false },
            },
            {
              name: 'moved',
              match: { path: { prefix: '/old/' } },
              action: {
                type: 'redirect',
                host: 'new.example.com',
                prefix: '/new/',
                code: 308,
                stripQuery: true,
              },
            },
            {
              name: 'page',
              match: { path: { exact: '/page' } },
              action: { type: 'redirect', path: '/landing', code: 302, stripQuery: false },
            },
            { name: 'block', match: { path: { prefix: '/admin' } }, action: { type: 'deny', status: 403 } },
            {
              name: 'teapot',
              match: { path: { prefix: '/tea' } },
              action: { type: 'deny', status: 418, body: 'short and stout' },
            },
            to('api', { path: { prefix: '/api' } }),
          ],
        }),
      ],
      backends(),
    );
    const sec = await curl([`http://${HOST}:${h.port}/secure/x?a=1`, '-H', 'Host: shop.example.com:8080']);
    expect(sec.status).to.equal(301);
    expect(sec.headers).to.match(/^location: https:\/\/shop\.example\.com\/secure\/x\?a=1$/im);
    const moved = await get(h.port, '/old/a/b?x=1', { headers: { host: 'shop.example.com' } });
    expect(moved.status).to.equal(308);
    expect(moved.headers.location).to.equal('http://new.example.com/new/a/b');
    const page = await get(h.port, '/page?q=1', { headers: { host: 'shop.example.com' } });
    expect([page.status, page.headers.location]).to.deep.equal([302, 'http://shop.example.com/landing?q=1']);
    const denied = await get(h.port, '/admin/users');
    expect(denied.status).to.equal(403);
    expect(denied.body).to.equal('403 Forbidden\n\nrequest denied by rule block (frontend default/fe)\n');
    const tea = await get(h.port, '/tea');
    expect([tea.status, tea.body]).to.deep.equal([418, "418 I'm a Teapot\n\nshort and stout\n"]);
    expect((await get(h.port, '/api/x')).body).to.equal('api');
    const none = await get(h.port, '/nothing');
    expect(none.status).to.equal(404);
    expect(none.body).to.contain(
      'no rule matches this request and frontend default/fe has no default backend',
    );
    expect(api.requests.length + web.requests.length).to.equal(1); // only /api/x reached a server
  });

  it('header edits on frontend and rule reach the backend and the client; forwardFor and Via', async () => {
    await h.apply(
      [
        frontend('default/fe', h.port, {
          defaultBackend: 'default/web',
          forwardFor: true,
          via: true,
          requestHeaders: edits({
            add: [['X-Fe', 'fe']],
            set: [['X-Forwarded-Proto', 'https']],
            remove: ['X-Secret'],
          }),
          responseHeaders: edits({
            set: [['Strict-Transport-Security', 'max-age=31536000']],
            remove: ['X-Server'],
          }),
          rules: [
            to('api', { path: { prefix: '/api' } }, 'api', {
              requestHeaders: edits({ set: [['X-Route', 'api']], add: [['X-Fe', 'rule']] }),
              responseHeaders: edits({ add: [['X-Served-By', 'api-rule']] }),
            }),
          ],
        }),
      ],
      backends(),
    );
    const r = await get(h.port, '/api/v1', {
      headers: {
        'x-secret': 'drop me',
        'x-forwarded-for': '203.0.113.7',
        connection: 'keep-alive, X-Hop',
        'x-hop': 'hop',
        te: 'trailers',
      },
    });
    const seen = api.requests[0]!;
    const rawPairs: string[] = [];
    for (let i = 0; i < seen.rawHeaders.length; i += 2)
      rawPairs.push(`${seen.rawHeaders[i]!.toLowerCase()}: ${seen.rawHeaders[i + 1]}`);
    expect(seen.headers['x-secret']).to.equal(undefined);
    expect(rawPairs.filter((p) => p.startsWith('x-fe:'))).to.deep.equal(['x-fe: fe', 'x-fe: rule']);
    expect(seen.headers['x-route']).to.equal('api');
    expect(seen.headers['x-forwarded-for']).to.equal('203.0.113.7, 127.0.0.1');
    expect(seen.headers['x-forwarded-proto']).to.equal('https'); // the set edit runs after forwardFor
    expect(seen.headers['x-forwarded-host']).to.equal(`${HOST}:${h.port}`);
    expect(seen.headers['x-forwarded-port']).to.equal(String(h.port));
    expect(seen.headers.via).to.equal('1.1 bascule');
    expect(seen.headers).to.not.have.any.keys('x-hop', 'te');
    expect(r.headers['strict-transport-security']).to.equal('max-age=31536000');
    expect(r.headers['x-served-by']).to.equal('api-rule');
    expect(r.headers).to.not.have.any.keys('x-server', 'x-hop');
    expect(r.headers.via).to.equal('1.1 bascule');
  });
});
