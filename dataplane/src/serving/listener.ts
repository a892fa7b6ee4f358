// One bound address:port. It owns a single net.Server for its whole life and, for every accepted
// socket, reads the CURRENT frontend for its bind (through the runtime reference) and dispatches:
// http → this listener's http.Server, tcp → the L4 proxy. Swaps never rebind an unchanged bind.
//
// Connection limits live here: the frontend's maxConnections (excess connections are accepted
// but held, unread, until a slot frees — HAProxy leaves them in the kernel backlog, to the same
// effect) and connectionLimit.perSource (HTTP: the connection's requests get `status` and it
// closes; TCP: it is closed at once).
import net from 'node:net';
import type { Logger } from 'pino';
import { connectionLimited } from '../http/admission.js';
import { closeWithLinger } from '../http/engine/close.js';
import { h1Upstream } from '../http/engine/h1-client.js';
import {
  PIPELINE_BUFFER,
  serveH1,
  type H1Handlers,
  type H1Session,
  type H1Timeouts,
  type H1Socket,
} from '../http/engine/h1-server.js';
import { displayAddress } from '../util/address.js';
import { takeAccepted } from '../util/raw-accept.js';
import { RawSocket, rawOwnerOf, type TcpHandle } from '../util/raw-socket.js';
import { replyBytes } from '../http/local-reply.js';
import type { ByteMarks, ClientSide, FinishListener, HttpRequestHead } from '../http/message.js';
import { handleRequest, type HttpRequestContext } from '../http/proxy.js';
import { handleUpgrade } from '../http/upgrade.js';
import type { Trace, TrafficEvents } from '../types/traffic.js';
import { rawSocketOf } from '../tls/raw-socket-of.js';
import { termination, terminationIfLoaded } from '../tls/on-demand.js';
import { h2Client, tcpProxy } from './code-on-demand.js';
import type { Http2Server } from 'node:http2';
import type { HttpFrontendRuntime, Runtime, RuntimeRef } from '../runtime/types.js';

export type ListenerPhase = 'staged' | 'active' | 'draining' | 'closed';

/** Connections held past maxConnections; beyond this many more are refused outright. */
export const MAX_HELD_CONNECTIONS = 4096;

export interface ListenerInfo {
  bind: string;
  address: string;
  port: number;
  state: ListenerPhase;
  frontend: string | null;
  mode: 'http' | 'tcp' | null;
  connections: number;
  /** Accepted connections waiting for a slot (maxConnections). */
  held: number;
}

/**
 * One request as the listener follows it: the exchange's context (proxy.ts) and what happens when
 * it is over (the trace finished, the connection closed if it must). One object per request
 * where there were four (the context, its closeAfter closure, the finish closure and its scope).
 */
class ListenerRequest implements FinishListener {
  readonly runtime: Runtime | undefined;
  readonly frontend: HttpFrontendRuntime | undefined;
  readonly upstream = h1Upstream;
  constructor(
    private readonly listener: Listener,
    private readonly conn: Conn,
    private readonly socket: H1Socket,
    readonly trace: Trace | undefined,
    b: { runtime: Runtime; frontend: HttpFrontendRuntime } | undefined,
    readonly log: Logger,
  ) {
    this.runtime = b?.runtime;
    this.frontend = b?.frontend;
  }

  /** True when the client connection must close after this response (drain, mode change). */
  closeAfter(): boolean {
    return this.listener.mustClose(this.conn);
  }

  finished(status: number, complete: boolean, bytesIn: number, bytesOut: number): void {
    this.trace?.finish(status, complete, bytesIn, bytesOut);
    const conn = this.conn;
    conn.inflight--;
    if (conn.inflight === 0 && this.listener.mustClose(conn)) closeGracefully(this.socket);
  }
}

interface Conn {
  readonly mode: 'http' | 'tcp';
  /** HTTP requests in progress on this connection. */
  inflight: number;
  /** Close once idle: the bind left http mode while this connection was open. */
  closing: boolean;
  /** Upgraded (WebSocket): a tunnel that runs to its natural end, like a TCP session. */
  tunnel: boolean;
  /** Over connectionLimit.perSource: every request gets the limit's status, then it closes. */
  limited: HttpFrontendRuntime | undefined;
  /** The HTTP/1.1 engine serving it (HTTP/2 and TLS handshakes in progress: none). */
  h1?: H1Session;
  /** Frees its connectionLimit.perSource slot. */
  release?: () => void;
}

