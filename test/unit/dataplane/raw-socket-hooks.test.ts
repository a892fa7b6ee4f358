// A raw connection (util/raw-socket.ts) tells its one direct party (RawSocketHooks: the HTTP/1.1
// engine) of its end, drain and close by calls, after the events' listeners, and closes its handle
// without a close callback ('close' on the next tick). The engine must take that path for the
// connections it serves on raw sockets (no event listener of its own on them); these tests fail
// if it stops doing so, or if a close without the callback loses the FIN, the reset, the order of
// 'error' then 'close', or a descriptor.
import { expect } from 'chai';
import fs from 'node:fs';
import net from 'node:net';
import { takeAccepted } from '#dataplane/util/raw-accept';
import { RawSocket, type RawSocketHooks, type TcpHandle } from '#dataplane/util/raw-socket';
import { Reads } from '#dataplane/util/socket-reads';
import { serveH1, type H1Handlers } from '#dataplane/http/engine/h1-server';
import { HOST, eventually, sleep } from './helpers.js';

async function rawPair(): Promise<{ srv: net.Server; client: net.Socket; raw: Promise<RawSocket> }> {
  const srv = net.createServer({ allowHalfOpen: true }, () => {
    throw new Error('Node made a net.Socket: the raw accept path was not taken');
  });
  await new Promise<void>((r) => srv.listen(0, HOST, r));
  let got!: (r: RawSocket) => void;
  const raw = new Promise<RawSocket>((r) => (got = r));
  expect(
    takeAccepted(srv, (h: TcpHandle) => {
      got(new RawSocket(h));
      return true;
    }),
  ).to.equal(true);
  const client = net.connect({
    port: (srv.address() as net.AddressInfo).port,
    host: HOST,
    allowHalfOpen: true,
  });
  client.on('error', () => {});
  return { srv, client, raw };
}

const openFds = (): number => fs.readdirSync('/proc/self/fd').length;

/** Records the hook calls and the events, in the order they come. */
function recorder(raw: RawSocket): string[] {
  const seen: string[] = [];
  for (const e of ['end', 'drain', 'close', 'error']) raw.on(e, () => seen.push(`event ${e}`));
  const hooks: RawSocketHooks = {
    rawEnd: () => seen.push('hook end'),
    rawDrain: () => seen.push('hook drain'),
    rawClose: () => seen.push('hook close'),
  };
  raw.hooks = hooks;
  return seen;
}

