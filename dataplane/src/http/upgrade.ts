// HTTP Upgrade (WebSocket, RFC 6455 §4; RFC 9110 §7.8): the request is admitted, routed, balanced
// and persisted like any other (the Assignment is the same as for plain requests), sent to the
// server on a dedicated connection with its Upgrade/Connection fields, and when the server
// switches protocols (101) both sockets are piped as a tunnel whose idle limit is the backend's
// tunnel timeout (HAProxy "timeout tunnel"). Any other answer is relayed and the connection
// closed. A tunnel owns its two sockets: snapshot swaps never touch it.
import type net from 'node:net';
import type { Duplex } from 'node:stream';
import { Assignment, type Failure, type Transport } from '../runtime/assignment.js';
import type { UpstreamError } from '../runtime/upstream-error.js';
import { persistRequestHeaders, persistResponseHeaders } from '../runtime/persistence.js';
import { applyHeaderEdits } from '../router/header-edits.js';
import type { HeaderList, RequestHead, RouteDecision } from '../router/types.js';
import type { BackendRuntime, ServerRuntime } from '../runtime/backend.js';
import { framingProblem, rateLimited, routeReply, type LocalReply } from './admission.js';
import { addForwarded, endToEnd, hasHeader } from './headers.js';
import { closeWithLinger } from './engine/close.js';
import { InactivityLimit } from '../limits/inactivity.js';
import { replyBytes, statusText } from './local-reply.js';
import { headerValue, IDEMPOTENT, type ByteMarks, type HttpRequestHead } from './message.js';
import type { HttpRequestContext } from './proxy.js';
import { originForm, routingHead } from './request-head.js';
import type { UpstreamCall, UpstreamEvents, UpstreamResponseHead } from './upstream.js';

type UpgradeContext = Omit<HttpRequestContext, 'closeAfter'>;

/**
 * An Upgrade request whose connection the engine handed over: `socket` is the client connection
 * (TLS-secured or plain), `rest` the bytes read past the request head, `marks` the socket's byte
 * counters when this request began (its record counts from there).
 */
