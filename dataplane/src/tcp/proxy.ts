// L4 proxy: the TCP transport of an Assignment (runtime/assignment.ts: source persistence, balancing —
// "source" hashing is the usual choice here — the backend queue, retries of failed connects),
// connect with the connect timeout, then relay both ways with backpressure and half-close passed
// through, the backend's tunnel timeout as the idle limit. A session keeps its upstream for life, whatever swaps happen meanwhile.
import net from 'node:net';
import type { Logger } from 'pino';
import { Assignment, type Failure, type Transport } from '../runtime/assignment.js';
import { classify, connectTimeout } from '../runtime/upstream-error.js';
import type { Trace } from '../types/traffic.js';
import type { BackendRuntime, ServerRuntime } from '../runtime/backend.js';
import type { TcpFrontendRuntime } from '../runtime/types.js';
import { displayAddress } from '../util/address.js';
import { InactivityLimit, type Inactive } from '../limits/inactivity.js';
import { Reads } from '../util/socket-reads.js';
import { readAcceptedThrough } from '../util/accepted-reads.js';
import { HandleWrites, RawSocket, type RawSocketHooks } from '../util/raw-socket.js';

/**
 * The client connection: a net.Socket, or a plaintext connection taken at accept and driven on its
 * handle (util/raw-socket.ts: same operations and events, writes straight to the handle).
 */
export type TcpClient = net.Socket | RawSocket;

export function proxyTcp(client: TcpClient, fe: TcpFrontendRuntime, log: Logger, trace?: Trace): void {
  // The session's close path handles errors: 'close' follows every one. A RawSocket emits no
  // 'error' without a listener (nor hook); a net.Socket would throw one.
  if (!(client instanceof RawSocket)) client.on('error', ignoreError);
  if (!fe.backend) {
    log.warn({ frontend: fe.id }, 'tcp frontend has no default backend; connection refused');
    client.destroy();
    return;
  }
  const source = displayAddress(client.remoteAddress);
  const rl = fe.snap.rateLimit;
  if (rl) {
    // In TCP mode every connection counts as a request (HAProxy conn_rate).
    const v = fe.state.rate.hit(source, rl.requests, rl.periodMs, Date.now());
    if (!v.allowed) {
      log.debug({ frontend: fe.id, source }, 'tcp connection over the rate limit; closed');
      client.destroy();
      return;
    }
  }
  trace?.routed(fe.backend.id);
  new TcpSession(client, fe, fe.backend, source, log, trace).start();
}

function ignoreError(): void {}

/** Reads of a server connection before it is established: none happen (it is not connected). */
function dropEarly(): void {}

/**
 * Bytes a client may send while its server connection is set up (queued, connecting) before its
 * reading pauses: at most this much plus one read (64 KiB) is held per session. Pausing at the
 * first read, as before, stopped and restarted the client's reading for nearly every session
 * (the request is usually read before the server's connect completes): two epoll_ctl calls per
 * connection.
 */
export const CONNECT_HOLD_BYTES = 16 * 1024;

/** The most bytes one session held while its server connection was set up (the tests read it). */
export const connectHold = { most: 0 };

/**
 * Our FIN on `to`, after its peer's end was relayed. When `to`'s own peer has ended too and every
 * byte written to it is in the kernel, close(2) sends the FIN (after those bytes) just as
 * shutdown(2) would, and nothing can arrive any more that a close could turn into a reset (the
 * peer's FIN was read, so its receive queue is empty): the connection is closed now, without a
 * shutdown(2), its request and its completion callback. Otherwise our FIN is queued (end()).
 */
function endSide(to: TcpClient): void {
  if (!(to instanceof RawSocket)) to.end();
  else if (to.readableEnded && to.writableLength === 0) to.destroy();
  else to.end();
}

/**
 * `from` closed: close `to` too — after flushing if our FIN is already queued on it (and `from`
 * did not fail), else now. Returns true when `to` must be destroyed once its FIN is out.
 */
function followClose(from: TcpClient, to: TcpClient): boolean {
  if (to.destroyed) return false;
  if (to.writableFinished) to.destroy();
  else if (to.writableEnded && !from.errored) return true;
  else to.destroy();
  return false;
}

/**
 * One connect attempt's server connection and what it reports, by direct calls (RawSocket.hooks)
 * or, on a net.Socket, through listeners that make the same calls.
 */
