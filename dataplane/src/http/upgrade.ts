// HTTP Upgrade (WebSocket, RFC 6455 §4; RFC 9110 §7.8): the request is admitted, routed, balanced
// and persisted like any other, sent to the server with its Upgrade/Connection fields, and when
// the server switches protocols (101) both sockets are piped as a tunnel whose idle limit is the
// backend's tunnel timeout (HAProxy "timeout tunnel"). Any other answer is relayed and the
// connection closed. A tunnel owns its two sockets: snapshot swaps never touch it.
import http, { type ClientRequest, type IncomingMessage } from 'node:http';
import type net from 'node:net';
import type { Duplex } from 'node:stream';
import { observe } from '../health/passive.js';
import {
  lookupBinding,
  persistRequestHeaders,
  persistResponseHeaders,
  rememberBinding,
  type Binding,
} from '../persistence/index.js';
import type { BackendRuntime, ServerRuntime } from '../runtime/backend.js';
import { applyHeaderEdits } from '../router/header-edits.js';
import type { HeaderList, RequestHead, RouteDecision } from '../router/types.js';
import { framingProblem, rateLimited, routeReply, type LocalReply } from './admission.js';
import { addForwarded, endToEnd, flatten, hasHeader } from './headers.js';
import { statusText, writeRawReply } from './local-reply.js';
import { acquireFailureText, hasBody, turnaroundMs, type HttpRequestContext } from './proxy.js';
import { originForm, requestHead } from './request-head.js';
import { upstreamRequestOptions } from '../tls/upstream.js';
import {
  classify,
  connectTimeout,
  isStaleReuse,
  serverTimeout,
  type UpstreamError,
} from './upstream-error.js';

type UpgradeContext = Omit<HttpRequestContext, 'closeAfter'>;

export function handleUpgrade(ctx: UpgradeContext, req: IncomingMessage, socket: Duplex, head: Buffer): void {
  socket.on('error', () => {});
  const fe = ctx.frontend;
  const local = (r: LocalReply): void => {
    ctx.trace?.reply(r.status);
    writeRawReply(socket, r, req.method === 'HEAD');
  };
  const problem = framingProblem(req);
  if (problem) return local(problem);
  if (hasBody(req)) return local({ status: 400, detail: 'an Upgrade request with a body is not supported' });
  const rh = requestHead(req, fe.snap.bind.port);
  const limited = rateLimited(fe, rh.sourceAddress);
  if (limited) return local(limited);
  const decision = fe.router.route(rh);
  const a = decision.action;
  if (a.type !== 'backend') return local(routeReply(fe, decision)!);
  const backend = ctx.runtime.backends.get(a.backend);
  if (!backend) return local({ status: 503, detail: `backend ${a.backend} is not available` });
  ctx.trace?.routed(backend.id);
  new Tunnel(ctx, req, socket as net.Socket, head, rh, decision, backend).start();
}

/** Close `to` once `from` has closed: after flushing if we already sent our FIN, else now. */
function follow(from: Duplex, to: Duplex): void {
  from.once('close', () => {
    if (to.destroyed) return;
    if (to.writableFinished) to.destroy();
    else if (to.writableEnded && !from.errored) to.once('finish', () => to.destroy());
    else to.destroy();
  });
}

class Tunnel {
  private readonly tried = new Set<ServerRuntime>();
  private retriesLeft: number;
  private readonly headers: string[];
  private readonly binding: Binding;
  private upstream: ClientRequest | undefined;
  private cancelWait: (() => void) | undefined;
  private clientGone = false;
  private answered = false;
  private lastFailure: { error: UpstreamError; server: ServerRuntime } | undefined;

  constructor(
    private readonly ctx: UpgradeContext,
    private readonly req: IncomingMessage,
    private readonly client: net.Socket,
    private readonly head: Buffer,
    private readonly rh: RequestHead,
    private readonly decision: RouteDecision,
    private readonly backend: BackendRuntime,
  ) {
    this.retriesLeft = Math.max(0, backend.snap.retries.attempts);
    const e2e = endToEnd(req.rawHeaders);
    this.binding = lookupBinding(backend, e2e, rh.sourceAddress);
    this.headers = flatten(this.requestHeaders(e2e));
    client.setTimeout(0); // until the tunnel is up, the backend's timeouts apply
    client.once('close', () => {
      this.clientGone = true;
      this.cancelWait?.();
      if (!this.answered) this.upstream?.destroy();
    });
  }