/**
 * While draining, an idle HTTP/1.1 keep-alive connection is closed once it carried no request for
 * this long: a client that sends its next request at once gets it answered with "Connection:
 * close" instead of a connection closed under it (HAProxy: `option idle-close-on-response`).
 */
export const DRAIN_IDLE_GRACE_MS = 1000;

/** Bytes of pipelined requests read ahead of the answers (http/engine/h1-server.ts). */
export { PIPELINE_BUFFER };

export interface ListenerDeps {
  readonly ref: RuntimeRef;
  readonly log: Logger;
  /** Traffic observation: one trace per request/session (stats, metrics, access log). */
  readonly events?: TrafficEvents;
  /**
   * SO_REUSEPORT: each worker of a multi-worker dataplane binds its own socket and the kernel
   * spreads connections (Node >= 22.12; see workers/listen-sharing.ts).
   */
  readonly reusePort?: boolean;
}

const NO_TIMEOUTS = Object.freeze({ client: 0, httpRequest: 10_000, keepAlive: 5_000 });

/** FIN once queued bytes are flushed, then release the socket. */
function closeGracefully(socket: H1Socket): void {
  if (socket.destroyed) return;
  if (socket instanceof RawSocket) {
    socket.once('finish', () => socket.destroy());
    socket.end();
    return;
  }
  // TLS: close_notify; HTTP/2: GOAWAY (tls/). No TLS connection exists before its code loaded.
  if (terminationIfLoaded()?.closeTlsGracefully(socket) === true) return;
  socket.once('finish', () => socket.destroy());
  socket.end();
}

export class Listener {
  private readonly server: net.Server;
  /** The HTTP/1.1 engine's view of this listener (handlers and the frontend's timeouts). */
  private readonly h1: H1Handlers;
  /** HTTP/2 towards clients (TLS with ALPN h2), fed like `http` (tls/h2.ts). */
  private h2: Http2Server | undefined;
  private phase: ListenerPhase = 'staged';
  /** Sockets accepted between listen() and the swap; dispatched (or dropped) when it settles. */
  private held: net.Socket[] = [];
  /** Sockets accepted past maxConnections, waiting (unread) for a slot. */
  private waiting: net.Socket[] = [];
  private readonly waitingClose = new Map<net.Socket, () => void>();
  /**
   * Open connections: net.Sockets, and plaintext HTTP connections taken at accept without one
   * (util/raw-accept.ts, util/raw-socket.ts); such a connection stays the key when a path turns it
   * into a net.Socket (an Upgrade).
   */
  private readonly conns = new Map<H1Socket, Conn>();
  /** A tracked socket closed ('close' listener; `this` is the socket). */
  private readonly untrack: (this: H1Socket) => void;
  /** Whether accepted plaintext HTTP connections are taken without a net.Socket (util/raw-accept.ts). */
  rawAccept = false;
  /** The http binding to finish requests on once the bind is no longer http (or is removed). */
  private lastHttp: { runtime: Runtime; frontend: HttpFrontendRuntime } | undefined;
  private drained: (() => void) | undefined;
  /** The frontend's timeouts as of runtime `timeoutsOf` (a runtime and its snaps never change). */
  private timeoutsOf: Runtime | undefined;
  private timeoutsNow: H1Timeouts = NO_TIMEOUTS;

  constructor(
    readonly key: string,
    readonly address: string,
    readonly port: number,
    private readonly deps: ListenerDeps,
  ) {
    // allowHalfOpen: the TCP proxy relays half-close, and HTTP answers a request sent before a FIN.
    this.server = net.createServer({ allowHalfOpen: true, noDelay: true }, (s) => this.onConnection(s));
    this.server.on('error', (err) => deps.log.error({ bind: key, err: err.message }, 'listener error'));
    const untrack = (socket: H1Socket): void => {
      const conn = this.conns.get(socket);
      if (!conn) return;
      this.conns.delete(socket);
      conn.release?.();
      this.admitWaiting();
      this.maybeClosed();
    };
    this.untrack = function (this: H1Socket) {
      untrack(this);
    };
    this.h1 = {
      request: (client, socket) => this.onRequest(client, socket),
      upgrade: (head, withBody, socket, rest, start) => this.onUpgrade(head, withBody, socket, rest, start),
      timeouts: () => {
        // Read at every wait of every connection: the lookup is made once per runtime version.
        const runtime = this.deps.ref.current;
        if (runtime === this.timeoutsOf) return this.timeoutsNow;
        const fe = runtime.frontends.get(this.key) ?? this.lastHttp?.frontend;
        this.timeoutsOf = runtime;
        this.timeoutsNow = fe ? fe.snap.timeouts : NO_TIMEOUTS;
        return this.timeoutsNow;
      },
    };
  }

