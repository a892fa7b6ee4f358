// The control channel: dataplanes connect over WebSocket, say hello, and receive their group's
// snapshot; they answer ACK or NACK. Modelled on xDS state-of-the-world: the latest version is
// always what is sent, one send at a time per dataplane, replies carry the nonce of the send
// they answer (any other is stale),
// and a version a node rejected is never sent to it again. A dataplane whose ACKed version is
// still known here gets a change as a delta against it (the version stays the hash of the whole
// body); on connect, or after it NACKed a delta, it gets the full snapshot.
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { makeSnapshot, shortVersion } from '#protocol/canonical';
import { diffBodies } from '#protocol/delta';
import { ErrorCodes } from '#protocol/errors';
import {
  CHANNEL_PATH,
  PROTOCOL_VERSION,
  SUBPROTOCOL,
  type Ack,
  type DataplaneMessage,
  type Hello,
  type Nack,
} from '#protocol/messages';
import type { Snapshot } from '#protocol/snapshot';
import { describeAjvErrors, validateDataplaneMessage } from '#protocol/validators';
import { silentLogger, type Logger } from '../log.js';
import { TokenSet } from './auth.js';
import { NackMemory } from './nack-memory.js';
import { Peer } from './peer.js';
import type { DataplaneInfo, SnapshotServerEvents } from './types.js';

export interface SnapshotServerOptions {
  host: string;
  port: number;
  /** Accepted bearer tokens; more than one allows rotation. */
  tokens: readonly string[];
  /** PEM; serves wss:// when set. */
  tls?: { cert: string | Buffer; key: string | Buffer };
  logger?: Logger;
  /** Heartbeat period (default 5 s) and silence after which a peer is dropped (default 3 heartbeats). */
  heartbeatMs?: number;
  peerTimeoutMs?: number;
  /** A connection that sends no hello within this is closed (default 10 s). */
  helloTimeoutMs?: number;
  /**
   * A send still unanswered after this (default 60 s) is sent again, whole, under a new nonce:
   * one send at a time must not wait forever on a reply that will never come (a send the
   * dataplane dropped, or one a local apply superseded). Checked on each heartbeat.
   */
  answerTimeoutMs?: number;
  /** Largest inbound frame (dataplane messages are small; health tables can be large). */
  maxPayloadBytes?: number;
}

/** Close codes (4000-4999 are application-defined). */
export const CloseCodes = {
  PROTOCOL: 1002,
  POLICY: 1008,
  GOING_AWAY: 1001,
  TIMEOUT: 4408,
  REPLACED: 4409,
} as const;

const GROUP_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const MAX_CONSECUTIVE_BAD_MESSAGES = 20;
/** Largest frame a dataplane may send: a larger one closes its connection (1009) unbuffered. */
export const MAX_PAYLOAD_BYTES = 8 * 1024 * 1024;
/** A peer that cannot keep up with this much unsent data is dropped; it resyncs on reconnect. */
const MAX_BUFFERED_BYTES = 64 * 1024 * 1024;
/** Snapshots kept as bases for deltas (recently published versions); an older base gets a full snapshot. */
export const MAX_DELTA_BASES = 16;

