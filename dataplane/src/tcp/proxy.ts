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
import { HandleWrites, RawSocket } from '../util/raw-socket.js';

/**
 * The client connection: a net.Socket, or a plaintext connection taken at accept and driven on its
 * handle (util/raw-socket.ts: same operations and events, writes straight to the handle).
 */
export type TcpClient = net.Socket | RawSocket;

export function proxyTcp(client: TcpClient, fe: TcpFrontendRuntime, log: Logger, trace?: Trace): void {
  client.on('error', () => {}); // the session's close path below handles it
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

/** Reads of a server connection before it is established: none happen (it is not connected). */
function dropEarly(): void {}

/** Close `to` once `from` has closed: after flushing if we already sent our FIN, else now. */
function follow(from: TcpClient, to: TcpClient): void {
  from.once('close', () => {
    if (to.destroyed) return;
    if (to.writableFinished) to.destroy();
    else if (to.writableEnded && !from.errored) to.once('finish', () => to.destroy());
    else to.destroy();
  });
}

class TcpSession implements Transport, Inactive {
  private readonly assignment: Assignment;
  private upstream: TcpClient | undefined;
  /**
   * timeouts.client until the server connection is up, then the backend's timeouts.tunnel
   * (limits/inactivity.ts: no timer touched per chunk). Watched on the client socket: every byte
   * relayed either way is read from it or written to it.
   */
  private readonly inactivity = new InactivityLimit(this);
  /**
   * The client's reads through `onread` (util/accepted-reads.ts), or undefined where the socket
   * keeps its Readable path. Until the server connection is up, a chunk read is held here and
   * reading pauses: at most one read's worth is held, the rest waits in the kernel.
   */
  private clientReads: Reads | undefined;
  private held: Buffer[] = [];

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
    this.upstream?.destroy();
    this.client.destroy();
  }

  start(): void {
    const { client } = this;
    const reads = new Reads((chunk) => {
      this.held.push(chunk);
      client.pause();
    });
    if (client instanceof RawSocket) {
      this.clientReads = reads;
      client.readThrough(reads);
    } else if (readAcceptedThrough(client, reads)) this.clientReads = reads;
    this.inactivity.set(this.fe.snap.timeouts.client);
    client.once('close', () => {
      this.inactivity.clear();
      this.assignment.cancel();
      if (this.upstream?.connecting) this.upstream.destroy();
    });
    this.assignment.start();
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
    const reads = new Reads(dropEarly);
    const up: TcpClient =
      RawSocket.connect(server.address, server.port) ??
      net.connect({
        host: server.address,
        port: server.port,
        allowHalfOpen: true,
        noDelay: true,
        onread: reads,
      });
    this.upstream = up;
    up.once('close', () => a.release(attempt));
    let connected = false;
    const timer =
      timeouts.connect > 0
        ? setTimeout(() => up.destroy(connectTimeout(timeouts.connect)), timeouts.connect)
        : undefined;
    up.once('connect', () => {
      connected = true;
      clearTimeout(timer);
      a.connected(attempt);
      a.bind(attempt);
      this.established(up, reads);
    });
    up.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (this.client.destroyed) return;
      const e = classify(err, connected);
      if (connected) {
        this.log.debug(
          { frontend: this.fe.id, backend: this.backend.id, server: server.name, err: e.message },
          'tcp session upstream error',
        );
        a.broken(attempt, e); // `follow` tears the client down
        return;
      }
      a.failed(attempt, e, { bodySent: false, reused: false });
    });
  }

  private established(up: TcpClient, reads: Reads): void {
    const { client } = this;
    if (client.destroyed) {
      up.destroy();
      return;
    }
    this.inactivity.set(this.backend.snap.timeouts.tunnel);
    this.inactivity.restart();
    follow(up, client);
    follow(client, up);
    // Each chunk is written straight on; a side that does not take what it is sent stops the
    // other side's reading until it drains, and each side's end ends the other's writing (the
    // half-close relay). What the client sent while the server connection was being set up (held
    // here, or buffered in its Readable) flows from here. Both sides on their handles: each read
    // is written on straight from the relay's read buffer (RawSocket.relayTo: no chunk allocated
    // and copied where the kernel takes it at once).
    const raw = up instanceof RawSocket && client instanceof RawSocket && this.clientReads !== undefined;
    if (raw) up.relayTo(client);
    else {
      reads.onData = (chunk) => {
        if (!client.write(chunk)) up.pause();
      };
      if (up instanceof RawSocket) up.readThrough(reads);
    }
    client.on('drain', () => up.resume());
    up.on('end', () => {
      if (client instanceof RawSocket) client.end();
      else client.end();
    });
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
    if (this.clientReads) {
      const held = this.held;
      this.held = [];
      for (const chunk of held) relay(chunk);
      if (raw) (client as RawSocket).relayTo(up as RawSocket);
      else this.clientReads.onData = relay;
    } else (client as net.Socket).on('data', relay);
    up.on('drain', () => client.resume());
    // The client's end may have been read already while the server connection was set up.
    const endUp = (): void => {
      if (up instanceof RawSocket) up.end();
      else up.end();
    };
    if (client.readableEnded) endUp();
    else client.on('end', endUp);
    // Not where a held chunk filled the server's socket (its 'drain' resumes); otherwise also when
    // paused on purpose (a ClientHello peeked and put back: tls/client-hello.ts).
    if (!up.writableNeedDrain) client.resume();
  }
}
