// The HTTP engine: admission (framing checks the parser leaves to us, the frontend's rate
// limit), the router's decision, then one Exchange per proxied request. An Exchange is the HTTP
// transport of an Assignment (runtime/assignment.ts: which server, retries, failure answers): it sends the
// request to the server it is given and streams the request and the response without buffering
// either. It captures the runtime it started
// on and finishes there, whatever swaps happen meanwhile.
import http, { type ClientRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { Assignment, type Failure, type Transport } from '../runtime/assignment.js';
import { classify, connectTimeout, serverTimeout, UpstreamError } from '../runtime/upstream-error.js';
import { persistRequestHeaders, persistResponseHeaders } from '../persistence/index.js';
import type { Trace } from '../metrics/events.js';
import type { BackendRuntime, ServerRuntime } from '../runtime/backend.js';
import type { HttpFrontendRuntime, Runtime } from '../runtime/types.js';
import { applyHeaderEdits } from '../router/header-edits.js';
import type { HeaderList, RequestHead, RouteDecision } from '../router/types.js';
import { framingProblem, rateLimited, routeReply } from './admission.js';
import { addForwarded, endToEnd, flatten, hasHeader, withFraming } from './headers.js';
import { replyText, sendLocal } from './local-reply.js';
import { originForm, requestHead } from './request-head.js';

export interface HttpRequestContext {
  readonly runtime: Runtime;
  readonly frontend: HttpFrontendRuntime;
  /** True when the client connection must close after this response (drain, mode change). */
  readonly closeAfter: () => boolean;
  readonly log: Logger;
  /** Traffic observation for this request (stats, metrics, access log); absent: not observed. */
  readonly trace?: Trace;
}

/** RFC 9110 §9.2.2: methods a proxy may replay after a failure. */
export const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'TRACE']);

/** Whether the request carries a body (RFC 9112 §6.3: only Transfer-Encoding or Content-Length frame one). */
export const hasBody = (req: IncomingMessage): boolean =>
  req.headers['transfer-encoding'] !== undefined || (Number(req.headers['content-length']) || 0) > 0;

/**
 * After answering without reading the request body, close rather than drain an upload of unknown
 * size. (`req.complete` alone is not enough: it is still false when 'request' fires.)
 */
export const unreadBody = (req: IncomingMessage): boolean => hasBody(req) && !req.complete;

/**
 * One request from a client. `expectContinue`: the client sent "Expect: 100-continue" and waits
 * for a 100 before sending its body; it gets one only once a server asked for the body, and a
 * request answered without a server never makes it upload anything.
 */
export function handleRequest(
  ctx: HttpRequestContext,
  req: IncomingMessage,
  res: ServerResponse,
  expectContinue = false,
): void {
  req.on('error', () => {}); // client aborts surface as res 'close'; never crash on them
  const fe = ctx.frontend;
  // After a local answer an unread request body is not worth draining: close instead.
  const close = (): boolean => ctx.closeAfter() || unreadBody(req);
  const problem = framingProblem(req);
  if (problem) return sendLocal(res, problem, true);
  const head = requestHead(req, fe.snap.bind.port);
  const limited = rateLimited(fe, head.sourceAddress);
  if (limited) return sendLocal(res, limited, close());
  const decision = fe.router.route(head);
  const a = decision.action;
  if (a.type !== 'backend') return sendLocal(res, routeReply(fe, decision)!, close());
  const backend = ctx.runtime.backends.get(a.backend);
  if (!backend) {
    // The builder resolves every reference; reaching this is a bug, not a config problem.
    ctx.log.error({ frontend: fe.id, backend: a.backend }, 'route names a backend missing from the runtime');
    return replyText(res, 503, `backend ${a.backend} is not available`, { close: close() });
  }
  ctx.trace?.routed(backend.id);
  new Exchange(ctx, req, res, head, decision, backend, expectContinue).start();
}

class Exchange implements Transport {
  private readonly headers: string[];
  private readonly path: string;
  private readonly hasBody: boolean;
  private readonly assignment: Assignment;
  private upstream: ClientRequest | undefined;
  private clientGone = false;
  private bodyStarted = false;
  private continueSent = false;

