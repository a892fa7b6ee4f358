// Retries, redispatch and timeouts with servers that refuse, hang up, stall or talk nonsense.
import { expect } from 'chai';
import http from 'node:http';
import net from 'node:net';
import type { BackendSnap } from '#protocol/snapshot';
import { UPSTREAM_IDLE_MS } from '#dataplane/http/engine/h1-client';
import {
  HOST,
  backend,
  freePort,
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

/** The payload of a chunked body (the echo backend streams what it reads). */
function dechunk(body: string): string {
  let out = '';
  for (let at = 0; ;) {
    const eol = body.indexOf('\r\n', at);
    const size = parseInt(body.slice(at, eol), 16);
    if (!(size > 0)) return out;
    out += body.slice(eol + 2, eol + 2 + size);
    at = eol + 2 + size + 2;
  }
}

/** A TCP server that reads a request head, then answers `reply` (or closes when null). */
async function rawServer(
  reply: string | null,
): Promise<{ port: number; connections: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const state = { connections: 0 };
  const srv = net.createServer((s) => {
    state.connections++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => {});
    let buf = '';
    s.on('data', (d) => {
      buf += d.toString();
      if (!buf.includes('\r\n\r\n')) return;
      if (reply === null) s.destroy();
      else s.end(reply);
    });
  });
  await new Promise<void>((r) => srv.listen(0, HOST, r));
  return {
    port: (srv.address() as net.AddressInfo).port,
    get connections() {
      return state.connections;
    },
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        srv.close(() => r());
      }),
  };
}

