// A client that resets its connection (RST) while the engine is not reading from it — its upload
// held back because the server is slow to read, or its download held back because the client
// stopped reading — ends the exchange at once, as HAProxy does: the server's connection is closed
// (not returned to the pool with half a request on it), its slot is released, and the access log
// and stats count a client abort. Before, a reset on a paused upload went unnoticed until
// timeouts.client fired: the server connection and its slot were held until then. timeouts.client
// is 10 minutes here; the test waits at most a small part of it.
import net from 'node:net';
import { expect } from 'chai';
import { startDataplane, type Dataplane } from '#dataplane/dataplane';
import type { StatsDocument } from '#dataplane/admin/stats-model';
import { makeSnapshot } from '#protocol/canonical';
import { ADMIN, basic, logCapture, quietLogger } from '../observability/helpers.js';
import { HOST, backend, body, eventually, freePort, frontend, server, sleep } from './support.js';

const CLIENT_TIMEOUT = 600_000;
/** How long the test waits for the abort to be seen: a small part of timeouts.client. */
const WITHIN = 20_000;
const MIB = Buffer.alloc(1024 * 1024, 0x61);
const NOTHING = Buffer.alloc(0);

/** A server that reads request heads and then nothing (uploads), or sends a large body (downloads). */
interface SlowOrigin {
  port: number;
  /** Connections accepted, and how many of them closed. */
  accepted: number;
  closed: number;
  close(): Promise<void>;
}

async function slowOrigin(): Promise<SlowOrigin> {
  const sockets = new Set<net.Socket>();
  const o: SlowOrigin = { port: 0, accepted: 0, closed: 0, close: async () => {} };
  const srv = net.createServer((s) => {
    o.accepted++;
    sockets.add(s);
    s.on('error', () => {});
    s.on('close', () => {
      o.closed++;
      sockets.delete(s);
    });
    let head = '';
    const onData = (d: Buffer): void => {
      head += d.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      s.off('data', onData);
      if (head.startsWith('POST')) {
        // The upload: read no further. A socket not read is not polled either (libuv): a zero-byte
        // write every 50 ms reports a reset (a FIN, queued behind the unread upload, never comes).
        s.pause();
        const probe = setInterval(() => (s.destroyed ? clearInterval(probe) : s.write(NOTHING)), 50);
        return;
      }
      // A download larger than every buffer on the way; the proxy holds it back.
      s.write('HTTP/1.1 200 OK\r\nContent-Length: 1073741824\r\n\r\n');
      const more = (): void => {
        while (!s.destroyed && s.write(MIB));
      };
      s.on('drain', more);
      more();
    };
    s.on('data', onData);
  });
  await new Promise<void>((r) => srv.listen(0, HOST, r));
  o.port = (srv.address() as net.AddressInfo).port;
  o.close = () =>
    new Promise<void>((r) => {
      for (const s of sockets) s.destroy();
      srv.close(() => r());
    });
  return o;
}

