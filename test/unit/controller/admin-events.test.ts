import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import express from 'express';
import { eventStreamHandler, type AdminEvent } from '#controller/admin/event-stream';
import type { Controller } from '#controller/controller';
import { SseParser } from '../../support/sse.js';
import { FakeDataplane, shopManifests, startDirController, waitFor, writeAtomic } from './helpers.js';

const manifests = (addresses: string[]) => shopManifests(addresses.map((a, i) => [`s${i}`, a]));

/** A GET /events client: every event parsed as it arrives. */
class EventClient {
  readonly events: Array<{ event: string; data: AdminEvent }> = [];
  status = 0;
  closed = false;
  private req!: http.ClientRequest;
  private res: http.IncomingMessage | undefined;
  readonly ready: Promise<void>;

  constructor(url: string, opts: { read?: boolean } = {}) {
    this.ready = new Promise((resolve, reject) => {
      this.req = http.get(url, (res) => {
        this.res = res;
        this.status = res.statusCode ?? 0;
        resolve();
        res.socket.on('close', () => (this.closed = true));
        res.on('error', () => {});
        if (opts.read === false) return res.pause();
        res.setEncoding('utf8');
        const sse = new SseParser((event, data) => this.events.push({ event, data: data as AdminEvent }));
        res.on('data', (chunk: string) => sse.push(chunk));
      });
      this.req.on('error', reject);
    });
  }

  of<T extends AdminEvent['type']>(type: T): Extract<AdminEvent, { type: T }>[] {
    return this.events.filter((e) => e.event === type).map((e) => e.data) as Extract<
      AdminEvent,
      { type: T }
    >[];
  }

  resume(): void {
    this.res?.resume();
  }

  close(): void {
    this.res?.destroy();
    this.req.destroy();
  }
}

describe('controller admin: GET /events', function () {
  this.timeout(15_000);
  let dir: string;
  let controller: Controller | undefined;
  const closers: Array<() => void | Promise<void>> = [];

  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'bascule-events-'));
  });
  afterEach(async () => {
    for (const c of closers.splice(0).reverse()) await c();
    await controller?.close();
    controller = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  it('streams the served snapshot, then each publish, ACK and NACK as it happens', async () => {
    const file = path.join(dir, 'shop.yaml');
    await writeAtomic(file, manifests(['10.0.0.10', '10.0.0.11']));
    controller = await startDirController(dir);
    const first = controller.lastResult!.snapshots.default!.version;
    const client = new EventClient(`${controller.adminUrl}/events`);
    closers.push(() => client.close());
    await client.ready;
    expect(client.status).to.equal(200);
    await waitFor(() => client.of('snapshot').length === 1, 3000, 'initial snapshot event');
    expect(client.of('snapshot')[0]).to.include({
      group: 'default',
      version: first,
      frontends: 1,
      backends: 1,
      servers: 2,
      rules: 0,
    });

    const dp = await FakeDataplane.connect(controller.channelUrl);
    closers.push(() => dp.close());
    dp.hello('a', 'default', null);
    dp.ack(await dp.next('snapshot'));
    await waitFor(() => client.of('ack').length === 1, 3000, 'ack event');
    const ack = client.of('ack')[0]!;
    expect(ack).to.include({ nodeId: 'a', group: 'default', version: first, via: 'snapshot' });
    expect(Date.parse(ack.at)).to.be.closeTo(Date.now(), 5000);

    // An edit: a snapshot event with the new counts, then the dataplane's answer to it.
    await writeAtomic(file, manifests(['10.0.0.10', '10.0.0.11', '10.0.0.12']));
    await waitFor(() => client.of('snapshot').length === 2, 5000, 'published event');
    const second = client.of('snapshot')[1]!;
    expect(second.version).to.equal(controller.lastResult!.snapshots.default!.version);
    expect(second.servers).to.equal(3);
    dp.ack(await dp.next('delta'));
    await waitFor(() => client.of('ack').length === 2, 3000, 'second ack event');
    expect(client.of('ack')[1]).to.include({ version: second.version, via: 'delta' });

    // A rejected version (a delta's NACK only brings the full snapshot: the NACK of that counts).
    await writeAtomic(file, manifests(['10.0.0.10']));
    await waitFor(() => client.of('snapshot').length === 3, 5000, 'third published event');
    const third = client.of('snapshot')[2]!;
    dp.nack(await dp.next('delta'), second.version);
    dp.nack(await dp.next('snapshot'), second.version);
    await waitFor(() => client.of('nack').length === 1, 3000, 'nack event');
    expect(client.of('nack')[0]).to.include({
      nodeId: 'a',
      version: third.version,
      liveVersion: second.version,
    });
    expect(client.of('nack')[0]!.error.code).to.equal('BASCULE_E_SNAPSHOT_BUILD');
  });

  describe('bounds', () => {
    async function serve(
      limits: { maxStreams?: number; maxUnreadBytes?: number },
      listeners: Set<(e: AdminEvent) => void>,
    ) {
      const app = express();
      app.get(
        '/events',
        eventStreamHandler(
          (l) => {
            listeners.add(l);
            return () => void listeners.delete(l);
          },
          () => [],
          limits,
        ),
      );
      const server = http.createServer(app).listen(0, '127.0.0.1');
      await new Promise((r) => server.once('listening', r));
      closers.push(
        () =>
          new Promise<void>((r) => {
            server.closeAllConnections();
            server.close(() => r());
          }),
      );
      return `http://127.0.0.1:${(server.address() as { port: number }).port}/events`;
    }

    it('refuses a stream beyond the limit with 503, and takes one again once a stream closes', async () => {
      const listeners = new Set<(e: AdminEvent) => void>();
      const url = await serve({ maxStreams: 2 }, listeners);
      const a = new EventClient(url);
      const b = new EventClient(url);
      closers.push(
        () => a.close(),
        () => b.close(),
      );
      await Promise.all([a.ready, b.ready]);
      await waitFor(() => listeners.size === 2, 3000, 'two streams');
      const c = new EventClient(url);
      closers.push(() => c.close());
      await c.ready;
      expect([a.status, b.status, c.status]).to.deep.equal([200, 200, 503]);
      a.close();
      await waitFor(() => listeners.size === 1, 3000, 'a stream closed');
      const d = new EventClient(url);
      closers.push(() => d.close());
      await d.ready;
      expect(d.status).to.equal(200);
    });

    it('disconnects a client that stops reading once its unread events pass the bound', async () => {
      const listeners = new Set<(e: AdminEvent) => void>();
      const url = await serve({ maxUnreadBytes: 64 * 1024 }, listeners);
      const stalled = new EventClient(url, { read: false });
      closers.push(() => stalled.close());
      await stalled.ready;
      await waitFor(() => listeners.size === 1, 3000, 'stream open');
      const big: AdminEvent = {
        type: 'nack',
        nodeId: 'n',
        group: 'g',
        version: 'v',
        liveVersion: null,
        error: { code: 'X', message: 'x'.repeat(16 * 1024) },
        at: new Date().toISOString(),
      };
      // Far more than the socket buffers and the bound hold: the server must drop the stream.
      for (let i = 0; i < 2000 && listeners.size > 0; i++) {
        for (const l of [...listeners]) l(big);
        await new Promise((r) => setImmediate(r));
      }
      await waitFor(() => listeners.size === 0, 5000, 'stalled stream dropped');
      // Reading again, the client finds the stream ended (a paused socket sees no FIN).
      stalled.resume();
      await waitFor(() => stalled.closed, 5000, 'client sees the close');
    });
  });
});
