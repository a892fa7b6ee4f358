// L4 proxy: pick a server, connect (connect timeout, retry elsewhere on failure), then pipe both
// ways with half-close passed through and the backend's tunnel timeout as the idle limit.
// A session keeps its upstream for life, whatever swaps happen meanwhile.
import net from 'node:net';
import type { Logger } from 'pino';
import type { BackendRuntime, ServerRuntime } from '../runtime/backend.js';
import type { TcpFrontendRuntime } from '../runtime/types.js';
import { displayAddress } from '../http/headers.js';

export function proxyTcp(client: net.Socket, fe: TcpFrontendRuntime, log: Logger): void {
  client.on('error', () => {}); // the session's close path below handles it
  if (!fe.backend) {
    log.warn({ frontend: fe.id }, 'tcp frontend has no default backend; connection refused');
    client.destroy();
    return;
  }
  new TcpSession(client, fe, fe.backend, log).start();
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

  constructor(
    private readonly client: net.Socket,
    private readonly fe: TcpFrontendRuntime,
    private readonly backend: BackendRuntime,
    private readonly log: Logger,
  ) {
    this.retriesLeft = Math.max(0, backend.snap.retries.attempts);
  }

  start(): void {
    const { client } = this;
    if (this.fe.snap.timeouts.client > 0) client.setTimeout(this.fe.snap.timeouts.client);
    client.on('timeout', () => client.destroy());
    client.once('close', () => {
      if (this.upstream?.connecting) this.upstream.destroy();
    });
    this.connect();
  }

  private connect(): void {
    const ctx = { sourceAddress: displayAddress(this.client.remoteAddress) };
    const server =
      this.backend.pick(ctx, this.tried) ?? (this.tried.size > 0 ? this.backend.pick(ctx) : undefined);
    if (!server) {
      this.log.warn(
        { frontend: this.fe.id, backend: this.backend.id },
        'no server available for tcp session',
      );
      this.client.destroy();
      return;
    }
    const { timeouts } = this.backend.snap;
    const up = net.connect({ host: server.address, port: server.port, allowHalfOpen: true });
    this.upstream = up;
    this.backend.begin(server);
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
      if (connected || this.client.destroyed) {
        this.log.debug(fields, 'tcp session upstream error');
        return; // `follow` tears the client down
      }
      if (this.retriesLeft > 0) {
        this.retriesLeft--;
        this.tried.add(server);
        this.log.debug(fields, 'tcp connect failed; retrying');
        return this.connect();
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