  get state(): ListenerPhase {
    return this.phase;
  }

  listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error): void => reject(err);
      this.server.once('error', onError);
      const reuse = this.deps.reusePort ? { reusePort: true } : {};
      this.server.listen({ host: this.address, port: this.port, ...reuse }, () => {
        this.server.off('error', onError);
        this.rawAccept = takeAccepted(this.server, this.onHandle);
        resolve();
      });
    });
  }

  /** The swap went live: adopt the runtime's frontend for this bind and serve held sockets. */
  activate(runtime: Runtime): void {
    this.phase = 'active';
    this.configure(runtime);
    const held = this.held;
    this.held = [];
    for (const s of held) this.onConnection(s);
  }

  /** Called on every swap while active (the caller swapped the reference just before). */
  configure(runtime: Runtime): void {
    const fe = runtime.frontends.get(this.key);
    if (!fe) return; // removed: the manager drains this listener
    this.timeoutsOf = undefined; // lastHttp may change below
    if (fe.mode === 'http') {
      this.lastHttp = { runtime, frontend: fe };
    } else {
      // http → tcp on the same bind: new sockets go to the TCP proxy; open http ones drain.
      for (const [socket, conn] of this.conns) {
        if (conn.mode !== 'http' || conn.tunnel) continue;
        conn.closing = true;
        if (conn.inflight === 0) closeGracefully(socket);
      }
    }
    this.admitWaiting(); // maxConnections may have grown
  }

  /**
   * Stop accepting (the port is released now), close idle keep-alive connections (HTTP/1.1 once
   * idle for DRAIN_IDLE_GRACE_MS, HTTP/2 with GOAWAY), let active requests finish with
   * "Connection: close" and TCP sessions and tunnels run to their natural end. Resolves when the
   * last connection is gone; the caller bounds the wait (destroy()).
   */
  drain(): Promise<void> {
    if (this.phase === 'closed') return Promise.resolve();
    this.stopAccepting();
    for (const [socket, conn] of this.conns) {
      if (conn.mode !== 'http' || conn.tunnel) continue;
      if (conn.h1) conn.h1.closeWhenIdle(DRAIN_IDLE_GRACE_MS);
      else if (conn.inflight === 0) closeGracefully(socket);
    }
    return new Promise((resolve) => {
      this.drained = resolve;
      this.maybeClosed();
    });
  }

  /** Hard stop (shutdown, or a staged listener whose swap was abandoned). */
  destroy(): void {
    this.stopAccepting();
    for (const socket of this.conns.keys()) socket.destroy();
    this.maybeClosed();
  }

  /** Draining from now on: no new connection, and those not yet handed to a protocol are dropped. */
  private stopAccepting(): void {
    this.phase = 'draining';
    this.server.close();
    for (const s of [...this.held, ...this.waiting]) s.destroy();
    this.held = [];
    this.waiting = [];
    this.waitingClose.clear();
  }

  info(): ListenerInfo {
    const fe = this.deps.ref.current.frontends.get(this.key);
    const live = this.phase === 'active' && fe !== undefined;
    return {
      bind: this.key,
      address: this.address,
      port: this.port,
      state: this.phase,
      frontend: live ? fe.id : null,
      mode: live ? fe.mode : null,
      connections: this.conns.size,
      held: this.waiting.length,
    };
  }

  private maybeClosed(): void {
    if (this.phase !== 'draining' || this.conns.size > 0) return;
    this.phase = 'closed';
    this.drained?.();
  }

  private track(socket: H1Socket, conn: Conn, release?: () => void): void {
    if (release) conn.release = release;
    this.conns.set(socket, conn);
    socket.on('close', this.untrack); // one function for every connection of this listener
  }

  private maxConnections(): number {
    const fe = this.deps.ref.current.frontends.get(this.key);
    const max = fe?.snap.maxConnections;
    return max !== undefined && max > 0 ? max : Infinity;
  }

  /** Serve held connections while there is room (oldest first). */
  private admitWaiting(): void {
    if (this.phase !== 'active') return;
    const max = this.maxConnections();
    while (this.waiting.length > 0 && this.conns.size < max) {
      const s = this.waiting.shift()!;
      const onClose = this.waitingClose.get(s);
      this.waitingClose.delete(s);
      if (onClose) s.off('close', onClose);
      if (s.destroyed) continue;
      this.dispatch(s, true);
    }
  }

  /**
   * An accepted connection's handle, before Node makes a net.Socket of it: taken (true) when it
   * is served at once without TLS (the HTTP/1.1 engine, the TCP relay); everything else (staged or
   * held connections, TLS) is declined and takes Node's path to onConnection().
   */
  private readonly onHandle = (handle: TcpHandle): boolean => {
    if (this.phase !== 'active' || this.waiting.length > 0) return false;
    const fe = this.deps.ref.current.frontends.get(this.key);
    if (!fe || fe.tls || this.conns.size >= this.maxConnections()) return false;
    handle.setNoDelay(true); // as Node does for a server created with noDelay
    this.dispatch(new RawSocket(handle), false);
    return true;
  };

  private onConnection(socket: net.Socket): void {
    if (this.phase === 'staged') {
      socket.on('error', () => {});
      this.held.push(socket);
      return;
    }
    if (this.phase !== 'active') {
      socket.destroy();
      return;
    }
    if (this.conns.size >= this.maxConnections() || this.waiting.length > 0) {
      if (this.waiting.length >= MAX_HELD_CONNECTIONS) {
        socket.destroy();
        return;
      }
      socket.on('error', () => {});
      socket.pause();
      const onClose = (): void => {
        this.waitingClose.delete(socket);
        const i = this.waiting.indexOf(socket);
        if (i >= 0) this.waiting.splice(i, 1);
      };
      socket.once('close', onClose);
      this.waitingClose.set(socket, onClose);
      this.waiting.push(socket);
      this.admitWaiting();
      return;
    }
    this.dispatch(socket, false);
  }

  /**
   * Serves an admitted connection on the bind's current frontend. `conn` is a RawSocket only when
   * the frontend had no TLS at accept (same turn: onHandle); a path that needs a stream (TLS) gets
   * it as a net.Socket, tracked under `conn` all the same.
   */
  private dispatch(conn: H1Socket, paused: boolean): void {
    const runtime = this.deps.ref.current;
    const fe = runtime.frontends.get(this.key);
    if (!fe) {
      conn.destroy();
      return;
    }
    const source = displayAddress(conn.remoteAddress);
    const perSource = fe.snap.connectionLimit?.perSource;
    let release: (() => void) | undefined;
    let over = false;
    if (perSource !== undefined) {
      if (fe.state.connections.tryAcquire(source, perSource)) {
        const state = fe.state;
        release = () => state.connections.release(source);
      } else over = true;
    }
    if (fe.mode === 'tcp') {
      // The trace reads the remote address, the byte counters and 'close': a RawSocket has them.
      const traced = conn as net.Socket;
      if (over) {
        this.deps.log.debug({ frontend: fe.id, source }, 'tcp connection over the per-client limit; closed');
        this.deps.events?.tcp(traced, fe.id, runtime.version).local('PR');
        conn.destroy();
        return;
      }
      this.track(
        conn,
        { mode: 'tcp', inflight: 0, closing: false, tunnel: false, limited: undefined },
        release,
      );
      const trace = this.deps.events?.tcp(traced, fe.id, runtime.version);
      // TLS termination or SNI passthrough routing, then the same TCP proxy (tls/frontend.ts).
      // Both were loaded by the apply that built this frontend (code-on-demand.ts).
      const proxyTcp = tcpProxy();
      if (fe.tls) {
        const socket = conn instanceof RawSocket ? conn.toNetSocket() : conn;
        termination().acceptTcp(socket, fe, this.deps.log, trace, proxyTcp);
      } else proxyTcp(conn, fe, this.deps.log, trace);
      return;
    }
    const c: Conn = {
      mode: 'http',
      inflight: 0,
      closing: false,
      tunnel: false,
      limited: over ? fe : undefined,
    };
    this.track(conn, c, release);
    if (fe.tls?.terminator) {
      const socket = conn instanceof RawSocket ? conn.toNetSocket() : conn;
      // TLS termination; then HTTP/2 (ALPN h2) or HTTP/1.1 on the secured socket (tls/frontend.ts),
      // loaded by the apply that built this frontend (code-on-demand.ts).
      termination().acceptHttps(socket, fe.tls.terminator, {
        http1: (s) => {
          c.h1 = serveH1(s, this.h1, this.port, 'https');
          if (this.phase === 'draining') c.h1.closeWhenIdle(DRAIN_IDLE_GRACE_MS);
        },
        http2: () => this.h2Server(),
      });
      if (paused) socket.resume();
      return;
    }
    c.h1 = serveH1(conn, this.h1, this.port, 'http');
    if (paused) conn.resume(); // after the engine took the socket, or bytes would be lost
  }

  /** The tracked connection `socket` belongs to (also one made a net.Socket, and under TLS). */
  private connOf(socket: object): Conn | undefined {
    const s = rawSocketOf(socket) as H1Socket;
    return this.conns.get(s) ?? this.conns.get(rawOwnerOf(s) as H1Socket);
  }

  private h2Server(): Http2Server {
    if (this.h2 === undefined) {
      const client = h2Client(); // loaded with TLS termination (code-on-demand.ts)
      this.h2 = termination().createH2Server(
        {
          request: (req, res, expectContinue) =>
            this.onRequest(client(req, res, expectContinue, this.port), req.socket as unknown as net.Socket),
          idleTimeoutMs: () => this.deps.ref.current.frontends.get(this.key)?.snap.timeouts.client ?? 0,
          keepAliveMs: () => this.deps.ref.current.frontends.get(this.key)?.snap.timeouts.keepAlive ?? 0,
        },
        this.deps.log,
      );
    }
    return this.h2;
  }

  /** Whether `conn` closes once its requests are done (ListenerRequest reads it too). */
  mustClose(conn: Conn): boolean {
    return this.phase !== 'active' || conn.closing;
  }

  /** The runtime and frontend a new request on this bind runs on (undefined: refuse it). */
  private binding(conn: Conn): { runtime: Runtime; frontend: HttpFrontendRuntime } | undefined {
    const runtime = this.deps.ref.current;
    const fe = runtime.frontends.get(this.key);
    if (fe?.mode === 'http') {
      // The pair the last apply recorded, while it is current: no new object per request.
      const last = this.lastHttp;
      if (last !== undefined && last.runtime === runtime && last.frontend === fe) return last;
      return { runtime, frontend: fe };
    }
    // The bind went tcp or away after this keep-alive connection was accepted.
    conn.closing = true;
    return this.lastHttp;
  }

  private onRequest(client: ClientSide, via: H1Socket): void {
    const socket = rawSocketOf(via); // the accepted socket, also under TLS and HTTP/2
    const conn = this.connOf(socket) ?? {
      mode: 'http' as const,
      inflight: 0,
      closing: true,
      tunnel: false,
      limited: undefined,
    };
    conn.inflight++;
    const events = this.deps.events;
    // Capture the router at request start; this request finishes on it.
    const b = conn.limited ? undefined : this.binding(conn);
    const frontendId = conn.limited?.id ?? b?.frontend.id;
    const trace =
      frontendId === undefined
        ? undefined
        : events?.http(client.head, frontendId, (b?.runtime ?? this.deps.ref.current).version);
    const r = new ListenerRequest(this, conn, socket, trace, b, this.deps.log);
    client.onFinish(r);
    if (conn.limited) {
      trace?.local('PR');
      const r = connectionLimited(conn.limited, client.head.source);
      client.reply(r.status, r.detail, r.headers, true);
      return;
    }
    if (!b) {
      client.abort();
      return;
    }
    handleRequest(r as HttpRequestContext, client); // runtime and frontend are set: `b` is
  }

  private onUpgrade(
    head: HttpRequestHead,
    withBody: boolean,
    socket: net.Socket,
    rest: Buffer,
    start: ByteMarks,
  ): void {
    const conn = this.connOf(socket);
    if (conn) conn.tunnel = true;
    const version = this.deps.ref.current.version;
    if (conn?.limited) {
      socket.on('error', () => {});
      const r = connectionLimited(conn.limited, head.source);
      const trace = this.deps.events?.upgrade(head, conn.limited.id, version);
      trace?.local('PR');
      socket.once('close', () => trace?.finish(r.status, true, 0, 0));
      closeWithLinger(socket, replyBytes(r.status, r.detail, r.headers, true));
      return;
    }
    const b = conn ? this.binding(conn) : undefined;
    if (!b || this.phase !== 'active') {
      socket.destroy();
      return;
    }
    const trace = this.deps.events?.upgrade(head, b.frontend.id, b.runtime.version);
    handleUpgrade(
      { runtime: b.runtime, frontend: b.frontend, log: this.deps.log, upstream: h1Upstream, trace },
      head,
      withBody,
      socket,
      rest,
      start,
    );
  }
}
