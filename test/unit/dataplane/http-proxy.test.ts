// The HTTP engine against real sockets: routing outcomes, header handling, failures.
import { expect } from 'chai';
import http from 'node:http';
import net from 'node:net';
import { startDataplane, type Dataplane } from '#dataplane/dataplane';
import { makeSnapshot } from '#protocol/canonical';
import type { FrontendSnap } from '#protocol/snapshot';
import { refusedPort } from '../../support/ports.js';
import {
  HOST,
  backend,
  body,
  freePort,
  frontend,
  get,
  quietLogger,
  server,
  startBackend,
  type TestBackend,
} from './helpers.js';

/** Writes raw bytes, returns everything the proxy sends back until it closes. */
function rawExchange(port: number, data: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, HOST, () => s.write(data));
    let out = '';
    s.on('data', (d) => (out += d.toString()));
    s.on('close', () => resolve(out));
    s.on('error', reject);
    setTimeout(() => s.destroy(), 2000);
  });
}

describe('dataplane/http: proxy engine', function () {
  this.timeout(10_000);
  let a: TestBackend;
  let b: TestBackend;
  let dp: Dataplane;
  let port: number;
  let deadPort: number;

  before(async () => {
    [a, b] = await Promise.all([startBackend('a'), startBackend('b')]);
    deadPort = await refusedPort();
  });
  after(async () => {
    await Promise.all([a.close(), b.close()]);
  });
  beforeEach(async () => {
    port = await freePort();
    dp = await startDataplane({ group: 'default', nodeId: 'test', admin: null, logger: quietLogger() });
    a.requests.length = 0;
    b.requests.length = 0;
  });
  afterEach(async () => {
    await dp.close();
  });

  async function apply(
    fe: Partial<FrontendSnap>,
    backends = [backend('default/web', [server('a', a.port), server('b', b.port)])],
  ) {
    const r = await dp.applySnapshot(
      makeSnapshot(body([frontend('default/fe', port, { defaultBackend: 'default/web', ...fe })], backends)),
    );
    expect(r, JSON.stringify(r)).to.deep.include({ ok: true });
  }

  it('alternates between two backends', async () => {
    await apply({});
    const seen = [];
    for (let i = 0; i < 4; i++) seen.push((await get(port)).body);
    expect(seen).to.deep.equal(['a', 'b', 'a', 'b']);
  });

  it('strips hop-by-hop headers both ways and keeps end-to-end ones', async () => {
    await apply({});
    const res = await get(port, '/x?y=1', {
      headers: {
        connection: 'keep-alive, X-Conn-Only',
        'x-conn-only': '1',
        te: 'trailers',
        'keep-alive': '300',
        'proxy-connection': 'keep-alive',
        'x-end': 'kept',
      },
    });
    expect(res.status).to.equal(200);
    const seen = a.requests[0]!.headers;
    expect(seen).to.not.have.any.keys('x-conn-only', 'te', 'keep-alive', 'proxy-connection');
    expect(seen['x-end']).to.equal('kept');
    expect(a.requests[0]!.url).to.equal('/x?y=1');
    expect(seen.host).to.equal(`${HOST}:${port}`);
    expect(res.headers).to.not.have.any.keys('x-hop');
    expect(res.headers['x-server']).to.equal('a');
  });

  it('adds X-Forwarded-* and Via when asked', async () => {
    await apply({ forwardFor: true, via: true });
    await get(port, '/', { headers: { 'x-forwarded-for': '203.0.113.9', 'x-forwarded-proto': 'https' } });
    const h = a.requests[0]!.headers;
    expect(h['x-forwarded-for']).to.equal('203.0.113.9, 127.0.0.1');
    expect(h['x-forwarded-proto']).to.equal('http');
    expect(h['x-forwarded-host']).to.equal(`${HOST}:${port}`);
    expect(h['x-forwarded-port']).to.equal(String(port));
    expect(h.via).to.equal('1.1 bascule');
  });

  it('applies frontend and rule header edits to requests and responses', async () => {
    await apply({
      requestHeaders: { add: [{ name: 'X-Fe', value: 'fe' }], set: [], remove: ['X-Drop'] },
      responseHeaders: { add: [], set: [{ name: 'X-Server', value: 'hidden' }], remove: [] },
      rules: [
        {
          name: 'api',
          match: { path: { prefix: '/api' } },
          action: { type: 'backend', backend: 'default/web' },
          requestHeaders: { add: [], set: [{ name: 'X-Rule', value: 'api' }], remove: [] },
          responseHeaders: { add: [{ name: 'X-Rule-Resp', value: '1' }], set: [], remove: [] },
        },
      ],
    });
    const res = await get(port, '/api/v1', { headers: { 'x-drop': 'gone' } });
    const h = a.requests[0]!.headers;
    expect(h).to.include({ 'x-fe': 'fe', 'x-rule': 'api' });
    expect(h).to.not.have.key('x-drop');
    expect(res.headers).to.include({ 'x-server': 'hidden', 'x-rule-resp': '1' });
  });

  it('answers 404 when nothing matches and there is no default backend', async () => {
    await apply({
      defaultBackend: undefined,
      rules: [
        {
          name: 'only',
          match: { host: 'other.example' },
          action: { type: 'backend', backend: 'default/web' },
        },
      ],
    });
    const res = await get(port, '/nope');
    expect(res.status).to.equal(404);
    expect(res.headers['content-type']).to.match(/^text\/plain/);
    expect(res.body).to.equal(
      '404 Not Found\n\nno rule matches this request and frontend default/fe has no default backend\n',
    );
    // A bodiless request answered locally keeps its keep-alive connection.
    const agent = new http.Agent({ keepAlive: true });
    try {
      expect((await get(port, '/nope', { agent })).headers.connection).to.equal('keep-alive');
    } finally {
      agent.destroy();
    }
  });

  it('answers deny and redirect rules directly', async () => {
    await apply({
      rules: [
        { name: 'block', match: { path: { prefix: '/admin' } }, action: { type: 'deny', status: 403 } },
        {
          name: 'tls',
          match: { path: { prefix: '/login' } },
          action: { type: 'redirect', scheme: 'https', code: 301, stripQuery: false },
        },
      ],
    });
    const denied = await get(port, '/admin');
    expect(denied.status).to.equal(403);
    expect(denied.body).to.contain('request denied by rule block (frontend default/fe)');
    const moved = await get(port, '/login?next=/', { headers: { host: 'shop.example.com:8080' } });
    expect(moved.status).to.equal(301);
    expect(moved.headers.location).to.equal('https://shop.example.com/login?next=/');
    expect(a.requests).to.have.length(0);
  });

  it('answers 503 when no server is available', async () => {
    await apply({}, [backend('default/web', [server('a', a.port, { state: 'maintenance' })])]);
    const res = await get(port);
    expect(res.status).to.equal(503);
    expect(res.body).to.equal(
      '503 Service Unavailable\n\nno server is available to handle this request (backend default/web)\n',
    );
  });

  it('retries a refused connection on another server', async () => {
    await apply({}, [backend('default/web', [server('dead', deadPort), server('a', a.port)])]);
    for (let i = 0; i < 6; i++) expect((await get(port)).body).to.equal('a');
  });

  it('answers 503 after every connect attempt failed', async () => {
    await apply({}, [
      backend('default/web', [server('dead', deadPort)], {
        retries: { attempts: 2, redispatch: true, onResponseTimeout: false },
      }),
    ]);
    const res = await get(port);
    expect(res.status).to.equal(503);
    expect(res.body)
      .to.contain('could not connect to a server of backend default/web')
      .and.contain('ECONNREFUSED');
  });

  it('answers 504 when the server is silent past the server timeout', async () => {
    await apply({}, [
      backend('default/web', [server('a', a.port)], {
        timeouts: { connect: 1000, server: 150, queue: 1000, tunnel: 1000 },
      }),
    ]);
    const t0 = Date.now();
    const res = await get(port, '/hang');
    expect(res.status).to.equal(504);
    expect(res.body).to.contain('server did not answer in time');
    expect(Date.now() - t0).to.be.within(100, 2000);
  });

  it('streams request and response bodies (1 MiB, content-length and chunked)', async () => {
    await apply({});
    const payload = 'x'.repeat(1024 * 1024);
    const fixed = await get(port, '/echo', {
      method: 'POST',
      body: payload,
      headers: { 'content-length': String(payload.length) },
    });
    expect(fixed.body.length).to.equal(payload.length);
    const chunked = await get(port, '/echo', {
      method: 'POST',
      body: 'hello chunked',
      headers: { 'transfer-encoding': 'chunked' },
    });
    expect(chunked.body).to.equal('hello chunked');
  });

  it('answers malformed requests and oversized heads with 400, then closes', async () => {
    await apply({});
    const bad = await rawExchange(port, 'GARBAGE\r\n\r\n');
    expect(bad)
      .to.match(/^HTTP\/1\.1 400 Bad Request\r\n/)
      .and.contain('Connection: close');
    const big = await rawExchange(port, `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    expect(big)
      .to.match(/^HTTP\/1\.1 400 /)
      .and.contain('request head larger than 16384 bytes');
    expect((await get(port)).status).to.equal(200); // and the listener is fine
  });

  it('answers 408 when the request head does not arrive within the httpRequest timeout', async () => {
    await apply({ timeouts: { client: 30_000, httpRequest: 200, keepAlive: 5_000 } });
    const t0 = Date.now();
    const out = await rawExchange(port, 'GET / HTTP/1.1\r\nHost: x\r\n'); // never finishes the head
    expect(out).to.match(/^HTTP\/1\.1 408 /);
    expect(Date.now() - t0).to.be.below(1900);
  });

  it('never falls back to plaintext: a TLS frontend without certificates is not served, a TLS upstream that speaks plaintext is refused (502)', async () => {
    const tlsPort = await freePort();
    const tls = { certificates: [], alpn: [], strictSNI: false, clientAuth: { mode: 'none' as const } };
    const r = await dp.applySnapshot(
      makeSnapshot(
        body(
          [
            frontend('default/fe', port, { defaultBackend: 'default/secure' }),
            frontend('default/tls', tlsPort, { tls, defaultBackend: 'default/secure' }),
          ],
          [backend('default/secure', [server('a', a.port)], { tls: { insecureSkipVerify: false } })],
        ),
      ),
    );
    expect(r).to.deep.include({ ok: true });
    const res = await get(port);
    expect(res.status).to.equal(502); // the TLS handshake with a plaintext server fails (tls/upstream.ts)
    expect(a.requests).to.have.length(0);
    await get(tlsPort).then(
      () => expect.fail('a TLS frontend must not be served in plaintext'),
      (err: NodeJS.ErrnoException) => expect(err.code).to.equal('ECONNREFUSED'),
    );
  });

  it('releases a connection whose client asked for the close at once; one closed by the proxy lingers for the client', async () => {
    await apply({});
    const connections = (): number => dp.status().listeners.find((l) => l.port === port)!.connections;
    /** Sends `request` and keeps its own side open; resolves with what came before the proxy's FIN. */
    const exchange = (request: string): Promise<{ text: string; s: net.Socket }> =>
      new Promise((resolve, reject) => {
        const s = net.connect({ port, host: HOST, allowHalfOpen: true }, () => s.write(request));
        let text = '';
        s.on('data', (d: Buffer) => (text += d.toString('latin1')));
        s.on('end', () => resolve({ text, s }));
        s.on('error', reject);
      });
    const asked = await exchange('GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(asked.text)
      .to.match(/^HTTP\/1\.1 200 OK\r\n/)
      .and.match(/\r\nConnection: close\r\n/i);
    // The client still holds its side open: the proxy has already let the connection go.
    const t0 = Date.now();
    while (connections() > 0 && Date.now() - t0 < 500) await new Promise((r) => setTimeout(r, 10));
    expect(connections()).to.equal(0);
    asked.s.destroy();
    // Bytes after a close the client asked for are not answered; those already read make the
    // proxy linger (read and drop them), so the first answer is not destroyed by a reset.
    const pipelined = await exchange(
      'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n',
    );
    expect(pipelined.text.match(/HTTP\/1\.1 200 OK/g)).to.have.length(1);
    expect(connections()).to.equal(1); // lingering until the client closes (or CLOSE_LINGER_MS)
    pipelined.s.end();
    const t1 = Date.now();
    while (connections() > 0 && Date.now() - t1 < 2000) await new Promise((r) => setTimeout(r, 10));
    expect(connections()).to.equal(0);
    pipelined.s.destroy();
  });

  it('survives a client that disconnects mid-response', async () => {
    await apply({});
    await new Promise<void>((resolve) => {
      const s = net.connect(port, HOST, () =>
        s.write(`GET /slow?chunks=20&ms=20 HTTP/1.1\r\nHost: x\r\n\r\n`),
      );
      s.once('data', () => {
        s.destroy();
        resolve();
      });
    });
    expect((await get(port)).status).to.equal(200);
  });
});