  private requestHeaders(e2e: HeaderList): HeaderList {
    const fe = this.ctx.frontend.snap;
    let h = persistRequestHeaders(this.backend, e2e);
    if (fe.forwardFor)
      h = addForwarded(h, {
        clientAddress: this.rh.sourceAddress,
        proto: this.rh.scheme,
        host: this.req.headers.host ?? '',
        port: fe.bind.port,
      });
    h = applyHeaderEdits(h, this.decision.requestHeaders);
    h = [...h, ['Connection', 'Upgrade'], ['Upgrade', this.req.headers.upgrade ?? '']];
    if (fe.via) h.push(['Via', `${this.req.httpVersion} bascule`]);
    if (!hasHeader(h, 'host')) h.push(['Host', this.rh.host || 'localhost']);
    return h;
  }

  start(): void {
    this.acquire(undefined);
  }

  private acquire(retryServer: ServerRuntime | undefined): void {
    const preferred = retryServer ?? this.binding.preferred;
    const exclude = retryServer || this.tried.size === 0 ? undefined : this.tried;
    let done = false;
    const cancel = this.backend.acquire(
      { ctx: this.rh, ...(preferred ? { preferred } : {}), ...(exclude ? { exclude } : {}) },
      (r) => {
        done = true;
        this.ctx.trace?.dequeued();
        this.cancelWait = undefined;
        if (!r.ok) {
          if (this.clientGone) return;
          const last = this.lastFailure;
          if (last && r.reason === 'no-server') return this.fail(last.error, last.server);
          return this.reply({ status: 503, detail: acquireFailureText(this.backend, r.reason) });
        }
        const server = r.server;
        if (this.clientGone) return this.backend.end(server);
        if (this.lastFailure?.server !== server) return this.connect(server);
        const t = setTimeout(() => {
          this.cancelWait = undefined;
          if (this.clientGone) this.backend.end(server);
          else this.connect(server);
        }, turnaroundMs(this.backend.snap.timeouts.connect));
        this.cancelWait = () => {
          clearTimeout(t);
          this.backend.end(server);
        };
      },
    );
    if (!done) {
      this.cancelWait = cancel;
      this.ctx.trace?.queued();
    }
  }

