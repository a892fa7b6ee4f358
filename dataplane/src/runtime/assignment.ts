// Which server serves a request or a session, and what happens when it fails: the one place for
// that policy (HAProxy keeps it in backend.c and queue.c). Persistence lookup and re-binding,
// balancing and the backend queue (BackendRuntime.acquire), retries and redispatch with the
// turn-around pause, the failure → 502/503/504 mapping and its text, passive health observation
// and the trace hooks all live here. Transports — the HTTP exchange, the Upgrade tunnel, the TCP
// session — only connect and move bytes: the assignment tells them which server to try
// (`Transport.attempt`), they report what happened on that attempt, and the assignment decides.
//
// Attempts are numbered: a transport reports with the number it was given, so a late event from
// an abandoned attempt (a socket closing after its retry started) can never touch the next one.
import type { Logger } from 'pino';
import type { PickContext } from '../balance/balancer.js';
import { observe } from './passive-health.js';
import type { Trace } from '../types/traffic.js';
import { lookupBinding, rememberBinding, type Binding } from './persistence.js';
import type { HeaderList } from '../router/types.js';
import type { AcquireFailure, BackendRuntime, ServerRuntime } from './backend.js';
import { isStaleReuse, type UpstreamError } from './upstream-error.js';

/** The answer when no server will serve the request (TCP sessions are closed instead). */
export interface Failure {
  readonly status: 502 | 503 | 504;
  readonly detail: string;
}

/** What an assignment drives: a transport that connects to servers and moves bytes. */
export interface Transport {
  /** A slot on `server` is held for this attempt: connect and send, then report on `attempt`. */
  attempt(server: ServerRuntime, attempt: number): void;
  /** No server will serve this request: answer `failure` (HTTP) or close (TCP). Called at most once. */
  giveUp(failure: Failure): void;
}

export interface AssignmentRequest {
  /** Balancing input (hash keys: source address, path, query, headers). */
  readonly pick: PickContext;
  /** Client address (source persistence); '' when unknown. */
  readonly source: string;
  /** End-to-end request header fields (cookie persistence); absent for TCP. */
  readonly headers?: HeaderList;
  /**
   * May be replayed after the server may have seen it: an idempotent method and no body
   * (RFC 9110 §9.2.2). TCP sessions are not: only connect failures are retried for them.
   */
  readonly replayable: boolean;
}

export interface AssignmentContext {
  readonly log: Logger;
  readonly trace?: Trace | undefined;
  /** Log label: "upstream request", "upgrade request", "tcp connect". */
  readonly label: string;
  /**
   * Layer-4 transport (TCP mode): passive health checks judge its connects only; HTTP transports
   * are judged by their responses (a successful connect would otherwise reset the error count).
   */
  readonly layer4?: boolean;
}

/** How the failed attempt had gone when it failed. */
export interface AttemptState {
  /** Request body bytes were already handed to the server (the request may have been processed). */
  readonly bodySent: boolean;
  /** The attempt ran on a pooled keep-alive connection (it may have been closed by the server meanwhile). */
  readonly reused: boolean;
}

/** HAProxy waits min(timeout connect, 1s) before retrying the same server ("turn-around" timer). */
export const turnaroundMs = (connectMs: number): number => Math.min(connectMs > 0 ? connectMs : 1000, 1000);

/** What the client is told when no server could be had. */
export function acquireFailureText(backend: BackendRuntime, reason: AcquireFailure): string {
  const id = backend.id;
  switch (reason) {
    case 'no-server':
      return `no server is available to handle this request (backend ${id})`;
    case 'queue-full':
      return `every server is busy and the queue is full (backend ${id}, maxQueue ${backend.snap.maxQueue})`;
    case 'queue-timeout':
      return `every server stayed busy for ${backend.snap.timeouts.queue}ms (backend ${id}, timeouts.queue)`;
    case 'unavailable':
      return `backend ${id} is not available: ${backend.unavailableReason}`;
  }
}