  constructor(
    private readonly ctx: HttpRequestContext,
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
    private readonly head: RequestHead,
    private readonly decision: RouteDecision,
    private readonly backend: BackendRuntime,
    private readonly expectContinue: boolean,
  ) {
    this.path = originForm(req.url ?? '/');
    this.hasBody = hasBody(req);
    const e2e = endToEnd(req.rawHeaders);
    this.assignment = new Assignment(
      backend,
      {
        pick: head,
        source: head.sourceAddress,
        headers: e2e,
        replayable: !this.hasBody && IDEMPOTENT.has(req.method ?? ''),
      },
      this,
      { log: ctx.log, trace: ctx.trace, label: 'upstream request' },
    );
    this.headers = flatten(this.requestHeaders(e2e));
    res.once('close', () => {
      if (res.writableFinished) return;
      this.clientGone = true;
      this.assignment.cancel();
      this.upstream?.destroy();
    });
    // The frontend's client timeout (socket inactivity) fires here instead of cutting the socket.
    res.on('timeout', () => this.onClientIdle());
  }

  private requestHeaders(e2e: HeaderList): HeaderList {
    const fe = this.ctx.frontend.snap;
    const req = this.req;
    let h = persistRequestHeaders(this.backend, e2e);
    if (fe.forwardFor) {
      h = addForwarded(h, {
        clientAddress: this.head.sourceAddress,
        proto: this.head.scheme,
        host: req.headers.host ?? '',
        port: fe.bind.port,
      });
    }
    h = applyHeaderEdits(h, this.decision.requestHeaders);
    if (fe.via) h = [...h, ['Via', `${req.httpVersion} bascule`]];
    // Last, so that nothing above (header edits included) can unframe the body.
    h = withFraming(h, {
      chunked: req.headers['transfer-encoding'] !== undefined,
      contentLength: req.headers['content-length'],
    });
    if (!hasHeader(h, 'host')) h.push(['Host', this.head.host || 'localhost']); // HTTP/1.0 clients
    return h;
  }

  start(): void {
    this.assignment.start();
  }

  giveUp(f: Failure): void {
    this.reply(f.status, f.detail);
  }

  attempt(server: ServerRuntime, attempt: number): void {
    const { snap } = this.backend;
    const a = this.assignment;
    let connected = false;
    let connectTimer: NodeJS.Timeout | undefined;
    const up = http.request({
      agent: server.agent(),
      ...(server.tls ? { protocol: 'https:' } : {}), // TLS towards the server (tls/upstream.ts)
      host: server.address,
      port: server.port,
      method: this.req.method,
      path: this.path,
      headers: this.headers,
      setHost: false,
    });
    this.upstream = up;

    const onConnected = (): void => {
      connected = true;
      a.connected(attempt);
      if (connectTimer) clearTimeout(connectTimer);
      if (snap.timeouts.server > 0)
        up.setTimeout(snap.timeouts.server, () => up.destroy(serverTimeout(snap.timeouts.server)));
      if (this.clientGone) return;
      if (!this.hasBody) {
        up.end();
        return;
      }
      this.bodyStarted = true;
      this.req.pipe(up); // backpressure both ways; ends `up` when the body is complete
    };
    up.on('socket', (socket) => {
      if (!socket.connecting) return onConnected(); // reused keep-alive socket
      if (snap.timeouts.connect > 0) {
        connectTimer = setTimeout(
          () => up.destroy(connectTimeout(snap.timeouts.connect)),
          snap.timeouts.connect,
        );
      }
      socket.once('connect', onConnected);
    });
    up.on('continue', () => {
      if (!this.expectContinue || this.continueSent || this.clientGone || this.res.headersSent) return;
      this.continueSent = true;
      this.res.writeContinue();
    });
    up.on('response', (upRes) => this.onResponse(upRes, server, attempt));
    up.on('error', (err) => this.onError(classify(err, connected), up, attempt));
    up.on('close', () => {
      if (connectTimer) clearTimeout(connectTimer);
      a.release(attempt);
    });
  }

