// Each balancing algorithm through a real proxy with real backends and clients.
import { expect } from 'chai';
import http from 'node:http';
import net from 'node:net';
import type { BackendSnap } from '#protocol/snapshot';
import {
  HOST,
  backend,
  eventually,
  frontend,
  get,
  harness,
  keepAlive,
  server,
  startBackend,
  startTcpEcho,
  tallyBodies,
  type Harness,
  type TestBackend,
} from './support.js';

describe('e2e/traffic: balancing algorithms', function () {
  this.timeout(60_000);
  let s: TestBackend[];
  let h: Harness;
  let agent: http.Agent;

  before(async () => {
    s = await Promise.all(['s0', 's1', 's2', 's3'].map((n) => startBackend(n)));
  });
  after(async () => {
    await Promise.all(s.map((b) => b.close()));
  });
  beforeEach(async () => {
    h = await harness();
    agent = keepAlive();
    for (const b of s) b.requests.length = 0;
  });
  afterEach(async () => {
    agent.destroy();
    await h.close();
  });

  const fe = () => frontend('default/fe', h.port, { defaultBackend: 'default/web' });
  const web = (
    balance: Partial<BackendSnap['balance']>,
    servers = s.slice(0, 3).map((b) => server(b.name, b.port)),
    extra: Partial<BackendSnap> = {},
  ) =>
    backend('default/web', servers, {
      balance: { algorithm: 'roundrobin', hashType: 'map-based', ...balance },
      ...extra,
    });

  it('roundrobin: weights 1/2/3 over 600 requests give exactly 100/200/300', async () => {
    await h.apply(
      [fe()],
      [
        web({}, [
          server('s0', s[0]!.port, { weight: 1 }),
          server('s1', s[1]!.port, { weight: 2 }),
          server('s2', s[2]!.port, { weight: 3 }),
        ]),
      ],
    );
    const counts = await tallyBodies(600, () => get(h.port, '/', { agent }));
    expect(counts).to.deep.equal({ s0: 100, s1: 200, s2: 300 });
  });

  it('static-rr: the same exact shares', async () => {
    await h.apply(
      [fe()],
      [
        web({ algorithm: 'static-rr' }, [
          server('s0', s[0]!.port, { weight: 1 }),
          server('s1', s[1]!.port, { weight: 3 }),
        ]),
      ],
    );
    expect(await tallyBodies(400, () => get(h.port, '/', { agent }))).to.deep.equal({ s0: 100, s1: 300 });
  });

  it('leastconn: steers away from a server holding slow requests', async () => {
    await h.apply([fe()], [web({ algorithm: 'leastconn' })]);
    // Hold 4 requests on whichever servers leastconn picks first; /hang never answers.
    const slowAgent = new http.Agent({ keepAlive: false });
    const hung = Array.from({ length: 3 }, () =>
      get(h.port, '/hang', { agent: slowAgent }).catch(() => undefined),
    );
    await eventually(() => s.slice(0, 3).every((b) => b.requests.some((r) => r.url === '/hang')));
    const busy = s.slice(0, 3).map((b) => b.requests.filter((r) => r.url === '/hang').length);
    expect(busy).to.deep.equal([1, 1, 1]); // one each: least connections spreads them
    // Two more slow ones land on s0 and s1 (they rotate), leaving s2 the least loaded.
    const more = [
      get(h.port, '/hang', { agent: slowAgent }).catch(() => undefined),
      get(h.port, '/hang', { agent: slowAgent }).catch(() => undefined),
    ];
    await eventually(
      () => s.slice(0, 3).reduce((t, b) => t + b.requests.filter((r) => r.url === '/hang').length, 0) === 5,
    );
    const idle = s.slice(0, 3).find((b) => b.requests.filter((r) => r.url === '/hang').length === 1)!;
    // Sequential fast requests all go to the one server without a slow request.
    const counts = await tallyBodies(20, () => get(h.port, '/', { agent }), 1);
    expect(counts).to.deep.equal({ [idle.name]: 20 });
    slowAgent.destroy();
    void hung;
    void more;
  });

  it('first: uses the first server until it is full', async () => {
    await h.apply(
      [fe()],
      [
        web({ algorithm: 'first' }, [
          server('s0', s[0]!.port, { maxConnections: 2 }),
          server('s1', s[1]!.port, { maxConnections: 2 }),
          server('s2', s[2]!.port),
        ]),
      ],
    );
    expect(await tallyBodies(10, () => get(h.port, '/', { agent }), 1)).to.deep.equal({ s0: 10 });
    const slowAgent = new http.Agent({ keepAlive: false });
    const hung = Array.from({ length: 3 }, () =>
      get(h.port, '/hang', { agent: slowAgent }).catch(() => undefined),
    );
    await eventually(
      () =>
        s[0]!.requests.filter((r) => r.url === '/hang').length === 2 &&
        s[1]!.requests.some((r) => r.url === '/hang'),
    );
    expect(await tallyBodies(5, () => get(h.port, '/', { agent }), 1)).to.deep.equal({ s1: 5 });
    slowAgent.destroy();
    void hung;
  });

  it('random: power of two choices spreads by weight', async () => {
    await h.apply(
      [fe()],
      [
        web({ algorithm: 'random' }, [
          server('s0', s[0]!.port, { weight: 1 }),
          server('s1', s[1]!.port, { weight: 1 }),
        ]),
      ],
    );
    const counts = await tallyBodies(200, () => get(h.port, '/', { agent }), 1);
    expect(counts.s0! + counts.s1!).to.equal(200);
    expect(counts.s0).to.be.within(40, 160);
  });

  it('uri, url-param, header: one key → one server; no key → round robin', async () => {
    await h.apply([fe()], [web({ algorithm: 'uri' })]);
    const byUri = await Promise.all(
      ['/a', '/b', '/c', '/d'].map(
        async (p) =>
          new Set(
            await Promise.all(
              [1, 2, 3].map(async () => (await get(h.port, `${p}?q=${Math.random()}`, { agent })).body),
            ),
          ),
      ),
    );
    for (const set of byUri) expect(set.size).to.equal(1); // the query is not part of the key
    await h.apply([fe()], [web({ algorithm: 'url-param', hashKey: 'user' })]);
    const u = new Set(
      await Promise.all(
        [1, 2, 3, 4].map(async (i) => (await get(h.port, `/x${i}?user=alice`, { agent })).body),
      ),
    );
    expect(u.size).to.equal(1);
    expect(await tallyBodies(6, () => get(h.port, '/', { agent }), 1)).to.deep.equal({ s0: 2, s1: 2, s2: 2 });
    await h.apply([fe()], [web({ algorithm: 'header', hashKey: 'X-Tenant', hashType: 'consistent' })]);
    const t = new Set(
      await Promise.all(
        [1, 2, 3, 4].map(
          async () => (await get(h.port, '/', { agent, headers: { 'x-tenant': 'acme' } })).body,
        ),
      ),
    );
    expect(t.size).to.equal(1);
  });

  it('consistent hashing: removing one of 4 servers moves at most ~1/4 of the keys', async () => {
    const all = s.map((b) => server(b.name, b.port));
    const keys = Array.from({ length: 400 }, (_, i) => `/k/${i}`);
    await h.apply([fe()], [web({ algorithm: 'uri', hashType: 'consistent' }, all)]);
    const before = await Promise.all(keys.map(async (k) => (await get(h.port, k, { agent })).body));
    await h.apply(
      [fe()],
      [
        web(
          { algorithm: 'uri', hashType: 'consistent' },
          all.filter((x) => x.name !== 's3'),
        ),
      ],
    );
    const after = await Promise.all(keys.map(async (k) => (await get(h.port, k, { agent })).body));
    const moved = keys.filter((_, i) => before[i] !== after[i]);
    // Exactly the keys s3 owned moved; nothing else.
    expect(moved.length).to.equal(before.filter((b) => b === 's3').length);
    expect(moved.length / keys.length).to.be.at.most(1 / 4 + 0.08);
    expect(new Set(before).size).to.equal(4);
  });

  it('tcp mode with source balancing: every connection of a client reaches the same server', async () => {
    const echoes = await Promise.all(['e0', 'e1', 'e2'].map((n) => startTcpEcho(n)));
    try {
      await h.apply(
        [frontend('default/tcp', h.port, { mode: 'tcp', defaultBackend: 'default/tcp' })],
        [
          backend(
            'default/tcp',
            echoes.map((e, i) => server(`e${i}`, e.port)),
            { mode: 'tcp', balance: { algorithm: 'source', hashType: 'consistent' } },
          ),
        ],
      );
      const once = (): Promise<string> =>
        new Promise((resolve, reject) => {
          let out = '';
          const c = net.connect({ port: h.port, host: HOST, allowHalfOpen: true }, () => c.end('hi'));
          c.on('data', (d) => (out += d.toString()));
          c.on('close', () => resolve(out));
          c.on('error', reject);
        });
      const seen = new Set<string>();
      for (let i = 0; i < 8; i++) seen.add((await once()).split(':')[0]!);
      expect(seen.size).to.equal(1);
    } finally {
      await Promise.all(echoes.map((e) => e.close()));
    }
  });
});
