// The HTTP engine: asks the router, then moves bytes. One Exchange per request; it captures the
// runtime it started on and finishes there, whatever swaps happen meanwhile.
import http, { type ClientRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { pipeline } from 'node:stream';
import type { Logger } from 'pino';
import type { BackendRuntime, ServerRuntime } from '../runtime/backend.js';
import type { HttpFrontendRuntime, Runtime } from '../runtime/types.js';
import { applyHeaderEdits } from '../router/header-edits.js';
import type { HeaderList, RequestHead, RouteDecision } from '../router/types.js';
import { addForwarded, endToEnd, flatten, hasHeader } from './headers.js';
import { replyRedirect, replyText } from './local-reply.js';
import { originForm, requestHead } from './request-head.js';
import {
  classify,
  connectTimeout,
  isStaleReuse,
  serverTimeout,
  type UpstreamError,
} from './upstream-error.js';

export interface HttpRequestContext {
  readonly runtime: Runtime;
  readonly frontend: HttpFrontendRuntime;
  /** True when the client connection must close after this response (drain, mode change). */
  readonly closeAfter: () => boolean;
  readonly log: Logger;
}

const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'TRACE']);

/** Whether the request carries a body (RFC 9112 §6.3: only Transfer-Encoding or Content-Length frame one). */
const hasBody = (req: IncomingMessage): boolean =>
  req.headers['transfer-encoding'] !== undefined || (Number(req.headers['content-length']) || 0) > 0;

/**
 * After answering without reading the request body, close rather than drain an upload of unknown
 * size. (`req.complete` alone is not enough: it is still false when 'request' fires.)
 */
const unreadBody = (req: IncomingMessage): boolean => hasBody(req) && !req.complete;

export function handleRequest(ctx: HttpRequestContext, req: IncomingMessage, res: ServerResponse): void {
  req.on('error', () => {}); // client aborts surface as res 'close'; never crash on them
  const fe = ctx.frontend;
  const head = requestHead(req, fe.snap.bind.port);
  const decision = fe.router.route(head);
  const a = decision.action;
  // After a local answer an unread request body is not worth draining: close instead.
  const close = (): boolean => ctx.closeAfter() || unreadBody(req);
  switch (a.type) {
    case 'no-route':
      return replyText(
        res,
        404,
        `no rule matches this request and frontend ${fe.id} has no default backend`,
        {
          close: close(),
        },
      );
    case 'deny':
      return replyText(
        res,
        a.status,
        a.body ?? `request denied by rule ${decision.rule} (frontend ${fe.id})`,
        {
          close: close(),
        },
      );
    case 'redirect':
      return replyRedirect(res, a.status, a.location, { close: close() });
    case 'backend': {
      const backend = ctx.runtime.backends.get(a.backend);
      if (!backend) {
        // The builder resolves every reference; reaching this is a bug, not a config problem.
        ctx.log.error(
          { frontend: fe.id, backend: a.backend },
          'route names a backend missing from the runtime',
        );
        return replyText(res, 503, `backend ${a.backend} is not available`, { close: close() });
      }
      new Exchange(ctx, req, res, head, decision, backend).start();
    }
  }
}

class Exchange {
  private readonly tried = new Set<ServerRuntime>();
  private retriesLeft: number;
  private readonly headers: string[];
  private readonly path: string;
  private readonly hasBody: boolean;
  private upstream: ClientRequest | undefined;
  private clientGone = false;
  private bodyStarted = false;
  private lastServer: ServerRuntime | undefined;

  constructor(
    private readonly ctx: HttpRequestContext,
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
    private readonly head: RequestHead,
    private readonly decision: RouteDecision,
    private readonly backend: BackendRuntime,
  ) {
    this.retriesLeft = Math.max(0, backend.snap.retries.attempts);
    this.path = originForm(req.url ?? '/');
    this.hasBody = hasBody(req);
    this.headers = flatten(this.requestHeaders());
    res.once('close', () => {
      if (res.writableFinished) return;
      this.clientGone = true;
      this.upstream?.destroy();
    });
  }

