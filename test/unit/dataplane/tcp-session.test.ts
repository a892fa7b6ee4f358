// tcp/proxy.ts: a TCP session told of its connections' events by direct calls (RawSocket.hooks)
// instead of event listeners; the client read while its server connection is set up, up to a
// bound, instead of paused at its first read; and a side whose peer has ended closed without a
// shutdown(2) once our FIN is due. Each must keep what the session guaranteed: every byte in order
// both ways, the half-close relayed, an orderly end (a FIN, never a reset), timeouts.client while
// the server connection is set up, the hold bounded.
import { expect } from 'chai';
import crypto from 'node:crypto';
import net from 'node:net';
import { startDataplane, type Dataplane } from '#dataplane/dataplane';
import { makeSnapshot } from '#protocol/canonical';
import { RawSocket } from '#dataplane/util/raw-socket';
import { CONNECT_HOLD_BYTES, connectHold } from '#dataplane/tcp/proxy';
import {
  HOST,
  backend,
  body,
  eventually,
  freePort,
  frontend,
  quietLogger,
  server,
  sleep,
} from './helpers.js';

/** The most one read of a client connection can add to what is held (its read buffer). */
const ONE_READ = 64 * 1024;

interface Peer {
  socket: net.Socket;
  /** Everything read from it so far. */
  data: () => Buffer;
  ended: Promise<void>;
  closed: Promise<{ error: string | undefined }>;
}

function peer(socket: net.Socket): Peer {
  const chunks: Buffer[] = [];
  let error: string | undefined;
  socket.on('data', (d: Buffer) => chunks.push(d));
  socket.on('error', (e: NodeJS.ErrnoException) => (error = e.code ?? e.message));
  return {
    socket,
    data: () => Buffer.concat(chunks),
    ended: new Promise<void>((r) => socket.once('end', r)),
    closed: new Promise((r) => socket.once('close', () => r({ error }))),
  };
}

/** A TCP server keeping its accepted connections (half-open allowed) for the test to drive. */
async function sink(): Promise<{ port: number; accepted: Peer[]; close(): Promise<void> }> {
  const accepted: Peer[] = [];
  const srv = net.createServer({ allowHalfOpen: true }, (s) => accepted.push(peer(s)));
  await new Promise<void>((r) => srv.listen(0, HOST, r));
  return {
    port: (srv.address() as net.AddressInfo).port,
    accepted,
    close: () =>
      new Promise<void>((r) => {
        for (const p of accepted) p.socket.destroy();
        srv.close(() => r());
      }),
  };
}

async function connect(port: number): Promise<Peer> {
  const s = net.connect({ port, host: HOST, allowHalfOpen: true });
  const p = peer(s);
  await new Promise<void>((r, j) => {
    s.once('connect', r);
    s.once('error', j);
  });
  return p;
}

