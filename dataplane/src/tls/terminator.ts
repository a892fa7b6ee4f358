// TLS termination for one frontend: secure contexts (one per certificate), SNI selection (exact →
// wildcard → default, or refusal with strict SNI), ALPN, client certificates (mTLS) and session
// resumption.
//
// The bind's net.Server stays the only socket owner: an accepted socket is handed to this
// frontend's tls.Server (which never listens) with emit('connection'), and the secured socket
// comes back through a per-socket callback. A tls.Server (not a bare TLSSocket) does the
// handshake because it is what checks client certificates and enforces `rejectUnauthorized`.
//
// A terminator is built once per distinct TLS configuration of a frontend and cached on the
// frontend's carried-over state: a swap that leaves the TLS settings alone reuses the contexts and
// the session ticket keys (clients resume across swaps); a swap that changes them (a rotated
// certificate) builds new ones, so new handshakes see the new certificate while established
// connections keep theirs.
import { createHash, randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import net from 'node:net';
import type tls from 'node:tls';
import type { Logger } from 'pino';
import { canonicalJson } from '#protocol/canonical';
import type { FrontendSnap } from '#protocol/snapshot';
import { CertificateIndex, normalizeServerName, type SelectionKind } from './names.js';
import { RAW_SOCKET, rawSocketOf } from './raw-socket-of.js';

export type FrontendTlsSnap = NonNullable<FrontendSnap['tls']>;

// node:tls loads with the first TLS frontend (once per terminator, never per connection or
// request): a dataplane without one does not load it (docs/memory.md).
const requireOnUse = createRequire(import.meta.url);
let tlsModule: typeof tls | undefined;
const tlsOnUse = (): typeof tls => (tlsModule ??= requireOnUse('node:tls') as typeof tls);

export type SecureHandler = (socket: tls.TLSSocket) => void;

/** Handshakes that take longer than this are cut (HAProxy: timeout client / http-request). */
export const DEFAULT_HANDSHAKE_TIMEOUT_MS = 10_000;

export { RAW_SOCKET, rawSocketOf };

interface CertEntry {
  readonly name: string;
  readonly context: tls.SecureContext;
  readonly serverNames: readonly string[];
}

/** Content address of a frontend's TLS settings (never logged: it covers key material). */
export function tlsConfigHash(t: FrontendTlsSnap, handshakeTimeoutMs: number): string {
  return createHash('sha256').update(canonicalJson({ t, handshakeTimeoutMs })).digest('hex');
}

export class TlsTerminator {
  readonly server: tls.Server;
  readonly alpn: readonly string[];
  readonly clientAuth: FrontendTlsSnap['clientAuth']['mode'];
  readonly strictSNI: boolean;
  private readonly index: CertificateIndex<CertEntry>;
  /** Accepted sockets in their handshake: who takes the secured socket, and the deadline timer. */
  private readonly pending = new Map<net.Socket, { handler: SecureHandler; deadline: NodeJS.Timeout }>();
  /** Where strict SNI sends names it has no certificate for. */
  private readonly noCertificate: tls.SecureContext;

  constructor(
    readonly frontendId: string,
    readonly hash: string,
    t: FrontendTlsSnap,
    readonly handshakeTimeoutMs: number,
    private readonly log: Logger,
  ) {
    this.alpn = Object.freeze([...t.alpn]);
    this.clientAuth = t.clientAuth.mode;
    this.strictSNI = t.strictSNI;
    // Same ticket keys and session id context in every context of the frontend: tickets are
    // decrypted by the context the handshake started on, whichever certificate SNI then picks.
    const ticketKeys = randomBytes(48);
    const sessionIdContext = createHash('sha256').update(`bascule:${frontendId}`).digest('hex').slice(0, 32);
    const requestCert = t.clientAuth.mode !== 'none';
    const common = {
      minVersion: (t.minVersion ?? 'TLSv1.2') as tls.SecureVersion,
      maxVersion: (t.maxVersion ?? 'TLSv1.3') as tls.SecureVersion,
      ...(t.ciphers ? { ciphers: t.ciphers } : {}),
      ...(requestCert && t.clientAuth.caPem ? { ca: t.clientAuth.caPem } : {}),
      honorCipherOrder: true,
      ticketKeys,
      sessionIdContext,
    };
    const entries = t.certificates.map((c) => ({
      names: c.serverNames,
      value: {
        name: c.name,
        serverNames: c.serverNames,
        context: tlsOnUse().createSecureContext({ ...common, cert: c.certPem, key: c.keyPem }),
      } satisfies CertEntry,
    }));
    if (entries.length === 0) throw new Error(`frontend ${frontendId}: TLS without any certificate`);
    this.index = new CertificateIndex(entries);
    this.noCertificate = tlsOnUse().createSecureContext(common);
    const def = t.certificates[0]!;
    this.server = tlsOnUse().createServer({
      ...common,
      // Strict SNI: the context a handshake starts on holds no certificate, so a client that
      // sends no (or an unknown) server name cannot complete a handshake.
      ...(this.strictSNI ? {} : { cert: def.certPem, key: def.keyPem }),
      requestCert,
      // required: no certificate fails the handshake, an untrusted one is refused right after it.
      rejectUnauthorized: t.clientAuth.mode === 'required',
      ALPNProtocols: [...this.alpn],
      handshakeTimeout: handshakeTimeoutMs,
      SNICallback: (name, cb) => this.sni(name, cb),
    });
    this.server.on('secureConnection', (s: tls.TLSSocket) => this.onSecure(s));
    this.server.on('tlsClientError', (err: NodeJS.ErrnoException, s: tls.TLSSocket) => {
      this.log.debug(
        { frontend: frontendId, client: s.remoteAddress, err: err.code ?? err.message },
        'TLS handshake failed',
      );
      // Node reports a handshake timeout (ERR_TLS_HANDSHAKE_TIMEOUT) here but leaves the socket
      // open; every failed handshake ends the connection.
      s.destroy();
    });
  }

  /** Which certificate a server name gets (tests, diagnostics); undefined: refused (strict). */
  select(serverName: string | undefined): { certificate: string; kind: SelectionKind } | undefined {
    const s = this.index.select(serverName, this.strictSNI);
    return s && { certificate: s.value.name, kind: s.kind };
  }

  /**
   * Starts the handshake on an accepted socket; `onSecure` gets the secured socket. The handshake
   * must be complete within the handshake timeout, counted from here: Node's own
   * `handshakeTimeout` is an idle timer that a client trickling bytes keeps resetting.
   */
  accept(raw: net.Socket, onSecure: SecureHandler): void {
    raw.on('error', () => {}); // the TLS socket reports and handles failures
    const deadline = setTimeout(() => {
      this.log.debug(
        { frontend: this.frontendId, client: raw.remoteAddress },
        'TLS handshake not complete in time; connection closed',
      );
      raw.destroy();
    }, this.handshakeTimeoutMs);
    deadline.unref();
    this.pending.set(raw, { handler: onSecure, deadline });
    raw.once('close', () => this.settle(raw));
    this.server.emit('connection', raw);
  }

  private sni(name: string, cb: (err: Error | null, ctx?: tls.SecureContext) => void): void {
    const s = this.index.select(name, this.strictSNI);
    if (!s) {
      // Strict SNI: continue on a context without a certificate, so OpenSSL ends the handshake
      // with a proper alert (handshake_failure) instead of a silent close.
      this.log.debug(
        { frontend: this.frontendId, sni: normalizeServerName(name) },
        'no certificate for this server name (strictSNI); handshake refused',
      );
      cb(null, this.noCertificate);
      return;
    }
    cb(null, s.value.context);
  }

  /** The handshake of `raw` is over (secured or closed): forget it and stop its deadline. */
  private settle(raw: net.Socket): void {
    const p = this.pending.get(raw);
    if (!p) return;
    clearTimeout(p.deadline);
    this.pending.delete(raw);
  }

  private handlerFor(s: tls.TLSSocket): { raw: net.Socket; handler: SecureHandler } | undefined {
    // TLSSocket keeps the socket it wraps as _parent; fall back to the peer address otherwise.
    const parent = (s as unknown as { _parent?: unknown })._parent;
    if (parent instanceof net.Socket) {
      const p = this.pending.get(parent);
      if (p) return { raw: parent, handler: p.handler };
    }
    for (const [raw, p] of this.pending)
      if (raw.remotePort === s.remotePort && raw.remoteAddress === s.remoteAddress)
        return { raw, handler: p.handler };
    return undefined;
  }

  private onSecure(s: tls.TLSSocket): void {
    const found = this.handlerFor(s);
    if (!found) {
      this.log.error({ frontend: this.frontendId }, 'secured TLS connection without a listener; closed');
      s.destroy();
      return;
    }
    this.settle(found.raw);
    s.on('error', () => {}); // whoever takes the socket handles its close
    if (this.clientAuth === 'optional' && !s.authorized && presentedCertificate(s)) {
      // optional: no certificate is fine, an untrusted one is not.
      this.log.debug(
        { frontend: this.frontendId, client: s.remoteAddress, reason: s.authorizationError },
        'client certificate not trusted; connection refused',
      );
      s.destroy();
      return;
    }
    (s as unknown as Record<symbol, unknown>)[RAW_SOCKET] = found.raw;
    found.handler(s);
  }
}

function presentedCertificate(s: tls.TLSSocket): boolean {
  const c = s.getPeerCertificate();
  return c !== null && typeof c === 'object' && Object.keys(c).length > 0;
}

// ---- cache: one terminator per frontend, kept while its TLS settings do not change ----

const cache = new WeakMap<object, TlsTerminator>();

/**
 * The terminator for a frontend, reused from the previous build when its TLS settings are
 * unchanged. `owner` is the frontend's carried-over state (one per frontend id). Throws when
 * the material cannot be loaded (bad PEM, cipher string): the caller fails that frontend closed.
 */
export function terminatorFor(owner: object, f: Readonly<FrontendSnap>, log: Logger): TlsTerminator {
  const t = f.tls!;
  const timeout =
    f.timeouts.httpRequest > 0 ? Math.min(f.timeouts.httpRequest, 60_000) : DEFAULT_HANDSHAKE_TIMEOUT_MS;
  const hash = tlsConfigHash(t, timeout);
  const prev = cache.get(owner);
  if (prev && prev.hash === hash) return prev;
  const next = new TlsTerminator(f.id, hash, t, timeout, log);
  cache.set(owner, next);
  if (prev)
    log.info(
      { frontend: f.id, certificates: t.certificates.map((c) => c.name) },
      'TLS settings changed: new handshakes use the new certificates; open connections keep theirs',
    );
  return next;
}
