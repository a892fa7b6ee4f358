// Stalled TLS handshakes are bounded: connections that send part of a ClientHello and stall (or
// trickle one byte at a time, which an idle timer never catches) are closed once the frontend's
// `timeouts.httpRequest` has passed since they were accepted — on a terminating frontend and on
// an SNI-passthrough frontend that waits for the ClientHello to route. Side by side with
// HAProxy 2.6, which closes the same stalled handshakes at its `timeout client`.
import { expect } from 'chai';
import {
  TestCa,
  backend,
  certSnap,
  freePort,
  frontend,
  handshake,
  server,
  startBackend,
  tlsOf,
  type Harness,
  type Pem,
} from '../e2e/tls/support.js';
import { tlsSite, type TlsSite } from './support/tls-site.js';
import { startHaproxyProxy } from './support/haproxy-process.js';
import { PARTIAL_CLIENT_HELLO, openStalled } from './support/sockets.js';

const LIMIT_MS = 1500;
/** Scheduling slack on a loaded 2-core machine: the bound is asserted, not its precision. */
const SLACK_MS = 4000;
const CLIENTS = 20;

describe('security: stalled TLS handshakes are bounded', function () {
  this.timeout(60_000);

  let ca: TestCa;
  let cert: Pem;
  let h: Harness;
  let web: Awaited<ReturnType<typeof startBackend>>;

  let site: TlsSite | undefined;

  before(async () => {
    ({ ca, cert, origin: web, h } = site = await tlsSite('web'));
  });

  after(async () => {
    await site?.close();
  });

  const timeouts = { client: 30_000, httpRequest: LIMIT_MS, keepAlive: 5_000 };

  it(`terminating frontend: ${CLIENTS} partial ClientHellos and one trickling client are closed at timeouts.httpRequest; good handshakes still work`, async () => {
    const port = await freePort();
    await h.apply(
      [
        frontend('default/site', port, {
          defaultBackend: 'default/web',
          timeouts,
          tls: tlsOf([certSnap('a', cert)]),
        }),
      ],
      [backend('default/web', [server('web', web.port)])],
    );
    const stalled = await openStalled(port, CLIENTS, PARTIAL_CLIENT_HELLO);
    const trickling = await openStalled(port, 1, PARTIAL_CLIENT_HELLO, {
      byte: Buffer.from([0]),
      everyMs: 200,
    });
    try {
      // While they stall, the listener keeps serving.
      expect((await handshake(port, { servername: 'a.example.test', ca: ca.cert })).cn).to.equal(
        'a.example.test',
      );
      const times = await stalled.allClosed(LIMIT_MS + SLACK_MS);
      const [trickled] = await trickling.allClosed(LIMIT_MS + SLACK_MS);
      console.log(
        `      bascule closed stalled handshakes after ${Math.min(...times)}–${Math.max(...times)} ms, the trickling one after ${trickled} ms (limit ${LIMIT_MS} ms)`,
      );
      expect(Math.min(...times, trickled!)).to.be.at.least(LIMIT_MS - 100);
      const info = h.dp.status().listeners.find((l) => l.port === port);
      expect(info?.connections).to.equal(0);
    } finally {
      stalled.destroy();
      trickling.destroy();
    }
  });

  it('passthrough frontend (routes by SNI): a partial ClientHello with no default backend is closed at timeouts.httpRequest', async () => {
    const port = await freePort();
    await h.apply(
      [
        frontend('default/pass', port, {
          mode: 'tcp',
          timeouts,
          rules: [
            {
              name: 'a',
              match: { sni: ['a.example.test'] },
              action: { type: 'backend', backend: 'default/tls' },
            },
          ],
        }),
      ],
      [backend('default/tls', [server('s', web.port)], { mode: 'tcp' })],
    );
    const stalled = await openStalled(port, CLIENTS, PARTIAL_CLIENT_HELLO);
    const trickling = await openStalled(port, 1, PARTIAL_CLIENT_HELLO, {
      byte: Buffer.from([0]),
      everyMs: 200,
    });
    try {
      const times = await stalled.allClosed(LIMIT_MS + SLACK_MS);
      const [trickled] = await trickling.allClosed(LIMIT_MS + SLACK_MS);
      console.log(
        `      bascule (passthrough) closed them after ${Math.min(...times)}–${Math.max(...times)} ms, the trickling one after ${trickled} ms`,
      );
      expect(Math.min(...times, trickled!)).to.be.at.least(LIMIT_MS - 100);
    } finally {
      stalled.destroy();
      trickling.destroy();
    }
  });

  it(`HAProxy (reference, timeout client ${LIMIT_MS}ms) closes the same stalled handshakes`, async () => {
    const port = await freePort();
    const hap = await startHaproxyProxy({
      port,
      serverPort: web.port,
      tls: cert,
      timeouts: { client: LIMIT_MS, httpRequest: LIMIT_MS },
      maxconn: 200,
    });
    const stalled = await openStalled(port, CLIENTS, PARTIAL_CLIENT_HELLO);
    try {
      const times = await stalled.allClosed(LIMIT_MS + SLACK_MS);
      console.log(
        `      haproxy closed stalled handshakes after ${Math.min(...times)}–${Math.max(...times)} ms`,
      );
    } finally {
      stalled.destroy();
      await hap.close();
    }
  });
});
