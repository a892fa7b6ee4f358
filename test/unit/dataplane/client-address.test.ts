// The HTTP/1.1 engine reads a raw connection's client address (getpeername(2)) when something
// first asks for it, and at accept while an access log is open: a peer that reset has no address
// any more, and the access log prints the address of requests a reset ended (util/address.ts).
// These tests fail if the engine reads the address of every connection again, or stops reading
// it at accept while a log is open.
import { expect } from 'chai';
import net from 'node:net';
import { takeAccepted } from '#dataplane/util/raw-accept';
import { RawSocket, type TcpHandle } from '#dataplane/util/raw-socket';
import { addressLogOpened, addressesLogged } from '#dataplane/util/address';
import { createAccessLog } from '#dataplane/access-log/access-log';
import { serveH1, type H1Handlers } from '#dataplane/http/engine/h1-server';
import type { ClientSide } from '#dataplane/http/message';
import { HOST, eventually } from './helpers.js';

/** Counts reads of RawSocket.remoteAddress (each one a getpeername(2) until one succeeds). */
function countAddressReads(): { reads: number; restore(): void } {
  const proto = RawSocket.prototype as unknown as object;
  const d = Object.getOwnPropertyDescriptor(proto, 'remoteAddress')!;
  const counter = {
    reads: 0,
    restore: () => Object.defineProperty(proto, 'remoteAddress', d),
  };
  Object.defineProperty(proto, 'remoteAddress', {
    ...d,
    get(this: RawSocket) {
      counter.reads++;
      return d.get!.call(this);
    },
  });
  return counter;
}

/** A raw connection served by the engine; `onRequest` gets each request. */
async function served(
  onRequest: (c: ClientSide) => void,
): Promise<{ srv: net.Server; client: net.Socket; raw: RawSocket }> {
  const srv = net.createServer(() => {
    throw new Error('the raw accept path was not taken');
  });
  await new Promise<void>((r) => srv.listen(0, HOST, r));
  let got!: (r: RawSocket) => void;
  const rawP = new Promise<RawSocket>((r) => (got = r));
  const handlers: H1Handlers = {
    request: onRequest,
    upgrade: () => {
      throw new Error('no upgrade here');
    },
    timeouts: () => ({ httpRequest: 10_000, keepAlive: 5_000, client: 0 }),
  };
  expect(
    takeAccepted(srv, (h: TcpHandle) => {
      const raw = new RawSocket(h);
      serveH1(raw, handlers, 80, 'http');
      got(raw);
      return true;
    }),
  ).to.equal(true);
  const client = net.connect({ port: (srv.address() as net.AddressInfo).port, host: HOST });
  client.on('error', () => {});
  return { srv, client, raw: await rawP };
}

describe('dataplane: a connection reads its client address when first asked, at accept while an access log is open', function () {
  this.timeout(20_000);

  it('no access log: no address read for a request nothing asks it of; read once when asked', async () => {
    expect(addressesLogged(), 'an access log left open by another test').to.equal(false);
    const count = countAddressReads();
    const heads: ClientSide['head'][] = [];
    const { srv, client } = await served((c) => {
      heads.push(c.head);
      c.reply(200, 'ok', undefined, false);
    });
    try {
      let got = '';
      client.on('data', (d: Buffer) => (got += d.toString('latin1')));
      client.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
      await eventually(() => got.includes('\r\n\r\n'));
      expect(count.reads, 'the address was read though nothing asked').to.equal(0);
      expect(heads[0]!.source).to.equal(HOST);
      expect(heads[0]!.sourcePort).to.equal(client.localPort);
      expect(heads[0]!.source).to.equal(HOST);
      expect(count.reads).to.equal(1); // then kept
    } finally {
      count.restore();
      client.destroy();
      srv.close();
    }
  });

  for (const logged of [true, false]) {
    it(`${logged ? 'an access log open: read at accept, kept after the client reset' : 'no access log: a reset client has no address any more (why the log reads it at accept)'}`, async () => {
      const log = logged
        ? createAccessLog({ format: 'text', destination: { write: () => true } })
        : undefined;
      const count = countAddressReads();
      const heads: ClientSide['head'][] = [];
      const { srv, client, raw } = await served((c) => heads.push(c.head)); // never answered
      try {
        expect(addressesLogged()).to.equal(logged);
        await eventually(() => client.localPort !== undefined);
        const port = client.localPort;
        client.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
        await eventually(() => heads.length === 1);
        expect(count.reads).to.equal(logged ? 1 : 0);
        client.resetAndDestroy();
        await eventually(() => raw.destroyed);
        expect(heads[0]!.source).to.equal(logged ? HOST : '');
        expect(heads[0]!.sourcePort).to.equal(logged ? port : 0);
      } finally {
        count.restore();
        log?.close();
        client.destroy();
        srv.close();
      }
      expect(addressesLogged()).to.equal(false);
    });
  }

  it('an access log counts while open, once however often it is closed; "off" does not count', () => {
    const off = createAccessLog({ format: 'off' });
    expect(addressesLogged()).to.equal(false);
    const a = createAccessLog({ format: 'json', destination: { write: () => true } });
    const release = addressLogOpened();
    expect(addressesLogged()).to.equal(true);
    a.close();
    a.close();
    expect(addressesLogged()).to.equal(true);
    release();
    release();
    expect(addressesLogged()).to.equal(false);
    off.close();
  });
});
