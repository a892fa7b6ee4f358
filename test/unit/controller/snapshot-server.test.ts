import { expect } from 'chai';
import { bodyVersion, makeSnapshot } from '#protocol/canonical';
import { applyDelta } from '#protocol/delta';
import { ErrorCodes } from '#protocol/errors';
import { CHANNEL_PATH } from '#protocol/messages';
import { CloseCodes, SnapshotServer, type SnapshotServerOptions } from '#controller/publish/snapshot-server';
import type { AckEvent, NackEvent } from '#controller/publish/types';
import { backend, FakeDataplane, sleep, snap, TOKEN, waitFor } from './helpers.js';

describe('snapshot server', function () {
  this.timeout(10_000);
  let server: SnapshotServer;
  const clients: FakeDataplane[] = [];

  async function start(opts: Partial<SnapshotServerOptions> = {}): Promise<SnapshotServer> {
    server = new SnapshotServer({ host: '127.0.0.1', port: 0, tokens: [TOKEN], ...opts });
    await server.listen();
    return server;
  }
  async function dataplane(
    nodeId?: string,
    group = 'default',
    last: string | null = null,
  ): Promise<FakeDataplane> {
    const dp = await FakeDataplane.connect(server.url);
    clients.push(dp);
    if (nodeId) dp.hello(nodeId, group, last);
    return dp;
  }

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await server?.close(100);
  });

  describe('handshake', () => {
    beforeEach(() => start({ tokens: ['old-token-aaaaaaaaaaaa', TOKEN] }));

    it('refuses a missing or wrong bearer token with 401', async () => {
      expect(await FakeDataplane.refusedStatus(server.url, { token: null })).to.equal(401);
      expect(await FakeDataplane.refusedStatus(server.url, { token: 'nope' })).to.equal(401);
      expect(await FakeDataplane.refusedStatus(server.url, { token: `${TOKEN}x` })).to.equal(401);
    });

    it('accepts every configured token (rotation)', async () => {
      const a = await FakeDataplane.connect(server.url, { token: 'old-token-aaaaaaaaaaaa' });
      const b = await FakeDataplane.connect(server.url, { token: TOKEN });
      clients.push(a, b);
      expect(a.ws.protocol).to.equal('bascule.v1');
    });

    it('refuses other paths and peers without the subprotocol', async () => {
      const other = server.url.replace(CHANNEL_PATH, '/other');
      expect(await FakeDataplane.refusedStatus(other, { token: TOKEN })).to.equal(404);
      expect(
        await FakeDataplane.refusedStatus(server.url, { token: TOKEN, protocols: ['other.v1'] }),
      ).to.equal(400);
    });
  });

  describe('deltas', () => {
    beforeEach(() => start());

    it('sends the full snapshot on connect, then deltas against the ACKed version', async () => {
      // Bodies in id order, as the compiler writes them (what lets a delta leave positions out).
      const v1 = snap('default', backend('api'), backend('web', '10.0.0.1'));
      const v2 = snap('default', backend('api'), backend('web', '10.0.0.2'), backend('zz'));
      const v3 = snap('default', backend('web', '10.0.0.3'));
      const acks: AckEvent[] = [];
      server.on('ack', (e) => acks.push(e));
      server.publish({ default: v1 });
      const dp = await dataplane('n1');
      dp.ack(await dp.next('snapshot'));
      await waitFor(() => acks.length === 1, 2000, 'ack of the full snapshot');
      expect(acks[0]!.via).to.equal('snapshot');

      server.publish({ default: v2 });
      const d = await dp.next('delta');
      expect(d).to.deep.include({ version: v2.version, baseVersion: v1.version, group: 'default' });
      expect(d.backends.upsert.map((b) => b.id)).to.deep.equal(['default/web', 'default/zz']);
      expect(d.backends.remove).to.deep.equal([]);
      const result = applyDelta(v1.body, d);
      expect(bodyVersion(result)).to.equal(v2.version);
      dp.ack(d);
      await waitFor(() => acks.length === 2, 2000, 'ack of the delta');
      expect(acks[1]).to.include({ version: v2.version, via: 'delta' });

      // Reconnect: the full snapshot, even though the version it holds is a known base.
      await dp.close();
      await waitFor(() => server.dataplanes().length === 0, 2000, 'disconnect');
      const back = await dataplane('n1', 'default', v2.version);
      await waitFor(() => server.dataplanes().length === 1, 2000, 'hello');
      server.publish({ default: v3 });
      const full = await back.next('snapshot');
      expect(full.version).to.equal(v3.version);
      expect(back.all('delta')).to.have.length(0);
    });

    it('answers a NACKed delta with the full snapshot; only a NACK of that is remembered', async () => {
      const v1 = snap('default', backend('web', '10.0.0.1'));
      const v2 = snap('default', backend('web', '10.0.0.2'));
      const v3 = snap('default', backend('web', '10.0.0.3'));
      const acks: AckEvent[] = [];
      const nacks: NackEvent[] = [];
      server.on('ack', (e) => acks.push(e));
      server.on('nack', (e) => nacks.push(e));
      server.publish({ default: v1 });
      const dp = await dataplane('n1');
      dp.ack(await dp.next('snapshot'));
      await waitFor(() => acks.length === 1, 2000, 'ack');

      // A missed delta: the dataplane holds something else and says so.
      server.publish({ default: v2 });
      const d = await dp.next('delta');
      dp.send({
        type: 'nack',
        version: 'f'.repeat(64),
        nonce: d.nonce,
        rejectedVersion: v2.version,
        error: { code: ErrorCodes.DELTA_BASE, message: 'delta against another base' },
      });
      const full = await dp.next('snapshot');
      expect(full.version).to.equal(v2.version);
      expect(full.body).to.deep.equal(v2.body);
      expect(nacks, 'a refused delta is not a rejected version').to.have.length(0);
      dp.ack(full);
      await waitFor(() => acks.length === 2, 2000, 'ack of the full snapshot');
      expect(acks[1]).to.include({ version: v2.version, via: 'snapshot' });

      // A delta that does not build: the full snapshot is tried, and its NACK is the verdict.
      server.publish({ default: v3 });
      dp.nack(await dp.next('delta'), v2.version, 'build failed');
      dp.nack(await dp.next('snapshot'), v2.version, 'build failed');
      await waitFor(() => nacks.length === 1, 2000, 'nack');
      expect(nacks[0]).to.deep.include({ version: v3.version, liveVersion: v2.version });
      await sleep(80);
      expect(dp.all('snapshot').map((m) => m.version)).to.deep.equal([v1.version, v2.version, v3.version]);
      expect(dp.all('delta')).to.have.length(2);
    });
  });

  describe('snapshots', () => {
    beforeEach(() => start());

    it('sends nothing before the first publish, then the group snapshot after hello', async () => {
      const dp = await dataplane('n1');
      await sleep(80);
      expect(dp.all('snapshot')).to.have.length(0);
      const s = snap('default', backend('web'));
      server.publish({ default: s });
      const m = await dp.next('snapshot');
      expect(m.version).to.equal(s.version);
      expect(m.body).to.deep.equal(s.body);
      expect(m.nonce).to.be.a('string').with.length.greaterThan(8);
    });

    it('keeps groups apart and gives a group without frontends an empty snapshot', async () => {
      const def = snap('default', backend('web'));
      const edge = snap('edge', backend('api'));
      server.publish({ default: def, edge });
      const a = await dataplane('a', 'default');
      const b = await dataplane('b', 'edge');
      const c = await dataplane('c', 'lonely');
      expect((await a.next('snapshot')).version).to.equal(def.version);
      const toB = await b.next('snapshot');
      expect(toB.version).to.equal(edge.version);
      b.ack(toB);
      const empty = await c.next('snapshot');
      expect(empty.body).to.deep.equal({ group: 'lonely', frontends: [], backends: [] });
      expect(empty.version).to.equal(makeSnapshot({ group: 'lonely', frontends: [], backends: [] }).version);

      // Removing a group publishes its empty snapshot (here as a delta against what b ACKed);
      // the other group gets nothing new.
      await waitFor(() => server.dataplanes().find((d) => d.nodeId === 'b')?.appliedVersion === edge.version);
      server.publish({ default: def });
      const removed = await b.next('delta');
      expect(removed.backends.remove).to.deep.equal(['default/api']);
      expect(applyDelta(edge.body, removed).backends).to.have.length(0);
      await sleep(50);
      expect(a.all('snapshot')).to.have.length(1);
    });

    it('records ACKs with latency and does not resend what the dataplane has', async () => {
      const s = snap('default', backend('web'));
      server.publish({ default: s });
      const acks: AckEvent[] = [];
      server.on('ack', (e) => acks.push(e));
      const dp = await dataplane('n1');
      dp.ack(await dp.next('snapshot'));
      await waitFor(() => acks.length === 1, 2000, 'ack event');
      expect(acks[0]).to.include({ nodeId: 'n1', group: 'default', version: s.version });
      expect(acks[0]!.latencyMs).to.be.a('number').at.least(0);
      const [info] = server.dataplanes();
      expect(info).to.include({
        nodeId: 'n1',
        group: 'default',
        appliedVersion: s.version,
        pendingVersion: null,
      });
      expect(info!.lastAck?.version).to.equal(s.version);
      expect(info!.remoteAddress).to.match(/^127\.0\.0\.1:\d+$/);

      server.publish({ default: s }); // unchanged: nothing to send
      // A dataplane that already has the version gets nothing either.
      const again = await dataplane('n2', 'default', s.version);
      await sleep(80);
      expect(dp.all('snapshot')).to.have.length(1);
      expect(again.all('snapshot')).to.have.length(0);
      await waitFor(() => server.dataplanes().length === 2, 1000, 'second dataplane');
      expect(server.dataplanes().find((d) => d.nodeId === 'n2')?.appliedVersion).to.equal(s.version);
    });

    it('sends one message at a time and drops replies with a stale nonce', async () => {
      const v1 = snap('default', backend('web', '10.0.0.1'));
      const v2 = snap('default', backend('web', '10.0.0.2'));
      const v3 = snap('default', backend('web', '10.0.0.3'));
      const acks: AckEvent[] = [];
      server.on('ack', (e) => acks.push(e));
      server.publish({ default: v1 });
      const dp = await dataplane('n1');
      const m1 = await dp.next('snapshot');
      // v2 and then v3 while v1 is unanswered: nothing goes until the answer.
      server.publish({ default: v2 });
      server.publish({ default: v3 });
      await sleep(80);
      expect(dp.all('snapshot')).to.have.length(1);
      expect(dp.all('delta')).to.have.length(0);
      dp.ack({ version: v1.version, nonce: 'forged-nonce' }); // not the nonce of the send
      await sleep(50);
      expect(acks).to.have.length(0);
      dp.ack(m1);
      // The answer releases the newest target, as a delta against what was just ACKed.
      const m3 = await dp.next('delta');
      expect(m3).to.deep.include({ version: v3.version, baseVersion: v1.version });
      dp.ack(m1); // an older send: stale now
      dp.nack(m1, null);
      await sleep(80);
      expect(acks.map((a) => a.version)).to.deep.equal([v1.version]);
      expect(server.dataplanes()[0]!.lastNack).to.equal(null);
      dp.ack(m3);
      await waitFor(() => acks.length === 2, 2000, 'ack');
      expect(acks[1]!.version).to.equal(v3.version);
      expect(dp.all('delta')).to.have.length(1); // v2 was never sent
    });

    it('sends an unanswered send again, whole, under a new nonce once answerTimeoutMs has passed', async () => {
      await server.close(100);
      await start({ heartbeatMs: 50, peerTimeoutMs: 10_000, answerTimeoutMs: 300 });
      const v1 = snap('default', backend('web', '10.0.0.1'));
      const v2 = snap('default', backend('web', '10.0.0.2'));
      const acks: AckEvent[] = [];
      server.on('ack', (e) => acks.push(e));
      server.publish({ default: v1 });
      const dp = await dataplane('n1');
      dp.ack(await dp.next('snapshot'));
      await waitFor(() => acks.length === 1, 2000, 'ack of v1');
      server.publish({ default: v2 });
      const lost = await dp.next('delta'); // never answered
      const sentAt = Date.now();
      const again = await dp.next('snapshot');
      expect(Date.now() - sentAt, 'not before the bound').to.be.at.least(250);
      expect(again.version).to.equal(v2.version);
      expect(again.nonce).to.not.equal(lost.nonce);
      dp.ack(lost); // the first send's nonce is stale now
      await sleep(80);
      expect(acks).to.have.length(1);
      dp.ack(again);
      await waitFor(() => acks.length === 2, 2000, 'ack of the re-sent snapshot');
      expect(acks[1]).to.deep.include({ version: v2.version, via: 'snapshot' });
    });

    it('never re-sends a NACKed version to that node, even after it reconnects', async () => {
      const v1 = snap('default', backend('web', '10.0.0.1'));
      const v2 = snap('default', backend('web', '10.0.0.2'));
      const v3 = snap('default', backend('web', '10.0.0.3'));
      const nacks: NackEvent[] = [];
      server.on('nack', (e) => nacks.push(e));
      server.publish({ default: v1 });
      const dp = await dataplane('n1');
      dp.ack(await dp.next('snapshot'));
      await waitFor(() => server.dataplanes()[0]?.appliedVersion === v1.version, 2000, 'ack');
      server.publish({ default: v2 });
      // Refused as a delta, then whole: only the refusal of the whole snapshot is the verdict.
      dp.nack(await dp.next('delta'), v1.version, 'listen EADDRINUSE');
      dp.nack(await dp.next('snapshot'), v1.version, 'listen EADDRINUSE');
      await waitFor(() => nacks.length === 1, 2000, 'nack');
      expect(nacks[0]).to.deep.include({ nodeId: 'n1', version: v2.version, liveVersion: v1.version });
      const info = server.dataplanes()[0]!;
      expect(info.appliedVersion).to.equal(v1.version);
      expect(info.lastNack).to.deep.include({
        version: v2.version,
        error: { code: 'BASCULE_E_SNAPSHOT_BUILD', message: 'listen EADDRINUSE' },
      });

      await dp.close();
      await waitFor(() => server.dataplanes().length === 0, 2000, 'disconnect');
      const back = await dataplane('n1', 'default', v1.version);
      const other = await dataplane('n2', 'default', v1.version);
      expect((await other.next('snapshot')).version).to.equal(v2.version); // other nodes still get it
      await sleep(80);
      expect(back.all('snapshot')).to.have.length(0);
      expect(server.dataplanes().find((d) => d.nodeId === 'n1')!.lastNack?.version).to.equal(v2.version);

      server.publish({ default: v3 });
      expect((await back.next('snapshot')).version).to.equal(v3.version);
    });

    it('re-syncs after an in-flight version is answered when the target moved back', async () => {
      const v1 = snap('default', backend('web', '10.0.0.1'));
      const v2 = snap('default', backend('web', '10.0.0.2'));
      server.publish({ default: v1 });
      const dp = await dataplane('n1', 'default', v1.version);
      await waitFor(() => server.dataplanes().length === 1, 1000, 'hello');
      server.publish({ default: v2 });
      const m2 = await dp.next('snapshot');
      server.publish({ default: v1 }); // back to what the dataplane had, while v2 is in flight
      dp.ack(m2);
      // v2 is ACKed, so the way back to v1 goes as a delta against it.
      const back = await dp.next('delta');
      expect(back.version).to.equal(v1.version);
      expect(back.baseVersion).to.equal(v2.version);
    });

    it('emits health reports', async () => {
      const reports: unknown[] = [];
      server.on('health', (e) => reports.push(e));
      const dp = await dataplane('n1');
      const report = {
        type: 'health',
        full: true,
        servers: [
          {
            backend: 'default/web',
            server: 's1',
            address: '10.0.0.1:80',
            state: 'up',
            reason: 'L7OK',
            since: 1,
          },
        ],
      };
      dp.send(report);
      await waitFor(() => reports.length === 1, 2000, 'health');
      expect(reports[0]).to.deep.equal({ nodeId: 'n1', group: 'default', report });
    });
  });

  describe('robustness', () => {
    it('answers malformed frames with BAD_MESSAGE and keeps the connection', async () => {
      await start();
      const dp = await dataplane();
      dp.send('{not json');
      expect((await dp.next('error')).error.code).to.equal(ErrorCodes.BAD_MESSAGE);
      dp.send({ type: 'hello', nodeId: 'n1' }); // schema-invalid
      expect((await dp.next('error')).error.code).to.equal(ErrorCodes.BAD_MESSAGE);
      dp.ws.send(Buffer.from([1, 2, 3]), { binary: true });
      expect((await dp.next('error')).error.code).to.equal(ErrorCodes.BAD_MESSAGE);
      dp.send({ type: 'ack', version: 'x', nonce: 'y' }); // valid, but before hello
      expect((await dp.next('error')).error.code).to.equal(ErrorCodes.PROTOCOL);
      server.publish({});
      dp.hello('n1');
      expect((await dp.next('snapshot')).body.group).to.equal('default');
    });

    it('refuses a protocol version mismatch', async () => {
      await start();
      const dp = await dataplane();
      dp.send({
        type: 'hello',
        nodeId: 'n1',
        group: 'default',
        lastAppliedVersion: null,
        protocolVersion: 99,
      });
      expect((await dp.next('error')).error.code).to.equal(ErrorCodes.PROTOCOL);
      expect((await dp.closed).code).to.equal(CloseCodes.PROTOCOL);
    });

    it('closes a peer that sends no hello in time', async () => {
      await start({ helloTimeoutMs: 80 });
      const dp = await dataplane();
      expect((await dp.closed).code).to.equal(CloseCodes.TIMEOUT);
    });

    it('sends heartbeats and drops a silent peer', async () => {
      await start({ heartbeatMs: 40, peerTimeoutMs: 150 });
      const gone: string[] = [];
      server.on('disconnected', (info) => gone.push(info.nodeId));
      const silent = await dataplane('silent');
      const chatty = await dataplane('chatty');
      const beat = setInterval(() => chatty.send({ type: 'heartbeat', ts: Date.now() }), 30);
      try {
        await silent.next('heartbeat');
        await silent.closed;
        await waitFor(() => gone.length > 0, 2000, 'disconnected event');
        expect(gone).to.deep.equal(['silent']);
        expect(server.dataplanes().map((d) => d.nodeId)).to.deep.equal(['chatty']);
      } finally {
        clearInterval(beat);
      }
    });

    it('replaces an older connection with the same nodeId', async () => {
      await start();
      server.publish({ default: snap('default') });
      const events: string[] = [];
      server.on('connected', (i) => events.push(`+${i.remoteAddress}`));
      server.on('disconnected', (i) => events.push(`-${i.remoteAddress}`));
      const first = await dataplane('n1');
      await first.next('snapshot');
      const second = await dataplane('n1');
      expect((await first.closed).code).to.equal(CloseCodes.REPLACED);
      await second.next('snapshot');
      expect(server.dataplanes()).to.have.length(1);
      expect(events).to.have.length(3);
      expect(events[1]).to.equal(events[0]!.replace('+', '-')); // old one leaves before the new one arrives
    });
  });
});