class ServerLeg implements RawSocketHooks {
  connected = false;
  /** Destroy once our FIN is out (the client closed while it was queued). */
  destroyOnFinish = false;
  timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly session: TcpSession,
    readonly up: TcpClient,
    readonly server: ServerRuntime,
    readonly attempt: number,
    /** A net.Socket's `onread` reads (none for a RawSocket: its reads are set when relaying). */
    readonly reads: Reads | undefined,
  ) {}

  rawConnect(): void {
    this.session.serverConnected(this);
  }

  rawError(err: Error): void {
    this.session.serverError(this, err);
  }

  rawEnd(): void {
    this.session.serverEnded(this);
  }

  rawDrain(): void {
    this.session.serverDrained(this);
  }

  rawFinish(): void {
    if (this.destroyOnFinish) this.up.destroy();
  }

  rawClose(): void {
    this.session.serverClosed(this);
  }

  /** A net.Socket's events, to the same calls (where the connection cannot be a RawSocket). */
  listen(up: net.Socket): void {
    up.once('connect', () => this.rawConnect());
    up.on('error', (err) => this.rawError(err));
    up.on('end', () => this.rawEnd());
    up.on('drain', () => this.rawDrain());
    up.on('finish', () => this.rawFinish());
    up.once('close', () => this.rawClose());
  }
}

class TcpSession implements Transport, Inactive, RawSocketHooks {
  private readonly assignment: Assignment;
  /** The attempt whose connection is up and relaying (undefined until then). */
  private relaying: ServerLeg | undefined;
  /** The attempt in progress (connecting), if any. */
  private leg: ServerLeg | undefined;
  /**
   * timeouts.client until the server connection is up, then the backend's timeouts.tunnel
   * (limits/inactivity.ts: no timer touched per chunk). Watched on the client socket: every byte
   * relayed either way is read from it or written to it.
   */
  private readonly inactivity = new InactivityLimit(this);
  /**
   * The client's reads through `onread` (util/accepted-reads.ts), or undefined where the socket
   * keeps its Readable path. Until the server connection is up, chunks read are held here, and
   * reading pauses once CONNECT_HOLD_BYTES are (the rest waits in the kernel).
   */
  private clientReads: Reads | undefined;
  private held: Buffer[] = [];
  private heldBytes = 0;
  /** Destroy the client once our FIN to it is out (the server closed while it was queued). */
  private destroyClientOnFinish = false;

  constructor(
    private readonly client: TcpClient,
    private readonly fe: TcpFrontendRuntime,
    private readonly backend: BackendRuntime,
    source: string,
    private readonly log: Logger,
    trace?: Trace,
  ) {
    this.assignment = new Assignment(
      backend,
      { pick: { sourceAddress: source }, source, replayable: false },
      this,
      { log, trace, label: 'tcp connect', layer4: true },
    );
  }

  /** For InactivityLimit, which reads only byte counters, writableLength and _handle (a RawSocket has them). */
  get socket(): net.Socket {
    return this.client as net.Socket;
  }

  watched(): boolean {
    return true;
  }

  expired(): void {
    (this.relaying ?? this.leg)?.up.destroy();
    this.client.destroy();
  }

  start(): void {
    const { client } = this;
    const reads = new Reads((chunk) => {
      this.held.push(chunk);
      const n = (this.heldBytes += chunk.length);
      if (n > connectHold.most) connectHold.most = n;
      if (n >= CONNECT_HOLD_BYTES) client.pause();
    });
    if (client instanceof RawSocket) {
      this.clientReads = reads;
      client.hooks = this; // end, drain, close (and finish) by direct calls: no listener
      client.readThrough(reads);
    } else {
      if (readAcceptedThrough(client, reads)) this.clientReads = reads;
      client.once('close', () => this.rawClose());
    }
    this.inactivity.set(this.fe.snap.timeouts.client);
    this.assignment.start();
  }

  // ---- the client connection (RawSocket.hooks; a net.Socket's listeners make the same calls) ----

  rawEnd(): void {
    const leg = this.relaying;
    if (leg) endSide(leg.up); // before that, established() looks at readableEnded
  }

  rawDrain(): void {
    this.relaying?.up.resume();
  }

  rawFinish(): void {
    if (this.destroyClientOnFinish) this.client.destroy();
  }

  rawClose(): void {
    this.inactivity.clear();
    this.assignment.cancel();
    const leg = this.leg;
    if (leg && leg.up.connecting) leg.up.destroy();
    const relaying = this.relaying;
    if (relaying && followClose(this.client, relaying.up)) relaying.destroyOnFinish = true;
  }

  giveUp(f: Failure): void {
    this.log.warn(
      { frontend: this.fe.id, backend: this.backend.id, reason: f.detail },
      'tcp session refused',
    );
    this.client.destroy();
  }

