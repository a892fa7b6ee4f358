// Idle kept-alive client connections are closed at the frontend's `timeouts.keepAlive`: HTTP/1.1
// in clear and over TLS, and HTTP/2 (GOAWAY once no stream is open — an HTTP/2 connection with
// a slow request in flight is not idle). Beside HAProxy 2.6's `timeout http-keep-alive`.
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
import { tlsSite, type TlsSite } from './support/tls-site.js';
import { startHaproxyProxy } from './support/haproxy-process.js';

const KEEP_ALIVE_MS = 1000;
const SLACK_MS = 4000;
const timeouts = { client: 30_000, httpRequest: 10_000, keepAlive: KEEP_ALIVE_MS };

/** Sends one request on a fresh connection, reads the response; resolves ms from response to close. */
function idleAfterResponse(connect: () => net.Socket, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = connect();
    let got = '';
    let answeredAt = 0;
    s.on('data', (d: Buffer) => {
      got += d.toString('latin1');
      if (!answeredAt && /\r\n\r\n[\s\S]*(web|0\r\n\r\n)$/.test(got)) answeredAt = Date.now();
    });
    s.once('close', () =>
      answeredAt ? resolve(Date.now() - answeredAt) : reject(new Error(`closed before a response: ${got}`)),
    );
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

  before(async () => {
    ({ ca, cert, origin: web, h } = site = await tlsSite('web'));
    plain = await freePort();
    secure = await freePort();
    await h.apply(
      [
        frontend('default/plain', plain, { defaultBackend: 'default/web', timeouts }),
        frontend('default/secure', secure, {
          defaultBackend: 'default/web',
          timeouts,
          tls: tlsOf([certSnap('a', cert)]),
        }),
      ],
      [backend('default/web', [server('web', web.port)])],
    );
  });

  after(async () => {
    await site?.close();
  });

  it('HTTP/1.1 in clear and over TLS', async () => {
    const a = await idleAfterResponse(() => net.connect(plain, HOST), 'a.example.test');
    const b = await idleAfterResponse(
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
      `      closed ${a} ms (clear) and ${b} ms (TLS) after the response; keepAlive ${KEEP_ALIVE_MS} ms`,
    );
    expect(Math.min(a, b)).to.be.at.least(KEEP_ALIVE_MS - 100);
    // At keepAlive, not "somewhere before 2 × keepAlive" (Node's HTTP server checked idle sockets
    // on a keepAlive-period sweep); the margin is for timer latency on a loaded machine.
    expect(Math.max(a, b)).to.be.below(KEEP_ALIVE_MS * 1.5);
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
      console.log(`      haproxy closed it ${t} ms after the response`);
    } finally {
      await hap.close();
    }
  });
});