/** The answer for a request whose last attempt failed with `e` on `server` (HAProxy semantics). */
export function failureOf(e: UpstreamError, server: ServerRuntime, backend: BackendRuntime): Failure {
  const where = `server ${server.name} (${server.address}:${server.port}), backend ${backend.id}`;
  if (e.kind === 'connect')
    return {
      status: 503,
      detail: `could not connect to a server of backend ${backend.id} (last: ${where}: ${e.message})`,
    };
  if (e.kind === 'timeout') return { status: 504, detail: `server did not answer in time: ${where}` };
  if (isStaleReuse(e))
    return { status: 502, detail: `server closed the connection without answering: ${where}` };
  return { status: 502, detail: `bad answer from ${where}: ${e.message}` };
}

/**
 * Which failures may be replayed (HAProxy retries / retry-on): a connect failure before any body
 * byte was sent; a pooled connection the server had already closed; an empty response (the
 * server closed without answering) or, with retries.onResponseTimeout, a response timeout — the
 * last three only for replayable requests. `stale` retries are not the server's fault: they
 * neither count as its failure nor move the request elsewhere.
 */
export function replayDecision(
  e: UpstreamError,
  s: AttemptState,
  replayable: boolean,
  onResponseTimeout: boolean,
): { replay: boolean; stale: boolean } {
  if (s.reused && replayable && isStaleReuse(e)) return { replay: true, stale: true };
  switch (e.kind) {
    case 'connect':
      return { replay: !s.bodySent, stale: false };
    case 'protocol':
      return { replay: replayable && isStaleReuse(e), stale: false };
    case 'timeout':
      return { replay: replayable && onResponseTimeout, stale: false };
  }
}

const noop = (): void => {};

export class Assignment {
  /** Persistence: where the client is bound (cookie or source table), looked up once. */
  readonly binding: Binding;
  /** Servers that failed for this request (redispatch); created on the first failure only. */
  private tried: Set<ServerRuntime> | undefined;
  private retriesLeft: number;
  /** Retry target when retries stay on the same server (redispatch off). */
  private retryServer: ServerRuntime | undefined;
  private lastFailure: { error: UpstreamError; server: ServerRuntime } | undefined;
  /** Leaves the queue or stops the turn-around timer (and gives back its slot). */
  private cancelWait: () => void = noop;
  private current: ServerRuntime | undefined;
  private attemptNo = 0;
  private holding = false;
  private over = false;

  constructor(
    readonly backend: BackendRuntime,
    private readonly request: AssignmentRequest,
    private readonly transport: Transport,
    private readonly ctx: AssignmentContext,
  ) {
    this.retriesLeft = Math.max(0, backend.snap.retries.attempts);
    this.binding = lookupBinding(backend, request.headers, request.source);
  }

  /** The server of the current attempt (undefined before the first). */
  get server(): ServerRuntime | undefined {
    return this.current;
  }

  start(): void {
    this.acquire();
  }

  /** The client went away: stop waiting, give back the slot, never call the transport again. */
  cancel(): void {
    if (this.over) return;
    this.over = true;
    this.cancelWait();
    this.cancelWait = noop;
    this.releaseSlot();
  }

  /** The attempt's connection is established (or a pooled one was reused). */
  connected(attempt: number): void {
    if (attempt !== this.attemptNo) return;
    this.ctx.trace?.connected();
    if (this.ctx.layer4 && this.current) observe(this.current, 'connected');
  }

  /** The server answered with a response head (passive health checks judge the status). */
  response(attempt: number, status: number): void {
    if (attempt !== this.attemptNo || !this.current) return;
    observe(this.current, status);
    this.ctx.trace?.response(status);
  }

  /** The exchange is committed to this server: remember it for source persistence. */
  bind(attempt: number): void {
    if (attempt !== this.attemptNo || !this.current) return;
    rememberBinding(this.backend, this.request.source, this.current);
  }

