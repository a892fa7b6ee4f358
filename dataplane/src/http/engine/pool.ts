// The upstream connection pool of one server: keep-alive connections, plain or TLS, kept on the
// server's carried-over state (runtime/state.ts) so they survive swaps. TLS pools are replaced
// when the backend's TLS settings change (a rotated CA or client certificate), so no connection
// made with old settings is reused for a new request.
import http from 'node:http';
import https from 'node:https';
import type tls from 'node:tls';
import type { Duplex } from 'node:stream';
import type { ServerPool } from '../../runtime/state.js';
import {
  reportUpstreamTlsFailure,
  upstreamConnectOptions,
  type UpstreamServer,
  type UpstreamTls,
} from '../../tls/upstream.js';

/** Idle pooled upstream connections close before typical server idle timeouts (Node: 5s). */
export const UPSTREAM_IDLE_MS = 4000;
/** Idle connections kept per server. */
export const MAX_IDLE_PER_SERVER = 64;

const keepAliveOptions = {
  keepAlive: true,
  keepAliveMsecs: 1000,
  maxFreeSockets: MAX_IDLE_PER_SERVER,
  timeout: UPSTREAM_IDLE_MS,
  scheduling: 'lifo' as const,
};

/** An https.Agent with the backend's TLS settings that reports handshake failures clearly. */
class UpstreamTlsAgent extends https.Agent {
  constructor(
    private readonly t: UpstreamTls,
    private readonly server: UpstreamServer,
    keepAlive: boolean,
  ) {
    super({ ...upstreamConnectOptions(t, server), ...(keepAlive ? keepAliveOptions : { keepAlive: false }) });
  }

  override createConnection(
    options: https.RequestOptions,
    callback?: (err: Error | null, stream: Duplex) => void,
  ): Duplex | null | undefined {
    const socket = super.createConnection(options, callback) as tls.TLSSocket | null | undefined;
    if (socket) {
      let tcp = false;
      let secure = false;
      socket.once('connect', () => (tcp = true));
      socket.once('secureConnect', () => (secure = true));
      socket.once('error', (err: NodeJS.ErrnoException) => {
        if (tcp && !secure) reportUpstreamTlsFailure(this.t, this.server, err);
      });
    }
    return socket;
  }
}

export class UpstreamPool implements ServerPool {
  private keepAlive: http.Agent | undefined;
  private close: http.Agent | undefined;
  /** Content address of the TLS settings the agents were made with ('' for plaintext). */
  private tlsHash = '';

  /** The agent for a request to `server`: pooled (`keepAlive`) or one connection per request. */
  agent(server: UpstreamServer, t: UpstreamTls | undefined, keepAlive: boolean): http.Agent {
    const hash = t?.hash ?? '';
    if (hash !== this.tlsHash) {
      this.retire();
      this.tlsHash = hash;
    }
    if (keepAlive)
      return (this.keepAlive ??= t
        ? new UpstreamTlsAgent(t, server, true)
        : new http.Agent(keepAliveOptions));
    return (this.close ??= t ? new UpstreamTlsAgent(t, server, false) : new http.Agent({ keepAlive: false }));
  }

  /** Settings changed: idle connections close now, busy ones when their request ends. */
  private retire(): void {
    for (const agent of [this.keepAlive, this.close]) {
      if (!agent) continue;
      (agent as unknown as { keepAlive: boolean }).keepAlive = false;
      for (const list of Object.values(agent.freeSockets)) for (const s of list ?? []) s.destroy();
    }
    this.keepAlive = this.close = undefined;
  }

  destroy(): void {
    this.keepAlive?.destroy();
    this.close?.destroy();
    this.keepAlive = this.close = undefined;
  }
}