  attempt(server: ServerRuntime, attempt: number): void {
    const a = this.assignment;
    if (this.client.destroyed) return a.release(attempt);
    const { timeouts } = this.backend.snap;
    // The server connection on its own handle (util/raw-socket.ts: no net.Socket, reads and writes
    // as the client side's); where that cannot be done (a host name, the internals missing), a
    // net.Socket that reads through `onread`: no Readable machinery per relayed chunk. noDelay as
    // on the client side (the listener sets it): a relay writes what it has read at once, and
    // Nagle's algorithm would hold a small write back until the previous one is acked.
    const raw = RawSocket.connect(server.address, server.port);
    const reads = raw ? undefined : new Reads(dropEarly);
    const up: TcpClient =
      raw ??
      net.connect({
        host: server.address,
        port: server.port,
        allowHalfOpen: true,
        noDelay: true,
        onread: reads!,
      });
    const leg = new ServerLeg(this, up, server, attempt, reads);
    this.leg = leg;
    if (raw) raw.hooks = leg;
    else leg.listen(up as net.Socket);
    if (timeouts.connect > 0) leg.timer = setTimeout(connectTimedOut, timeouts.connect, up, timeouts.connect);
  }

  serverConnected(leg: ServerLeg): void {
    leg.connected = true;
    clearTimeout(leg.timer);
    const a = this.assignment;
    a.connected(leg.attempt);
    a.bind(leg.attempt);
    this.established(leg);
  }

  serverError(leg: ServerLeg, err: Error): void {
    clearTimeout(leg.timer);
    if (this.client.destroyed) return;
    const e = classify(err, leg.connected);
    if (leg.connected) {
      this.log.debug(
        { frontend: this.fe.id, backend: this.backend.id, server: leg.server.name, err: e.message },
        'tcp session upstream error',
      );
      this.assignment.broken(leg.attempt, e); // the server's close tears the client down
      return;
    }
    this.assignment.failed(leg.attempt, e, { bodySent: false, reused: false });
  }

  serverEnded(leg: ServerLeg): void {
    if (leg === this.relaying) endSide(this.client);
  }

  serverDrained(leg: ServerLeg): void {
    if (leg === this.relaying) this.client.resume();
  }

  serverClosed(leg: ServerLeg): void {
    clearTimeout(leg.timer);
    this.assignment.release(leg.attempt);
    if (leg === this.relaying && followClose(leg.up, this.client)) this.destroyClientOnFinish = true;
  }

  private established(leg: ServerLeg): void {
    const { client } = this;
    const up = leg.up;
    if (client.destroyed) {
      up.destroy();
      return;
    }
    this.leg = undefined;
    this.relaying = leg;
    this.inactivity.set(this.backend.snap.timeouts.tunnel);
    this.inactivity.restart();
    // Each chunk is written straight on; a side that does not take what it is sent stops the
    // other side's reading until it drains, and each side's end ends the other's writing (the
    // half-close relay). What the client sent while the server connection was being set up (held
    // here, or buffered in its Readable) flows from here. Both sides on their handles: each read
    // is written on straight from the relay's read buffer (RawSocket.relayTo: no chunk allocated
    // and copied where the kernel takes it at once).
    const raw = up instanceof RawSocket && client instanceof RawSocket && this.clientReads !== undefined;
    if (raw) up.relayTo(client);
    else {
      const onData = (chunk: Buffer): void => {
        if (!client.write(chunk)) up.pause();
      };
      if (up instanceof RawSocket) up.readThrough(new Reads(onData));
      else leg.reads!.onData = onData;
    }
    if (!(client instanceof RawSocket)) {
      client.on('drain', () => this.rawDrain());
      client.on('finish', () => this.rawFinish());
    }
    // Straight on the server connection's handle: a RawSocket's writes are, a net.Socket's where
    // possible (util/raw-socket.ts HandleWrites).
    const direct = up instanceof RawSocket ? undefined : HandleWrites.of(up, () => client.resume());
    const relay = direct
      ? (chunk: Buffer): void => {
          if (!direct.write(chunk)) client.pause();
        }
      : (chunk: Buffer): void => {
          if (!up.write(chunk)) client.pause();
        };
    const held = this.held;
    this.held = [];
    this.heldBytes = 0;
    if (this.clientReads) {
      for (const chunk of held) relay(chunk);
      if (raw) (client as RawSocket).relayTo(up as RawSocket);
      else this.clientReads.onData = relay;
    } else (client as net.Socket).on('data', relay);
    // The client's end may have been read already while the server connection was set up.
    if (client.readableEnded) endSide(up);
    else if (!(client instanceof RawSocket)) client.on('end', () => this.rawEnd());
    // Not where a held chunk filled the server's socket (its 'drain' resumes); otherwise also when
    // paused on purpose (a ClientHello peeked and put back: tls/client-hello.ts).
    if (!up.writableNeedDrain) client.resume();
  }
}

/** The connect timeout of an attempt (`up` still connecting). */
function connectTimedOut(up: TcpClient, ms: number): void {
  up.destroy(connectTimeout(ms));
}
