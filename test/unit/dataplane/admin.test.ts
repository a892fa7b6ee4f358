import { expect } from 'chai';
import { startDataplane, type Dataplane } from '#dataplane/dataplane';
import { makeSnapshot } from '#protocol/canonical';
import { HOST, backend, body, freePort, frontend, quietLogger, server } from './helpers.js';

describe('dataplane/admin', () => {
  let dp: Dataplane;
  beforeEach(async () => {
    dp = await startDataplane({
      group: 'default',
      nodeId: 'node-1',
      admin: { host: HOST, port: 0 },
      logger: quietLogger(),
    });
  });
  afterEach(() => dp.close());

  it('reports liveness always and readiness once a snapshot is live', async () => {
    expect(dp.adminUrl).to.match(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await fetch(`${dp.adminUrl}/healthz`)).status).to.equal(200);
    expect((await fetch(`${dp.adminUrl}/readyz`)).status).to.equal(503);
    const port = await freePort();
    await dp.applySnapshot(
      makeSnapshot(
        body(
          [frontend('default/web', port, { defaultBackend: 'default/web' })],
          [backend('default/web', [server('a', 1)])],
        ),
      ),
    );
    expect((await fetch(`${dp.adminUrl}/readyz`)).status).to.equal(200);
  });

  it('answers with one Date header, an IMF-fixdate of this second, as Node would write it', async () => {
    const before = Math.floor(Date.now() / 1000) * 1000;
    const res = await fetch(`${dp.adminUrl}/healthz`);
    const after = Date.now();
    const date = res.headers.get('date');
    expect(date).to.match(
      /^(Sun|Mon|Tue|Wed|Thu|Fri|Sat), \d\d (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d\d:\d\d:\d\d GMT$/,
    );
    const at = Date.parse(date!);
    expect(at).to.be.at.least(before).and.at.most(after);
    expect(date).to.equal(new Date(at).toUTCString());
  });

  it('serves a status document', async () => {
    const port = await freePort();
    const snap = makeSnapshot(
      body(
        [frontend('default/web', port, { defaultBackend: 'default/web' })],
        [backend('default/web', [server('a', 1)])],
      ),
    );
    await dp.applySnapshot(snap);
    const status = (await (await fetch(`${dp.adminUrl}/status`)).json()) as Record<string, unknown>;
    expect(status).to.deep.include({
      nodeId: 'node-1',
      group: 'default',
      version: snap.version,
      frontends: 1,
      backends: 1,
    });
    expect(status.controller).to.deep.equal({ connected: false, url: null });
    expect(status.appliedAt).to.be.a('string');
    expect(status.listeners).to.deep.equal([
      {
        bind: `${HOST}:${port}`,
        address: HOST,
        port,
        state: 'active',
        frontend: 'default/web',
        mode: 'http',
        connections: 0,
        held: 0,
      },
    ]);
  });
});
