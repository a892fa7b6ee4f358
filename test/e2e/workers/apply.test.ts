// Two-phase snapshot apply across two worker processes: a reply is sent only once every worker
// swapped; a snapshot one worker cannot apply is refused by all of them.
import { expect } from 'chai';
import net from 'node:net';
import { makeSnapshot } from '#protocol/canonical';
import { ErrorCodes } from '#protocol/errors';
import {
  backend,
  body,
  freePort,
  frontend,
  get,
  server,
  startBackend,
  type TestBackend,
} from '../../unit/dataplane/helpers.js';
import { perWorkerRequests, workersDataplane, type WorkersDataplane } from './support.js';

const refused = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(false);
    });
    s.once('error', () => resolve(true));
  });

describe('workers: two-phase snapshot apply (2 worker processes)', function () {
  this.timeout(60_000);
  let a: TestBackend;
  let b: TestBackend;
  let w: WorkersDataplane;
  let port: number;
  let extraPort: number;
  const v1 = () =>
    makeSnapshot(
      body([frontend('fe', port, { defaultBackend: 'be' })], [backend('be', [server('a', a.port)])]),
    );
  const v2 = () =>
    makeSnapshot(
      body(
        [
          frontend('fe', port, { defaultBackend: 'be' }),
          frontend('extra', extraPort, { defaultBackend: 'be' }),
        ],
        [backend('be', [server('b', b.port)])],
      ),
    );

  before(async () => {
    [a, b] = await Promise.all([startBackend('a'), startBackend('b')]);
    [port, extraPort] = [await freePort(), await freePort()];
  });
  afterEach(async () => w?.dp.close());
  after(async () => Promise.all([a.close(), b.close()]));

  it('resolves (ACK) only once both workers serve the new version', async () => {
    w = await workersDataplane();
    const s1 = v1();
    expect(await w.dp.applySnapshot(s1)).to.include({ ok: true, version: s1.version });
    const s2 = v2();
    const result = await w.dp.applySnapshot(s2);
    expect(result).to.include({ ok: true, version: s2.version, noop: false });
    // Nothing is awaited between the reply and these reads: both must already be on v2.
    const [one, two] = await Promise.all([w.worker(1), w.worker(2)]);
    expect(one.snapshot.version).to.equal(s2.version);
    expect(two.snapshot.version).to.equal(s2.version);
    const status = await w.dp.currentStatus();
    expect(status.workers!.map((x) => [x.id, x.state, x.version])).to.deep.equal([
      [1, 'ready', s2.version],
      [2, 'ready', s2.version],
    ]);
    expect(status.listeners.map((l) => l.bind).sort()).to.deep.equal(
      [`127.0.0.1:${extraPort}`, `127.0.0.1:${port}`].sort(),
    );
    // New connections land on either worker: every one is routed by v2 (server b only).
    const bodies = new Set<string>();
    for (let i = 0; i < 30; i++) bodies.add((await get(port, '/')).body);
    expect([...bodies]).to.deep.equal(['b']);
    expect((await get(extraPort, '/')).body).to.equal('b');
    const served = await perWorkerRequests(w);
    expect(served.reduce((x, y) => x + y, 0)).to.equal(31);
  });

  it('a snapshot one worker rejects is NACKed and no worker moves (new listener closed again)', async () => {
    const s2 = v2();
    // Test-only hook, set explicitly: worker 2 fails to prepare exactly this version.
    w = await workersDataplane({
      testHooks: { rejectInWorker: { worker: 2, rejectVersions: [s2.version] } },
    });
    const s1 = v1();
    expect(await w.dp.applySnapshot(s1)).to.include({ ok: true });
    const result = await w.dp.applySnapshot(s2);
    expect(result.ok).to.equal(false);
    if (result.ok) return;
    expect(result.error.code).to.equal(ErrorCodes.SNAPSHOT_BUILD);
    expect(result.error.message).to.match(/^worker 2 rejects this version/);
    expect(w.dp.currentVersion).to.equal(s1.version);
    const [one, two] = await Promise.all([w.worker(1), w.worker(2)]);
    expect(one.snapshot.version).to.equal(s1.version);
    expect(two.snapshot.version).to.equal(s1.version);
    // Worker 1 had prepared v2 (and opened the extra listener): it was aborted.
    expect(await refused(extraPort)).to.equal(true);
    const bodies = new Set<string>();
    for (let i = 0; i < 30; i++) bodies.add((await get(port, '/')).body);
    expect([...bodies]).to.deep.equal(['a']);
    // The next good snapshot applies everywhere.
    const s3 = makeSnapshot(
      body([frontend('fe', port, { defaultBackend: 'be' })], [backend('be', [server('b', b.port)])]),
    );
    expect(await w.dp.applySnapshot(s3)).to.include({ ok: true, version: s3.version });
    expect((await w.worker(2)).snapshot.version).to.equal(s3.version);
  });

  it('a listen failure is NACKed with LISTEN_FAILED and both workers stay on the live version', async () => {
    w = await workersDataplane();
    const s1 = v1();
    await w.dp.applySnapshot(s1);
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(extraPort, '127.0.0.1', r));
    try {
      const result = await w.dp.applySnapshot(v2());
      expect(result.ok).to.equal(false);
      if (!result.ok) expect(result.error.code).to.equal(ErrorCodes.LISTEN_FAILED);
      expect((await w.worker(1)).snapshot.version).to.equal(s1.version);
      expect((await w.worker(2)).snapshot.version).to.equal(s1.version);
    } finally {
      await new Promise<void>((r) => blocker.close(() => r()));
    }
  });
});
