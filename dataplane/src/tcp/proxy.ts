// L4 proxy: get a server slot (source persistence, balancing — "source" hashing is the usual
// choice here — and the backend queue), connect (connect timeout, retry elsewhere on failure),
// then pipe both ways with half-close passed through and the backend's tunnel timeout as the
// idle limit. A session keeps its upstream for life, whatever swaps happen meanwhile.
import net from 'node:net';
import type { Logger } from 'pino';
import { observeConnect } from '../health/passive.js';
import { lookupBinding, rememberBinding } from '../persistence/index.js';
import type { Trace } from '../metrics/events.js';
import type { BackendRuntime, ServerRuntime } from '../runtime/backend.js';
import type { TcpFrontendRuntime } from '../runtime/types.js';
import { displayAddress } from '../http/headers.js';

export function proxyTcp(client: net.Socket, fe: TcpFrontendRuntime, log: Logger, trace?: Trace): void {
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

/** Close `to` once `from` has closed: after flushing if we already sent our FIN, else now. */
function follow(from: net.Socket, to: net.Socket): void {
  from.once('close', () => {
    if (to.destroyed) return;
    if (to.writableFinished) to.destroy();
    else if (to.writableEnded && !from.errored) to.once('finish', () => to.destroy());
    else to.destroy();
  });
}

class TcpSession {
  private readonly tried = new Set<ServerRuntime>();
  private retriesLeft: number;
  private upstream: net.Socket | undefined;
  private cancelWait: (() => void) | undefined;

  constructor(
    private readonly client: net.Socket,
    private readonly fe: TcpFrontendRuntime,
    private readonly backend: BackendRuntime,
    private readonly source: string,
    private readonly log: Logger,
    private readonly trace?: Trace,
  ) {
    this.retriesLeft = Math.max(0, backend.snap.retries.attempts);
  }

  start(): void {
    const { client } = this;
    if (this.fe.snap.timeouts.client > 0) client.setTimeout(this.fe.snap.timeouts.client);
    client.on('timeout', () => client.destroy());
    client.once('close', () => {
      this.cancelWait?.();
      if (this.upstream?.connecting) this.upstream.destroy();
    });
    this.acquire(undefined);
  }

  private acquire(retryServer: ServerRuntime | undefined): void {
    const ctx = { sourceAddress: this.source };
    const preferred = retryServer ?? lookupBinding(this.backend, undefined, this.source).preferred;
    const exclude = retryServer || this.tried.size === 0 ? undefined : this.tried;
    let done = false;
    const cancel = this.backend.acquire(
      { ctx, ...(preferred ? { preferred } : {}), ...(exclude ? { exclude } : {}) },
      (r) => {
        done = true;
        this.cancelWait = undefined;
        this.trace?.dequeued();
        if (!r.ok) {
          this.log.warn(
            { frontend: this.fe.id, backend: this.backend.id, reason: r.reason },
            'no server available for tcp session',
          );
          this.client.destroy();
          return;
        }
        if (this.client.destroyed) return this.backend.end(r.server);
        this.connect(r.server);
      },
    );
    if (!done) {
      this.cancelWait = cancel;
      this.trace?.queued();
    }
  }

  private connect(server: ServerRuntime): void {
    const { timeouts } = this.backend.snap;
    this.trace?.attempt(server);
    const up = net.connect({ host: server.address, port: server.port, allowHalfOpen: true });
    this.upstream = up;
    observeConnect(up, server); // passive health checks
    up.once('close', () => this.backend.end(server));
    let connected = false;
    const timer =
      timeouts.connect > 0
        ? setTimeout(
            () => up.destroy(new Error(`connect timeout after ${timeouts.connect}ms`)),
            timeouts.connect,
          )
        : undefined;
    up.once('connect', () => {
      connected = true;
      clearTimeout(timer);
      this.trace?.connected();
      rememberBinding(this.backend, this.source, server);
      this.established(up);
    });
    up.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      const fields = {
        frontend: this.fe.id,
        backend: this.backend.id,
        server: server.name,
        err: err.code ?? err.message,
      };
      if (!this.client.destroyed) this.trace?.failed(connected ? 'protocol' : 'connect');
      if (connected || this.client.destroyed) {
        this.log.debug(fields, 'tcp session upstream error');
        return; // `follow` tears the client down
      }
      if (this.retriesLeft > 0) {
        this.retriesLeft--;
        this.log.debug(fields, 'tcp connect failed; retrying');
        if (this.backend.snap.retries.redispatch) {
          this.tried.add(server);
          return this.acquire(undefined);
        }
        return this.acquire(server);
      }
      this.log.warn(fields, 'tcp connect failed');
      this.client.destroy();
    });
  }

  private established(up: net.Socket): void {
    const { client } = this;
    if (client.destroyed) {
      up.destroy();
      return;
    }
    const idle = this.backend.snap.timeouts.tunnel;
    client.setTimeout(idle);
    up.setTimeout(idle);
    up.on('timeout', () => {
      up.destroy();
      client.destroy();
    });
    client.removeAllListeners('timeout');
    client.on('timeout', () => {
      up.destroy();
      client.destroy();
    });
    follow(up, client);
    follow(client, up);
    // pipe() ends the destination when the source ends: that is the half-close relay.
    client.pipe(up);
    up.pipe(client);
  }
}
