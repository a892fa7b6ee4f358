// The HTTP proxy, above the protocol engines: admission (framing checks, the frontend's rate
// limit), the router's decision, then one Exchange per proxied request. An Exchange is the HTTP
// transport of an Assignment (runtime/assignment.ts: which server, retries, failure answers): it sends the
// request to the server it is given and streams the request and the response without buffering
// either, with backpressure both ways. It sees only engine-neutral types (message.ts,
// upstream.ts) and captures the runtime it started on, whatever swaps happen meanwhile.
import type { Logger } from 'pino';
import { Assignment, type Failure, type Transport } from '../runtime/assignment.js';
import type { UpstreamError } from '../runtime/upstream-error.js';
import type { Trace } from '../types/traffic.js';
import { persistRequestHeaders, persistResponseHeaders } from '../runtime/persistence.js';
import { applyHeaderEdits } from '../router/header-edits.js';
import type { HeaderList, RequestHead, RouteDecision } from '../router/types.js';
import type { BackendRuntime, ServerRuntime } from '../runtime/backend.js';
import type { HttpFrontendRuntime, Runtime } from '../runtime/types.js';
import { framingProblem, rateLimited, routeReply } from './admission.js';
import { addForwarded, endToEnd, hasHeader, requestFieldLines, withFraming } from './headers.js';
import {
  hasBody,
  headerValue,
  IDEMPOTENT,
  type BodyFraming,
  type ClientEvents,
  type ClientSide,
} from './message.js';
import { originForm, routingHead } from './request-head.js';
import type {
  UpstreamCall,
  UpstreamConnector,
  UpstreamEvents,
  UpstreamRequest,
  UpstreamResponseHead,
} from './upstream.js';
import type { FieldLines } from './field-lines.js';

export interface HttpRequestContext {
  readonly runtime: Runtime;
  readonly frontend: HttpFrontendRuntime;
  /** True when the client connection must close after this response (drain, mode change). */
  readonly closeAfter: () => boolean;
  readonly log: Logger;
  /** How requests reach servers (the engine's HTTP/1.1 client over the server pools). */
  readonly upstream: UpstreamConnector;
  /** Traffic observation for this request (stats, metrics, access log); absent: not observed. */
  readonly trace?: Trace | undefined;
}

/** After answering without reading the request body, close rather than drain an upload of unknown size. */
const unreadBody = (client: ClientSide): boolean => hasBody(client) && !client.bodyComplete;

/** After a local answer an unread request body is not worth draining: close instead. */
const closeAfterReply = (ctx: HttpRequestContext, client: ClientSide): boolean =>
  ctx.closeAfter() || unreadBody(client);

/** One request from a client, as an engine hands it over. */
export function handleRequest(ctx: HttpRequestContext, client: ClientSide): void {
  const fe = ctx.frontend;
  const head = client.head;
  const problem = framingProblem(head);
  if (problem) return client.reply(problem.status, problem.detail, problem.headers, true);
  const limited = rateLimited(fe, head.source);
  if (limited)
    return client.reply(
      limited.status,
      limited.detail,
      limited.headers,
      closeAfterReply(ctx, client) || limited.close === true,
    );
  const rh = routingHead(head);
  const decision = fe.router.route(rh);
  const a = decision.action;
  if (a.type !== 'backend') {
    const r = routeReply(fe, decision)!;
    return client.reply(r.status, r.detail, r.headers, closeAfterReply(ctx, client));
  }
  const backend = ctx.runtime.backends.get(a.backend);
  if (!backend) {
    // The builder resolves every reference; reaching this is a bug, not a config problem.
    ctx.log.error({ frontend: fe.id, backend: a.backend }, 'route names a backend missing from the runtime');
    return client.reply(
      503,
      `backend ${a.backend} is not available`,
      undefined,
      closeAfterReply(ctx, client),
    );
  }
  ctx.trace?.routed(backend.id);
  new Exchange(ctx, client, rh, decision, backend).start();
}

