// Protocol handling through the proxy: WebSocket (Upgrade) sessions and a 100 MB streamed
// transfer surviving a snapshot swap mid-flight, chunked streaming both ways, Expect:
// 100-continue, and the tunnel timeout.
import { expect } from 'chai';
import { createHash } from 'node:crypto';
import http from 'node:http';
import { Readable } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import type { BackendSnap, FrontendSnap } from '#protocol/snapshot';
import {
  HOST,
  backend,
  curl,
  eventually,
  frontend,
  get,
  harness,
  raw,
  server,
  sleep,
  startBackend,
  type Harness,
  type TestBackend,
} from './support.js';

/** A WebSocket server that echoes every message prefixed with its name. */
async function wsEcho(
  name: string,
): Promise<{ port: number; wss: WebSocketServer; cookies: string[]; close(): Promise<void> }> {
  const cookies: string[] = [];
  const wss = new WebSocketServer({ host: HOST, port: 0 });
  wss.on('connection', (ws, req) => {
    cookies.push(req.headers.cookie ?? '');
    ws.on('message', (data, isBinary) => ws.send(isBinary ? data : `${name}:${data.toString()}`));
  });
  await new Promise<void>((r) => wss.once('listening', () => r()));
  return {
    port: (wss.address() as { port: number }).port,
    wss,
    cookies,
    close: () =>
      new Promise<void>((r) => {
        for (const c of wss.clients) c.terminate();
        wss.close(() => r());
      }),
  };
}

function openWs(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ ws: WebSocket; next(): Promise<string>; upgrade: http.IncomingMessage }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    const inbox: string[] = [];
    const waiting: Array<(m: string) => void> = [];
    ws.on('message', (d) => {
      const m = d.toString();
      const w = waiting.shift();
      if (w) w(m);
      else inbox.push(m);
    });
    let upgrade: http.IncomingMessage;
    ws.once('upgrade', (res) => (upgrade = res));
    ws.once('open', () =>
      resolve({
        ws,
        upgrade,
        next: () => new Promise((r) => (inbox.length > 0 ? r(inbox.shift()!) : waiting.push(r))),
      }),
    );
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`unexpected response ${res.statusCode}`)));
  });
}

/** A deterministic byte stream of `total` bytes (no big buffers), hashed as it is produced. */
function generated(total: number): { stream: Readable; digest: () => string } {
  const hash = createHash('sha256');
  const block = Buffer.alloc(64 * 1024);
  let sent = 0;
  let n = 0;
  const stream = new Readable({
    read() {
      if (sent >= total) return void this.push(null);
      const size = Math.min(block.length, total - sent);
      block.writeUInt32BE(n++, 0); // vary the content block by block
      const chunk = Buffer.from(block.subarray(0, size));
      hash.update(chunk);
      sent += size;
      this.push(chunk);
    },
  });
  return { stream, digest: () => hash.digest('hex') };
}

