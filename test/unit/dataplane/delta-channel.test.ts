// Deltas end to end: the controller's snapshot server and a real dataplane over WebSocket, with
// traffic. Edits travel as deltas; a reconnect, a missed delta and a NACKed delta each end with
// the dataplane on the right version through a full snapshot.
import { expect } from 'chai';
import { SnapshotServer } from '#controller/publish/snapshot-server';
import type { AckEvent, NackEvent } from '#controller/publish/types';
import { startDataplane, type Dataplane } from '#dataplane/dataplane';
import { makeSnapshot } from '#protocol/canonical';
import type { Snapshot } from '#protocol/snapshot';
import {
  backend,
  body,
  eventually,
  freePort,
  frontend,
  get,
  quietLogger,
  server,
  startBackend,
  type TestBackend,
} from './helpers.js';

const TOKEN = 'delta-test-token-0123456789';

describe('dataplane: deltas over the control channel', function () {
  this.timeout(20_000);
  let a: TestBackend;
  let b: TestBackend;
  let ctl: SnapshotServer;
  let dp: Dataplane | undefined;
  let acks: AckEvent[];
  let nacks: NackEvent[];
  let port: number;

  before(async () => {
    a = await startBackend('a');
    b = await startBackend('b');
  });
  after(async () => {
    await a.close();
    await b.close();
  });

  async function startController(listenPort = 0): Promise<SnapshotServer> {
    ctl = new SnapshotServer({ host: '127.0.0.1', port: listenPort, tokens: [TOKEN], heartbeatMs: 200 });
    await ctl.listen();
    ctl.on('ack', (e) => acks.push(e));
    ctl.on('nack', (e) => nacks.push(e));
    return ctl;
  }

  beforeEach(async () => {
    acks = [];
    nacks = [];
    port = await freePort();
    await startController();
    dp = await startDataplane({
      controllerUrl: ctl.url,
      token: TOKEN,
      group: 'default',
      nodeId: 'dp-1',
      admin: null,
      logger: quietLogger(),
      channel: { heartbeatIntervalMs: 100, heartbeatTimeoutMs: 1000, backoffBaseMs: 10, backoffCapMs: 50 },
    });
  });
  afterEach(async () => {
    await dp?.close();
    dp = undefined;
    await ctl.close(100);
  });

  /** Backends a and b (a always first by id), the frontend's default one named. */
  const config = (target: 'a' | 'b', extra: { weight?: number; defaultBackend?: string } = {}): Snapshot =>
    makeSnapshot(
      body(
        [frontend('default/fe', port, { defaultBackend: extra.defaultBackend ?? `default/${target}` })],
        [
          backend('default/a', [server('a', a.port, { weight: extra.weight ?? 1 })]),
          backend('default/b', [server('b', b.port)]),
        ],
      ),
    );

  async function publishAndWait(s: Snapshot, via: 'delta' | 'snapshot'): Promise<void> {
    const before = acks.length;
    ctl.publish({ default: s });
    await eventually(() => acks.length > before && acks.at(-1)!.version === s.version, 5000);
    expect(acks.at(-1)!.via, `how ${s.version.slice(0, 12)} was sent`).to.equal(via);
    expect(dp!.currentVersion).to.equal(s.version);
  }

  it('sends edits as deltas and serves the new configuration', async () => {
    await publishAndWait(config('a'), 'snapshot');
    expect((await get(port)).body).to.equal('a');
    await publishAndWait(config('b'), 'delta');
    expect((await get(port)).body).to.equal('b');
    await publishAndWait(config('b', { weight: 5 }), 'delta');
    await publishAndWait(config('a', { weight: 5 }), 'delta');
    expect((await get(port)).body).to.equal('a');
  });

  it('passes deltas on to the workers of a multi-worker dataplane', async () => {
    await dp!.close();
    dp = await startDataplane({
      controllerUrl: ctl.url,
      token: TOKEN,
      group: 'default',
      nodeId: 'dp-workers',
      admin: null,
      logger: quietLogger(),
      workers: 2,
      channel: { heartbeatIntervalMs: 100, heartbeatTimeoutMs: 1000, backoffBaseMs: 10, backoffCapMs: 50 },
    });
    await publishAndWait(config('a'), 'snapshot');
    await publishAndWait(config('b'), 'delta');
    await publishAndWait(config('b', { weight: 3 }), 'delta');
    // Fresh connections land on either worker: every one serves the change.
    for (let i = 0; i < 8; i++) expect((await get(port)).body).to.equal('b');
    await publishAndWait(config('a', { weight: 3 }), 'delta');
    for (let i = 0; i < 8; i++) expect((await get(port)).body).to.equal('a');
  });

  it('gets the full snapshot after a reconnect (controller restart), then deltas again', async () => {
    await publishAndWait(config('a'), 'snapshot');
    const listenPort = Number(new URL(ctl.url).port);
    await ctl.close(100);
    await startController(listenPort);
    await eventually(() => ctl.dataplanes().length === 1, 5000);
    expect(ctl.dataplanes()[0]!.appliedVersion).to.equal(config('a').version);
    await publishAndWait(config('b'), 'snapshot');
    expect((await get(port)).body).to.equal('b');
    await publishAndWait(config('a'), 'delta');
    expect((await get(port)).body).to.equal('a');
  });

  it('recovers from a missed delta (the dataplane moved behind the controller) with the full snapshot', async () => {
    await publishAndWait(config('a'), 'snapshot');
    // A local apply the controller does not know about: its next delta has the wrong base.
    const local = config('a', { weight: 9 });
    expect(await dp!.applySnapshot(local)).to.deep.include({ ok: true });
    await publishAndWait(config('b'), 'snapshot');
    expect(nacks, 'a refused delta is not a rejected version').to.have.length(0);
    expect((await get(port)).body).to.equal('b');
    await publishAndWait(config('a'), 'delta');
  });

  it('keeps serving on a NACKed delta, reports the NACK once, and resyncs with the full snapshot', async () => {
    await publishAndWait(config('a'), 'snapshot');
    // Schema-valid, but the frontend names a backend the snapshot does not have: the build fails.
    const broken = config('a', { defaultBackend: 'default/missing' });
    ctl.publish({ default: broken });
    await eventually(() => nacks.length === 1, 5000);
    expect(nacks[0]).to.deep.include({ version: broken.version, liveVersion: config('a').version });
    expect(nacks[0]!.error.code).to.equal('BASCULE_E_SNAPSHOT_BUILD');
    expect(dp!.currentVersion).to.equal(config('a').version);
    expect((await get(port)).body).to.equal('a');
    await publishAndWait(config('b'), 'snapshot');
    expect((await get(port)).body).to.equal('b');
    expect(nacks).to.have.length(1);
  });
});