  private onResponse(upRes: IncomingMessage, server: ServerRuntime, attempt: number): void {
    upRes.on('error', () => {}); // an early end is handled on 'close' below
    this.assignment.response(attempt, upRes.statusCode ?? 0);
    if (this.clientGone) {
      upRes.destroy();
      return;
    }
    let h = endToEnd(upRes.rawHeaders);
    h = persistResponseHeaders(this.backend, h, server, this.assignment.binding);
    h = applyHeaderEdits(h, this.decision.responseHeaders);
    if (this.ctx.frontend.snap.via) h = [...h, ['Via', `${upRes.httpVersion} bascule`]];
    // A client still holding its body back (no 100 sent) cannot reuse this connection.
    const held = this.expectContinue && !this.continueSent && !this.req.complete;
    if (this.ctx.closeAfter() || held) h = [...h, ['Connection', 'close']];
    this.assignment.bind(attempt);
    try {
      this.res.writeHead(upRes.statusCode ?? 502, upRes.statusMessage, flatten(h));
    } catch (err) {
      // Invalid header bytes from the server must not crash us: answer 502 instead.
      upRes.destroy();
      this.ctx.log.warn(
        { backend: this.backend.id, server: server.name, err: (err as Error).message },
        'invalid response head from server',
      );
      this.reply(502, `server ${server.name} sent an invalid response (backend ${this.backend.id})`);
      return;
    }
    // pipe(), not stream.pipeline(): pipeline's per-stream abort bookkeeping was the largest
    // single cost per request in profiles (bench/README.md). Cleanup is explicit instead: the
    // client going away destroys the upstream request (constructor), and an upstream response
    // that ends early cuts the client response so it is never taken as complete.
    upRes.pipe(this.res);
    upRes.once('close', () => {
      if (upRes.complete || this.clientGone || this.res.writableFinished) return;
      this.assignment.broken(attempt, new UpstreamError('protocol', 'response stream ended early'));
      this.ctx.log.debug({ backend: this.backend.id, server: server.name }, 'response stream ended early');
      this.res.destroy();
    });
  }

  private onError(e: UpstreamError, up: ClientRequest, attempt: number): void {
    if (this.clientGone) return;
    if (this.res.headersSent) {
      // Mid-response failure: the client must see a truncated message, not a clean end.
      this.assignment.broken(attempt, e);
      this.res.destroy();
      return;
    }
    const retrying = this.assignment.failed(attempt, e, {
      bodySent: this.bodyStarted && this.hasBody,
      reused: up.reusedSocket,
    });
    if (retrying) this.req.unpipe(up);
  }

  /**
   * The client socket was idle for the frontend's client timeout. HAProxy applies it only while
   * the client is expected to send (request body) or to read (response): a stalled upload gets
   * 408, a client that stopped reading is cut. While the request waits for a slot, a connection
   * or the server's answer, the queue/connect/server timeouts apply instead.
   */
  private onClientIdle(): void {
    if (this.clientGone) return;
    const res = this.res;
    if (res.headersSent) {
      // Cut when the client is expected to act: read what we have for it, or send the rest of
      // its body. Otherwise it is the server that is silent (timeouts.server applies).
      if (res.writableLength > 0 || res.writableNeedDrain || (this.bodyStarted && !this.req.complete)) {
        this.clientGone = true;
        this.assignment.cancel();
        this.upstream?.destroy();
        res.destroy();
      }
      return;
    }
    if (!this.bodyStarted || this.req.complete) return;
    this.upstream?.destroy();
    this.clientGone = true; // nothing more goes upstream
    this.assignment.cancel();
    replyText(
      res,
      408,
      `request body not received in time (frontend ${this.ctx.frontend.id}, timeouts.client)`,
      {
        close: true,
      },
    );
  }

  private reply(status: number, detail: string): void {
    replyText(this.res, status, detail, { close: this.ctx.closeAfter() || unreadBody(this.req) });
  }
}
