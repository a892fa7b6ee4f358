// Idle kept-alive client connections are closed at the frontend's `timeouts.keepAlive`: HTTP/1.1
// in clear and over TLS, and HTTP/2 (GOAWAY once no stream is open — an HTTP/2 connection with
// a slow request in flight is not idle). Beside HAProxy 2.6's `timeout http-keep-alive`. Also
// after a response the client was slow to take (the next wait starts once it has drained).
import http2 from 'node:http2';
import net from 'node:net';
import tls from 'node:tls';
import { expect } from 'chai';
import {
  HOST,
  TestCa,
  backend,
  certSnap,
  freePort,
  frontend,
  server,
  startBackend,
  tlsOf,
  type Harness,
  type Pem,
} from '../e2e/tls/support.js';
import { startRawServer } from '../unit/dataplane/helpers.js';
import { tlsSite, type TlsSite } from './support/tls-site.js';
import { startHaproxyProxy } from './support/haproxy-process.js';

const KEEP_ALIVE_MS = 1000;
/** A response body larger than what the sockets between proxy and client buffer. */
const BIG = 8 * 1024 * 1024;
const SLACK_MS = 4000;
const timeouts = { client: 30_000, httpRequest: 10_000, keepAlive: KEEP_ALIVE_MS };

/**
 * How late a timer of `ms` armed now fires (ms past its due time). The dataplane runs in this
 * process: its keepAlive timer, armed at about the same moment, is as late as this one, which is
 * what a loaded machine adds to a close (measured, not guessed).
 */
function timerLag(ms: number): Promise<number> {
  const due = Date.now() + ms;
  return new Promise((r) => setTimeout(() => r(Math.max(0, Date.now() - due)), ms));
}

/**
 * Sends one request on a fresh connection, reads the response; resolves ms from response to close,
 * and how late a keepAlive timer armed at the response fired.
 */
function idleAfterResponse(connect: () => net.Socket, host: string): Promise<{ idle: number; lag: number }> {
  return new Promise((resolve, reject) => {
    const s = connect();
    let got = '';
    let answeredAt = 0;
    let lag = Promise.resolve(0);
    s.on('data', (d: Buffer) => {
      got += d.toString('latin1');
      if (!answeredAt && /\r\n\r\n[\s\S]*(web|0\r\n\r\n)$/.test(got)) {
        answeredAt = Date.now();
        lag = timerLag(KEEP_ALIVE_MS);
      }
    });
    s.once('close', () => {
      const idle = Date.now() - answeredAt;
      if (!answeredAt) reject(new Error(`closed before a response: ${got}`));
      else void lag.then((l) => resolve({ idle, lag: l }));
    });
    s.on('error', () => {});
    setTimeout(() => {
      s.destroy();
      reject(new Error('still open'));
    }, KEEP_ALIVE_MS + SLACK_MS);
    s.write(`GET / HTTP/1.1\r\nHost: ${host}\r\n\r\n`);
  });
}