/** Reports of one attempt, tagged with its number (a late event of an old attempt is ignored). */
class AttemptEvents implements UpstreamEvents {
  constructor(
    private readonly x: Exchange,
    private readonly n: number,
    private readonly server: ServerRuntime,
  ) {}
  connected(call: UpstreamCall): void {
    this.x.onConnected(this.n, call);
  }
  continued(): void {
    this.x.onContinue(this.n);
  }
  informational(status: number, reason: string, headers: HeaderList): void {
    this.x.onInformational(this.n, status, reason, headers);
  }
  response(head: UpstreamResponseHead): void {
    this.x.onResponse(this.n, this.server, head);
  }
  data(chunk: Buffer): void {
    this.x.onData(this.n, chunk);
  }
  end(): void {
    this.x.onEnd(this.n);
  }
  drain(): void {
    this.x.onUpstreamDrain(this.n);
  }
  error(e: UpstreamError): void {
    this.x.onError(this.n, e);
  }
}

/**
 * The request as it goes to every attempt's server (the same for each): its fields as a list, or
 * as field lines made from the client's validated lines, the list then made only if asked for.
 */
class OutgoingRequest implements UpstreamRequest {
  constructor(
    readonly method: string,
    readonly target: string,
    private list: HeaderList | undefined,
    readonly fields: string | undefined,
    readonly framing: BodyFraming,
    readonly decode: boolean,
  ) {}

  get headers(): HeaderList {
    if (this.list) return this.list;
    // The lines are "name: value" CRLF each (FieldLines.serialize): the pairs read back from them.
    const out: HeaderList = [];
    for (const line of this.fields!.split('\r\n')) {
      if (line === '') continue;
      const c = line.indexOf(': ');
      out.push([line.slice(0, c), line.slice(c + 2)]);
    }
    return (this.list = out);
  }
}

class Exchange implements Transport, ClientEvents {
  private readonly request: UpstreamRequest;
  private readonly assignment: Assignment;
  private call: UpstreamCall | undefined;
  private attemptNo = 0;
  private gone = false;
  private bodyStarted = false;
  private continueSent = false;
  /** Attempts connected so far (a retry on a pooled connection connects within failed()). */
  private connects = 0;

  constructor(
    private readonly ctx: HttpRequestContext,
    private readonly client: ClientSide,
    private readonly rh: RequestHead,
    private readonly decision: RouteDecision,
    private readonly backend: BackendRuntime,
  ) {
    const head = client.head;
    const lines = head.lines;
    // The client's field lines are forwarded as received (minus hop-by-hop fields, with the
    // forwarding fields and edits applied: field-lines.ts) unless something needs the list: a
    // Connection field naming other fields, cookie persistence (it reads and rewrites Cookie),
    // Via, or a Host to add (HTTP/1.0). The same fields, in the same order, either way.
    const asLines =
      lines !== undefined &&
      !lines.nominates &&
      lines.hosts === 1 &&
      !backend.snap.persistence?.cookie &&
      !ctx.frontend.snap.via;
    // Cookie persistence alone reads the request's fields to find the client's binding.
    const e2e = asLines ? undefined : endToEnd(head.headers);
    this.assignment = new Assignment(
      backend,
      {
        pick: rh,
        source: head.source,
        headers: e2e,
        replayable: !hasBody(client) && IDEMPOTENT.has(head.method),
      },
      this,
      { log: ctx.log, trace: ctx.trace, label: 'upstream request' },
    );
    this.request = new OutgoingRequest(
      head.method,
      originForm(head.target),
      e2e === undefined ? undefined : this.requestHeaders(e2e),
      e2e === undefined ? this.requestLines(lines!) : undefined,
      client.framing,
      !client.relaysChunks,
    );
    client.listen(this);
  }