  /** The attempt's work on its server is over (response relayed, session closed): free the slot. */
  release(attempt: number): void {
    if (attempt === this.attemptNo) this.releaseSlot();
  }

  /**
   * The attempt failed after the client already got part of the answer (or, for TCP, once the
   * session was established): nothing can be retried; the failure is recorded.
   */
  broken(attempt: number, e: UpstreamError): void {
    if (attempt !== this.attemptNo || !this.current) return;
    if (!this.ctx.layer4) observe(this.current, e);
    this.ctx.trace?.failed(e.kind);
  }

  /**
   * The attempt failed before the client got anything: observe it, then retry (true) or give up
   * with the failure's answer (false). The attempt's slot is released either way.
   */
  failed(attempt: number, e: UpstreamError, state: AttemptState): boolean {
    const server = this.current;
    if (this.over || attempt !== this.attemptNo || !server) return false;
    observe(server, e);
    this.ctx.trace?.failed(e.kind);
    this.releaseSlot();
    const snap = this.backend.snap;
    const { replay, stale } = replayDecision(
      e,
      state,
      this.request.replayable,
      snap.retries.onResponseTimeout,
    );
    const fields = {
      backend: this.backend.id,
      server: server.name,
      address: `${server.address}:${server.port}`,
      err: e.message,
    };
    if (replay && this.retriesLeft > 0) {
      this.retriesLeft--;
      this.ctx.log.debug(fields, `${this.ctx.label} failed; retrying`);
      if (!stale) {
        this.lastFailure = { error: e, server };
        if (snap.retries.redispatch) {
          (this.tried ??= new Set()).add(server);
          this.retryServer = undefined;
        } else this.retryServer = server;
      }
      this.acquire();
      return true;
    }
    this.ctx.log.warn(fields, `${this.ctx.label} failed`);
    this.finish(failureOf(e, server, this.backend));
    return false;
  }

  private releaseSlot(): void {
    if (!this.holding) return;
    this.holding = false;
    this.backend.end(this.current!);
  }

  private finish(f: Failure): void {
    if (this.over) return;
    this.over = true;
    this.transport.giveUp(f);
  }

  private acquire(): void {
    const preferred = this.retryServer ?? this.binding.preferred;
    const exclude = this.retryServer || !this.tried ? undefined : this.tried;
    let answered = false;
    // Built field by field: optional fields stay absent rather than spread in (no temporary objects).
    const req: { ctx: PickContext; preferred?: ServerRuntime; exclude?: ReadonlySet<ServerRuntime> } = {
      ctx: this.request.pick,
    };
    if (preferred) req.preferred = preferred;
    if (exclude) req.exclude = exclude;
    const cancel = this.backend.acquire(req, (r) => {
      answered = true;
      this.cancelWait = noop;
      this.ctx.trace?.dequeued();
      if (this.over) {
        if (r.ok) this.backend.end(r.server);
        return;
      }
      if (r.ok) return this.dispatch(r.server);
      const last = this.lastFailure;
      if (last && r.reason === 'no-server')
        return this.finish(failureOf(last.error, last.server, this.backend));
      this.finish({ status: 503, detail: acquireFailureText(this.backend, r.reason) });
    });
    if (!answered) {
      this.cancelWait = cancel; // waiting in the queue
      this.ctx.trace?.queued();
    }
  }

  /** Hands `server` to the transport, after the turn-around pause when it is the one that just failed. */
  private dispatch(server: ServerRuntime): void {
    this.current = server;
    this.holding = true;
    const attempt = ++this.attemptNo;
    if (this.lastFailure?.server !== server) return this.launch(server, attempt);
    const t = setTimeout(() => {
      this.cancelWait = noop;
      this.launch(server, attempt);
    }, turnaroundMs(this.backend.snap.timeouts.connect));
    this.cancelWait = () => clearTimeout(t);
  }

  private launch(server: ServerRuntime, attempt: number): void {
    this.ctx.trace?.attempt(server);
    this.transport.attempt(server, attempt);
  }
}
