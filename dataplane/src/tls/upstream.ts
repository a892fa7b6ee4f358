// TLS towards servers (Backend spec.tls): verification against the backend's CA (or the system
// store), SNI, an optional client certificate. The connections themselves live in the server's
// upstream pool (http/engine/h1-client.ts), which is replaced when these settings change.
//
// A server whose certificate fails verification is refused: the request gets 502 from the HTTP
// engine, and this module logs one clear line naming the backend, the server and the reason.
import { createHash } from 'node:crypto';
import net from 'node:net';
import type tls from 'node:tls';
import type { Logger } from 'pino';
import { canonicalJson } from '#protocol/canonical';
import type { BackendSnap } from '#protocol/snapshot';

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

/** Logs a refused server certificate once per backend, server and reason (every 10 s at most). */
export function reportUpstreamTlsFailure(
  t: UpstreamTls,
  server: UpstreamServer,
  err: NodeJS.ErrnoException,
): void {
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