describe('dataplane: TCP sessions (tcp/proxy.ts)', function () {
  this.timeout(20_000);
  let dp: Dataplane;
  let srv: Awaited<ReturnType<typeof sink>>;
  let port: number;

  const apply = async (opts: { maxConnections?: number; client?: number; queue?: number } = {}) => {
    const r = await dp.applySnapshot(
      makeSnapshot(
        body(
          [
            frontend('default/t', port, {
              mode: 'tcp',
              defaultBackend: 'default/t',
              timeouts: { client: opts.client ?? 30_000, httpRequest: 5_000, keepAlive: 5_000 },
            }),
          ],
          [
            backend(
              'default/t',
              [server('s', srv.port, opts.maxConnections ? { maxConnections: opts.maxConnections } : {})],
              {
                mode: 'tcp',
                timeouts: { connect: 1000, server: 5000, queue: opts.queue ?? 10_000, tunnel: 10_000 },
              },
            ),
          ],
        ),
      ),
    );
    expect(r, JSON.stringify(r)).to.deep.include({ ok: true });
  };

  beforeEach(async () => {
    srv = await sink();
    port = await freePort();
    dp = await startDataplane({ group: 'default', nodeId: 't', admin: null, logger: quietLogger() });
  });
  afterEach(async () => {
    await dp.close();
    await srv.close();
  });

  it("adds no event listener to the server connection, and only close listeners to the client (the listener's and the trace's)", async () => {
    await apply();
    const added: { socket: RawSocket; event: string }[] = [];
    const proto = RawSocket.prototype as unknown as Record<string, unknown>;
    // once() and prependOnceListener() add through on() and prependListener().
    const own = ['on', 'addListener', 'prependListener'];
    const saved = own.map((m) => Object.getOwnPropertyDescriptor(proto, m));
    for (const m of own) {
      const inherited = (RawSocket.prototype as unknown as Record<string, (...a: unknown[]) => unknown>)[m]!;
      proto[m] = function (this: RawSocket, event: string, fn: unknown) {
        added.push({ socket: this, event });
        return inherited.call(this, event, fn);
      };
    }
    const made = RawSocket.created;
    const connected = RawSocket.connected;
    let c: Peer;
    try {
      c = await connect(port);
      c.socket.write('ping');
      await eventually(() => srv.accepted.length === 1 && srv.accepted[0]!.data().toString() === 'ping');
      srv.accepted[0]!.socket.write('pong');
      await eventually(() => c.data().toString() === 'pong');
      c.socket.end();
      await srv.accepted[0]!.ended;
      srv.accepted[0]!.socket.end();
      await c.ended;
      await c.closed;
    } finally {
      for (const [i, m] of own.entries()) {
        const d = saved[i];
        if (d) Object.defineProperty(proto, m, d);
        else delete proto[m];
      }
    }
    expect(RawSocket.created - made, 'both connections on their handles').to.equal(2);
    expect(RawSocket.connected - connected).to.equal(1);
    const events = added.map((a) => a.event);
    expect(
      events.every((e) => e === 'close'),
      `listeners added: ${events.join(', ')}`,
    ).to.equal(true);
    // The client (the accepted connection): the listener's and the trace's; the server's: none.
    const sockets = new Set(added.map((a) => a.socket));
    expect(sockets.size, 'one connection got listeners').to.be.at.most(1);
    expect(added.length).to.be.at.most(2);
  });

  it('relays every byte in order both ways and ends each side with a FIN, whichever side ends first', async () => {
    await apply();
    const up = crypto.randomBytes(300_000);
    const down = crypto.randomBytes(500_000);
    for (const serverFirst of [true, false]) {
      const before = srv.accepted.length;
      const c = await connect(port);
      c.socket.write(up);
      await eventually(() => srv.accepted.length === before + 1);
      const s = srv.accepted[before]!;
      s.socket.write(down);
      await eventually(() => s.data().length === up.length && c.data().length === down.length);
      if (serverFirst) {
        s.socket.end();
        await c.ended; // the server's FIN relayed; the client may still send
        c.socket.write('tail');
        await eventually(() => s.data().length === up.length + 4);
        c.socket.end();
        await s.ended;
      } else {
        c.socket.end();
        await s.ended;
        s.socket.write('tail');
        await eventually(() => c.data().length === down.length + 4);
        s.socket.end();
        await c.ended;
      }
      const [cc, sc] = await Promise.all([c.closed, s.closed]);
      expect(cc.error, 'the client saw an orderly end').to.equal(undefined);
      expect(sc.error, 'the server saw an orderly end').to.equal(undefined);
      const tail = Buffer.from('tail');
      expect(s.data().equals(serverFirst ? Buffer.concat([up, tail]) : up)).to.equal(true);
      expect(c.data().equals(serverFirst ? down : Buffer.concat([down, tail]))).to.equal(true);
    }
  });

  it(`holds what a client sends while its server connection waits, at most ${CONNECT_HOLD_BYTES} bytes plus one read, then relays it all in order`, async () => {
    await apply({ maxConnections: 1 });
    const first = await connect(port);
    first.socket.write('1');
    await eventually(() => srv.accepted.length === 1);
    // The server's one slot is taken: the second session waits in the backend's queue.
    connectHold.most = 0;
    const second = await connect(port);
    const payload = crypto.randomBytes(1 << 20);
    second.socket.write(payload);
    // Its client stops being read at the bound: the rest waits in the kernel and in the client.
    let last = -1;
    await eventually(
      () => {
        const now = connectHold.most;
        const still = now === last && now > 0;
        last = now;
        return still;
      },
      10_000,
      200,
    );
    expect(connectHold.most).to.be.at.least(CONNECT_HOLD_BYTES);
    expect(connectHold.most).to.be.below(CONNECT_HOLD_BYTES + ONE_READ);
    expect(srv.accepted.length, 'not connected while queued').to.equal(1);
    first.socket.resetAndDestroy(); // the first session ends, its slot is free
    await eventually(() => srv.accepted.length === 2);
    const s = srv.accepted[1]!;
    await eventually(() => s.data().length === payload.length, 10_000);
    expect(s.data().equals(payload), 'every byte, in order').to.equal(true);
    second.socket.end();
    await s.ended;
    s.socket.end();
    expect((await second.closed).error).to.equal(undefined);
  });

  it("relays a client's bytes and end read while it waited for its server connection", async () => {
    await apply({ maxConnections: 1 });
    const first = await connect(port);
    first.socket.write('1');
    await eventually(() => srv.accepted.length === 1);
    const second = await connect(port);
    second.socket.end('abc'); // its request and its FIN, both read while queued
    await sleep(100);
    first.socket.resetAndDestroy();
    await eventually(() => srv.accepted.length === 2);
    const s = srv.accepted[1]!;
    await s.ended;
    expect(s.data().toString()).to.equal('abc');
    s.socket.end('answer');
    await second.ended;
    expect(second.data().toString()).to.equal('answer');
    expect((await second.closed).error).to.equal(undefined);
  });

  it('closes the client when its server resets, and the server when its client resets', async () => {
    await apply();
    for (const serverResets of [true, false]) {
      const before = srv.accepted.length;
      const c = await connect(port);
      c.socket.write('x');
      await eventually(() => srv.accepted.length === before + 1 && srv.accepted[before]!.data().length === 1);
      const s = srv.accepted[before]!;
      // The other side is closed by the proxy: a FIN (its 'end': it allows half-open) or a reset.
      if (serverResets) {
        s.socket.resetAndDestroy();
        await Promise.race([c.ended, c.closed]);
      } else {
        c.socket.resetAndDestroy();
        await Promise.race([s.ended, s.closed]);
      }
    }
  });

  it('bounds a session waiting for its server connection by timeouts.client', async () => {
    await apply({ maxConnections: 1, client: 300, queue: 10_000 });
    const first = await connect(port);
    first.socket.write('1');
    await eventually(() => srv.accepted.length === 1);
    const t0 = Date.now();
    const waiting = await connect(port);
    waiting.socket.write('x'); // read and held: activity at the start, then nothing moves
    await waiting.ended; // closed by the proxy (this client allows half-open: it sees the FIN)
    const took = Date.now() - t0;
    expect(took).to.be.at.least(250);
    expect(took).to.be.below(2_000);
    expect(srv.accepted.length, 'never connected').to.equal(1);
    expect(first.socket.destroyed, 'the session holding the slot is not touched').to.equal(false);
    await sleep(10);
    first.socket.destroy();
  });
});
