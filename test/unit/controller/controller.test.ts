import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { makeSnapshot } from '#protocol/canonical';
import { ErrorCodes } from '#protocol/errors';
import type { FrontendSnap } from '#protocol/snapshot';
import { createAdminApp } from '#controller/admin/admin-app';
import type { CompileResult } from '#controller/compile/types';
import { startController, type Controller, type ControllerOptions } from '#controller/controller';
import type { CompiledEvent } from '#controller/events';
import { IdleScavenge } from '#controller/pipeline/idle-scavenge';
import { silentLogger } from '#controller/log';
import type { Source } from '#controller/sources/source';
import type { StoreFeed } from '#controller/store/feed';
import type { Condition } from '#controller/status/conditions';
import type { ObjectRef } from '#controller/validate/diagnostic';
import {
  backend,
  FakeDataplane,
  shopManifests,
  sleep,
  startDirController,
  TOKEN,
  waitFor,
  writeAtomic,
} from './helpers.js';

const MANIFESTS = shopManifests([
  ['web01', '10.0.0.10'],
  ['web02', '10.0.0.11'],
]);

const FE: ObjectRef = { kind: 'Frontend', namespace: 'shop', name: 'web' };
const BE: ObjectRef = { kind: 'Backend', namespace: 'shop', name: 'web' };

class FakeSource implements Source {
  readonly name = 'fake';
  synced = false;
  release!: () => void;
  private readonly gate = new Promise<void>((r) => (this.release = r));
  async start(feed: StoreFeed) {
    feed.store.set('fake', [], []);
    feed.trigger();
    await feed.flush(); // a change before sync: must not be compiled
    await this.gate;
    this.synced = true;
  }
  async stop() {}
}