  private connect(server: ServerRuntime): void {
    this.ctx.trace?.attempt(server);
    const { timeouts } = this.backend.snap;
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      this.backend.end(server);
    };
    let connected = false;
    let connectTimer: NodeJS.Timeout | undefined;
    // A dedicated connection: once upgraded it leaves any pool.
    const up = http.request({
      // TLS backends: a non-pooling https agent (tls/upstream.ts); the upgraded socket leaves it.
      ...(server.tls
        ? upstreamRequestOptions(server.state, server.tls, server.snap, false)
        : { agent: false }),
      host: server.address,
      port: server.port,
      method: this.req.method,
      path: originForm(this.req.url ?? '/'),
      headers: this.headers,
      setHost: false,
    });
    this.upstream = up;
    up.on('socket', (socket) => {
      if (timeouts.connect > 0)
        connectTimer = setTimeout(() => up.destroy(connectTimeout(timeouts.connect)), timeouts.connect);
      socket.once('connect', () => {
        connected = true;
        this.ctx.trace?.connected();
        clearTimeout(connectTimer);
        if (timeouts.server > 0)
          up.setTimeout(timeouts.server, () => up.destroy(serverTimeout(timeouts.server)));
      });
    });
    up.on('upgrade', (upRes, upSocket, upHead) => {
      clearTimeout(connectTimer);
      up.setTimeout(0);
      this.established(server, upRes, upSocket as net.Socket, upHead, release);
    });
    up.on('response', (upRes) => {
      clearTimeout(connectTimer);
      this.relay(server, upRes);
      upRes.once('close', release);
    });
    up.on('error', (err) => {
      clearTimeout(connectTimer);
      release();
      this.onError(classify(err, connected), server);
    });
    up.on('close', () => {
      clearTimeout(connectTimer);
      if (!this.answered) release();
    });
    up.end();
  }

  private responseHeaders(server: ServerRuntime, upRes: IncomingMessage): HeaderList {
    let h = endToEnd(upRes.rawHeaders);
    h = persistResponseHeaders(this.backend, h, server, this.binding);
    h = applyHeaderEdits(h, this.decision.responseHeaders);
    if (this.ctx.frontend.snap.via) h = [...h, ['Via', `${upRes.httpVersion} bascule`]];
    return h;
  }

  private writeHead(status: number, message: string | undefined, h: HeaderList): void {
    const lines = [`HTTP/1.1 ${status} ${message || statusText(status)}`, ...h.map(([n, v]) => `${n}: ${v}`)];
    this.client.write(`${lines.join('\r\n')}\r\n\r\n`);
  }

  private established(
    server: ServerRuntime,
    upRes: IncomingMessage,
    upSocket: net.Socket,
    upHead: Buffer,
    release: () => void,
  ): void {
    this.answered = true;
    observe(server, 101);
    this.ctx.trace?.response(101);
    upSocket.on('error', () => {});
    upSocket.once('close', release);
    const client = this.client;
    if (this.clientGone || client.destroyed) {
      upSocket.destroy();
      return;
    }
    rememberBinding(this.backend, this.rh.sourceAddress, server);
    this.ctx.trace?.upgraded(client);
    const h = this.responseHeaders(server, upRes);
    h.push(
      ['Connection', 'Upgrade'],
      ['Upgrade', String(upRes.headers.upgrade ?? this.req.headers.upgrade ?? '')],
    );
    this.writeHead(101, upRes.statusMessage, h);
    if (upHead.length > 0) client.write(upHead);
    if (this.head.length > 0) upSocket.write(this.head);
    const idle = this.backend.snap.timeouts.tunnel;
    const cut = (): void => {
      upSocket.destroy();
      client.destroy();
    };
    client.setTimeout(idle, cut);
    upSocket.setTimeout(idle, cut);
    client.setNoDelay(true);
    upSocket.setNoDelay(true);
    follow(upSocket, client);
    follow(client, upSocket);
    client.pipe(upSocket);
    upSocket.pipe(client);
  }

  /** The server did not switch protocols: relay its answer, then close. */
  private relay(server: ServerRuntime, upRes: IncomingMessage): void {
    this.answered = true;
    upRes.on('error', () => {});
    observe(server, upRes.statusCode ?? 0);
    this.ctx.trace?.response(upRes.statusCode ?? 0);
    if (this.clientGone || this.client.destroyed) {
      upRes.destroy();
      return;
    }
    const h = this.responseHeaders(server, upRes);
    h.push(['Connection', 'close']); // no Content-Length: the body ends with the connection
    this.writeHead(upRes.statusCode ?? 502, upRes.statusMessage, h);
    upRes.pipe(this.client);
  }

  private onError(e: UpstreamError, server: ServerRuntime): void {
    if (this.clientGone || this.answered) return;
    observe(server, e);
    this.ctx.trace?.failed(e.kind);
    const replay =
      e.kind === 'connect' ||
      isStaleReuse(e) ||
      (e.kind === 'timeout' && this.backend.snap.retries.onResponseTimeout);
    if (replay && this.retriesLeft > 0) {
      this.retriesLeft--;
      this.lastFailure = { error: e, server };
      if (this.backend.snap.retries.redispatch) {
        this.tried.add(server);
        return this.acquire(undefined);
      }
      return this.acquire(server);
    }
    this.ctx.log.warn(
      { backend: this.backend.id, server: server.name, err: e.message },
      'upgrade request failed',
    );
    this.fail(e, server);
  }

  private fail(e: UpstreamError, server: ServerRuntime): void {
    const where = `server ${server.name} (${server.address}:${server.port}), backend ${this.backend.id}`;
    if (e.kind === 'connect')
      this.reply({
        status: 503,
        detail: `could not connect to a server of backend ${this.backend.id} (last: ${where}: ${e.message})`,
      });
    else if (e.kind === 'timeout')
      this.reply({ status: 504, detail: `server did not answer in time: ${where}` });
    else this.reply({ status: 502, detail: `bad answer from ${where}: ${e.message}` });
  }

  private reply(r: LocalReply): void {
    this.answered = true;
    this.ctx.trace?.reply(r.status);
    writeRawReply(this.client, r);
  }
}