describe('e2e/traffic: a client reset ends the exchange at once', function () {
  this.timeout(90_000);
  let origin: SlowOrigin;
  let dp: Dataplane;
  let port: number;
  const log = logCapture();
  const auth = { authorization: basic(ADMIN.username, ADMIN.password) };

  const stats = async (): Promise<StatsDocument> =>
    (await (await fetch(`${dp.adminUrl}/stats;json`, { headers: auth })).json()) as StatsDocument;
  const serverSessions = async (): Promise<number> =>
    (await stats()).backends.find((b) => b.id === 'default/slow')!.servers[0]!.currentSessions;

  before(async () => {
    origin = await slowOrigin();
    port = await freePort();
    dp = await startDataplane({
      group: 'default',
      nodeId: 'dp-reset',
      admin: { host: HOST, port: 0 },
      logger: quietLogger(),
      observability: {
        adminAuth: ADMIN,
        accessLog: { format: 'json', destination: log },
        processMetrics: false,
      },
    });
    const applied = await dp.applySnapshot(
      makeSnapshot(
        body(
          [
            frontend('default/fe', port, {
              defaultBackend: 'default/slow',
              timeouts: { client: CLIENT_TIMEOUT, httpRequest: 5_000, keepAlive: 5_000 },
            }),
          ],
          [
            backend('default/slow', [server('origin', origin.port)], {
              timeouts: { connect: 1000, server: CLIENT_TIMEOUT, queue: 1000, tunnel: CLIENT_TIMEOUT },
              retries: { attempts: 0, redispatch: false, onResponseTimeout: false },
            }),
          ],
        ),
      ),
    );
    expect(applied.ok, JSON.stringify(applied)).to.equal(true);
  });

  after(async () => {
    await dp?.close();
    await origin?.close();
  });

  /** The access-log lines for `path` so far. */
  const records = (path: string): Array<Record<string, unknown>> => log.json().filter((l) => l.path === path);

  it('upload held back by a slow server: the reset closes the server connection and frees its slot', async () => {
    const before = { accepted: origin.accepted, closed: origin.closed, sessions: await serverSessions() };
    const s = net.connect(port, HOST);
    s.on('error', () => {});
    await new Promise<void>((r) => s.once('connect', r));
    s.write(`POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: ${1024 * MIB.length}\r\n\r\n`);
    // Upload until the client's own buffers hold what nobody reads (the proxy stopped reading).
    let stalled = false;
    for (let i = 0; i < 1024 && !stalled; i++) {
      if (!s.write(MIB)) {
        const drained = await Promise.race([
          new Promise<boolean>((r) => s.once('drain', () => r(true))),
          sleep(1000).then(() => false),
        ]);
        stalled = !drained;
      }
    }
    expect(stalled, 'the upload was never held back').to.equal(true);
    await eventually(() => origin.accepted === before.accepted + 1, WITHIN, 25);
    await eventually(async () => (await serverSessions()) === before.sessions + 1, WITHIN, 25);
    expect(origin.closed).to.equal(before.closed);

    s.resetAndDestroy();
    await eventually(() => origin.closed === before.closed + 1, WITHIN, 25);
    await eventually(async () => (await serverSessions()) === before.sessions, WITHIN, 25);
    const [rec] = await eventually(() => {
      const r = records('/up');
      return r.length > 0 ? r : undefined;
    }, WITHIN);
    // HAProxy's state for a client abort before the response began: C (client) and H (the
    // server's response was awaited; http_request_forward_body's return_cli_abort).
    expect(rec).to.include({ termination: 'CH', server: 'origin' });
    const fe = (await stats()).frontends.find((f) => f.id === 'default/fe')!;
    expect(fe.clientAborts).to.be.at.least(1);
  });

  it('download held back by a client that stopped reading: the reset closes the server connection', async () => {
    const before = { accepted: origin.accepted, closed: origin.closed, sessions: await serverSessions() };
    const s = net.connect(port, HOST);
    s.on('error', () => {});
    await new Promise<void>((r) => s.once('connect', r));
    s.pause(); // reads nothing: the proxy's writes to it stop, and it stops reading the server
    s.write('GET /down HTTP/1.1\r\nHost: x\r\n\r\n');
    await eventually(() => origin.accepted === before.accepted + 1, WITHIN, 25);
    await eventually(async () => (await serverSessions()) === before.sessions + 1, WITHIN, 25);
    await sleep(500); // the buffers on the way fill
    expect(origin.closed).to.equal(before.closed);

    s.resetAndDestroy();
    await eventually(() => origin.closed === before.closed + 1, WITHIN, 25);
    await eventually(async () => (await serverSessions()) === before.sessions, WITHIN, 25);
    const [rec] = await eventually(() => {
      const r = records('/down');
      return r.length > 0 ? r : undefined;
    }, WITHIN);
    expect(rec).to.include({ termination: 'CD', server: 'origin', status: 200 });
  });
});