describe('dataplane: raw connections tell the engine by direct calls and close without a callback', function () {
  this.timeout(20_000);

  it('calls the hooks after the listeners: end, drain, close; the peer sees our FIN at destroy', async () => {
    const { srv, client, raw: rawP } = await rawPair();
    try {
      const raw = await rawP;
      const seen = recorder(raw);
      raw.readThrough(new Reads(() => {}));
      client.pause();
      const big = Buffer.alloc(1 << 20, 'x');
      for (let i = 0; i < 64 && raw.write(big); i++);
      expect(raw.writableNeedDrain).to.equal(true);
      client.resume();
      client.on('data', () => {});
      await eventually(() => seen.includes('hook drain'));
      client.end();
      await eventually(() => seen.includes('hook end'));
      const clientEnded = new Promise<void>((r) => client.once('end', r));
      raw.destroy();
      expect(seen).to.not.include('event close'); // never within destroy() itself
      await eventually(() => seen.includes('hook close'));
      await clientEnded; // the descriptor was closed in destroy(): the FIN went out
      expect(seen).to.deep.equal([
        'event drain',
        'hook drain',
        'event end',
        'hook end',
        'event close',
        'hook close',
      ]);
    } finally {
      client.destroy();
      srv.close();
    }
  });

  it("destroys with an error: 'error' then 'close' once; a reset reaches the peer; no descriptor left", async () => {
    const baseline = openFds();
    for (const reset of [false, true]) {
      const { srv, client, raw: rawP } = await rawPair();
      try {
        const raw = await rawP;
        const seen = recorder(raw);
        raw.readThrough(new Reads(() => {}));
        const peer = new Promise<string>((r) => {
          client.once('error', (e: NodeJS.ErrnoException) => r(e.code ?? 'error'));
          client.once('end', () => r('end'));
        });
        client.resume();
        if (reset) raw.resetAndDestroy();
        else raw.destroy(new Error('boom'));
        raw.destroy(); // a second destroy changes nothing
        expect(await peer).to.equal(reset ? 'ECONNRESET' : 'end');
        await sleep(20);
        expect(seen).to.deep.equal(
          reset ? ['event close', 'hook close'] : ['event error', 'event close', 'hook close'],
        );
      } finally {
        client.destroy();
        await new Promise<void>((r) => srv.close(() => r()));
      }
    }
    await eventually(() => openFds() <= baseline);
  });

  it('the HTTP/1.1 engine takes its raw connection by hooks, adds no listener of its own, lets go at the end', async () => {
    const { srv, client, raw: rawP } = await rawPair();
    try {
      const raw = await rawP;
      const listeners = (): number[] =>
        ['end', 'drain', 'close', 'error', 'data'].map((e) => raw.listenerCount(e));
      const before = listeners();
      const handlers: H1Handlers = {
        request: (c) => c.reply(200, 'ok', undefined, false),
        upgrade: () => {
          throw new Error('no upgrade here');
        },
        timeouts: () => ({ httpRequest: 10_000, keepAlive: 5_000, client: 0 }),
      };
      serveH1(raw, handlers, 80, 'http');
      expect(raw.hooks, 'the engine is told by direct calls').to.not.equal(undefined);
      expect(listeners()).to.deep.equal(before);
      let got = '';
      client.on('data', (d: Buffer) => (got += d.toString('latin1')));
      const ended = new Promise<void>((r) => client.once('end', r));
      client.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
      await eventually(() => got.includes('\r\n\r\n'));
      expect(got).to.match(/^HTTP\/1\.1 200 /);
      expect(raw.destroyed).to.equal(false); // kept alive
      client.write('GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
      await ended; // released at once after the answer (h1-server.ts after())
      await eventually(() => raw.destroyed);
      expect(raw.hooks, 'let go once released').to.equal(undefined);
      expect(got.match(/HTTP\/1\.1 200 /g)).to.have.length(2);
    } finally {
      client.destroy();
      srv.close();
    }
  });

  it("tells of finish after its listeners, and of connect and error by hooks alone (no 'error' listener needed)", async () => {
    const { srv, client, raw: rawP } = await rawPair();
    try {
      const raw = await rawP;
      const seen = recorder(raw);
      raw.hooks = { ...raw.hooks!, rawFinish: () => seen.push('hook finish') };
      raw.on('finish', () => seen.push('event finish'));
      raw.readThrough(new Reads(() => {}));
      client.resume();
      raw.end(); // our FIN: 'finish' when it is out
      await eventually(() => seen.includes('hook finish'));
      client.end();
      await eventually(() => seen.includes('hook close'));
      expect(seen).to.deep.equal([
        'event finish',
        'hook finish',
        'event end',
        'hook end',
        'event close',
        'hook close',
      ]);
    } finally {
      client.destroy();
      srv.close();
    }
    // A connection this process opens: 'connect' by the hook without a listener; a refused one
    // reports its error to the hook (no 'error' listener, nothing thrown), then closes.
    const up = net.createServer((s) => s.destroy());
    await new Promise<void>((r) => up.listen(0, HOST, r));
    try {
      const port = (up.address() as net.AddressInfo).port;
      const order: string[] = [];
      const ok = RawSocket.connect(HOST, port)!;
      const closed = new Promise<void>((r) => {
        ok.hooks = {
          rawConnect: () => order.push('connect'),
          rawEnd: () => {
            order.push('end');
            ok.destroy();
          },
          rawDrain: () => {},
          rawClose: () => r(),
        };
      });
      ok.readThrough(new Reads(() => {}));
      await closed; // the server closes it at once: connect, its end, then our close
      expect(order).to.deep.equal(['connect', 'end']);
      const free = net.createServer();
      await new Promise<void>((r) => free.listen(0, HOST, r));
      const refusedPort = (free.address() as net.AddressInfo).port;
      await new Promise<void>((r) => free.close(() => r()));
      const refused = RawSocket.connect(HOST, refusedPort)!;
      const got: string[] = [];
      await new Promise<void>((r) => {
        refused.hooks = {
          rawConnect: () => got.push('connect'),
          rawError: (e) => got.push(`error ${(e as NodeJS.ErrnoException).code}`),
          rawEnd: () => {},
          rawDrain: () => {},
          rawClose: () => {
            got.push('close');
            r();
          },
        };
      });
      expect(refused.listenerCount('error')).to.equal(0);
      expect(got).to.deep.equal(['error ECONNREFUSED', 'close']);
    } finally {
      up.close();
    }
  });

  it('the engine on a raw connection still bounds the first head (408) and the idle wait (keepAlive), by their timeouts', async () => {
    for (const wait of ['head', 'idle'] as const) {
      const { srv, client, raw: rawP } = await rawPair();
      try {
        const raw = await rawP;
        const handlers: H1Handlers = {
          request: (c) => c.reply(200, 'ok', undefined, false),
          upgrade: () => {
            throw new Error('no upgrade here');
          },
          timeouts: () => ({ httpRequest: 300, keepAlive: 300, client: 0 }),
        };
        serveH1(raw, handlers, 80, 'http');
        let got = '';
        client.on('data', (d: Buffer) => (got += d.toString('latin1')));
        const ended = new Promise<number>((r) => client.once('end', () => r(Date.now())));
        let t0 = Date.now();
        if (wait === 'head')
          client.write('GET / HTTP/1.1\r\n'); // a head that never ends
        else {
          client.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
          await eventually(() => got.includes('\r\n\r\n'));
          t0 = Date.now(); // the idle wait starts at the response
        }
        const took = (await ended) - t0;
        expect(took, `${wait} closed after ${took} ms`).to.be.at.least(wait === 'head' ? 280 : 250);
        expect(took, `${wait} closed after ${took} ms`).to.be.below(1500);
        if (wait === 'head') expect(got).to.match(/^HTTP\/1\.1 408 /);
        else expect(got.match(/HTTP\/1\.1 /g)).to.have.length(1); // silent close
      } finally {
        client.destroy();
        srv.close();
      }
    }
  });
});
