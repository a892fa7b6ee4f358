// HTTP Upgrade (WebSocket, RFC 6455 §4; RFC 9110 §7.8): the request is admitted, routed, balanced
// and persisted like any other, sent to the server with its Upgrade/Connection fields, and when
// the server switches protocols (101) both sockets are piped as a tunnel whose idle limit is the
// backend's tunnel timeout (HAProxy "timeout tunnel"). Any other answer is relayed and the
// connection closed. A tunnel owns its two sockets: snapshot swaps never touch it.
import http, { type ClientRequest, type IncomingMessage } from 'node:http';
import type net from 'node:net';
import type { Duplex } from 'node:stream';
import { Assignment, type Failure, type Transport } from '../runtime/assignment.js';
import { classify, connectTimeout, serverTimeout } from '../runtime/upstream-error.js';
import { persistRequestHeaders, persistResponseHeaders } from '../persistence/index.js';
import type { BackendRuntime, ServerRuntime } from '../runtime/backend.js';
import { applyHeaderEdits } from '../router/header-edits.js';
import type { HeaderList, RequestHead, RouteDecision } from '../router/types.js';
import { framingProblem, rateLimited, routeReply, type LocalReply } from './admission.js';
import { addForwarded, endToEnd, flatten, hasHeader } from './headers.js';
import { statusText, writeRawReply } from './local-reply.js';
import { hasBody, IDEMPOTENT, type HttpRequestContext } from './proxy.js';
import { originForm, requestHead } from './request-head.js';
import { upstreamRequestOptions } from '../tls/upstream.js';

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

class Tunnel implements Transport {
  private readonly headers: string[];
  private readonly assignment: Assignment;
  private upstream: ClientRequest | undefined;
  private clientGone = false;
  private answered = false;

  constructor(
    private readonly ctx: UpgradeContext,
    private readonly req: IncomingMessage,
    private readonly client: net.Socket,
    private readonly head: Buffer,
    private readonly rh: RequestHead,
    private readonly decision: RouteDecision,
    private readonly backend: BackendRuntime,
  ) {
    const e2e = endToEnd(req.rawHeaders);
    this.assignment = new Assignment(
      backend,
      { pick: rh, source: rh.sourceAddress, headers: e2e, replayable: IDEMPOTENT.has(req.method ?? '') },
      this,
      { log: ctx.log, trace: ctx.trace, label: 'upgrade request' },
    );
    this.headers = flatten(this.requestHeaders(e2e));
    client.setTimeout(0); // until the tunnel is up, the backend's timeouts apply
    client.once('close', () => {
      this.clientGone = true;
      this.assignment.cancel();
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
    this.assignment.start();
  }

  giveUp(f: Failure): void {
    this.reply({ status: f.status, detail: f.detail });
  }

  attempt(server: ServerRuntime, attempt: number): void {
    const { timeouts } = this.backend.snap;
    const a = this.assignment;
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
        a.connected(attempt);
        clearTimeout(connectTimer);
        if (timeouts.server > 0)
          up.setTimeout(timeouts.server, () => up.destroy(serverTimeout(timeouts.server)));
      });
    });
    up.on('upgrade', (upRes, upSocket, upHead) => {
      clearTimeout(connectTimer);
      up.setTimeout(0);
      this.established(server, attempt, upRes, upSocket as net.Socket, upHead);
    });
    up.on('response', (upRes) => {
      clearTimeout(connectTimer);
      this.relay(server, attempt, upRes);
      upRes.once('close', () => a.release(attempt));
    });
    up.on('error', (err) => {
      clearTimeout(connectTimer);
      if (this.clientGone || this.answered) return a.release(attempt);
      a.failed(attempt, classify(err, connected), { bodySent: false, reused: false });
    });
    up.on('close', () => {
      clearTimeout(connectTimer);
      if (!this.answered) a.release(attempt);
    });
    up.end();
  }

  private responseHeaders(server: ServerRuntime, upRes: IncomingMessage): HeaderList {
    let h = endToEnd(upRes.rawHeaders);
    h = persistResponseHeaders(this.backend, h, server, this.assignment.binding);
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
    attempt: number,
    upRes: IncomingMessage,
    upSocket: net.Socket,
    upHead: Buffer,
  ): void {
    this.answered = true;
    this.assignment.response(attempt, 101);
    upSocket.on('error', () => {});
    upSocket.once('close', () => this.assignment.release(attempt));
    const client = this.client;
    if (this.clientGone || client.destroyed) {
      upSocket.destroy();
      return;
    }
    this.assignment.bind(attempt);
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
  private relay(server: ServerRuntime, attempt: number, upRes: IncomingMessage): void {
    this.answered = true;
    upRes.on('error', () => {});
    this.assignment.response(attempt, upRes.statusCode ?? 0);
    if (this.clientGone || this.client.destroyed) {
      upRes.destroy();
      return;
    }
    const h = this.responseHeaders(server, upRes);
    h.push(['Connection', 'close']); // no Content-Length: the body ends with the connection
    this.writeHead(upRes.statusCode ?? 502, upRes.statusMessage, h);
    upRes.pipe(this.client);
  }

  private reply(r: LocalReply): void {
    this.answered = true;
    this.ctx.trace?.reply(r.status);
    writeRawReply(this.client, r);
  }
}
