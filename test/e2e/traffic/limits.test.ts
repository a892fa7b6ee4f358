// Capacity and abuse limits through the proxy: per-client request rate and connection limits
// (exact counts, 429, Retry-After, counters survive swaps), frontend maxConnections, server
// maxConnections with the backend queue (timeouts.queue, maxQueue) and 503 when nothing serves.
import { expect } from 'chai';
import http from 'node:http';
import net from 'node:net';
import type { BackendSnap, FrontendSnap } from '#protocol/snapshot';
import {
  HOST,
  backend,
  eventually,
  frontend,
  get,
  harness,
  raw,
  server,
  sleep,
  startBackend,
  startTcpEcho,
  type Harness,
  type TestBackend,
} from './support.js';

/** An open client connection that has sent nothing yet. */
const openSocket = (port: number): Promise<net.Socket> =>
  new Promise((resolve, reject) => {
    const s = net.connect(port, HOST, () => resolve(s));
    s.on('error', reject);
  });

describe('e2e/traffic: limits', function () {
  this.timeout(60_000);
  let a: TestBackend;
  let h: Harness;

  before(async () => {
    a = await startBackend('a');
  });
  after(() => a.close());
  beforeEach(async () => {
    h = await harness();
    a.requests.length = 0;
    a.maxInFlight = 0;
  });
  afterEach(() => h.close());

  const fe = (extra: Partial<FrontendSnap> = {}) =>
    frontend('default/fe', h.port, { defaultBackend: 'default/web', ...extra });
  const web = (extra: Partial<BackendSnap> = {}, servers = [server('a', a.port)]) =>
    backend('default/web', servers, extra);

  it('rateLimit: exactly `requests` pass, the next gets 429 with Retry-After; counters survive a swap', async () => {
    const rateLimit = { requests: 5, periodMs: 60_000, key: 'source' as const, status: 429 };
    await h.apply([fe({ rateLimit })], [web()]);
    const agent = new http.Agent({ keepAlive: true });
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await get(h.port, '/', { agent })).status);
    // A swap (another header edit) in the middle does not reset the counters.
    await h.apply([fe({ rateLimit, via: true })], [web()]);
    for (let i = 0; i < 2; i++) statuses.push((await get(h.port, '/', { agent })).status);
    const over = await get(h.port, '/', { agent });
    agent.destroy();
    expect(statuses).to.deep.equal([200, 200, 200, 200, 200]);
    expect(over.status).to.equal(429);
    // The rest of the period, plus the time the approximated window needs to slide (period/requests).
    expect(Number(over.headers['retry-after'])).to.be.within(60, 72);
    expect(over.body).to.match(
      /^429 Too Many Requests\n\nrate limit exceeded: more than 5 requests per 1m from 127\.0\.0\.1 \(frontend default\/fe\); retry in \d+s\n$/,
    );
    expect(a.requests).to.have.length(5);
    // A custom status.
    await h.apply([fe({ rateLimit: { ...rateLimit, status: 503 } })], [web()]);
    expect((await get(h.port)).status).to.equal(503);
  });

  it('connectionLimit (http): the connection past perSource gets 429 and is closed', async () => {
    await h.apply([fe({ connectionLimit: { perSource: 2, status: 429 } })], [web()]);
    const held = [await openSocket(h.port), await openSocket(h.port)];
    await eventually(async () => (await get(h.port)).status === 429);
    const r = await get(h.port);
    expect(r.status).to.equal(429);
    expect(r.headers.connection).to.equal('close');
    expect(r.body).to.contain('too many connections: 127.0.0.1 already has 2 open (frontend default/fe)');
    held[0]!.destroy();
    await eventually(async () => (await get(h.port)).status === 200);
    held[1]!.destroy();
    expect(a.requests.length).to.be.greaterThan(0);
  });

  it('connectionLimit (tcp): connections past perSource are closed', async () => {
    const echo = await startTcpEcho('e');
    try {
      await h.apply(
        [
          frontend('default/t', h.port, {
            mode: 'tcp',
            defaultBackend: 'default/t',
            connectionLimit: { perSource: 1, status: 429 },
          }),
        ],
        [backend('default/t', [server('e', echo.port)], { mode: 'tcp' })],
      );
      const first = await openSocket(h.port);
      let got = '';
      first.on('data', (d) => (got += d.toString()));
      first.write('one');
      await eventually(() => got === 'e:one');
      expect(await raw(h.port, 'two')).to.equal(''); // refused: closed without data
      first.destroy();
      await eventually(async () => (await raw(h.port, 'three', 500)) === 'e:three');
    } finally {
      await echo.close();
    }
  });

  it('frontend maxConnections: excess connections wait (unserved) until a slot frees', async () => {
    await h.apply([fe({ maxConnections: 1 })], [web()]);
    const first = await openSocket(h.port);
    let late = false;
    const second = get(h.port).then((r) => {
      late = true;
      return r;
    });
    await sleep(300);
    expect(late).to.equal(false);
    expect(h.dp.status().listeners[0]!.held).to.equal(1);
    first.destroy();
    expect((await second).status).to.equal(200);
  });

  it('server maxConnections: requests queue and are served in turn', async () => {
    await h.apply(
      [fe()],
      [
        web({ timeouts: { connect: 1000, server: 5000, queue: 5000, tunnel: 1000 } }, [
          server('a', a.port, { maxConnections: 2 }),
        ]),
      ],
    );
    const results = await Promise.all(Array.from({ length: 8 }, () => get(h.port, '/slow?chunks=2&ms=40')));
    expect(results.map((r) => r.status)).to.deep.equal(Array(8).fill(200));
    expect(a.maxInFlight).to.equal(2); // never more than maxConnections at once
  });

  it('queued requests keep their place across a swap and are served when it raises maxConnections', async () => {
    const t = { timeouts: { connect: 1000, server: 10_000, queue: 10_000, tunnel: 1000 } };
    await h.apply([fe()], [web(t, [server('a', a.port, { maxConnections: 1 })])]);
    const agent = new http.Agent({ keepAlive: false });
    const hung = get(h.port, '/hang', { agent }).catch(() => undefined);
    await eventually(() => a.requests.some((r) => r.url === '/hang'));
    const queued = Promise.all([get(h.port, '/q1'), get(h.port, '/q2')]);
    await sleep(100);
    expect(a.requests).to.have.length(1);
    await h.apply([fe({ via: true })], [web(t, [server('a', a.port, { maxConnections: 3 })])]);
    const done = await queued;
    expect(done.map((r) => r.status)).to.deep.equal([200, 200]);
    agent.destroy();
    void hung;
  });

  it('rateLimit in tcp mode counts connections', async () => {
    const echo = await startTcpEcho('e');
    try {
      await h.apply(
        [
          frontend('default/t', h.port, {
            mode: 'tcp',
            defaultBackend: 'default/t',
            rateLimit: { requests: 2, periodMs: 60_000, key: 'source', status: 429 },
          }),
        ],
        [backend('default/t', [server('e', echo.port)], { mode: 'tcp' })],
      );
      expect(await raw(h.port, 'a', 1000)).to.equal('e:a');
      expect(await raw(h.port, 'b', 1000)).to.equal('e:b');
      expect(await raw(h.port, 'c', 1000)).to.equal('');
    } finally {
      await echo.close();
    }
  });

  it('timeouts.queue and maxQueue give 503 with a clear body; no usable server gives 503', async () => {
    await h.apply(
      [fe()],
      [
        web({ maxQueue: 1, timeouts: { connect: 1000, server: 5000, queue: 200, tunnel: 1000 } }, [
          server('a', a.port, { maxConnections: 1 }),
        ]),
      ],
    );
    const agent = new http.Agent({ keepAlive: false });
    const hung = get(h.port, '/hang', { agent }).catch(() => undefined);
    await eventually(() => a.requests.some((r) => r.url === '/hang'));
    const queued = get(h.port, '/');
    await sleep(50);
    const rejected = await get(h.port, '/');
    expect(rejected.status).to.equal(503);
    expect(rejected.body).to.equal(
      '503 Service Unavailable\n\nevery server is busy and the queue is full (backend default/web, maxQueue 1)\n',
    );
    const timedOut = await queued;
    expect(timedOut.status).to.equal(503);
    expect(timedOut.body).to.contain(
      'every server stayed busy for 200ms (backend default/web, timeouts.queue)',
    );
    agent.destroy();
    void hung;
    await h.apply(
      [fe()],
      [web({}, [server('a', a.port, { state: 'maintenance' }), server('b', a.port, { weight: 0 })])],
    );
    const none = await get(h.port);
    expect(none.status).to.equal(503);
    expect(none.body).to.contain('no server is available to handle this request (backend default/web)');
  });
});