describe('e2e/traffic: protocols', function () {
  this.timeout(90_000);
  let h: Harness;
  let a: TestBackend;

  before(async () => {
    a = await startBackend('a');
  });
  after(() => a.close());
  beforeEach(async () => {
    h = await harness();
    a.requests.length = 0;
  });
  afterEach(() => h.close());

  const fe = (extra: Partial<FrontendSnap> = {}) =>
    frontend('default/fe', h.port, { defaultBackend: 'default/web', ...extra });
  const tag = (v: string): Partial<FrontendSnap> => ({
    requestHeaders: { add: [], set: [{ name: 'X-Gen', value: v }], remove: [] },
  });

  it('a WebSocket echo session survives snapshot swaps; new sessions follow the new config', async () => {
    const [w1, w2] = await Promise.all([wsEcho('w1'), wsEcho('w2')]);
    try {
      const be = (port: number, extra: Partial<BackendSnap> = {}) =>
        backend('default/web', [server('w', port)], extra);
      await h.apply([fe(tag('1'))], [be(w1.port)]);
      const s = await openWs(`ws://${HOST}:${h.port}/chat`);
      expect(s.upgrade.statusCode).to.equal(101);
      s.ws.send('hello');
      expect(await s.next()).to.equal('w1:hello');
      // Swap: new header edits, and the backend now points at w2.
      for (let i = 0; i < 5; i++) {
        await h.apply([fe(tag(`swap-${i}`))], [be(i % 2 ? w1.port : w2.port)]);
        s.ws.send(`m${i}`);
        expect(await s.next()).to.equal(`w1:m${i}`); // the session keeps its server
      }
      const bin = Buffer.from([0, 1, 2, 255]);
      s.ws.send(bin);
      expect(Buffer.from(await s.next(), 'latin1').length).to.be.greaterThan(0);
      const fresh = await openWs(`ws://${HOST}:${h.port}/chat`);
      fresh.ws.send('hi');
      expect(await fresh.next()).to.equal('w2:hi');
      const closed = new Promise<number>((r) => s.ws.once('close', (code) => r(code)));
      s.ws.close(1000, 'bye');
      expect(await closed).to.equal(1000);
      fresh.ws.terminate();
    } finally {
      await Promise.all([w1.close(), w2.close()]);
    }
  });

  it('WebSocket: persistence cookie, rejected upgrades relayed, tunnel idle timeout', async () => {
    const w = await wsEcho('w');
    try {
      await h.apply(
        [
          fe({
            rules: [
              {
                name: 'no',
                match: { path: { prefix: '/forbidden' } },
                action: { type: 'deny', status: 403 },
              },
            ],
          }),
        ],
        [
          backend('default/web', [server('w', w.port, { cookie: 'ws1' })], {
            persistence: {
              cookie: {
                name: 'SRV',
                mode: 'insert',
                indirect: true,
                nocache: false,
                httpOnly: false,
                secure: false,
                path: '/',
              },
            },
            timeouts: { connect: 1000, server: 1000, queue: 1000, tunnel: 300 },
          }),
        ],
      );
      const s = await openWs(`ws://${HOST}:${h.port}/`);
      expect(s.upgrade.headers['set-cookie']).to.deep.equal(['SRV=ws1; Path=/']);
      const again = await openWs(`ws://${HOST}:${h.port}/`, { cookie: 'SRV=ws1; other=1' });
      expect(again.upgrade.headers['set-cookie']).to.equal(undefined);
      expect(w.cookies.at(-1)).to.equal('other=1'); // indirect: the server never sees SRV
      // Idle longer than timeouts.tunnel: closed by the proxy.
      const closed = await new Promise<boolean>((r) => {
        s.ws.once('close', () => r(true));
        setTimeout(() => r(false), 3000);
      });
      expect(closed).to.equal(true);
      again.ws.terminate();
      await openWs(`ws://${HOST}:${h.port}/forbidden`).then(
        () => expect.fail('upgrade should be denied'),
        (err: Error) => expect(err.message).to.equal('unexpected response 403'),
      );
      // A plain HTTP server behind: its non-101 answer is relayed, then the connection closes.
      await h.apply([fe()], [backend('default/web', [server('a', a.port)])]);
      const out = await raw(
        h.port,
        `GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`,
      );
      expect(out).to.match(/^HTTP\/1\.1 200 OK\r\n/);
      expect(out).to.match(/\r\nConnection: close\r\n/);
      expect(out.endsWith('\r\n\r\na')).to.equal(true);
    } finally {
      await w.close();
    }
  });

  it('a 100 MB upload echoed back as a stream survives swaps mid-flight (byte count and hash)', async () => {
    await h.apply([fe(tag('0'))], [backend('default/web', [server('a', a.port)])]);
    const total = 100 * 1024 * 1024;
    const src = generated(total);
    const received = createHash('sha256');
    let bytes = 0;
    let swaps = 0;
    const done = new Promise<{ status: number }>((resolve, reject) => {
      const req = http.request(
        {
          host: HOST,
          port: h.port,
          method: 'POST',
          path: '/echo',
          headers: { 'content-type': 'application/octet-stream' },
        },
        (res) => {
          res.on('data', (c: Buffer) => {
            bytes += c.length;
            received.update(c);
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0 }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      src.stream.pipe(req); // chunked: no Content-Length
    });
    // Swap a few times while bytes flow, with the server list changing too.
    const b2 = await startBackend('b2');
    try {
      while (bytes < total * 0.8 && swaps < 20) {
        await sleep(50);
        if (bytes > 0) {
          swaps++;
          await h.apply(
            [fe(tag(String(swaps)))],
            [
              backend(
                'default/web',
                swaps % 2 ? [server('b2', b2.port)] : [server('a', a.port), server('b2', b2.port)],
              ),
            ],
          );
        }
      }
      const r = await done;
      expect(r.status).to.equal(200);
      expect(bytes).to.equal(total);
      expect(received.digest('hex')).to.equal(src.digest());
      expect(swaps).to.be.greaterThan(0);
    } finally {
      await b2.close();
    }
  });

  it('chunked request and streamed chunked response pass through unbuffered', async () => {
    await h.apply([fe()], [backend('default/web', [server('a', a.port)])]);
    // The first chunk of the response arrives before the request body is finished.
    const firstEcho = await new Promise<string>((resolve, reject) => {
      const req = http.request(
        { host: HOST, port: h.port, method: 'POST', path: '/echo', agent: false },
        (res) => {
          expect(res.headers['transfer-encoding']).to.equal('chunked');
          res.once('data', (c: Buffer) => {
            resolve(c.toString());
            req.destroy();
          });
        },
      );
      req.on('error', (e: NodeJS.ErrnoException) => (e.code === 'ECONNRESET' ? undefined : reject(e)));
      req.write('part-1;'); // the body stays open
    });
    expect(firstEcho).to.equal('part-1;');
    const slow = await get(h.port, '/slow?chunks=5&ms=20');
    expect(slow.body).to.equal('a-chunk-0;a-chunk-1;a-chunk-2;a-chunk-3;a-chunk-4;');
  });

  it('Expect: 100-continue: the body is sent once a server asks for it; a refused request never uploads', async () => {
    await h.apply(
      [
        fe({
          rules: [
            { name: 'no', match: { path: { prefix: '/denied' } }, action: { type: 'deny', status: 403 } },
          ],
        }),
      ],
      [backend('default/web', [server('a', a.port)])],
    );
    const body = 'x'.repeat(2048);
    const ok = await curl([
      '-H',
      'Expect: 100-continue',
      '--data-binary',
      body,
      '--expect100-timeout',
      '20',
      `http://${HOST}:${h.port}/echo`,
    ]);
    expect(ok.status).to.equal(200);
    expect(ok.body).to.equal(body);
    expect(a.requests.at(-1)!.headers.expect).to.equal('100-continue');
    // Denied: a final answer without "100 Continue", and the connection closes.
    const out = await raw(
      h.port,
      `POST /denied HTTP/1.1\r\nHost: x\r\nContent-Length: 2048\r\nExpect: 100-continue\r\n\r\n`,
    );
    expect(out).to.match(/^HTTP\/1\.1 403 Forbidden\r\n/);
    expect(out).to.not.contain('100 Continue');
    expect(out).to.match(/connection: close/i);
    await eventually(() => a.requests.length === 1);
  });
});
