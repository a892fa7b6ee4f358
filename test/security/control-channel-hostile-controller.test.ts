// The dataplane's end of the control channel facing a hostile or broken peer on the controller's
// address: garbage, binary and invalid messages are ignored (the connection stays), a frame over
// the dataplane's limit (ws maxPayload, ChannelTuning.maxFrameBytes) closes the connection with
// 1009 before it is buffered, and through all of it the dataplane keeps serving its last snapshot
// and applies the next good one after it reconnects.
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { expect } from 'chai';
import { WebSocketServer, type WebSocket } from 'ws';
import { startDataplane, type Dataplane } from '#dataplane/dataplane';
import { makeSnapshot } from '#protocol/canonical';
import { diffBodies, MAX_DELTA_OBJECTS } from '#protocol/delta';
import { ErrorCodes } from '#protocol/errors';
import { CHANNEL_PATH, SUBPROTOCOL } from '#protocol/messages';
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
} from '../unit/dataplane/helpers.js';

const MAX_FRAME = 1024 * 1024;

interface Peer {
  ws: WebSocket;
  messages: Array<Record<string, unknown>>;
  closed: Promise<number>;
}

describe('security: a hostile controller cannot disturb a dataplane', function () {
  this.timeout(60_000);

  let wss: WebSocketServer;
  let peers: Peer[];
  let dp: Dataplane;
  let web: TestBackend;
  let port: number;

  const snapshot = (edit: number): Snapshot =>
    makeSnapshot(
      body(
        [
          frontend('default/web', port, {
            defaultBackend: 'default/web',
            responseHeaders: { add: [], set: [{ name: 'X-Edit', value: String(edit) }], remove: [] },
          }),
        ],
        [backend('default/web', [server('web', web.port)])],
      ),
    );
  const send = (p: Peer, s: Snapshot, nonce: string): void =>
    p.ws.send(JSON.stringify({ type: 'snapshot', version: s.version, nonce, body: s.body }));
  const acked = (p: Peer, nonce: string) => () =>
    p.messages.some((m) => m.type === 'ack' && m.nonce === nonce);

  before(async () => {
    web = await startBackend('web');
    port = await freePort();
    peers = [];
    wss = new WebSocketServer({
      host: '127.0.0.1',
      port: 0,
      path: CHANNEL_PATH,
      handleProtocols: () => SUBPROTOCOL,
    });
    await new Promise<void>((r) => wss.once('listening', () => r()));
    wss.on('connection', (ws) => {
      const messages: Array<Record<string, unknown>> = [];
      ws.on('message', (d) => messages.push(JSON.parse(String(d)) as Record<string, unknown>));
      peers.push({ ws, messages, closed: new Promise((r) => ws.once('close', (code) => r(code))) });
    });
    const address = wss.address() as net.AddressInfo;
    dp = await startDataplane({
      group: 'default',
      nodeId: 'dp-hostile-test',
      admin: null,
      logger: quietLogger(),
      controllerUrl: `ws://127.0.0.1:${address.port}`,
      token: 'x',
      channel: { maxFrameBytes: MAX_FRAME, backoffBaseMs: 50, backoffCapMs: 200 },
    });
  });

  after(async () => {
    await dp?.close();
    for (const c of wss?.clients ?? []) c.terminate();
    await new Promise<void>((r) => (wss ? wss.close(() => r()) : r()));
    await web?.close();
  });

  it('ignores garbage, binary and invalid messages and still applies the next snapshot on the same connection', async () => {
    await eventually(() => peers[0]?.messages.some((m) => m.type === 'hello'), 10_000);
    const p = peers[0]!;
    send(p, snapshot(1), 'n1');
    await eventually(acked(p, 'n1'), 10_000);
    for (let i = 0; i < 200; i++) {
      if (i % 4 === 0) p.ws.send(randomBytes(128));
      else if (i % 4 === 1) p.ws.send('{"type":"snapshot","version":');
      else if (i % 4 === 2) p.ws.send(JSON.stringify({ type: 'unknown', x: i }));
      else p.ws.send(JSON.stringify({ type: 'heartbeat' }));
    }
    send(p, snapshot(2), 'n2');
    await eventually(acked(p, 'n2'), 10_000);
    expect(peers).to.have.length(1); // never disconnected
    expect((await get(port, '/')).headers['x-edit']).to.equal('2');
  });

  it('NACKs hostile deltas (oversized, wrong base, unknown removals, forged version) and keeps serving', async () => {
    const p = peers[0]!;
    const live = snapshot(2);
    const nacked = (nonce: string) => () =>
      p.messages.find((m) => m.type === 'nack' && m.nonce === nonce) as
        { error: { code: string }; version: string } | undefined;
    const delta = (nonce: string, version: string, baseVersion: string, extra: object = {}) =>
      p.ws.send(
        JSON.stringify({
          type: 'delta',
          version,
          baseVersion,
          nonce,
          group: 'default',
          frontends: { upsert: [], remove: [] },
          backends: { upsert: [], remove: [] },
          ...extra,
        }),
      );
    const target = snapshot(4);
    const change = diffBodies(live.body, target.body)!;
    const cases: Array<[string, () => void, string]> = [
      [
        'd1',
        () =>
          delta('d1', target.version, live.version, {
            backends: {
              upsert: [],
              remove: Array.from({ length: MAX_DELTA_OBJECTS + 1 }, (_, i) => `x/${i}`),
            },
          }),
        ErrorCodes.SNAPSHOT_INVALID,
      ],
      ['d2', () => delta('d2', target.version, 'f'.repeat(64), change), ErrorCodes.DELTA_BASE],
      [
        'd3',
        () =>
          delta('d3', target.version, live.version, { frontends: { upsert: [], remove: ['default/nope'] } }),
        ErrorCodes.DELTA_BASE,
      ],
      ['d4', () => delta('d4', 'f'.repeat(64), live.version, change), ErrorCodes.SNAPSHOT_INVALID],
    ];
    for (const [nonce, sendIt, code] of cases) {
      sendIt();
      const nack = (await eventually(nacked(nonce), 10_000))!;
      expect(nack.error.code, nonce).to.equal(code);
      expect(nack.version, nonce).to.equal(live.version);
    }
    expect((await get(port, '/')).headers['x-edit']).to.equal('2');
    delta('d5', target.version, live.version, change);
    await eventually(acked(p, 'd5'), 10_000);
    expect((await get(port, '/')).headers['x-edit']).to.equal('4');
    send(p, live, 'd6'); // back to what the next test expects
    await eventually(acked(p, 'd6'), 10_000);
  });

  it(`a frame over ${MAX_FRAME} bytes closes the connection (1009); the dataplane keeps serving, reconnects and applies the next snapshot`, async () => {
    const p = peers[0]!;
    p.ws.send(Buffer.alloc(MAX_FRAME + 1, 0x61).toString('latin1'));
    expect(await p.closed).to.equal(1009);
    expect((await get(port, '/')).headers['x-edit']).to.equal('2'); // the last snapshot still serves
    await eventually(() => peers[1]?.messages.some((m) => m.type === 'hello'), 10_000);
    const next = peers[1]!;
    send(next, snapshot(3), 'n3');
    await eventually(acked(next, 'n3'), 10_000);
    expect((await get(port, '/')).headers['x-edit']).to.equal('3');
  });
});
