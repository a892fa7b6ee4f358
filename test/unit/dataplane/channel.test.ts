// The agent against a tiny in-test controller (a real WebSocket peer).
import { expect } from 'chai';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { Backoff } from '#dataplane/agent/backoff';
import { channelUrl, redactUrl } from '#dataplane/agent/endpoint';
import { startDataplane, type Dataplane } from '#dataplane/dataplane';
import { canonicalJson, makeSnapshot, sha256Hex } from '#protocol/canonical';
import { ErrorCodes } from '#protocol/errors';
import { CHANNEL_PATH, SUBPROTOCOL } from '#protocol/messages';
import {
  HOST,
  backend,
  body,
  capturingLogger,
  eventually,
  freePort,
  frontend,
  get,
  server,
  startBackend,
  type TestBackend,
} from './helpers.js';

const TOKEN = 's3cret-t0ken-value';

interface Peer {
  ws: WebSocket;
  req: IncomingMessage;
  inbox: Array<Record<string, unknown>>;
}

/** Plays the controller: records connections and the messages each one sent. */
async function fakeController(opts: { reject?: number; silent?: boolean } = {}) {
  const peers: Peer[] = [];
  const wss = new WebSocketServer({
    host: HOST,
    port: 0,
    path: CHANNEL_PATH,
    handleProtocols: (protocols) => (protocols.has(SUBPROTOCOL) ? SUBPROTOCOL : false),
    verifyClient: (_info, cb) => (opts.reject ? cb(false, opts.reject) : cb(true)),
  });
  await new Promise<void>((r) => wss.once('listening', () => r()));
  wss.on('connection', (ws, req) => {
    const peer: Peer = { ws, req, inbox: [] };
    ws.on('message', (d) => {
      const m = JSON.parse(d.toString()) as Record<string, unknown>;
      peer.inbox.push(m);
      // Like the real controller: answer heartbeats (a silent one gets dropped by the agent).
      if (m.type === 'heartbeat' && !opts.silent)
        ws.send(JSON.stringify({ type: 'heartbeat', ts: Date.now() }));
    });
    peers.push(peer);
  });
  const url = `ws://${HOST}:${(wss.address() as AddressInfo).port}`;
  return {
    url,
    peers,
    attempts: () => peers.length,
    /** The next message of `type` from the latest connection (waits for it). */
    next: async (type: string, after = 0): Promise<Record<string, unknown>> => {
      const m = await eventually(() => peers.at(-1)?.inbox.filter((x) => x.type === type)[after], 3000);
      return m!;
    },
    close: () =>
      new Promise<void>((r) => {
        for (const c of wss.clients) c.terminate();
        wss.close(() => r());
      }),
  };
}

const fast = {
  heartbeatIntervalMs: 50,
  heartbeatTimeoutMs: 200,
  backoffBaseMs: 10,
  backoffCapMs: 50,
  stableAfterMs: 1000,
};