describe('security: idle keep-alive connections are closed at timeouts.keepAlive', function () {
  this.timeout(60_000);

  let ca: TestCa;
  let cert: Pem;
  let h: Harness;
  let web: Awaited<ReturnType<typeof startBackend>>;
  let plain: number;
  let secure: number;

  let site: TlsSite | undefined;
  let raw: Awaited<ReturnType<typeof startRawServer>> | undefined;
  let slow: number;

  before(async () => {
    ({ ca, cert, origin: web, h } = site = await tlsSite('web'));
    raw = await startRawServer((line) =>
      line === 'GET /big'
        ? `HTTP/1.1 200 OK\r\nContent-Length: ${BIG}\r\n\r\n${'b'.repeat(BIG)}`
        : 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nsmall',
    );
    plain = await freePort();
    secure = await freePort();
    slow = await freePort();
    await h.apply(
      [
        frontend('default/plain', plain, { defaultBackend: 'default/web', timeouts }),
        frontend('default/secure', secure, {
          defaultBackend: 'default/web',
          timeouts,
          tls: tlsOf([certSnap('a', cert)]),
        }),
        frontend('default/slow', slow, { defaultBackend: 'default/raw', timeouts }),
      ],
      [backend('default/web', [server('web', web.port)]), backend('default/raw', [server('raw', raw.port)])],
    );
  });

  after(async () => {
    await site?.close();
    await raw?.close();
  });

  it('HTTP/1.1 after a response the client was slow to take, on a kept-alive connection', async () => {
    // A small response first (the connection then waits idle once), then a large one read in
    // small steps: the response ends while most of it is still queued for the client, and the
    // idle wait starts only when the client has taken it all.
    const s = net.connect(slow, HOST);
    s.on('error', () => {});
    try {
      let got = 0;
      let text = '';
      const closed = new Promise<number>((r) => s.once('close', () => r(Date.now())));
      await new Promise<void>((resolve) => {
        s.on('data', (d: Buffer) => {
          text += d.toString('latin1');
          if (text.endsWith('small')) resolve();
        });
        s.write(`GET /small HTTP/1.1\r\nHost: a\r\n\r\n`);
      });
      await new Promise((r) => setTimeout(r, 100)); // idle for a moment between the requests
      s.removeAllListeners('data');
      s.pause();
      let total = Infinity; // the head's length + BIG, once the head is in
      let lag = Promise.resolve(0);
      let head = '';
      const doneAt = await new Promise<number>((resolve, reject) => {
        s.on('data', (d: Buffer) => {
          got += d.length;
          if (total === Infinity) {
            head += d.toString('latin1', 0, Math.min(d.length, 512));
            const end = head.indexOf('\r\n\r\n');
            if (end >= 0) total = end + 4 + BIG;
          }
          if (got >= total) {
            lag = timerLag(KEEP_ALIVE_MS);
            resolve(Date.now());
          }
        });
        s.write(`GET /big HTTP/1.1\r\nHost: a\r\n\r\n`);
        const step = setInterval(() => {
          if (s.destroyed) {
            clearInterval(step);
            reject(new Error(`closed after ${got} of ${total} bytes`));
          } else if (got >= total) clearInterval(step);
          else {
            s.resume();
            setImmediate(() => s.pause());
          }
        }, 5);
      });
      s.resume();
      const at = await Promise.race([
        closed,
        new Promise<number>((_, rej) =>
          setTimeout(() => rej(new Error('still open')), KEEP_ALIVE_MS + SLACK_MS),
        ),
      ]);
      const late = await lag;
      console.log(
        `      closed ${at - doneAt} ms after the client took the last byte; keepAlive ${KEEP_ALIVE_MS} ms (timers ${late} ms late)`,
      );
      expect(got).to.equal(total);
      expect(at - doneAt).to.be.at.least(KEEP_ALIVE_MS - 100);
      expect(at - doneAt).to.be.below(KEEP_ALIVE_MS * 1.5 + late);
    } finally {
      s.destroy();
    }
  });

  it('HTTP/1.1 in clear and over TLS', async () => {
    const clear = await idleAfterResponse(() => net.connect(plain, HOST), 'a.example.test');
    const secured = await idleAfterResponse(
      () =>
        tls.connect({
          host: HOST,
          port: secure,
          servername: 'a.example.test',
          ca: ca.cert,
          ALPNProtocols: ['http/1.1'],
        }),
      'a.example.test',
    );
    console.log(
      `      closed ${clear.idle} ms (clear) and ${secured.idle} ms (TLS) after the response; keepAlive ${KEEP_ALIVE_MS} ms (timers ${clear.lag} / ${secured.lag} ms late)`,
    );
    expect(Math.min(clear.idle, secured.idle)).to.be.at.least(KEEP_ALIVE_MS - 100);
    // At keepAlive, not "somewhere before 2 × keepAlive" (Node's HTTP server checked idle sockets
    // on a keepAlive-period sweep); the margin is for timer latency: what a timer armed beside the
    // dataplane's was late by on a loaded machine comes on top.
    for (const c of [clear, secured]) expect(c.idle).to.be.below(KEEP_ALIVE_MS * 1.5 + c.lag);
  });

  it('HTTP/2: GOAWAY once idle for keepAlive; a slow stream longer than keepAlive is not cut', async () => {
    const session = http2.connect(`https://${HOST}:${secure}`, { ca: ca.cert, servername: 'a.example.test' });
    session.on('error', () => {});
    const goaway = new Promise<number>((r) => session.once('goaway', () => r(Date.now())));
    const closed = new Promise<void>((r) => session.once('close', () => r()));
    try {
      // 6 chunks 300 ms apart: 1.5 s in flight with gaps under keepAlive, longer than keepAlive.
      const body = await new Promise<string>((resolve, reject) => {
        const st = session.request({ ':path': '/slow?chunks=6&ms=300' });
        let data = '';
        st.setEncoding('utf8');
        st.on('data', (d: string) => (data += d));
        st.on('end', () => resolve(data));
        st.on('error', reject);
        st.end();
      });
      const doneAt = Date.now();
      expect(body).to.match(/web-chunk-5;$/);
      const at = await Promise.race([
        goaway,
        new Promise<number>((_, rej) =>
          setTimeout(() => rej(new Error('no GOAWAY')), KEEP_ALIVE_MS + SLACK_MS),
        ),
      ]);
      console.log(
        `      GOAWAY ${at - doneAt} ms after the last stream ended; keepAlive ${KEEP_ALIVE_MS} ms`,
      );
      expect(at - doneAt).to.be.at.least(KEEP_ALIVE_MS - 100);
      await closed;
    } finally {
      session.destroy();
    }
  });

  it(`HAProxy (reference, timeout http-keep-alive ${KEEP_ALIVE_MS}ms) closes the same idle HTTP/1.1 connection`, async () => {
    const port = await freePort();
    const hap = await startHaproxyProxy({
      port,
      serverPort: web.port,
      timeouts: { keepAlive: KEEP_ALIVE_MS },
    });
    try {
      const t = await idleAfterResponse(() => net.connect(port, HOST), 'a.example.test');
      console.log(`      haproxy closed it ${t.idle} ms after the response`);
    } finally {
      await hap.close();
    }
  });
});
