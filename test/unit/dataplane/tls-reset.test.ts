// util/tls-reset.ts over real TLS connections on 127.0.0.1: a TLS connection made by tls.connect
// is reset (its peer reads ECONNRESET, not an end), as a plaintext server connection abandoned
// mid-exchange is; this fails if the TCP handle under the TLS layer is no longer found on this
// Node.js (TLS server connections would again close with a FIN queued behind unread bytes).
// Connections that cannot be reset (still connecting) are destroyed, and every one closes.
import { expect } from 'chai';
import net from 'node:net';
import tls from 'node:tls';
import { startDataplane, type Dataplane } from '#dataplane/dataplane';
import { makeSnapshot } from '#protocol/canonical';
import { resetTls, tlsResets } from '#dataplane/util/tls-reset';
import { TestCa, type Pem } from '../tls/certs.js';
import { HOST, backend, body, freePort, frontend, quietLogger, server } from './helpers.js';

describe('dataplane: TLS connections reset like plaintext ones (util/tls-reset.ts)', function () {
  this.timeout(20_000);
  let ca: TestCa;
  let leaf: Pem;
  let srv: tls.Server;
  let port: number;
  /** How each server-side connection ended: 'ECONNRESET', 'end', ... */
  let ends: Promise<string>[];

  before(async () => {
    ca = new TestCa();
    leaf = ca.issue({ dns: ['reset.example.test'] });
  });
  after(() => ca?.cleanup());
  beforeEach(async () => {
    ends = [];
    srv = tls.createServer({ key: leaf.key, cert: leaf.cert }, (s) => {
      ends.push(
        new Promise<string>((resolve) => {
          s.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
          s.on('end', () => resolve('end'));
        }),
      );
      s.write('hello'); // the client knows the server has the connection
      s.resume();
    });
    srv.on('tlsClientError', () => {});
    await new Promise<void>((r) => srv.listen(0, HOST, r));
    port = (srv.address() as net.AddressInfo).port;
  });
  afterEach(() => srv.close());

  function connect(): tls.TLSSocket {
    const c = tls.connect({ host: HOST, port, servername: 'reset.example.test', ca: ca.cert });
    c.on('error', () => {});
    return c;
  }

  it('resets an established TLS connection: the peer sees ECONNRESET; the socket closes', async () => {
    const c = connect();
    await new Promise((r) => c.once('data', r));
    const before = tlsResets.reset;
    const closed = new Promise((r) => c.once('close', r));
    expect(resetTls(c), 'the reset path is taken on this Node.js').to.equal(true);
    await closed;
    expect(tlsResets.reset - before).to.equal(1);
    expect(await ends[0]).to.equal('ECONNRESET');
  });

  it('a destroy of another TLS connection still ends with a FIN (the reset is per connection)', async () => {
    const c = connect();
    await new Promise((r) => c.once('data', r));
    const closed = new Promise((r) => c.once('close', r));
    c.destroy();
    await closed;
    expect(await ends[0]).to.equal('end');
  });

  it('a client gone mid-exchange: the dataplane resets its TLS server connection, as a plaintext one', async () => {
    // The server reads the request and never answers; the client resets: the exchange aborts
    // its server connection, which the server must see as a reset, whatever the transport.
    const plain = net.createServer((s) => {
      ends.push(
        new Promise<string>((resolve) => {
          s.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
          s.on('end', () => resolve('end'));
        }),
      );
      s.resume();
    });
    await new Promise<void>((r) => plain.listen(0, HOST, r));
    const fePort = await freePort();
    const plainPort = await freePort();
    const dp: Dataplane = await startDataplane({
      group: 'default',
      nodeId: 'tls-reset',
      admin: null,
      logger: quietLogger(),
    });
    try {
      const r = await dp.applySnapshot(
        makeSnapshot(
          body(
            [
              frontend('default/secure', fePort, { defaultBackend: 'default/secure' }),
              frontend('default/plain', plainPort, { defaultBackend: 'default/plain' }),
            ],
            [
              backend('default/secure', [server('s1', port)], {
                tls: { caPem: ca.cert, sni: 'reset.example.test', insecureSkipVerify: false },
              }),
              backend('default/plain', [server('p1', (plain.address() as net.AddressInfo).port)]),
            ],
          ),
        ),
      );
      expect(r, JSON.stringify(r)).to.deep.include({ ok: true });
      for (const [path, to] of [
        ['/secure', fePort],
        ['/plain', plainPort],
      ] as const) {
        const before = ends.length;
        const c = net.connect(to, HOST);
        c.on('error', () => {});
        await new Promise((r) => c.once('connect', r));
        c.write(`GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`);
        while (ends.length === before) await new Promise((r) => setTimeout(r, 10));
        // The server has the request: give it time to read it, then reset (a FIN alone is a
        // half-close after a complete request: the response is still awaited).
        await new Promise((r) => setTimeout(r, 100));
        c.resetAndDestroy();
        expect(await ends[before], `${path}: how the server connection ended`).to.equal('ECONNRESET');
      }
    } finally {
      await dp.close();
      plain.close();
    }
  });

  it('destroys a TLS connection still connecting, or already ended, instead', async () => {
    const early = connect();
    const earlyClosed = new Promise((r) => early.once('close', r));
    expect(resetTls(early)).to.equal(false);
    await earlyClosed;
    const ended = connect();
    await new Promise((r) => ended.once('data', r));
    ended.end();
    const endedClosed = new Promise((r) => ended.once('close', r));
    expect(resetTls(ended)).to.equal(false);
    await endedClosed;
    expect(ended.destroyed).to.equal(true);
  });
});