export class SnapshotServer extends EventEmitter<SnapshotServerEvents> {
  private readonly log: Logger;
  private readonly tokens: TokenSet;
  private readonly http: Server;
  private readonly wss: WebSocketServer;
  private readonly heartbeatMs: number;
  private readonly peerTimeoutMs: number;
  private readonly answerTimeoutMs: number;
  private readonly helloTimeoutMs: number;
  private readonly secure: boolean;
  private readonly peers = new Set<Peer>();
  private readonly byNode = new Map<string, Peer>();
  private readonly nacks = new NackMemory();
  private readonly bodyJson = new WeakMap<Snapshot, string>();
  /** Recently served snapshots by version, oldest first: the bases deltas are computed against. */
  private readonly bases = new Map<string, Snapshot>();
  /**
   * Serialised delta fields by target version, then base version (many dataplanes share one
   * change). Only deltas to a current target are kept: nothing is ever sent towards an older
   * one, and each of these texts is as large as the objects it changes (a shared listener's
   * thousands of rules).
   */
  private readonly deltaJson = new Map<string, Map<string, string | null>>();
  private readonly empty = new Map<string, Snapshot>();
  private targets = new Map<string, Snapshot>();
  private held = new Set<string>();
  private published = false;
  private heartbeat: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly opts: SnapshotServerOptions) {
    super();
    this.log = (opts.logger ?? silentLogger()).child({ component: 'channel' });
    this.tokens = new TokenSet(opts.tokens);
    this.heartbeatMs = opts.heartbeatMs ?? 5000;
    this.peerTimeoutMs = opts.peerTimeoutMs ?? this.heartbeatMs * 3;
    this.helloTimeoutMs = opts.helloTimeoutMs ?? 10_000;
    this.answerTimeoutMs = opts.answerTimeoutMs ?? 60_000;
    this.secure = Boolean(opts.tls);
    const plain = (_req: IncomingMessage, res: ServerResponse) => {
      res.writeHead(426, { 'content-type': 'text/plain', upgrade: 'websocket' });
      res.end(`connect with WebSocket to ${CHANNEL_PATH}\n`);
    };
    // Before the upgrade nobody is authenticated: a connection must complete its TLS handshake
    // and its upgrade request within the hello timeout (Node's defaults: 120 s for the handshake,
    // 60 s for the request head, checked every 30 s).
    const bounded = {
      headersTimeout: this.helloTimeoutMs,
      requestTimeout: this.helloTimeoutMs,
      connectionsCheckingInterval: Math.min(1000, this.helloTimeoutMs),
    };
    this.http = opts.tls
      ? createHttpsServer(
          { cert: opts.tls.cert, key: opts.tls.key, handshakeTimeout: this.helloTimeoutMs, ...bounded },
          plain,
        )
      : createServer(bounded, plain);
    // A failed or timed-out TLS handshake is reported here; the socket is not closed for us.
    this.http.on('tlsClientError', (_err: Error, socket: Duplex) => socket.destroy());
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: opts.maxPayloadBytes ?? MAX_PAYLOAD_BYTES,
      perMessageDeflate: false,
      handleProtocols: (protocols) => (protocols.has(SUBPROTOCOL) ? SUBPROTOCOL : false),
    });
    this.http.on('upgrade', (req, socket, head) => this.onUpgrade(req, socket, head));
    this.http.on('clientError', (_err, socket) => socket.destroy());
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.http.once('error', reject);
      this.http.listen(this.opts.port, this.opts.host, () => {
        this.http.off('error', reject);
        resolve();
      });
    });
    this.heartbeat = setInterval(() => this.tick(), this.heartbeatMs);
    this.heartbeat.unref();
    this.log.info({ url: this.url }, 'control channel listening');
  }

  get url(): string {
    const addr = this.http.address() as AddressInfo | null;
    if (!addr) throw new Error('snapshot server is not listening');
    const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
    return `${this.secure ? 'wss' : 'ws'}://${host}:${addr.port}${CHANNEL_PATH}`;
  }

  /**
   * Make these the snapshots to serve, one per group, and send them to every dataplane that
   * does not have its group's version. A group that is absent gets an empty snapshot (so
   * removals propagate), unless it is `hold`: then its previous snapshot stays the target.
   * Nothing is sent before the first publish, so a dataplane keeps its persisted snapshot
   * while the controller starts.
   */
  publish(snapshots: Readonly<Record<string, Snapshot>>, opts: { hold?: Iterable<string> } = {}): void {
    const held = new Set(opts.hold ?? []);
    const next = new Map<string, Snapshot>();
    for (const [group, snap] of Object.entries(snapshots)) if (!held.has(group)) next.set(group, snap);
    for (const group of held) {
      const prev = this.targets.get(group);
      if (prev) next.set(group, prev);
    }
    this.targets = next;
    this.held = held;
    this.published = true;
    for (const snap of next.values()) this.remember(snap);
    const current = new Set([...next.values()].map((snap) => snap.version));
    for (const target of this.deltaJson.keys()) if (!current.has(target)) this.deltaJson.delete(target);
    for (const peer of this.byNode.values()) this.sync(peer);
  }

  /** The version a group's dataplanes should be at; null before the first publish. */
  versionOf(group: string): string | null {
    return this.targetFor(group)?.version ?? null;
  }

  /** The snapshots currently served, by group (groups without frontends are not listed). */
  snapshots(): Record<string, Snapshot> {
    return Object.fromEntries([...this.targets].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }

  /** Serialised deltas held (to current targets only; at most MAX_DELTA_BASES per target). */
  cachedDeltas(): number {
    let n = 0;
    for (const byBase of this.deltaJson.values()) n += byBase.size;
    return n;
  }

  /** Whether a snapshot or delta sent to some dataplane is not answered yet. */
  get sending(): boolean {
    for (const peer of this.byNode.values()) if (peer.inflight) return true;
    return false;
  }

  dataplanes(): DataplaneInfo[] {
    return [...this.byNode.values()]
      .map((p) => p.info())
      .sort((a, b) => (a.group < b.group ? -1 : a.group > b.group ? 1 : a.nodeId < b.nodeId ? -1 : 1));
  }

  async close(graceMs = 500): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.heartbeat) clearInterval(this.heartbeat);
    const closing = [...this.peers].map(
      (p) =>
        new Promise<void>((resolve) => {
          if (p.ws.readyState === p.ws.CLOSED) return resolve();
          p.ws.once('close', () => resolve());
          p.ws.close(CloseCodes.GOING_AWAY, 'controller shutting down');
        }),
    );
    const grace = new Promise<void>((resolve) => setTimeout(resolve, graceMs).unref());
    await Promise.race([Promise.all(closing), grace]);
    for (const p of this.peers) p.ws.terminate();
    this.wss.close();
    this.http.closeAllConnections();
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
  }

  // ---- handshake ----

  private onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    const remote = remoteOf(req.socket);
    if (this.closed) return refuse(socket, 503, 'Service Unavailable');
    const path = (req.url ?? '/').split('?', 1)[0];
    if (path !== CHANNEL_PATH) return refuse(socket, 404, 'Not Found');
    if (!this.tokens.authorize(req)) {
      // Never log the presented value: a near-miss token is still a secret.
      this.log.warn(
        { remote, code: ErrorCodes.UNAUTHORIZED },
        'dataplane refused: missing or invalid bearer token',
      );
      return refuse(socket, 401, 'Unauthorized', { 'WWW-Authenticate': 'Bearer' });
    }
    const offered = String(req.headers['sec-websocket-protocol'] ?? '')
      .split(',')
      .map((s) => s.trim());
    if (!offered.includes(SUBPROTOCOL)) {
      this.log.warn(
        { remote, offered, code: ErrorCodes.PROTOCOL },
        `dataplane refused: subprotocol ${SUBPROTOCOL} not offered`,
      );
      return refuse(socket, 400, 'Bad Request');
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws, remote));
  }

  private accept(ws: WebSocket, remote: string): void {
    const peer = new Peer(ws, remote);
    this.peers.add(peer);
    peer.helloTimer = setTimeout(() => {
      this.log.warn({ remote, code: ErrorCodes.PROTOCOL }, 'dataplane sent no hello in time; closing');
      ws.close(CloseCodes.TIMEOUT, 'no hello');
    }, this.helloTimeoutMs);
    ws.on('message', (data, isBinary) => this.onFrame(peer, data, isBinary));
    ws.on('error', (err) => this.log.debug({ remote, err: err.message }, 'channel socket error'));
    ws.on('close', (code, reason) => this.onClose(peer, code, reason.toString()));
  }

  private onClose(peer: Peer, code: number, reason: string): void {
    clearTimeout(peer.helloTimer);
    this.peers.delete(peer);
    if (!peer.hello || peer.replaced) return;
    if (this.byNode.get(peer.hello.nodeId) === peer) this.byNode.delete(peer.hello.nodeId);
    const info = peer.info();
    const why = reason || `code ${code}`;
    this.log.info(
      { nodeId: info.nodeId, group: info.group, remote: peer.remoteAddress, code },
      `dataplane disconnected: ${why}`,
    );
    this.emit('disconnected', info, why);
  }

  // ---- inbound frames ----

  private onFrame(peer: Peer, data: RawData, isBinary: boolean): void {
    peer.lastSeen = Date.now();
    if (isBinary) return this.badMessage(peer, 'binary frame');
    let msg: unknown;
    try {
      msg = JSON.parse(rawText(data));
    } catch {
      return this.badMessage(peer, 'not JSON');
    }
    if (!validateDataplaneMessage(msg))
      return this.badMessage(peer, describeAjvErrors(validateDataplaneMessage.errors));
    const m = msg as DataplaneMessage;
    if (m.type === 'hello') return this.onHello(peer, m);
    if (!peer.hello) return this.protocolError(peer, `${m.type} before hello`);
    peer.badMessages = 0;
    switch (m.type) {
      case 'ack':
        return this.onAck(peer, m);
      case 'nack':
        return this.onNack(peer, m);
      case 'health':
        this.emit('health', { nodeId: peer.hello.nodeId, group: peer.hello.group, report: m });
        return;
      case 'overrides':
        this.emit('overrides', { nodeId: peer.hello.nodeId, group: peer.hello.group, report: m });
        return;
      case 'heartbeat':
        return;
    }
  }

  private badMessage(peer: Peer, reason: string): void {
    this.log.warn(
      { remote: peer.remoteAddress, nodeId: peer.hello?.nodeId, code: ErrorCodes.BAD_MESSAGE, reason },
      'malformed message from dataplane',
    );
    peer.send({ type: 'error', error: { code: ErrorCodes.BAD_MESSAGE, message: reason } });
    this.strike(peer);
  }

  private protocolError(peer: Peer, message: string, close = false): void {
    this.log.warn(
      { remote: peer.remoteAddress, nodeId: peer.hello?.nodeId, code: ErrorCodes.PROTOCOL },
      message,
    );
    peer.send({ type: 'error', error: { code: ErrorCodes.PROTOCOL, message } });
    if (close) peer.ws.close(CloseCodes.PROTOCOL, message.slice(0, 120));
    else this.strike(peer);
  }

  /**
   * One more malformed or out-of-protocol message in a row (well-formed ones that break the
   * protocol count too, or a peer could alternate them with garbage forever); too many: closed.
   */
  private strike(peer: Peer): void {
    peer.badMessages++;
    if (peer.badMessages >= MAX_CONSECUTIVE_BAD_MESSAGES)
      peer.ws.close(CloseCodes.POLICY, 'too many malformed messages');
  }

  private onHello(peer: Peer, m: Hello): void {
    if (peer.hello) return this.protocolError(peer, 'duplicate hello ignored');
    if (m.protocolVersion !== PROTOCOL_VERSION) {
      return this.protocolError(
        peer,
        `protocol version ${m.protocolVersion} not supported (want ${PROTOCOL_VERSION})`,
        true,
      );
    }
    if (!GROUP_NAME.test(m.group))
      return this.protocolError(peer, `invalid dataplane group ${JSON.stringify(m.group)}`, true);
    clearTimeout(peer.helloTimer);
    peer.badMessages = 0;

    const old = this.byNode.get(m.nodeId);
    if (old) {
      // Last one wins: a restarted pod reconnects before the old TCP connection times out.
      old.replaced = true;
      this.byNode.delete(m.nodeId);
      this.log.warn(
        { nodeId: m.nodeId, old: old.remoteAddress, new: peer.remoteAddress },
        'duplicate nodeId: replacing the older connection',
      );
      old.ws.close(CloseCodes.REPLACED, 'replaced by a newer connection');
      this.emit('disconnected', old.info(), 'replaced by a newer connection');
    }
    peer.hello = { nodeId: m.nodeId, group: m.group };
    peer.connectedSince = new Date();
    peer.appliedVersion = m.lastAppliedVersion;
    peer.lastNack = this.nacks.last(m.nodeId);
    this.byNode.set(m.nodeId, peer);
    this.log.info(
      {
        nodeId: m.nodeId,
        group: m.group,
        remote: peer.remoteAddress,
        version: shortVersion(m.lastAppliedVersion),
      },
      'dataplane connected',
    );
    this.emit('connected', peer.info());
    this.sync(peer);
  }

  /** The nonce must be the one of the last send to this connection; anything else is stale. */
  private answered(peer: Peer, m: Ack | Nack): boolean {
    if (peer.inflight && m.nonce === peer.inflight.nonce) return true;
    this.log.debug({ nodeId: peer.hello?.nodeId, type: m.type }, 'stale reply dropped');
    return false;
  }

  private onAck(peer: Peer, m: Ack): void {
    const hello = peer.hello!;
    const sent = peer.inflight;
    if (!sent || !this.answered(peer, m)) return;
    if (m.version !== sent.version) {
      return this.protocolError(
        peer,
        `ack for ${shortVersion(m.version)} does not match sent version ${shortVersion(sent.version)}`,
      );
    }
    const latencyMs = Math.round((performance.now() - sent.sentAt) * 10) / 10;
    const via = sent.delta ? 'delta' : 'snapshot';
    peer.inflight = undefined;
    peer.appliedVersion = m.version;
    peer.needFull = false;
    peer.lastAck = { version: m.version, at: new Date() };
    this.log.info(
      { nodeId: hello.nodeId, group: hello.group, version: shortVersion(m.version), latencyMs, via },
      'snapshot acked',
    );
    this.emit('ack', { nodeId: hello.nodeId, group: hello.group, version: m.version, latencyMs, via });
    this.sync(peer); // the target may have moved while this one was in flight
  }

  private onNack(peer: Peer, m: Nack): void {
    const hello = peer.hello!;
    const sent = peer.inflight;
    if (!sent || !this.answered(peer, m)) return;
    if (sent.delta) {
      // Doubt about what the peer holds (another base, a result that does not hash right, or a
      // build failure): the same version goes again, whole; only a NACK of that one counts.
      peer.inflight = undefined;
      peer.appliedVersion = m.version;
      peer.needFull = true;
      this.log.info(
        {
          nodeId: hello.nodeId,
          version: shortVersion(sent.version),
          code: m.error.code,
          err: m.error.message,
        },
        'delta refused by dataplane; sending the full snapshot',
      );
      this.sync(peer);
      return;
    }
    // The nonce identifies the send, so the version we sent is the one rejected.
    const record = {
      version: sent.version,
      error: { code: m.error.code, message: m.error.message },
      at: new Date(),
    };
    peer.inflight = undefined;
    peer.appliedVersion = m.version;
    peer.lastNack = record;
    this.nacks.remember(hello.nodeId, record);
    this.log.warn(
      {
        nodeId: hello.nodeId,
        group: hello.group,
        version: shortVersion(sent.version),
        live: shortVersion(m.version),
        code: m.error.code,
      },
      `snapshot rejected by dataplane: ${m.error.message}`,
    );
    this.emit('nack', {
      nodeId: hello.nodeId,
      group: hello.group,
      version: sent.version,
      liveVersion: m.version,
      error: record.error,
    });
    this.sync(peer);
  }

  // ---- outbound ----

  private targetFor(group: string): Snapshot | undefined {
    if (!this.published) return undefined;
    const snap = this.targets.get(group);
    if (snap || this.held.has(group)) return snap;
    let empty = this.empty.get(group);
    if (!empty) {
      empty = makeSnapshot({ group, frontends: [], backends: [] });
      this.empty.set(group, empty);
      this.remember(empty);
    }
    return empty;
  }

  /**
   * Send the group's target to this peer unless it has it, has it on the way, or rejected it.
   * One message at a time: while a send is unanswered nothing else goes (its ACK or NACK runs
   * this again and sends whatever is newest by then). A delta is built against the version the
   * peer ACKed, which is only what it holds if nothing else is on the way; and a peer slower than
   * the edits would otherwise answer only sends that a newer one already made stale.
   */
  private sync(peer: Peer): void {
    if (!peer.hello) return;
    const target = this.targetFor(peer.hello.group);
    if (!target) return;
    if (peer.inflight || target.version === peer.appliedVersion) return;
    if (this.nacks.rejected(peer.hello.nodeId, target.version)) {
      this.log.debug(
        { nodeId: peer.hello.nodeId, version: shortVersion(target.version) },
        'not re-sending a rejected version',
      );
      return;
    }
    if (peer.ws.bufferedAmount > MAX_BUFFERED_BYTES) {
      this.log.warn({ nodeId: peer.hello.nodeId }, 'dataplane is not reading; dropping it');
      peer.ws.terminate();
      return;
    }
    const nonce = randomBytes(12).toString('base64url');
    const base = peer.needFull || !peer.appliedVersion ? undefined : this.bases.get(peer.appliedVersion);
    const delta = base && this.deltaOf(base, target);
    peer.inflight = { version: target.version, nonce, sentAt: performance.now(), delta: Boolean(delta) };
    const version = JSON.stringify(target.version);
    peer.sendRaw(
      delta
        ? `{"type":"delta","version":${version},"baseVersion":${JSON.stringify(base.version)},"nonce":"${nonce}",${delta}}`
        : `{"type":"snapshot","version":${version},"nonce":"${nonce}","body":${this.bodyOf(target)}}`,
    );
    this.log.debug(
      { nodeId: peer.hello.nodeId, version: shortVersion(target.version), via: delta ? 'delta' : 'snapshot' },
      'snapshot sent',
    );
  }

  /** Keeps a served snapshot as a possible delta base (bounded, most recent kept). */
  private remember(snap: Snapshot): void {
    this.bases.delete(snap.version);
    this.bases.set(snap.version, snap);
    while (this.bases.size > MAX_DELTA_BASES) this.bases.delete(this.bases.keys().next().value!);
  }

  /** The delta fields (serialised, without braces) from base to target, or null when only a full snapshot will do. */
  private deltaOf(base: Snapshot, target: Snapshot): string | null {
    let byBase = this.deltaJson.get(target.version);
    if (!byBase) this.deltaJson.set(target.version, (byBase = new Map()));
    let json = byBase.get(base.version);
    if (json === undefined) {
      const d = diffBodies(base.body, target.body);
      json = d && `${JSON.stringify(d).slice(1, -1)}`;
      byBase.set(base.version, json);
      // Bases are the remembered snapshots: at most MAX_DELTA_BASES texts per target.
      for (const v of byBase.keys())
        if (byBase.size > MAX_DELTA_BASES && !this.bases.has(v)) byBase.delete(v);
    }
    return json;
  }

  /** Serialise each snapshot body once, however many dataplanes receive it. */
  private bodyOf(snap: Snapshot): string {
    let json = this.bodyJson.get(snap);
    if (json === undefined) {
      json = JSON.stringify(snap.body);
      this.bodyJson.set(snap, json);
    }
    return json;
  }

  private tick(): void {
    const now = Date.now();
    for (const peer of this.peers) {
      if (!peer.hello) continue; // the hello timer covers these
      if (now - peer.lastSeen > this.peerTimeoutMs) {
        this.log.warn(
          { nodeId: peer.hello.nodeId, silentMs: now - peer.lastSeen },
          'dataplane silent too long; dropping it',
        );
        peer.ws.terminate();
        continue;
      }
      peer.send({ type: 'heartbeat', ts: now });
      const sent = peer.inflight;
      if (sent && performance.now() - sent.sentAt > this.answerTimeoutMs) {
        this.log.warn(
          { nodeId: peer.hello.nodeId, version: shortVersion(sent.version), waitedMs: this.answerTimeoutMs },
          'send unanswered; sending the full snapshot again',
        );
        peer.inflight = undefined; // its nonce is stale from now on
        peer.needFull = true;
        this.sync(peer);
      }
    }
  }
}

function refuse(socket: Duplex, status: number, text: string, headers: Record<string, string> = {}): void {
  const extra = Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('');
  // Destroy only once the response is flushed, or the client may see a reset instead of the status.
  socket.once('finish', () => socket.destroy());
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n${extra}\r\n`);
}

const remoteOf = (s: Socket): string =>
  s.remoteAddress
    ? s.remoteAddress.includes(':')
      ? `[${s.remoteAddress}]:${s.remotePort}`
      : `${s.remoteAddress}:${s.remotePort}`
    : 'unknown';

function rawText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8');
  return data.toString('utf8');
}