export function handleUpgrade(
  ctx: UpgradeContext,
  head: HttpRequestHead,
  withBody: boolean,
  socket: net.Socket,
  rest: Buffer,
  marks: ByteMarks,
): void {
  socket.on('error', () => {});
  const fe = ctx.frontend;
  let status = -1;
  socket.once('close', () =>
    ctx.trace?.finish(status, true, socket.bytesRead - marks.read, socket.bytesWritten - marks.written),
  );
  const local = (r: LocalReply): void => {
    status = r.status;
    closeWithLinger(socket, replyBytes(r.status, r.detail, r.headers, true, head.method === 'HEAD'));
  };
  const problem = framingProblem(head);
  if (problem) return local(problem);
  if (withBody) return local({ status: 400, detail: 'an Upgrade request with a body is not supported' });
  const limited = rateLimited(fe, head.source);
  if (limited) return local(limited);
  const rh = routingHead(head);
  const decision = fe.router.route(rh);
  const a = decision.action;
  if (a.type !== 'backend') return local(routeReply(fe, decision)!);
  const backend = ctx.runtime.backends.get(a.backend);
  if (!backend) return local({ status: 503, detail: `backend ${a.backend} is not available` });
  ctx.trace?.routed(backend.id);
  new Tunnel(ctx, head, socket, rest, rh, decision, backend, (s) => (status = s)).start();
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
  private readonly headers: HeaderList;
  private readonly assignment: Assignment;
  private call: UpstreamCall | undefined;
  private attemptNo = 0;
  private clientGone = false;
  private answered = false;

  constructor(
    private readonly ctx: UpgradeContext,
    private readonly head: HttpRequestHead,
    private readonly client: net.Socket,
    private readonly rest: Buffer,
    private readonly rh: RequestHead,
    private readonly decision: RouteDecision,
    private readonly backend: BackendRuntime,
    private readonly sent: (status: number) => void,
  ) {
    const e2e = endToEnd(head.headers);
    this.assignment = new Assignment(
      backend,
      { pick: rh, source: head.source, headers: e2e, replayable: IDEMPOTENT.has(head.method) },
      this,
      { log: ctx.log, trace: ctx.trace, label: 'upgrade request' },
    );
    this.headers = this.requestHeaders(e2e);
    // Until the tunnel is up, the backend's timeouts apply (the engine left no limit on the socket).
    client.once('close', () => {
      this.clientGone = true;
      this.assignment.cancel();
      if (!this.answered) this.call?.abort();
    });
  }

  private requestHeaders(e2e: HeaderList): HeaderList {
    const fe = this.ctx.frontend.snap;
    const head = this.head;
    let h = persistRequestHeaders(this.backend, e2e);
    if (fe.forwardFor)
      h = addForwarded(h, {
        clientAddress: head.source,
        proto: head.scheme,
        host: headerValue(head.headers, 'host') ?? '',
        port: fe.bind.port,
      });
    h = applyHeaderEdits(h, this.decision.requestHeaders);
    h = [...h, ['Connection', 'Upgrade'], ['Upgrade', headerValue(head.headers, 'upgrade') ?? '']];
    if (fe.via) h.push(['Via', `${head.version} bascule`]);
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
    this.attemptNo = attempt;
    const { timeouts } = this.backend.snap;
    const a = this.assignment;
    const events: UpstreamEvents = {
      connected: (call) => {
        a.connected(attempt);
        call.end(); // no body: the request is complete
      },
      continued: () => {},
      drain: () => {},
      upgraded: (r, socket, rest) => this.established(server, attempt, r, socket, rest),
      response: (r) => this.relay(server, attempt, r),
      data: (chunk) => {
        if (!this.client.destroyed && !this.client.write(chunk)) {
          this.call?.pause();
          this.client.once('drain', () => this.call?.resume());
        }
      },
      end: () => {
        a.release(attempt);
        this.client.end();
      },
      error: (e: UpstreamError) => {
        if (attempt !== this.attemptNo) return;
        if (this.clientGone || this.answered) {
          a.release(attempt);
          if (this.answered) this.client.destroy(); // a relayed answer cut short
          return;
        }
        a.failed(attempt, e, { bodySent: false, reused: false });
      },
    };
    this.call = this.ctx.upstream.request(
      server,
      {
        method: this.head.method,
        target: originForm(this.head.target),
        headers: this.headers,
        framing: 'none',
        upgrade: true,
        decode: true, // a refused upgrade is relayed close-delimited
      },
      events,
      { connect: timeouts.connect, server: timeouts.server },
    );
  }

  /** The server's fields as the client gets them; may be `r.headers` itself (never to be modified). */
  private responseHeaders(server: ServerRuntime, r: UpstreamResponseHead): HeaderList {
    let h = endToEnd(r.headers);
    h = persistResponseHeaders(this.backend, h, server, this.assignment.binding);
    h = applyHeaderEdits(h, this.decision.responseHeaders);
    if (this.ctx.frontend.snap.via) h = [...h, ['Via', `${r.version} bascule`]];
    return h;
  }

  private writeHead(status: number, reason: string, h: HeaderList): void {
    let out = `HTTP/1.1 ${status} ${reason || statusText(status)}\r\n`;
    for (const [n, v] of h) out += `${n}: ${v}\r\n`;
    this.client.write(`${out}\r\n`, 'latin1');
    this.sent(status);
  }

  private established(
    server: ServerRuntime,
    attempt: number,
    r: UpstreamResponseHead,
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
    this.ctx.trace?.upgraded();
    // A new list: responseHeaders() may return the server's own.
    const h: HeaderList = [
      ...this.responseHeaders(server, r),
      ['Connection', 'Upgrade'],
      ['Upgrade', headerValue(r.headers, 'upgrade') ?? headerValue(this.head.headers, 'upgrade') ?? ''],
    ];
    this.writeHead(101, r.reason, h);
    if (upHead.length > 0) client.write(upHead);
    if (this.rest.length > 0) upSocket.write(this.rest);
    // timeouts.tunnel, watched on the client socket: every byte relayed either way is read from it
    // or written to it (limits/inactivity.ts: no timer touched per chunk, as in the TCP proxy).
    const idle = new InactivityLimit({
      socket: client,
      watched: () => true,
      expired: () => {
        upSocket.destroy();
        client.destroy();
      },
    });
    idle.set(this.backend.snap.timeouts.tunnel);
    client.once('close', () => idle.clear());
    client.setNoDelay(true);
    upSocket.setNoDelay(true);
    follow(upSocket, client);
    follow(client, upSocket);
    client.pipe(upSocket);
    upSocket.pipe(client);
    client.resume();
  }

  /** The server did not switch protocols: relay its answer, then close. */
  private relay(server: ServerRuntime, attempt: number, r: UpstreamResponseHead): void {
    this.answered = true;
    this.assignment.response(attempt, r.status);
    if (this.clientGone || this.client.destroyed) {
      this.call?.abort();
      this.assignment.release(attempt);
      return;
    }
    // The body, if not length-delimited, ends with the connection (a new list, as above).
    const h: HeaderList = [...this.responseHeaders(server, r), ['Connection', 'close']];
    this.writeHead(r.status, r.reason, h);
    if (r.framing === 'none') {
      this.assignment.release(attempt);
      this.call?.abort();
      this.client.end();
    }
  }

  private reply(r: LocalReply): void {
    this.answered = true;
    this.sent(r.status);
    closeWithLinger(this.client, replyBytes(r.status, r.detail, r.headers, true));
  }
}