describe('e2e/traffic: retries, redispatch and timeouts', function () {
  this.timeout(60_000);
  let a: TestBackend;
  let h: Harness;
  let dead: number;

  before(async () => {
    a = await startBackend('a');
    dead = await freePort();
  });
  after(() => a.close());
  beforeEach(async () => {
    h = await harness();
    a.requests.length = 0;
  });
  afterEach(() => h.close());

  const fe = () => frontend('default/fe', h.port, { defaultBackend: 'default/web' });
  const web = (servers: ReturnType<typeof server>[], extra: Partial<BackendSnap> = {}) =>
    backend('default/web', servers, extra);
  const retries = (attempts: number, redispatch: boolean, onResponseTimeout = false) => ({
    retries: { attempts, redispatch, onResponseTimeout },
  });

  it('a server that refuses connections costs no client error while another is up', async () => {
    await h.apply([fe()], [web([server('dead', dead), server('a', a.port)])]);
    const agent = new http.Agent({ keepAlive: true });
    const statuses = await Promise.all(
      Array.from({ length: 30 }, () => get(h.port, '/', { agent }).then((r) => r.status)),
    );
    agent.destroy();
    expect(statuses).to.deep.equal(Array(30).fill(200));
    expect(a.requests).to.have.length(30);
    // POST with a body too: a refused connection never consumed it.
    const post = await get(h.port, '/', {
      method: 'POST',
      body: 'payload',
      headers: { 'content-length': '7' },
    });
    expect(post.status).to.equal(200);
  });

  it('an upload still arriving when its refused connect is retried on a pooled connection reaches the server whole', async () => {
    await h.apply([fe()], [web([server('dead', dead), server('a', a.port)])]);
    // Round robin from "dead": each refused attempt is retried on "a", whose connection is pooled
    // after the first answer; uploads that start on "dead" then go out on that pooled connection.
    expect((await get(h.port)).status).to.equal(200);
    for (let i = 0; i < 4; i++) {
      const c = net.connect(h.port, HOST);
      let got = '';
      c.on('data', (d: Buffer) => (got += d.toString('latin1')));
      const closed = new Promise<void>((r) => c.once('close', () => r()));
      c.write('POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\nConnection: close\r\n\r\nhello');
      await sleep(100); // the rest of the body comes after the retry went out
      c.write('world');
      const timer = setTimeout(() => c.destroy(), 5000);
      await closed;
      clearTimeout(timer);
      expect(got, `upload ${i}`).to.match(/^HTTP\/1\.1 200 OK\r\n/i);
      expect(dechunk(got.slice(got.indexOf('\r\n\r\n') + 4)), `upload ${i}`).to.equal('helloworld');
    }
  });

  it('an empty response is retried elsewhere for idempotent requests only', async () => {
    const hangup = await rawServer(null);
    try {
      await h.apply([fe()], [web([server('hangup', hangup.port), server('a', a.port)])]);
      expect((await get(h.port)).body).to.equal('a'); // rr starts with hangup: retried on a
      expect(hangup.connections).to.equal(1);
      // The next request goes to "a" (round robin), the one after to hangup again: a POST with a
      // body there is not replayed.
      expect((await get(h.port)).body).to.equal('a');
      const post = await get(h.port, '/', { method: 'POST', body: 'x', headers: { 'content-length': '1' } });
      expect(post.status).to.equal(502);
      expect(post.body).to.match(
        /^502 Bad Gateway\n\nserver closed the connection without answering: server hangup/,
      );
    } finally {
      await hangup.close();
    }
  });

  it('without redispatch, retries stay on the same server (then 502/503)', async () => {
    const hangup = await rawServer(null);
    try {
      await h.apply(
        [fe()],
        [
          web([server('hangup', hangup.port), server('a', a.port)], {
            ...retries(2, false),
            timeouts: { connect: 50, server: 2000, queue: 1000, tunnel: 1000 },
          }),
        ],
      );
      const r = await get(h.port);
      expect(r.status).to.equal(502);
      expect(hangup.connections).to.equal(3); // first attempt + 2 retries, all on hangup
      expect(a.requests).to.have.length(0);
      await h.apply([fe()], [web([server('dead', dead)], retries(1, false))]);
      const refused = await get(h.port);
      expect(refused.status).to.equal(503);
      expect(refused.body).to.match(
        /could not connect to a server of backend default\/web \(last: server dead .*ECONNREFUSED\)/,
      );
    } finally {
      await hangup.close();
    }
  });

  it('server timeout: 504, or a retry elsewhere with onResponseTimeout for idempotent requests', async () => {
    const t = { timeouts: { connect: 1000, server: 200, queue: 1000, tunnel: 1000 } };
    const hang = await startBackend('hang');
    hang.server.removeAllListeners('request');
    hang.server.on('request', (req: http.IncomingMessage) => hang.requests.push(req)); // never answers
    try {
      await h.apply(
        [fe()],
        [web([server('hang', hang.port), server('a', a.port)], { ...t, ...retries(3, true, false) })],
      );
      const plain = await get(h.port);
      expect(plain.status).to.equal(504);
      expect(plain.body).to.equal(
        '504 Gateway Timeout\n\nserver did not answer in time: server hang (127.0.0.1:' +
          hang.port +
          '), backend default/web\n',
      );
      await h.apply(
        [fe()],
        [web([server('hang', hang.port), server('a', a.port)], { ...t, ...retries(3, true, true) })],
      );
      const bodies = [(await get(h.port)).body, (await get(h.port)).body];
      expect(bodies).to.deep.equal(['a', 'a']);
      // Not for a request with a body: it may have been processed.
      let post;
      do post = await get(h.port, '/', { method: 'POST', body: 'x', headers: { 'content-length': '1' } });
      while (post.status === 200);
      expect(post.status).to.equal(504);
    } finally {
      await hang.close();
    }
  });

  it('an invalid response is 502 with a short body', async () => {
    const liar = await rawServer('HELLO THERE\r\n\r\n');
    try {
      await h.apply([fe()], [web([server('liar', liar.port)])]);
      const r = await get(h.port);
      expect(r.status).to.equal(502);
      expect(r.body).to.match(
        /^502 Bad Gateway\n\nbad answer from server liar \(127\.0\.0\.1:\d+\), backend default\/web: HPE_/,
      );
    } finally {
      await liar.close();
    }
  });

  it('client timeout: a stalled upload gets 408; the server never sees a complete request', async () => {
    await h.apply(
      [
        frontend('default/fe', h.port, {
          defaultBackend: 'default/web',
          timeouts: { client: 300, httpRequest: 5000, keepAlive: 5000 },
        }),
      ],
      [web([server('a', a.port)])],
    );
    const out = await raw(
      h.port,
      'POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n0123456789',
      5000,
    );
    expect(out).to.match(/^HTTP\/1\.1 408 Request Timeout\r\n/);
    expect(out).to.contain('request body not received in time (frontend default/fe, timeouts.client)');
    expect(out).to.match(/connection: close/i);
    expect(a.requests).to.have.length(1);
    expect(a.requests[0]!.complete).to.equal(false);
  });

  it('keepAlive: false closes the server connection after each response (option httpclose)', async () => {
    const conns = new Set<string>();
    a.server.on('connection', (s: net.Socket) => conns.add(`${s.remotePort}`));
    await h.apply([fe()], [web([server('a', a.port)], { keepAlive: false })]);
    for (let i = 0; i < 3; i++) await get(h.port);
    expect(a.requests.map((r) => r.headers.connection)).to.deep.equal(['close', 'close', 'close']);
    expect(conns.size).to.equal(3);
    conns.clear();
    await h.apply([fe()], [web([server('a', a.port)], { keepAlive: true })]);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    for (let i = 0; i < 3; i++) await get(h.port, '/', { agent });
    agent.destroy();
    expect(conns.size).to.equal(1);
  });

  it('a pooled connection the server closed as the next request arrived: an idempotent request is retried on a new connection, a POST with a body is 502', async () => {
    // Answers the first request of each connection (kept alive), then closes the connection on
    // the second without answering: the race of a server idle timeout with a reused connection.
    const sockets = new Set<net.Socket>();
    let connections = 0;
    const srv = net.createServer((s) => {
      connections++;
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {});
      let seen = '';
      let answered = false;
      s.on('data', (d) => {
        seen += d.toString('latin1');
        if (!seen.includes('\r\n\r\n')) return;
        if (answered) return void s.destroy();
        answered = true;
        seen = '';
        s.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
      });
    });
    await new Promise<void>((r) => srv.listen(0, HOST, r));
    try {
      const port = (srv.address() as net.AddressInfo).port;
      await h.apply([fe()], [web([server('flaky', port)], retries(1, true))]);
      expect((await get(h.port)).body).to.equal('ok'); // connection 1, then pooled
      const again = await get(h.port); // pooled connection 1 is closed under it: retried on 2
      expect([again.status, again.body]).to.deep.equal([200, 'ok']);
      expect(connections).to.equal(2);
      const post = await get(h.port, '/', { method: 'POST', body: 'x', headers: { 'content-length': '1' } });
      expect(post.status).to.equal(502); // connection 2 closed under it: the body may have been used
      expect(post.body).to.match(
        /^502 Bad Gateway\n\nserver closed the connection without answering: server flaky/,
      );
      expect(connections).to.equal(2);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => srv.close(() => r()));
    }
  });

  it(`an idle pooled server connection is closed after ${UPSTREAM_IDLE_MS} ms, and reused until then`, async () => {
    const opened: number[] = [];
    const closed: number[] = [];
    const onConnection = (s: net.Socket): void => {
      opened.push(Date.now());
      s.once('close', () => closed.push(Date.now()));
    };
    a.server.on('connection', onConnection);
    try {
      await h.apply([fe()], [web([server('a', a.port)])]);
      await get(h.port);
      const answeredAt = Date.now();
      await new Promise((r) => setTimeout(r, UPSTREAM_IDLE_MS / 4));
      await get(h.port); // reused: no new server connection
      const reusedAt = Date.now();
      expect(opened).to.have.length(1);
      const deadline = reusedAt + UPSTREAM_IDLE_MS + 3000;
      while (closed.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(closed, 'closed by the dataplane').to.have.length(1);
      const idleMs = closed[0]! - reusedAt;
      console.log(
        `      closed ${idleMs} ms after its last response (first one ${closed[0]! - answeredAt} ms)`,
      );
      expect(idleMs).to.be.within(UPSTREAM_IDLE_MS - 50, UPSTREAM_IDLE_MS + 2500);
    } finally {
      a.server.off('connection', onConnection);
    }
  });

  it('a server that answers an upload before reading it: the client finishes sending (no reset), and its connection carries the next request', async () => {
    const early = await rawServer('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nearly');
    try {
      await h.apply([fe()], [web([server('early', early.port)])]);
      const c = net.connect(h.port, HOST);
      let got = '';
      let error: Error | undefined;
      c.on('data', (d: Buffer) => (got += d.toString('latin1')));
      c.on('error', (e) => (error = e));
      await new Promise<void>((r) => c.once('connect', r));
      const total = 8 * 1024 * 1024;
      c.write(`POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: ${total}\r\n\r\n`);
      // 8 MiB over ~1.5 s: longer than the linger of a closed connection (1 s), so a close after
      // the early answer would reset the upload.
      const chunk = Buffer.alloc(64 * 1024, 0x75);
      for (let sent = 0; sent < total; sent += chunk.length) {
        if (error || c.destroyed) break; // reset under it: the assertion below says so
        if (!c.write(chunk))
          await new Promise<void>((r) => {
            c.once('drain', r);
            c.once('close', r);
          });
        await new Promise((r) => setTimeout(r, 12));
      }
      await new Promise((r) => setTimeout(r, 200));
      expect(error?.message).to.equal(undefined);
      expect(got).to.match(/^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\nearly$/);
      got = '';
      c.write('GET /next HTTP/1.1\r\nHost: x\r\n\r\n');
      const deadline = Date.now() + 5000;
      while (!got.endsWith('early') && !error && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 20));
      expect(got, 'the next request on the same connection').to.match(/^HTTP\/1\.1 200 OK\r\n/);
      c.destroy();
    } finally {
      await early.close();
    }
  });
});
