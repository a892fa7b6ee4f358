// One bound address:port. It owns a single net.Server for its whole life and, for every accepted
// socket, reads the CURRENT frontend for its bind (through the runtime reference) and dispatches:
// http → this listener's http.Server, tcp → the L4 proxy. Swaps never rebind an unchanged bind.
import type http from 'node:http';
import net from 'node:net';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { handleRequest } from '../http/proxy.js';
import { configureHttpServer, createHttpServer } from '../http/server.js';
import { proxyTcp } from '../tcp/proxy.js';
import type { HttpFrontendRuntime, Runtime, RuntimeRef } from './types.js';

export type ListenerPhase = 'staged' | 'active' | 'draining' | 'closed';

export interface ListenerInfo {
  bind: string;
  address: string;
  port: number;
  state: ListenerPhase;
  frontend: string | null;
  mode: 'http' | 'tcp' | null;
  connections: number;
}

interface Conn {
  readonly mode: 'http' | 'tcp';
  /** HTTP requests in progress on this connection. */
  inflight: number;
  /** Close once idle: the bind left http mode while this connection was open. */
  closing: boolean;
}

export interface ListenerDeps {
  readonly ref: RuntimeRef;
  readonly log: Logger;
}

/** FIN once queued bytes are flushed, then release the socket. */
function closeGracefully(socket: net.Socket): void {
  if (socket.destroyed) return;
  socket.once('finish', () => socket.destroy());
  socket.end();
}

export class Listener {
  private readonly server: net.Server;
  private http: http.Server | undefined;
  private phase: ListenerPhase = 'staged';
  /** Sockets accepted between listen() and the swap; dispatched (or dropped) when it settles. */
  private held: net.Socket[] = [];
  private readonly conns = new Map<net.Socket, Conn>();
  /** The http binding to finish requests on once the bind is no longer http (or is removed). */
  private lastHttp: { runtime: Runtime; frontend: HttpFrontendRuntime } | undefined;
  private drained: (() => void) | undefined;

  constructor(
    readonly key: string,
    readonly address: string,
    readonly port: number,
    private readonly deps: ListenerDeps,
  ) {
    // allowHalfOpen: the TCP proxy relays half-close, and Node's http server expects it too.
    this.server = net.createServer({ allowHalfOpen: true, noDelay: true }, (s) => this.onConnection(s));
    this.server.on('error', (err) => deps.log.error({ bind: key, err: err.message }, 'listener error'));
  }

  get state(): ListenerPhase {
    return this.phase;
  }

  listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error): void => reject(err);
      this.server.once('error', onError);
      this.server.listen({ host: this.address, port: this.port }, () => {
        this.server.off('error', onError);
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
    this.server.maxConnections =
      fe.snap.maxConnections && fe.snap.maxConnections > 0 ? fe.snap.maxConnections : 0;
    if (fe.mode === 'http') {
      configureHttpServer(this.httpServer(), fe.snap);
      this.lastHttp = { runtime, frontend: fe };
      return;
    }
    // http → tcp on the same bind: new sockets go to the TCP proxy; open http ones drain.
    for (const [socket, conn] of this.conns) {
      if (conn.mode !== 'http') continue;
      conn.closing = true;
      if (conn.inflight === 0) closeGracefully(socket);
    }
  }

  /**
   * Stop accepting (the port is released now), close idle keep-alive connections, let active
   * requests finish with "Connection: close" and TCP sessions run to their natural end.
   */
  drain(): Promise<void> {
    if (this.phase === 'closed') return Promise.resolve();
    this.phase = 'draining';
    this.server.close();
    for (const s of this.held) s.destroy();
    this.held = [];
    for (const [socket, conn] of this.conns)
      if (conn.mode === 'http' && conn.inflight === 0) closeGracefully(socket);
    return new Promise((resolve) => {
      this.drained = resolve;
      this.maybeClosed();
    });
  }

  /** Hard stop (shutdown, or a staged listener whose swap was abandoned). */
  destroy(): void {
    this.phase = 'draining';
    this.server.close();
    for (const s of this.held) s.destroy();
    this.held = [];
    for (const socket of this.conns.keys()) socket.destroy();
    this.maybeClosed();
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
    };
  }

  private maybeClosed(): void {
    if (this.phase !== 'draining' || this.conns.size > 0) return;
    this.phase = 'closed';
    this.http?.close(); // stops Node's connection-checking timer
    this.drained?.();
  }

  private track(socket: net.Socket, mode: Conn['mode']): Conn {
    const conn: Conn = { mode, inflight: 0, closing: false };
    this.conns.set(socket, conn);
    socket.once('close', () => {
      this.conns.delete(socket);
      this.maybeClosed();
    });
    return conn;
  }

  private onConnection(socket: net.Socket): void {
    if (this.phase === 'staged') {
      socket.on('error', () => {});
      this.held.push(socket);
      return;
    }
    const runtime = this.deps.ref.current;
    const fe = runtime.frontends.get(this.key);
    if (this.phase !== 'active' || !fe) {
      socket.destroy();
      return;
    }
    if (fe.mode === 'tcp') {
      this.track(socket, 'tcp');
      proxyTcp(socket, fe, this.deps.log);
      return;
    }
    this.track(socket, 'http');
    this.httpServer().emit('connection', socket);
  }

  private mustClose(conn: Conn): boolean {
    return this.phase !== 'active' || conn.closing;
  }

  private httpServer(): http.Server {
    this.http ??= createHttpServer((req, res) => this.onRequest(req, res));
    return this.http;
  }

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    const socket = req.socket;
    const conn = this.conns.get(socket) ?? { mode: 'http' as const, inflight: 0, closing: true };
    conn.inflight++;
    res.once('close', () => {
      conn.inflight--;
      if (conn.inflight === 0 && this.mustClose(conn)) closeGracefully(socket);
    });
    // Capture the router at request start; this request finishes on it.
    let runtime = this.deps.ref.current;
    let fe = runtime.frontends.get(this.key);
    if (fe?.mode !== 'http') {
      // The bind went tcp or away after this keep-alive connection was accepted.
      if (!this.lastHttp) {
        res.destroy();
        return;
      }
      ({ runtime, frontend: fe } = this.lastHttp);
      conn.closing = true;
    }
    handleRequest(
      { runtime, frontend: fe, closeAfter: () => this.mustClose(conn), log: this.deps.log },
      req,
      res,
    );
  }
}