  private requestHeaders(): HeaderList {
    const fe = this.ctx.frontend.snap;
    const req = this.req;
    let h = endToEnd(req.rawHeaders);
    if (fe.forwardFor) {
      h = addForwarded(h, {
        clientAddress: this.head.sourceAddress,
        proto: this.head.scheme,
        host: req.headers.host ?? '',
        port: fe.bind.port,
      });
    }
    h = applyHeaderEdits(h, this.decision.requestHeaders);
    if (fe.via) h.push(['Via', `${req.httpVersion} bascule`]);
    // Node has already de-chunked the body; ask it to chunk again (never send an unframed body).
    if (req.headers['transfer-encoding'] !== undefined) h.push(['Transfer-Encoding', 'chunked']);
    if (!hasHeader(h, 'host')) h.push(['Host', this.head.host || 'localhost']); // HTTP/1.0 clients
    return h;
  }

  start(): void {
    const server = this.pickServer();
    if (!server) {
      this.reply(503, `no server is available to handle this request (backend ${this.backend.id})`);
      return;
    }
    this.send(server);
  }

  private pickServer(): ServerRuntime | undefined {
    const redispatch = this.backend.snap.retries.redispatch;
    if (this.lastServer && !redispatch && this.lastServer.usable()) return this.lastServer;
    const fresh = this.backend.pick(this.head, this.tried);
    // Every usable server already failed once: try them again rather than give up early.
    return fresh ?? (this.tried.size > 0 ? this.backend.pick(this.head) : undefined);
  }

  private send(server: ServerRuntime): void {
    const { snap } = this.backend;
    this.lastServer = server;
    this.backend.begin(server);
    let released = false;
    let connected = false;
    let connectTimer: NodeJS.Timeout | undefined;
    const up = http.request({
      agent: server.agent(),
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
      if (connectTimer) clearTimeout(connectTimer);
      if (snap.timeouts.server > 0)
        up.setTimeout(snap.timeouts.server, () => up.destroy(serverTimeout(snap.timeouts.server)));
      if (this.clientGone) return;
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
    up.on('response', (upRes) => this.onResponse(upRes, server));
    up.on('error', (err) => this.onError(classify(err, connected), up, server));
    up.on('close', () => {
      if (connectTimer) clearTimeout(connectTimer);
      if (!released) {
        released = true;
        this.backend.end(server);
      }
    });
  }

  private onResponse(upRes: IncomingMessage, server: ServerRuntime): void {
    upRes.on('error', () => {}); // handled through pipeline below
    if (this.clientGone) {
      upRes.destroy();
      return;
    }
    let h = endToEnd(upRes.rawHeaders);
    h = applyHeaderEdits(h, this.decision.responseHeaders);
    if (this.ctx.frontend.snap.via) h.push(['Via', `${upRes.httpVersion} bascule`]);
    if (this.ctx.closeAfter()) h.push(['Connection', 'close']);
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
    pipeline(upRes, this.res, (err) => {
      if (err && !this.clientGone) {
        this.ctx.log.debug(
          { backend: this.backend.id, server: server.name, err: err.message },
          'response stream ended early',
        );
      }
    });
  }

  private onError(e: UpstreamError, up: ClientRequest, server: ServerRuntime): void {
    if (this.clientGone) return;
    if (this.res.headersSent) {
      // Mid-response failure: the client must see a truncated message, not a clean end.
      this.res.destroy();
      return;
    }
    const staleReuse =
      up.reusedSocket && isStaleReuse(e) && IDEMPOTENT.has(this.req.method ?? '') && !this.hasBody;
    const replayable = e.kind === 'connect' ? !this.bodyStarted || !this.hasBody : staleReuse;
    const log = {
      backend: this.backend.id,
      server: server.name,
      address: `${server.address}:${server.port}`,
      err: e.message,
    };
    if (replayable && this.retriesLeft > 0) {
      this.retriesLeft--;
      if (!staleReuse) this.tried.add(server);
      this.req.unpipe(up);
      this.ctx.log.debug(log, 'upstream attempt failed; retrying');
      const next = this.pickServer();
      if (next) return this.send(next);
    }
    this.ctx.log.warn(log, 'upstream request failed');
    const where = `server ${server.name} (${server.address}:${server.port}), backend ${this.backend.id}`;
    if (e.kind === 'connect')
      this.reply(
        503,
        `could not connect to a server of backend ${this.backend.id} (last: ${where}: ${e.message})`,
      );
    else if (e.kind === 'timeout') this.reply(504, `server did not answer in time: ${where}`);
    else this.reply(502, `bad answer from ${where}: ${e.message}`);
  }

  private reply(status: number, detail: string): void {
    replyText(this.res, status, detail, { close: this.ctx.closeAfter() || unreadBody(this.req) });
  }
}
