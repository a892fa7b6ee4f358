// TLS towards servers (Backend spec.tls): verification against the backend's CA (or the system
// store), SNI, an optional client certificate. Pools are https.Agents kept per server like the
// plaintext ones, and replaced when the backend's TLS settings change (a rotated CA or client
// certificate), so no connection made with old settings is reused for a new request.
//
// A server whose certificate fails verification is refused: the request gets 502 from the HTTP
// engine, and this module logs one clear line naming the backend, the server and the reason.
import { createHash } from 'node:crypto';
import https from 'node:https';
import net from 'node:net';
import type tls from 'node:tls';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { canonicalJson } from '#protocol/canonical';
import type { BackendSnap } from '#protocol/snapshot';

/** Idle pooled upstream connections close before typical server idle timeouts (as runtime/state.ts). */
const UPSTREAM_IDLE_MS = 4000;
/** The same failure (backend, server, reason) is logged at most this often. */
const LOG_EVERY_MS = 10_000;

export interface UpstreamTls {
  readonly backendId: string;
  /** Content address of the settings (never logged). */
  readonly hash: string;
  readonly caPem?: string;
  readonly sni?: string;
  readonly insecureSkipVerify: boolean;
  readonly certPem?: string;
  readonly keyPem?: string;
  readonly log: Logger;
}

/** The backend's upstream TLS settings for this build, or undefined for plaintext. */
export function upstreamTlsOf(b: Readonly<BackendSnap>, log: Logger): UpstreamTls | undefined {
  const t = b.tls;
  if (!t) return undefined;
  return Object.freeze({
    backendId: b.id,
    hash: createHash('sha256').update(canonicalJson(t)).digest('hex'),
    insecureSkipVerify: t.insecureSkipVerify,
    log,
    ...(t.caPem ? { caPem: t.caPem } : {}),
    ...(t.sni ? { sni: t.sni } : {}),
    ...(t.clientCertPem && t.clientKeyPem ? { certPem: t.clientCertPem, keyPem: t.clientKeyPem } : {}),
  });
}

export interface UpstreamServer {
  readonly name: string;
  readonly address: string;
  readonly port: number;
}

/** tls.connect options for one server: SNI and the name verified are `sni`, else the address. */
export function upstreamConnectOptions(t: UpstreamTls, server: UpstreamServer): tls.ConnectionOptions {
  // An IP address is never sent as SNI (RFC 6066); it is then verified against the IP SANs.
  // tls.connect verifies the certificate against `servername` when set, else against the host.
  const servername = t.sni ?? (net.isIP(server.address) ? '' : server.address);
  return {
    servername,
    rejectUnauthorized: !t.insecureSkipVerify,
    minVersion: 'TLSv1.2',
    ALPNProtocols: ['http/1.1'],
    ...(t.caPem ? { ca: t.caPem } : {}),
    ...(t.certPem && t.keyPem ? { cert: t.certPem, key: t.keyPem } : {}),
  };
}

const TLS_VERIFY = /CERT|SIGNATURE|ISSUER|ALTNAME|UNTRUSTED|REJECTED|EXPIRED/;

/** A description when `err` is a TLS certificate verification failure, else undefined. */
export function certificateProblem(err: NodeJS.ErrnoException): string | undefined {
  const code = err.code ?? '';
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID')
    return `certificate does not match the expected name (${err.message})`;
  if (TLS_VERIFY.test(code)) return `certificate is not trusted (${code}: ${err.message})`;
  return undefined;
}

export function describeUpstreamTlsError(err: NodeJS.ErrnoException): string {
  const code = err.code ?? '';
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID')
    return `server certificate does not match the expected name: ${err.message}`;
  if (code === 'CERT_HAS_EXPIRED') return 'server certificate has expired';
  if (TLS_VERIFY.test(code)) return `server certificate is not trusted (${code}): ${err.message}`;
  return `TLS handshake with the server failed: ${code || err.message}`;
}

const lastLogged = new Map<string, number>();

function logOnce(t: UpstreamTls, server: UpstreamServer, err: NodeJS.ErrnoException): void {
  const key = `${t.backendId}|${server.name}|${err.code ?? err.message}`;
  const now = Date.now();
  if ((lastLogged.get(key) ?? 0) + LOG_EVERY_MS > now) return;
  lastLogged.set(key, now);
  if (lastLogged.size > 1000) lastLogged.clear();
  t.log.warn(
    {
      backend: t.backendId,
      server: server.name,
      address: `${server.address}:${server.port}`,
      code: err.code,
      ...(t.sni ? { sni: t.sni } : {}),
    },
    `upstream TLS refused: ${describeUpstreamTlsError(err)} (backend ${t.backendId}, server ${server.name}); answering 502`,
  );
}

/** An https.Agent with the backend's TLS settings that reports handshake failures clearly. */
class UpstreamTlsAgent extends https.Agent {
  constructor(
    private readonly t: UpstreamTls,
    private readonly server: UpstreamServer,
    keepAlive: boolean,
  ) {
    super({
      ...upstreamConnectOptions(t, server),
      ...(keepAlive
        ? {
            keepAlive: true,
            keepAliveMsecs: 1000,
            maxFreeSockets: 64,
            timeout: UPSTREAM_IDLE_MS,
            scheduling: 'lifo' as const,
          }
        : { keepAlive: false }),
    });
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
        if (tcp && !secure) logOnce(this.t, this.server, err);
      });
    }
    return socket;
  }
}

interface Pools {
  hash: string;
  keepAlive?: UpstreamTlsAgent;
  close?: UpstreamTlsAgent;
}

/** Keyed by the server's carried-over state object (runtime/state.ts ServerState). */
const pools = new WeakMap<object, Pools>();

function retire(p: Pools): void {
  for (const agent of [p.keepAlive, p.close]) {
    if (!agent) continue;
    (agent as unknown as { keepAlive: boolean }).keepAlive = false; // sockets in use close when their request ends
    for (const list of Object.values(agent.freeSockets)) for (const s of list ?? []) s.destroy();
  }
}

/** The TLS pool of a server (`owner`: its carried-over state). */
export function upstreamAgent(
  owner: object,
  keepAlive: boolean,
  t: UpstreamTls,
  server: UpstreamServer,
): https.Agent {
  let p = pools.get(owner);
  if (!p || p.hash !== t.hash) {
    if (p) retire(p);
    p = { hash: t.hash };
    pools.set(owner, p);
  }
  if (keepAlive) return (p.keepAlive ??= new UpstreamTlsAgent(t, server, true));
  return (p.close ??= new UpstreamTlsAgent(t, server, false));
}

/** The server left the configuration, or the process stops: close its TLS pools. */
export function destroyUpstreamTlsPools(owner: object): void {
  const p = pools.get(owner);
  if (!p) return;
  pools.delete(owner);
  p.keepAlive?.destroy();
  p.close?.destroy();
}

/**
 * Options to add to http.request for a server of a TLS backend: its pool and the https protocol
 * (`pooled: false` for connections that leave the pool, such as WebSocket upgrades).
 */
export function upstreamRequestOptions(
  owner: object,
  t: UpstreamTls,
  server: UpstreamServer,
  pooled: boolean,
): { agent: https.Agent; protocol: 'https:' } {
  return { agent: upstreamAgent(owner, pooled, t, server), protocol: 'https:' };
}