  /** requestHeaders() on the client's lines: the field lines sent to the server. */
  private requestLines(lines: FieldLines): string {
    const fe = this.ctx.frontend.snap;
    const { head, framing, contentLength } = this.client;
    return requestFieldLines(lines, {
      forwarded: fe.forwardFor
        ? {
            clientAddress: head.source,
            proto: head.scheme,
            host: lines.firstHostValue(),
            port: fe.bind.port,
          }
        : undefined,
      edits: this.decision.requestHeaders,
      chunked: framing === 'chunked' || framing === 'stream',
      contentLength: framing === 'length' ? contentLength : -1,
      host: this.rh.host,
    });
  }

  private requestHeaders(e2e: HeaderList): HeaderList {
    const fe = this.ctx.frontend.snap;
    const { head, framing, contentLength } = this.client;
    let h = persistRequestHeaders(this.backend, e2e);
    if (fe.forwardFor) {
      h = addForwarded(h, {
        clientAddress: head.source,
        proto: head.scheme,
        host: headerValue(head.headers, 'host') ?? '',
        port: fe.bind.port,
      });
    }
    h = applyHeaderEdits(h, this.decision.requestHeaders);
    if (fe.via) h = [...h, ['Via', `${head.version} bascule`]];
    // Last, so that nothing above (header edits included) can unframe the body.
    h = withFraming(h, {
      chunked: framing === 'chunked' || framing === 'stream',
      contentLength: framing === 'length' ? String(contentLength) : undefined,
    });
    // HTTP/1.0 clients (a new list: `h` may still be the client's own).
    if (!hasHeader(h, 'host')) h = [...h, ['Host', this.rh.host || 'localhost']];
    return h;
  }

  start(): void {
    this.assignment.start();
  }

  // ---- Transport (the assignment) ----

  attempt(server: ServerRuntime, attempt: number): void {
    this.attemptNo = attempt;
    const { snap } = this.backend;
    this.call = this.ctx.upstream.request(server, this.request, new AttemptEvents(this, attempt, server), {
      connect: snap.timeouts.connect,
      server: snap.timeouts.server,
    });
  }

  giveUp(f: Failure): void {
    this.reply(f.status, f.detail);
  }

  // ---- the server ----

  /** `call` is also this.call, except for a pooled connection: it connects within request(). */
  onConnected(n: number, call: UpstreamCall): void {
    if (n !== this.attemptNo) return;
    this.connects++;
    this.call = call;
    this.assignment.connected(n);
    if (this.gone) return;
    if (this.client.framing === 'none') {
      call.end();
      return;
    }
    this.bodyStarted = true;
    this.client.pipeBody(call); // backpressure both ways; ends the call's body when complete
  }

  onContinue(n: number): void {
    const c = this.client;
    if (n !== this.attemptNo || !c.expectContinue || this.continueSent || this.gone || c.headersSent) return;
    this.continueSent = true;
    c.sendContinue();
  }

  /** A proxy forwards 1xx responses (RFC 9110 §15.2), hop-by-hop fields removed. */
  onInformational(n: number, status: number, reason: string, headers: HeaderList): void {
    const c = this.client;
    if (n !== this.attemptNo || this.gone || c.headersSent) return;
    c.sendInformational?.(status, reason, endToEnd(headers));
  }

