// The hot-swap promise in every worker: 50 swaps (listeners added and removed) under keep-alive
// load spread over both workers, with a long response and a TCP session open across all of
// them: zero failures. Then a killed worker comes back on the live snapshot.
import { expect } from 'chai';
import net from 'node:net';
import type { WorkerSummary } from '#dataplane/admin/stats-model';
import { makeSnapshot } from '#protocol/canonical';
import {
  backend,
  body,
  eventually,
  freePort,
  frontend,
  get,
  server,
  startBackend,
  startTcpEcho,
  type TestBackend,
} from '../../unit/dataplane/helpers.js';
import { keepAliveLoad } from '../../support/keep-alive-load.js';
import {
  perWorkerRequests,
  sample,
  untilEveryWorkerLoaded,
  workersDataplane,
  type WorkersDataplane,
} from './support.js';

describe('workers: hot swaps and restarts (2 worker processes)', function () {
  this.timeout(120_000);
  let a: TestBackend;
  let b: TestBackend;
  let echo: { port: number; close(): Promise<void> };
  let w: WorkersDataplane;
  let port: number;
  let tcpPort: number;
  let extraPort: number;

  const snapshot = (i: number) => {
    const extra = i % 5 === 1 || i % 5 === 2; // added on 1, kept on 2, removed on 3
    return makeSnapshot(
      body(
        [
          frontend('fe', port, {
            defaultBackend: 'web',
            timeouts: { client: 30_000, httpRequest: 10_000, keepAlive: 10_000 },
          }),
          frontend('tcp', tcpPort, { mode: 'tcp', defaultBackend: 'echo' }),
          ...(extra ? [frontend('extra', extraPort, { defaultBackend: 'web' })] : []),
        ],
        [
          // A weight that changes on every swap: each one is a real rebuild.
          backend('web', [server('a', a.port, { weight: 1 + i }), server('b', b.port)]),
          backend('echo', [server('e', echo.port)], { mode: 'tcp' }),
        ],
      ),
    );
  };

  before(async () => {
    [a, b, echo] = await Promise.all([startBackend('a'), startBackend('b'), startTcpEcho('echo')]);
    [port, tcpPort, extraPort] = [await freePort(), await freePort(), await freePort()];
    w = await workersDataplane();
    expect(await w.dp.applySnapshot(snapshot(0))).to.include({ ok: true });
  });
  after(async () => {
    await w?.dp.close();
    await Promise.all([a.close(), b.close(), echo.close()]);
  });

  it('50 swaps under keep-alive load, a long response and a TCP session in flight: zero failures', async () => {
    // Keep-alive connections stay on the worker that accepted them, and either worker can win
    // every accept of a batch: a further pool is opened until both carry load, so that the
    // swaps below happen under load in each of them.
    const load = await untilEveryWorkerLoaded(w, () =>
      keepAliveLoad(`http://127.0.0.1:${port}`, {
        connections: 8,
        loops: 8,
        expected: (status, text) => status === 200 && (text === 'a' || text === 'b'),
      }),
    );
    const long = get(port, '/slow?chunks=40&ms=100'); // ~4 s, across many swaps
    const tcp = net.connect(tcpPort, '127.0.0.1');
    let echoed = '';
    tcp.setEncoding('utf8').on('data', (d: string) => (echoed += d));
    await new Promise((r) => tcp.once('connect', r));
    let sent = '';
    const versions = new Set<string>();
    for (let i = 1; i <= 50; i++) {
      const s = snapshot(i);
      const r = await w.dp.applySnapshot(s);
      expect(r, `swap ${i}`).to.include({ ok: true });
      versions.add(s.version);
      if (i % 5 === 1) expect((await get(extraPort, '/')).status).to.equal(200);
      const line = `line ${i} ${'x'.repeat(64)}\n`;
      sent += line;
      tcp.write(line);
    }
    const { ok, failures } = await load.stop();
    const longRes = await long;
    await eventually(() => echoed.length >= sent.length, 5000);
    tcp.end();
    const served = await perWorkerRequests(w);
    console.log(
      `      50 swaps, ${ok} requests ok, ${failures.length} failed; per worker ${served.join(' / ')}; long response ${longRes.body.length} bytes; TCP echoed ${echoed.length}/${sent.length}`,
    );
    expect(versions.size).to.equal(50);
    expect(failures).to.deep.equal([]);
    expect(ok).to.be.greaterThan(100);
    expect(
      served.every((n) => n > 0),
      `both workers served traffic: ${served.join(' / ')}`,
    ).to.equal(true);
    expect(longRes.status).to.equal(200);
    expect(
      longRes.body.split(';').filter((c) => c.startsWith('a-chunk') || c.startsWith('b-chunk')),
    ).to.have.length(40);
    expect(echoed.replace(/echo: /g, '')).to.include(sent.slice(0, 10));
    expect(echoed.length).to.be.at.least(sent.length);
    expect((await w.worker(1)).snapshot.version).to.equal(w.dp.currentVersion);
    expect((await w.worker(2)).snapshot.version).to.equal(w.dp.currentVersion);
  });

  it('a killed worker is restarted on the live snapshot; the restart shows in status and metrics', async () => {
    const before = (await w.dp.currentStatus()).workers!;
    const victim = before.find((x) => x.id === 1)!;
    process.kill(victim.pid!, 'SIGKILL');
    // Once it is gone (its sockets closed; with SO_REUSEPORT, connections the kernel had queued
    // on its own socket went with it), the other worker serves every new connection meanwhile.
    await eventually(() => {
      try {
        process.kill(victim.pid!, 0);
        return false;
      } catch {
        return true;
      }
    }, 10_000);
    for (let i = 0; i < 10; i++) expect((await get(port, '/')).status).to.equal(200);
    const back = await eventually<WorkerSummary | undefined>(
      async () => {
        const st = (await w.dp.currentStatus()).workers!.find((x) => x.id === 1)!;
        return st.state === 'ready' && st.pid !== victim.pid && st.version === w.dp.currentVersion
          ? st
          : undefined;
      },
      30_000,
      100,
    );
    expect(back!.restarts).to.equal(1);
    expect(back!.lastExit).to.include({ signal: 'SIGKILL' });
    const metrics = await w.metrics();
    expect(sample(metrics, 'bascule_worker_restarts_total{worker="1"}')).to.equal(1);
    expect(sample(metrics, 'bascule_worker_up{worker="1"}')).to.equal(1);
    expect(sample(metrics, 'bascule_workers{state="ready"}')).to.equal(2);
    // The restarted worker serves the live snapshot (its own document says so) and takes traffic.
    expect((await w.worker(1)).snapshot.version).to.equal(w.dp.currentVersion);
    const s = snapshot(51);
    expect(await w.dp.applySnapshot(s)).to.include({ ok: true });
    expect((await w.worker(1)).snapshot.version).to.equal(s.version);
  });
});