describe('controller', function () {
  this.timeout(15_000);
  let dir: string;
  let controller: Controller | undefined;
  const clients: FakeDataplane[] = [];

  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'bascule-ctl-'));
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await controller?.close();
    controller = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  async function start(over: Partial<ControllerOptions> = {}): Promise<Controller> {
    controller = await startDirController(dir, over);
    return controller;
  }
  async function dataplane(nodeId: string, group = 'default', last: string | null = null) {
    const dp = await FakeDataplane.connect(controller!.channelUrl);
    clients.push(dp);
    dp.hello(nodeId, group, last);
    return dp;
  }
  const condition = (ref: ObjectRef, type: string): Condition | undefined =>
    controller!.statusOf(ref)?.status.conditions?.find((c) => c.type === type);
  const getJson = async (p: string) => {
    const res = await fetch(`${controller!.adminUrl}${p}`);
    return { status: res.status, body: (await res.json()) as any };
  };
  const nextCompile = () => new Promise<CompiledEvent>((r) => controller!.events.once('compiled', r));

  it('collects the young generation only once every dataplane has ACKed (idle scavenge)', async () => {
    await writeAtomic(path.join(dir, 'shop.yaml'), MANIFESTS);
    let collections = 0;
    const scavenge = new IdleScavenge({
      gc: () => void collections++,
      young: () => ({ used: 1, capacity: 1 }), // always past the fill
    });
    const c = await start({ idleScavenge: scavenge });
    await sleep(30);
    // The first publish found no dataplane: nothing in flight, so that was an idle moment.
    expect(collections).to.equal(1);
    const a = await dataplane('a');
    const b = await dataplane('b');
    const ma = await a.next('snapshot');
    const mb = await b.next('snapshot');
    a.ack(ma);
    await waitFor(
      () => c.publisher.dataplanes().some((d) => d.nodeId === 'a' && d.appliedVersion),
      3000,
      'a',
    );
    await sleep(30);
    expect(collections, 'b has not answered: not idle').to.equal(1);
    b.ack(mb);
    await waitFor(() => collections === 2, 3000, 'collected after the last ACK');
    // An edit: its publish leaves both in flight; their ACKs make the next idle moment.
    await writeAtomic(
      path.join(dir, 'shop.yaml'),
      shopManifests([
        ['web01', '10.0.0.10'],
        ['web03', '10.0.0.12'],
      ]),
    );
    const [a2, b2] = [await a.next('delta'), await b.next('delta')];
    await sleep(30);
    expect(collections, 'both in flight').to.equal(2);
    a.ack(a2);
    b.ack(b2);
    await waitFor(() => collections === 3, 3000, 'collected after the edit was ACKed');
  });

  it('runs the status pass only once the edit in flight is ACKed (background gate), and within the bound when it never is', async () => {
    await writeAtomic(path.join(dir, 'shop.yaml'), MANIFESTS);
    const c = await start({ backgroundDeferMs: 60_000 });
    const a = await dataplane('a');
    a.ack(await a.next('snapshot'));
    const first = c.lastResult!.snapshots.default!.version;
    await waitFor(() => condition(FE, 'Programmed')?.status === 'True', 3000, 'programmed');
    let updates = 0;
    c.events.on('status', () => updates++);
    await writeAtomic(
      path.join(dir, 'shop.yaml'),
      shopManifests([
        ['web01', '10.0.0.10'],
        ['web03', '10.0.0.12'],
      ]),
    );
    const d = await a.next('delta');
    // Past the status loop's holdoff and its longest delay: without the gate a pass would have
    // run and shown the Backend Pending at the new version.
    await sleep(600);
    expect(updates, 'no status pass while the delta is in flight').to.equal(0);
    expect(condition(BE, 'Programmed')!.message).to.equal(`1/1 dataplanes at version ${first.slice(0, 12)}`);
    a.ack(d);
    await waitFor(() => updates > 0, 3000, 'a status pass after the ACK');
    await waitFor(
      () => condition(BE, 'Programmed')?.message === `1/1 dataplanes at version ${d.version.slice(0, 12)}`,
      3000,
      'programmed at the new version',
    );
  });

  it('does not starve status behind a dataplane that never answers (the deferral bound)', async () => {
    await writeAtomic(path.join(dir, 'shop.yaml'), MANIFESTS);
    const c = await start({ backgroundDeferMs: 50 });
    const a = await dataplane('a');
    await a.next('snapshot'); // never ACKed: a snapshot stays in flight
    const version = c.lastResult!.snapshots.default!.version;
    await waitFor(
      () => condition(FE, 'Programmed')?.message === `0/1 dataplanes at version ${version.slice(0, 12)}`,
      3000,
      'pending while in flight',
    );
  });

  it('compiles the directory, publishes to dataplanes and reports Programmed from their ACKs', async () => {
    await writeAtomic(path.join(dir, 'shop.yaml'), MANIFESTS);
    const c = await start();
    expect(c.ready).to.equal(true);
    const version = c.lastResult!.snapshots.default!.version;

    const a = await dataplane('a');
    const b = await dataplane('b');
    const ma = await a.next('snapshot');
    expect(ma.version).to.equal(version);
    expect(ma.body.frontends.map((f) => f.id)).to.deep.equal(['shop/web']);
    a.ack(ma);
    await waitFor(
      () => condition(FE, 'Programmed')?.message === '1/2 dataplanes at version ' + version.slice(0, 12),
      3000,
      'pending',
    );
    expect(condition(FE, 'Programmed')).to.include({ status: 'Unknown', reason: 'Pending' });
    b.ack(await b.next('snapshot'));
    await waitFor(() => condition(FE, 'Programmed')?.status === 'True', 3000, 'programmed');
    expect(condition(FE, 'Programmed')!.message).to.equal(
      `2/2 dataplanes at version ${version.slice(0, 12)}`,
    );
    expect(condition(BE, 'Accepted')).to.include({ status: 'True' });
    expect(c.statusOf(BE)!.status.healthyServers).to.equal('2/2');

    // Admin views.
    expect((await getJson('/healthz')).status).to.equal(200);
    expect(await getJson('/readyz')).to.deep.equal({ status: 200, body: { status: 'ready' } });
    const dps = (await getJson('/dataplanes')).body;
    expect(
      dps.map((d: { nodeId: string; appliedVersion: string }) => [d.nodeId, d.appliedVersion]),
    ).to.deep.equal([
      ['a', version],
      ['b', version],
    ]);
    expect(dps[0]).to.have.keys(
      'nodeId',
      'group',
      'appliedVersion',
      'pendingVersion',
      'lastAck',
      'lastNack',
      'connectedSince',
      'remote',
    );
    const snapshot = (await getJson('/snapshot')).body;
    expect(snapshot.groups).to.deep.equal([
      { group: 'default', version, frontends: 1, backends: 1, servers: 2, rules: 0 },
    ]);
    const status = (await getJson('/status')).body;
    expect(status.objects.map((o: { kind: string }) => o.kind)).to.deep.equal(['Backend', 'Frontend']);
    expect(status.diagnostics).to.deep.equal([]);
  });

  it('publishes edits, publishes nothing for a no-op rebuild, and keeps routing on a parse error', async () => {
    const file = path.join(dir, 'shop.yaml');
    await writeAtomic(file, MANIFESTS);
    const c = await start();
    const dp = await dataplane('a');
    dp.ack(await dp.next('snapshot'));

    let compiled = nextCompile();
    await writeAtomic(file, MANIFESTS.replace('10.0.0.11', '10.0.0.12'));
    expect((await compiled).published).to.deep.equal(['default']);
    const m2 = await dp.next('delta'); // the change, against the version it ACKed
    expect(JSON.stringify(m2.backends.upsert)).to.contain('10.0.0.12');
    dp.ack(m2);

    compiled = nextCompile();
    await writeAtomic(file, `# only a comment changed\n${MANIFESTS.replace('10.0.0.11', '10.0.0.12')}`);
    expect((await compiled).published).to.deep.equal([]);

    compiled = nextCompile();
    await writeAtomic(file, MANIFESTS.replace('servers:', 'servers: [').replace('10.0.0.11', '10.0.0.13'));
    expect((await compiled).published).to.deep.equal([]);
    await sleep(50);
    expect(dp.all('snapshot')).to.have.length(1);
    expect(dp.all('delta')).to.have.length(1);
    const { body } = await getJson('/status');
    expect(body.diagnostics.map((d: { code: string }) => d.code)).to.deep.equal([ErrorCodes.CONFIG_PARSE]);
    expect(body.diagnostics[0].file).to.equal(file);
    expect(c.lastResult!.snapshots.default!.version).to.equal(m2.version);
  });

  it('keeps the last good snapshot when the consistency gate fails', async () => {
    await writeAtomic(path.join(dir, 'shop.yaml'), MANIFESTS);
    let broken = false;
    const c = await start({
      checkConsistency: () =>
        broken ? ['frontend shop/web: defaultBackend references missing backend'] : [],
    });
    const dp = await dataplane('a');
    const m1 = await dp.next('snapshot');
    dp.ack(m1);

    broken = true;
    const compiled = nextCompile();
    await writeAtomic(path.join(dir, 'shop.yaml'), MANIFESTS.replace('10.0.0.11', '10.0.0.99'));
    const ev = await compiled;
    expect(ev.inconsistent).to.deep.equal(['default']);
    expect(ev.published).to.deep.equal([]);
    await waitFor(() => condition(FE, 'Programmed')?.reason === 'Inconsistent', 3000, 'inconsistent status');
    expect(c.publisher.versionOf('default')).to.equal(m1.version);
    await sleep(50);
    expect(dp.all('snapshot')).to.have.length(1);
    // A newly connecting dataplane still gets the last good version.
    const late = await dataplane('late');
    expect((await late.next('snapshot')).version).to.equal(m1.version);
  });

  it('reports a NACK on the objects of the group', async () => {
    await writeAtomic(path.join(dir, 'shop.yaml'), MANIFESTS);
    await start();
    const dp = await dataplane('a');
    dp.nack(await dp.next('snapshot'), null, 'listen EADDRINUSE 0.0.0.0:8080');
    await waitFor(() => condition(FE, 'Programmed')?.reason === 'Rejected', 3000, 'rejected status');
    expect(condition(FE, 'Programmed')!.message).to.contain('listen EADDRINUSE 0.0.0.0:8080');
    const dps = (await getJson('/dataplanes')).body;
    expect(dps[0].lastNack.error.message).to.equal('listen EADDRINUSE 0.0.0.0:8080');
  });

  it('aggregates dataplane health reports into Backend status', async () => {
    await writeAtomic(path.join(dir, 'shop.yaml'), MANIFESTS);
    await start();
    const dp = await dataplane('a');
    dp.ack(await dp.next('snapshot'));
    const h = (server: string, state: 'up' | 'down') => ({
      backend: 'shop/web',
      server,
      address: 'x',
      state,
      reason: 'L4',
      since: 1,
    });
    dp.send({ type: 'health', full: true, servers: [h('web01', 'up'), h('web02', 'down')] });
    // The backend has no health checks, so unreported servers count as up; reported ones as reported.
    await waitFor(() => controller!.statusOf(BE)?.status.healthyServers === '1/2', 3000, 'health status');
    expect(controller!.statusOf(BE)!.status.servers![1]).to.include({
      name: 'web02',
      state: 'down',
      dataplanes: '0/1 up',
    });
  });

  it('compiles nothing before the source has synced', async () => {
    const source = new FakeSource();
    let compiles = 0;
    const compile = (): CompileResult => {
      compiles++;
      return { snapshots: {}, diagnostics: [], objects: [] };
    };
    const starting = startController({
      source,
      listen: { host: '127.0.0.1', port: 0 },
      tokens: [TOKEN],
      logger: silentLogger(),
      compile,
    });
    await sleep(50);
    expect(compiles).to.equal(0);
    source.release();
    controller = await starting;
    expect(compiles).to.equal(1);
    expect(controller.adminUrl).to.equal(null);
  });

  it('redacts private keys in /snapshot?full=1', async () => {
    const fe: FrontendSnap = {
      id: 'default/tls',
      namespace: 'default',
      name: 'tls',
      mode: 'http',
      bind: { address: '0.0.0.0', port: 8443 },
      forwardFor: false,
      via: false,
      timeouts: { client: 1, httpRequest: 1, keepAlive: 1 },
      tls: {
        certificates: [{ name: 'c', certPem: 'CERT', keyPem: 'SECRET-KEY', serverNames: [] }],
        alpn: [],
        strictSNI: false,
        clientAuth: { mode: 'none' },
      },
      rules: [],
      defaultBackend: 'default/web',
      requestHeaders: { add: [], set: [], remove: [] },
      responseHeaders: { add: [], set: [], remove: [] },
    };
    const be = {
      ...backend('web'),
      tls: { insecureSkipVerify: false, clientCertPem: 'C', clientKeyPem: 'SECRET-CLIENT-KEY' },
    };
    const snapshot = makeSnapshot({ group: 'default', frontends: [fe], backends: [be] });
    await start({
      source: new FakeSourceSynced(),
      compile: () => ({ snapshots: { default: snapshot }, diagnostics: [], objects: [] }),
    });
    const text = await (await fetch(`${controller!.adminUrl}/snapshot?full=1`)).text();
    expect(text).to.not.contain('SECRET');
    const body = JSON.parse(text).groups[0].body;
    expect(body.frontends[0].tls.certificates[0].keyPem).to.equal('<redacted>');
    expect(body.backends[0].tls.clientKeyPem).to.equal('<redacted>');
    expect(body.frontends[0].tls.certificates[0].certPem).to.equal('CERT');
  });

  it('serves 503 on /readyz until ready', async () => {
    const app = createAdminApp({
      notReadyReason: () => 'source dir:/x has not synced',
      dataplanes: () => [],
      statuses: () => [],
      unattachedDiagnostics: () => [],
      snapshots: () => ({}),
    });
    const { createServer } = await import('node:http');
    const server = createServer(app).listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    try {
      const { port } = server.address() as { port: number };
      const res = await fetch(`http://127.0.0.1:${port}/readyz`);
      expect(res.status).to.equal(503);
      expect(await res.json()).to.deep.equal({ status: 'not ready', reason: 'source dir:/x has not synced' });
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });
});

class FakeSourceSynced extends FakeSource {
  constructor() {
    super();
    this.release();
  }
}
