// The promise (ARCHITECTURE §3): swaps never drop a connection, in-flight work finishes on the
// runtime it started with, unchanged binds keep their socket, state survives.
import { expect } from 'chai';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'undici';
import { startDataplane, type Dataplane } from '#dataplane/dataplane';
import { makeSnapshot } from '#protocol/canonical';
import { ErrorCodes } from '#protocol/errors';
import type { BackendSnap, FrontendSnap } from '#protocol/snapshot';
import {
  HOST,
  backend,
  body,
  capturingLogger,
  eventually,
  freePort,
  frontend,
  get,
  quietLogger,
  server,
  sleep,
  startBackend,
  startTcpEcho,
  type TestBackend,
} from './helpers.js';

/** A TCP client that collects everything it receives. */
function tcpClient(
  port: number,
): Promise<{ socket: net.Socket; received: () => string; closed: Promise<void> }> {
  return new Promise((resolve, reject) => {
    let data = '';
    const socket = net.connect({ port, host: HOST, allowHalfOpen: true });
    const closed = new Promise<void>((r) => socket.once('close', () => r()));
    socket.on('data', (d) => (data += d.toString()));
    socket.once('connect', () => resolve({ socket, received: () => data, closed }));
    socket.once('error', reject);
  });
}

describe('dataplane/hot swap', function () {
  this.timeout(20_000);
  let a: TestBackend;
  let b: TestBackend;
  let c: TestBackend;
  let e1: Awaited<ReturnType<typeof startTcpEcho>>;
  let e2: Awaited<ReturnType<typeof startTcpEcho>>;
  let dp: Dataplane;
  let webPort: number;

  before(async () => {
    [a, b, c, e1, e2] = await Promise.all([
      startBackend('a'),
      startBackend('b'),
      startBackend('c'),
      startTcpEcho('e1'),
      startTcpEcho('e2'),
    ]);
  });
  after(async () => {
    await Promise.all([a.close(), b.close(), c.close(), e1.close(), e2.close()]);
  });
  beforeEach(async () => {
    webPort = await freePort();
    for (const s of [a, b, c]) s.requests.length = 0;
    dp = await startDataplane({ group: 'default', nodeId: 'swap', admin: null, logger: quietLogger() });
  });
  afterEach(async () => {
    await dp.close();
  });

  const web = (servers = [server('a', a.port), server('b', b.port)], extra: Partial<BackendSnap> = {}) =>
    backend('default/web', servers, extra);
  const webFe = (extra: Partial<FrontendSnap> = {}) =>
    frontend('default/web', webPort, { defaultBackend: 'default/web', ...extra });
  const tag = (value: string): Partial<FrontendSnap> => ({
    requestHeaders: { add: [], set: [{ name: 'X-Gen', value }], remove: [] },
  });

  async function applyOk(frontends: FrontendSnap[], backends: BackendSnap[]) {
    const r = await dp.applySnapshot(makeSnapshot(body(frontends, backends)));
    expect(r, JSON.stringify(r)).to.deep.include({ ok: true });
    return r;
  }

  it('keeps every keep-alive request, a slow stream and a TCP session intact across 50 swaps', async () => {
    const extraPort = await freePort();
    const tcpPort = await freePort();
    const tcpFe = () =>
      frontend('default/tcp', tcpPort, {
        mode: 'tcp',
        defaultBackend: 'default/tcp',
        timeouts: { client: 10_000, httpRequest: 0, keepAlive: 0 },
      });
    const tcpBe = (port: number) => backend('default/tcp', [server('e', port)], { mode: 'tcp' });
    await applyOk([webFe(tag('init')), tcpFe()], [web(), tcpBe(e1.port)]);

    const client = new Client(`http://${HOST}:${webPort}`, { pipelining: 1, keepAliveTimeout: 30_000 });
    let connects = 0;
    client.on('connect', () => connects++);
    let ok = 0;
    const failures: string[] = [];
    let stop = false;
    const loop = (async () => {
      while (!stop) {
        try {
          const r = await client.request({ path: '/', method: 'GET' });
          const text = await r.body.text();
          if (r.statusCode === 200 && /^[abc]$/.test(text)) ok++;
          else failures.push(`${r.statusCode} ${text}`);
        } catch (err) {
          failures.push(String(err));
        }
      }
    })();

    // In flight across the whole run: a slow stream (about 1 s) and a TCP session.
    const slow = get(webPort, '/slow?chunks=40&ms=25');
    const tcp = await tcpClient(tcpPort);
    tcp.socket.write('one');
    await eventually(() => tcp.received().includes('one'));

    let extraOk = 0;
    for (let i = 0; i < 50; i++) {
      const frontends = [webFe(tag(`gen-${i}`)), tcpFe()];
      const withExtra = i % 10 >= 3 && i % 10 < 7; // added at 3, removed at 7, four times
      if (withExtra) frontends.push(frontend('default/extra', extraPort, { defaultBackend: 'default/web' }));
      // Server sets change too: "a" leaves and returns, "c" comes and goes.
      const servers =
        i % 5 === 0
          ? [server('b', b.port)]
          : i % 2
            ? [server('a', a.port), server('b', b.port)]
            : [server('a', a.port), server('b', b.port), server('c', c.port)];
      await applyOk(frontends, [web(servers), tcpBe(i % 2 ? e2.port : e1.port)]);
      if (withExtra && i % 10 === 5) {
        expect((await get(extraPort)).status).to.equal(200);
        extraOk++;
      }
      await sleep(10);
    }
    stop = true;
    await loop;
    await client.close();

    expect(failures).to.deep.equal([]);
    expect(ok).to.be.greaterThan(50);
    expect(connects, 'the keep-alive connection survived every swap').to.equal(1);
    expect(extraOk).to.equal(5);
    await eventually(async () => {
      try {
        await get(extraPort);
        return false;
      } catch (err) {
        return (err as NodeJS.ErrnoException).code === 'ECONNREFUSED';
      }
    });

    const streamed = await slow;
    expect(streamed.status).to.equal(200);
    const who = streamed.headers['x-server'];
    expect(streamed.body).to.equal(Array.from({ length: 40 }, (_, i) => `${who}-chunk-${i};`).join(''));

    // The TCP session kept its original upstream (e1) although the backend moved to e2 and back.
    tcp.socket.write('two');
    await eventually(() => tcp.received().includes('two'));
    tcp.socket.end();
    await tcp.closed;
    expect(tcp.received()).to.equal('e1:onee1:twoe1:bye');
  });

  it('treats an identical snapshot as a no-op', async () => {
    const snap = makeSnapshot(body([webFe()], [web()]));
    expect(await dp.applySnapshot(snap)).to.deep.equal({ ok: true, version: snap.version, noop: false });
    const appliedAt = dp.status().appliedAt;
    await sleep(5);
    expect(await dp.applySnapshot(snap)).to.deep.equal({ ok: true, version: snap.version, noop: true });
    // Same content built separately (not the same object) is still the same version.
    expect(await dp.applySnapshot(body([webFe()], [web()]))).to.deep.include({ noop: true });
    expect(dp.status().appliedAt).to.equal(appliedAt);
  });

  it('NACKs a bind conflict with LISTEN_FAILED and keeps the old config serving', async () => {
    await applyOk([webFe()], [web()]);
    const before = dp.currentVersion;
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, HOST, r));
    const taken = (blocker.address() as net.AddressInfo).port;
    const fresh = await freePort();
    try {
      const r = await dp.applySnapshot(
        body(
          [
            webFe(tag('new')),
            frontend('default/fresh', fresh, { defaultBackend: 'default/web' }),
            frontend('default/clash', taken, { defaultBackend: 'default/web' }),
          ],
          [web()],
        ),
      );
      expect(r.ok).to.equal(false);
      if (r.ok) return;
      expect(r.error.code).to.equal(ErrorCodes.LISTEN_FAILED);
      expect(r.error.message)
        .to.contain('default/clash')
        .and.contain(`${HOST}:${taken}`)
        .and.contain('EADDRINUSE');
      expect(dp.currentVersion).to.equal(before);
      expect((await get(webPort)).status).to.equal(200);
      expect(a.requests.at(-1)!.headers['x-gen']).to.equal(undefined); // still the old router
      // The listener opened for the failed swap was closed again.
      await get(fresh).then(
        () => expect.fail('port should be closed'),
        (err: NodeJS.ErrnoException) => expect(err.code).to.equal('ECONNREFUSED'),
      );
    } finally {
      blocker.close();
    }
  });

  it('NACKs a snapshot that does not build and one whose version does not match', async () => {
    await applyOk([webFe()], [web()]);
    const dangling = await dp.applySnapshot(body([webFe({ defaultBackend: 'default/missing' })], [web()]));
    expect(dangling).to.deep.include({ ok: false });
    expect(!dangling.ok && dangling.error.code).to.equal(ErrorCodes.SNAPSHOT_BUILD);
    const forged = await dp.applySnapshot({ version: 'f'.repeat(64), body: body([webFe()], []) });
    expect(!forged.ok && forged.error.code).to.equal(ErrorCodes.SNAPSHOT_INVALID);
    expect((await get(webPort)).status).to.equal(200);
  });

  it('carries the round-robin position across a swap', async () => {
    await applyOk([webFe(tag('1'))], [web()]);
    expect((await get(webPort)).body).to.equal('a');
    await applyOk([webFe(tag('2'))], [web()]);
    expect((await get(webPort)).body).to.equal('b');
    // Adding a server keeps the others' positions too.
    await applyOk([webFe(tag('3'))], [web([server('a', a.port), server('b', b.port), server('c', c.port)])]);
    const next = await Promise.all([0, 1, 2].map(async () => (await get(webPort)).body));
    expect(next.sort()).to.deep.equal(['a', 'b', 'c']);
  });

  it('drains a removed listener: in-flight request completes, new connections are refused', async () => {
    const extraPort = await freePort();
    const extra = frontend('default/extra', extraPort, { defaultBackend: 'default/web' });
    await applyOk([webFe(), extra], [web([server('a', a.port)])]);
    const slow = get(extraPort, '/slow?chunks=10&ms=30');
    await eventually(() => a.requests.some((r) => r.url?.startsWith('/slow')));
    await applyOk([webFe()], [web([server('a', a.port)])]);
    await get(extraPort).then(
      () => expect.fail('removed listener still accepts'),
      (err: NodeJS.ErrnoException) => expect(err.code).to.equal('ECONNREFUSED'),
    );
    const draining = dp.status().listeners.find((l) => l.port === extraPort);
    expect(draining?.state).to.equal('draining');
    const res = await slow;
    expect(res.body).to.equal(Array.from({ length: 10 }, (_, i) => `a-chunk-${i};`).join(''));
    await eventually(() => !dp.status().listeners.some((l) => l.port === extraPort));
  });

  it('closes idle keep-alive connections of a removed listener and lets a mode change take the bind', async () => {
    const extraPort = await freePort();
    await applyOk(
      [webFe(), frontend('default/extra', extraPort, { defaultBackend: 'default/web' })],
      [web()],
    );
    const client = new Client(`http://${HOST}:${extraPort}`);
    let disconnected = false;
    client.on('disconnect', () => (disconnected = true));
    const r = await client.request({ path: '/', method: 'GET' });
    await r.body.text();
    await applyOk([webFe()], [web()]);
    await eventually(() => disconnected);
    await client.close();

    // http → tcp on the same bind: the socket stays, new connections are proxied as TCP.
    await applyOk(
      [webFe({ mode: 'tcp', defaultBackend: 'default/tcp' })],
      [web(), backend('default/tcp', [server('e', e1.port)], { mode: 'tcp' })],
    );
    const tcp = await tcpClient(webPort);
    tcp.socket.end('hi');
    await tcp.closed;
    expect(tcp.received()).to.equal('e1:hie1:bye');
  });

  it('serves the persisted snapshot after a restart with no controller', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'bascule-dp-'));
    try {
      const first = await startDataplane({
        group: 'default',
        nodeId: 'p',
        admin: null,
        stateDir: dir,
        logger: quietLogger(),
      });
      const port = await freePort();
      const older = makeSnapshot(
        body(
          [frontend('default/p', port, { defaultBackend: 'default/web' })],
          [web(), backend('default/other', [server('o', 1)])],
        ),
      );
      const snap = makeSnapshot(
        body([frontend('default/p', port, { defaultBackend: 'default/web' })], [web()]),
      );
      // The second within the persist interval of the first: the stop writes it (a flush), as
      // the change from the first appended to the journal; the restart replays it.
      expect(await first.applySnapshot(older)).to.deep.include({ ok: true });
      await sleep(50); // the first write starts (after the apply's turn)
      expect(await first.applySnapshot(snap)).to.deep.include({ ok: true });
      await first.close();
      const saved = JSON.parse(await readFile(path.join(dir, 'snapshot.json'), 'utf8')) as {
        version: string;
      };
      expect(saved.version).to.equal(older.version);
      const journal = (await readFile(path.join(dir, 'snapshot.journal'), 'utf8')).split('\n');
      expect(journal).to.have.length(2); // one line and its newline
      expect((JSON.parse(journal[0]!) as { version: string }).version).to.equal(snap.version);

      const second = await startDataplane({
        group: 'default',
        nodeId: 'p',
        admin: null,
        stateDir: dir,
        logger: quietLogger(),
      });
      try {
        expect(second.currentVersion).to.equal(snap.version);
        expect((await get(snap.body.frontends[0]!.bind.port)).status).to.equal(200);
      } finally {
        await second.close();
      }

      // A corrupt file is reported and skipped, never fatal.
      await writeFile(path.join(dir, 'snapshot.json'), '{"version":"x","body":');
      const cap = capturingLogger();
      const third = await startDataplane({
        group: 'default',
        nodeId: 'p',
        admin: null,
        stateDir: dir,
        logger: cap.log,
      });
      expect(third.currentVersion).to.equal(null);
      expect(cap.text()).to.contain('could not read the persisted snapshot');
      await third.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
