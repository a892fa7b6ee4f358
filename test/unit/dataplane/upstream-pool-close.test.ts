// A pooled server connection that the server closes must be closed on our side too. Plaintext
// server connections are RawSockets (util/raw-socket.ts), which stay half-open after the peer's
// FIN until destroyed (a net.Socket without allowHalfOpen closes itself). While such a connection
// sits in its pool, a request that takes it closes it (it is not usable) and the pool's expiry
// closes it after UPSTREAM_IDLE_MS; but when a full pool sweeps out connections it no longer
// keeps, a half-open one dropped there was closed by nobody: the server's side waited forever for
// our FIN (and the descriptor leaked). So: the connection is closed when the server's FIN comes
// while it is idle, and the sweep closes what it drops. This test puts half-open connections under
// usable ones in a full pool (where no request reaches them), makes the pool sweep, and waits for
// the server to see our side close — far longer than the pool's expiry, so only a connection
// nobody closes fails it.
import { expect } from 'chai';
import net from 'node:net';
import { startDataplane, type Dataplane } from '#dataplane/dataplane';
import { makeSnapshot } from '#protocol/canonical';
import { MAX_IDLE_PER_SERVER, UPSTREAM_IDLE_MS } from '#dataplane/http/engine/h1-client';
import {
  HOST,
  backend,
  body,
  eventually,
  freePort,
  frontend,
  get,
  quietLogger,
  server,
  sleep,
} from './helpers.js';

interface Held {
  socket: net.Socket;
  /** The dataplane closed its side (its FIN or a reset reached the server). */
  ended: boolean;
}

describe('dataplane: a pooled server connection the server closes is closed', function () {
  this.timeout(60_000);
  let dp: Dataplane | undefined;
  let srv: net.Server | undefined;
  const sockets = new Set<net.Socket>();

  afterEach(async () => {
    await dp?.close();
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => (srv ? srv.close(() => r()) : r()));
  });

  it('closes half-open connections the pool drops when it sweeps, and those the server closes while idle', async () => {
    const early = 4; // closed by the server once pooled, below the ones pooled after them
    const total = MAX_IDLE_PER_SERVER + 1; // one more than the pool keeps: the last put sweeps
    const held: Held[] = [];
    const ok = 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok';
    let answerNow = false;
    let arrived!: () => void;
    const allArrived = new Promise<void>((r) => (arrived = r));
    srv = net.createServer({ allowHalfOpen: true }, (s) => {
      sockets.add(s);
      const h: Held = { socket: s, ended: false };
      s.on('error', () => {});
      s.on('end', () => (h.ended = true));
      s.on('close', () => (h.ended = true));
      let buf = '';
      s.on('data', (d: Buffer) => {
        buf += d.toString('latin1');
        if (!buf.includes('\r\n\r\n')) return;
        buf = '';
        if (answerNow) s.write(ok);
        else held.push(h); // answered below, once every request has arrived
        if (held.length === total) arrived();
      });
    });
    await new Promise<void>((r) => srv!.listen(0, HOST, r));
    const port = await freePort();
    dp = await startDataplane({ group: 'default', nodeId: 'test', admin: null, logger: quietLogger() });
    const r = await dp.applySnapshot(
      makeSnapshot(
        body(
          [frontend('default/fe', port, { defaultBackend: 'default/web' })],
          [backend('default/web', [server('a', (srv.address() as net.AddressInfo).port)])],
        ),
      ),
    );
    expect(r, JSON.stringify(r)).to.deep.include({ ok: true });

    // Every request at once: each needs a server connection of its own.
    const responses = Array.from({ length: total }, () => get(port, '/'));
    await allArrived;
    answerNow = true;
    // The first few answered and then closed by the server (its FIN after the response): pooled
    // first, at the bottom of the pool, and half-open there unless the dataplane closes them.
    const closing = held.slice(0, early);
    await Promise.all(
      closing.map((h) => new Promise<void>((done) => h.socket.end(ok, () => done()))), // 'finish': FIN sent
    );
    // The FINs are in the dataplane's sockets now; a few turns of this event loop (the dataplane's
    // too) let it read them before the rest of the pool fills above.
    await sleep(200);
    // The others answered and kept: the pool fills to MAX_IDLE_PER_SERVER, and the last put sweeps.
    for (const h of held.slice(early)) h.socket.write(ok);
    const got = await Promise.all(responses);
    expect(got.map((g) => g.status)).to.deep.equal(Array(total).fill(200));
    expect(got.every((g) => g.body === 'ok')).to.equal(true);

    // Each connection the server closed is closed by the dataplane too. Waited for far past the
    // pool's expiry (UPSTREAM_IDLE_MS): a connection the pool dropped without closing never is.
    await eventually(() => closing.every((h) => h.ended), 3 * UPSTREAM_IDLE_MS + 2000, 50).catch(() => {
      throw new Error(
        `the dataplane never closed ${closing.filter((h) => !h.ended).length} of the ${early} connections the server closed`,
      );
    });
    // The pool still serves: the next request goes over a kept connection.
    const again = await get(port, '/');
    expect([again.status, again.body]).to.deep.equal([200, 'ok']);
  });
});