describe('dataplane/agent: backoff and URLs', () => {
  it('draws full-jitter delays under an exponential ceiling capped at 5 s', () => {
    const maxes = new Backoff({ random: () => 0.999999 });
    const seen = Array.from({ length: 8 }, () => maxes.next());
    expect(seen).to.deep.equal([99, 199, 399, 799, 1599, 3199, 4999, 4999]);
    const mins = new Backoff({ random: () => 0 });
    expect(mins.next()).to.equal(0);
    maxes.reset();
    expect(maxes.next()).to.equal(99);
  });

  it('completes a base URL with the channel path and redacts credentials', () => {
    expect(channelUrl('ws://c:9000').href).to.equal(`ws://c:9000${CHANNEL_PATH}`);
    expect(channelUrl('https://c/').protocol).to.equal('wss:');
    expect(channelUrl(`wss://c${CHANNEL_PATH}`).pathname).to.equal(CHANNEL_PATH);
    expect(() => channelUrl('ftp://c')).to.throw(/ws:\/\/ or wss:\/\//);
    expect(redactUrl(new URL('wss://user:pw@c/v1/channel?token=x'))).to.equal('wss://c/v1/channel');
  });
});

describe('dataplane/agent: control channel', function () {
  this.timeout(10_000);
  let upstream: TestBackend;
  let ctl: Awaited<ReturnType<typeof fakeController>>;
  let dp: Dataplane | undefined;
  let cap: ReturnType<typeof capturingLogger>;

  before(async () => {
    upstream = await startBackend('a');
  });
  after(() => upstream.close());
  beforeEach(() => {
    cap = capturingLogger();
  });
  afterEach(async () => {
    await dp?.close();
    dp = undefined;
    await ctl?.close();
    expect(cap.text(), 'the token must never be logged').to.not.contain(TOKEN);
  });

  const start = (url: string) =>
    startDataplane({
      controllerUrl: url,
      token: TOKEN,
      group: 'default',
      nodeId: 'node-7',
      admin: null,
      logger: cap.log,
      channel: fast,
    });

  async function snapshotMsg(nonce: string) {
    const port = await freePort();
    const snap = makeSnapshot(
      body(
        [frontend('default/web', port, { defaultBackend: 'default/web' })],
        [backend('default/web', [server('a', upstream.port)])],
      ),
    );
    return { msg: { type: 'snapshot', version: snap.version, nonce, body: snap.body }, port, snap };
  }

  it('authenticates, says hello, applies a snapshot and ACKs it', async () => {
    ctl = await fakeController();
    dp = await start(ctl.url);
    const hello = await ctl.next('hello');
    expect(hello).to.deep.equal({
      type: 'hello',
      nodeId: 'node-7',
      group: 'default',
      lastAppliedVersion: null,
      protocolVersion: 1,
    });
    const peer = ctl.peers[0]!;
    expect(peer.req.headers.authorization).to.equal(`Bearer ${TOKEN}`);
    expect(peer.ws.protocol).to.equal(SUBPROTOCOL);
    expect(peer.req.url).to.equal(CHANNEL_PATH);

    const { msg, port } = await snapshotMsg('n1');
    peer.ws.send(JSON.stringify(msg));
    expect(await ctl.next('ack')).to.deep.equal({ type: 'ack', version: msg.version, nonce: 'n1' });
    expect(dp.currentVersion).to.equal(msg.version);
    expect((await get(port)).body).to.equal('a');
    expect(dp.status().controller).to.deep.include({ connected: true });

    // The same snapshot again is a no-op, still ACKed with the new nonce.
    peer.ws.send(JSON.stringify({ ...msg, nonce: 'n2' }));
    expect(await ctl.next('ack', 1)).to.deep.equal({ type: 'ack', version: msg.version, nonce: 'n2' });
  });

  it('NACKs a forged version and an invalid body, keeping the live snapshot', async () => {
    ctl = await fakeController();
    dp = await start(ctl.url);
    await ctl.next('hello');
    const peer = ctl.peers[0]!;
    const { msg } = await snapshotMsg('good');
    peer.ws.send(JSON.stringify(msg));
    await ctl.next('ack');

    const forged = { ...msg, nonce: 'forged', version: 'a'.repeat(64) };
    peer.ws.send(JSON.stringify(forged));
    const nack = await ctl.next('nack');
    expect(nack).to.deep.include({
      type: 'nack',
      version: msg.version,
      nonce: 'forged',
      rejectedVersion: forged.version,
    });
    expect((nack.error as { code: string }).code).to.equal(ErrorCodes.SNAPSHOT_INVALID);

    const badBody = { group: 'default', frontends: [{ id: 'x' }], backends: [] };
    const invalid = {
      type: 'snapshot',
      nonce: 'invalid',
      version: sha256Hex(canonicalJson(badBody)), // not its version either way
      body: badBody,
    };
    peer.ws.send(JSON.stringify(invalid));
    const nack2 = await ctl.next('nack', 1);
    expect(nack2).to.deep.include({
      nonce: 'invalid',
      version: msg.version,
      rejectedVersion: invalid.version,
    });
    expect((nack2.error as { code: string; message: string }).code).to.equal(ErrorCodes.SNAPSHOT_INVALID);
    expect((nack2.error as { message: string }).message).to.contain('snapshot body is invalid');
    expect(dp.currentVersion).to.equal(msg.version);
  });

  it('ignores malformed frames and keeps working', async () => {
    ctl = await fakeController();
    dp = await start(ctl.url);
    await ctl.next('hello');
    const peer = ctl.peers[0]!;
    peer.ws.send('not json {');
    peer.ws.send(JSON.stringify({ type: 'surprise' }));
    peer.ws.send(JSON.stringify([1, 2, 3]));
    peer.ws.send(Buffer.from([0xde, 0xad]), { binary: true });
    peer.ws.send(JSON.stringify({ type: 'heartbeat', ts: Date.now() }));
    const { msg } = await snapshotMsg('after-junk');
    peer.ws.send(JSON.stringify(msg));
    expect(await ctl.next('ack')).to.deep.include({ nonce: 'after-junk' });
    expect(ctl.attempts()).to.equal(1);
    const warnings = cap.lines().filter((l) => String(l.msg).startsWith('ignoring'));
    expect(warnings).to.have.length(4);
  });

  it('sends heartbeats, reconnects after the controller drops, and says where it is in hello', async () => {
    ctl = await fakeController();
    dp = await start(ctl.url);
    await ctl.next('hello');
    await ctl.next('heartbeat');
    const { msg } = await snapshotMsg('n');
    ctl.peers[0]!.ws.send(JSON.stringify(msg));
    await ctl.next('ack');
    ctl.peers[0]!.ws.terminate();
    await eventually(() => ctl.attempts() === 2, 3000);
    const hello = await ctl.next('hello');
    expect(hello.lastAppliedVersion).to.equal(msg.version);
  });

  it('reconnects when the controller goes silent past the heartbeat timeout', async () => {
    ctl = await fakeController({ silent: true });
    dp = await start(ctl.url);
    await ctl.next('hello');
    // The fake controller never sends anything: after 200 ms the agent must give up on it.
    await eventually(() => ctl.attempts() >= 2, 3000);
    expect(cap.text()).to.contain('controller silent; reconnecting');
  });

  it('keeps serving and keeps retrying with backoff while the controller is away', async () => {
    ctl = await fakeController();
    dp = await start(ctl.url);
    await ctl.next('hello');
    const { msg, port } = await snapshotMsg('n');
    ctl.peers[0]!.ws.send(JSON.stringify(msg));
    await ctl.next('ack');
    await ctl.close();
    await eventually(() => dp!.status().controller.connected === false);
    expect((await get(port)).body).to.equal('a');
    await eventually(
      () => cap.lines().filter((l) => l.msg === 'reconnecting to the controller').length >= 3,
      3000,
    );
  });

  it('logs a refused handshake and an error message clearly', async () => {
    ctl = await fakeController({ reject: 401 });
    dp = await start(ctl.url);
    await eventually(() => cap.text().includes('check the bearer token'), 3000);
    await dp.close();
    await ctl.close();

    ctl = await fakeController();
    dp = await start(ctl.url);
    await ctl.next('hello');
    ctl.peers[0]!.ws.send(
      JSON.stringify({
        type: 'error',
        error: { code: ErrorCodes.UNAUTHORIZED, message: 'group not served here' },
      }),
    );
    await eventually(() =>
      cap.lines().find((l) => l.level === 50 && String(l.msg).includes('group not served here')),
    );
  });
});