  onResponse(n: number, server: ServerRuntime, r: UpstreamResponseHead): void {
    if (n !== this.attemptNo) return;
    const a = this.assignment;
    a.response(n, r.status);
    if (this.gone) {
      this.call!.abort();
      return;
    }
    // A client still holding its body back (no 100 sent) cannot reuse this connection.
    const held = this.client.expectContinue && !this.continueSent && !this.client.bodyComplete;
    const close = this.ctx.closeAfter() || held;
    const c = this.client;
    const lines = r.lines;
    if (
      lines !== undefined &&
      c.sendHeadLines !== undefined &&
      !lines.nominates &&
      !this.backend.snap.persistence?.cookie &&
      !this.ctx.frontend.snap.via
    ) {
      // The server's field lines go out as received, minus hop-by-hop fields and what the edits
      // drop (field-lines.ts): the same fields, in the same order, as the list path below.
      lines.edit(this.decision.responseHeaders);
      a.bind(n);
      c.sendHeadLines(r.status, r.reason, lines, r.framing, r.contentLength, close, r.bodyInHand === true);
      return;
    }
    let h = endToEnd(r.headers);
    h = persistResponseHeaders(this.backend, h, server, a.binding);
    h = applyHeaderEdits(h, this.decision.responseHeaders);
    if (this.ctx.frontend.snap.via) h = [...h, ['Via', `${r.version} bascule`]];
    a.bind(n);
    try {
      c.sendHead(r.status, r.reason, h, r.framing, r.contentLength, close, r.bodyInHand === true);
    } catch (err) {
      // Header bytes the client side cannot carry must not crash us: answer 502 instead.
      this.call!.abort();
      a.release(n);
      this.ctx.log.warn(
        { backend: this.backend.id, server: server.name, err: (err as Error).message },
        'invalid response head from server',
      );
      this.reply(502, `server ${server.name} sent an invalid response (backend ${this.backend.id})`);
    }
  }

  onData(n: number, chunk: Buffer): void {
    if (n !== this.attemptNo || this.gone) return;
    if (!this.client.sendBody(chunk)) this.call!.pause();
  }

  onEnd(n: number): void {
    if (n !== this.attemptNo) return;
    this.assignment.release(n);
    if (!this.gone) this.client.endBody();
  }

  onUpstreamDrain(n: number): void {
    if (n === this.attemptNo && !this.gone) this.client.resumeBody();
  }

  onError(n: number, e: UpstreamError): void {
    if (n !== this.attemptNo) return;
    const a = this.assignment;
    if (this.gone) return a.release(n);
    if (this.client.headersSent) {
      // Mid-response failure: the client must see a truncated message, not a clean end.
      a.broken(n, e);
      a.release(n);
      this.client.abort();
      return;
    }
    const connects = this.connects;
    const retrying = a.failed(n, e, {
      bodySent: this.bodyStarted && hasBody(this.client),
      reused: this.call!.reused,
    });
    // Until the retry connects, the body waits. A retry on a pooled connection connected within
    // failed() and already piped the body to its call: that must stay.
    if (retrying && this.connects === connects) this.client.unpipeBody();
  }

  // ---- the client ----

  clientGone(): void {
    if (this.gone) return;
    this.gone = true;
    this.assignment.cancel();
    this.call?.abort();
  }

  clientDrain(): void {
    if (!this.gone) this.call?.resume();
  }

  /**
   * The client connection was idle for the frontend's client timeout. HAProxy applies it only
   * while the client is expected to send (request body) or to read (response): a stalled upload
   * gets 408, a client that stopped reading is cut. While the request waits for a slot, a
   * connection or the server's answer, the queue/connect/server timeouts apply instead.
   */
  clientIdle(): void {
    if (this.gone) return;
    const c = this.client;
    if (c.headersSent) {
      // Cut when the client is expected to act: read what we have for it, or send the rest of
      // its body. Otherwise it is the server that is silent (timeouts.server applies).
      if (c.backlogged || (this.bodyStarted && !c.bodyComplete)) {
        this.gone = true;
        this.assignment.cancel();
        this.call?.abort();
        c.abort();
      }
      return;
    }
    if (!this.bodyStarted || c.bodyComplete) return;
    this.gone = true; // nothing more goes upstream
    this.assignment.cancel();
    this.call?.abort();
    c.reply(
      408,
      `request body not received in time (frontend ${this.ctx.frontend.id}, timeouts.client)`,
      undefined,
      true,
    );
  }

  private reply(status: number, detail: string): void {
    this.client.reply(status, detail, undefined, closeAfterReply(this.ctx, this.client));
  }
}
