// Shared pieces of the TLS end-to-end tests: certificates (openssl, at test time), a dataplane
// in this process with real sockets, and real TLS clients: node's tls/https/http2, curl and
// openssl s_client. 127.0.0.1 and ephemeral ports only.
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import http2 from 'node:http2';
import https from 'node:https';
import tls from 'node:tls';
import { expect } from 'chai';
import { startDataplane, type Dataplane } from '#dataplane/dataplane';
import { makeSnapshot } from '#protocol/canonical';
import type { BackendSnap, CertificateSnap, FrontendSnap } from '#protocol/snapshot';
import { body, capturingLogger, HOST } from '../../unit/dataplane/helpers.js';
import type { Pem } from '../../unit/tls/certs.js';

export { TestCa, strayKey, type Pem } from '../../unit/tls/certs.js';
export {
  HOST,
  backend,
  capturingLogger,
  eventually,
  freePort,
  frontend,
  get,
  server,
  sleep,
  startBackend,
  startTcpEcho,
} from '../../unit/dataplane/helpers.js';

/** A snapshot certificate from a generated pair (names from the certificate, as compile does). */
export function certSnap(name: string, pem: Pem): CertificateSnap {
  const x = new X509Certificate(pem.cert);
  const names = (x.subjectAltName ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.startsWith('DNS:'))
    .map((s) => s.slice(4).toLowerCase())
    .sort();
  return { name, certPem: pem.cert, keyPem: pem.key, serverNames: names };
}

export type Tls = NonNullable<FrontendSnap['tls']>;

export function tlsOf(certificates: CertificateSnap[], extra: Partial<Tls> = {}): Tls {
  return { certificates, alpn: ['h2', 'http/1.1'], strictSNI: false, clientAuth: { mode: 'none' }, ...extra };
}

export interface Harness {
  dp: Dataplane;
  logs: ReturnType<typeof capturingLogger>;
  apply(frontends: FrontendSnap[], backends: BackendSnap[]): Promise<void>;
  close(): Promise<void>;
}

export async function harness(): Promise<Harness> {
  const logs = capturingLogger();
  const dp = await startDataplane({ group: 'default', nodeId: 'tls', admin: null, logger: logs.log });
  return {
    dp,
    logs,
    async apply(frontends, backends) {
      const r = await dp.applySnapshot(makeSnapshot(body(frontends, backends)));
      expect(r, JSON.stringify(r)).to.deep.include({ ok: true });
    },
    close: () => dp.close(),
  };
}

export interface Handshake {
  /** Subject CN of the certificate the server presented. */
  cn: string;
  alpn: string | false | null;
  reused: boolean;
  session: Buffer | undefined;
  authorized: boolean;
}

/** One TLS handshake with node's tls client; rejects when the server refuses it. */
export function handshake(
  port: number,
  opts: {
    servername?: string;
    ca: string;
    alpn?: string[];
    cert?: string;
    key?: string;
    session?: Buffer;
    maxVersion?: tls.SecureVersion;
    /** Also send one HTTP/1.1 request and wait for its response (mTLS refusals show there in TLS 1.3). */
    request?: boolean;
  },
): Promise<Handshake> {
  return new Promise((resolve, reject) => {
    let session: Buffer | undefined;
    const s = tls.connect({
      host: HOST,
      port,
      ca: opts.ca,
      ...(opts.servername !== undefined ? { servername: opts.servername } : {}),
      ...(opts.alpn ? { ALPNProtocols: opts.alpn } : {}),
      ...(opts.cert ? { cert: opts.cert, key: opts.key } : {}),
      ...(opts.session ? { session: opts.session } : {}),
      ...(opts.maxVersion ? { maxVersion: opts.maxVersion } : {}),
      checkServerIdentity: () => undefined, // names are asserted by the tests
    });
    s.on('session', (b: Buffer) => (session = b));
    s.once('error', reject);
    s.once('secureConnect', () => {
      const cn = s.getPeerCertificate().subject?.CN ?? '';
      const result = (): Handshake => ({
        cn: Array.isArray(cn) ? cn[0]! : cn,
        alpn: s.alpnProtocol,
        reused: s.isSessionReused(),
        session,
        authorized: s.authorized,
      });
      if (!opts.request) {
        // A TLS 1.3 session ticket follows the handshake: wait for it (bounded) rather than for a
        // fixed pause, which a loaded machine can outlast.
        const done = (): void => {
          clearTimeout(timer);
          const r = result();
          s.end();
          resolve(r);
        };
        const timer = setTimeout(done, 2000);
        // A resumed handshake need not bring a new ticket; the one passed in stays usable.
        if (session || s.isSessionReused()) done();
        else s.once('session', () => setImmediate(done));
        return;
      }
      let data = '';
      s.on('data', (d: Buffer) => (data += d.toString()));
      s.once('end', () => {
        if (/^HTTP\/1\.1 \d{3}/.test(data)) resolve(result());
        else reject(new Error('connection closed without an HTTP response'));
      });
      s.write(`GET / HTTP/1.1\r\nHost: ${opts.servername ?? HOST}\r\nConnection: close\r\n\r\n`);
    });
  });
}

export interface Fetched {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  httpVersion: string;
}

/** HTTPS request with node (HTTP/1.1), on a fresh connection unless an agent is given. */
export function httpsGet(
  port: number,
  opts: {
    servername: string;
    ca: string;
    path?: string;
    agent?: https.Agent;
    headers?: Record<string, string>;
    cert?: string;
    key?: string;
  },
): Promise<Fetched> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: HOST,
        port,
        path: opts.path ?? '/',
        servername: opts.servername,
        ca: opts.ca,
        headers: { host: opts.servername, ...opts.headers },
        agent: opts.agent ?? false,
        ...(opts.cert ? { cert: opts.cert, key: opts.key } : {}),
      },
      (res) => {
        let data = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (data += d));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: data,
            httpVersion: res.httpVersion,
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** Requests over one HTTP/2 connection with node's http2 client. */
export async function h2Requests(
  port: number,
  opts: { servername: string; ca: string },
  requests: Array<{ path: string; method?: string; body?: string; headers?: Record<string, string> }>,
): Promise<Array<Fetched & { alpn: string | undefined }>> {
  const session = http2.connect(`https://${opts.servername}:${port}`, {
    ca: opts.ca,
    servername: opts.servername,
    host: HOST,
    lookup: (_h: string, _o: unknown, cb: (err: null, addr: string, family: number) => void) =>
      cb(null, HOST, 4),
  } as http2.SecureClientSessionOptions);
  try {
    await new Promise<void>((resolve, reject) => {
      session.once('connect', () => resolve());
      session.once('error', reject);
    });
    return await Promise.all(
      requests.map(
        (r) =>
          new Promise<Fetched & { alpn: string | undefined }>((resolve, reject) => {
            const stream = session.request(
              { ':path': r.path, ':method': r.method ?? 'GET', ...r.headers },
              { endStream: r.body === undefined },
            );
            if (r.body !== undefined) stream.end(r.body);
            let status = 0;
            let headers: Record<string, string | string[] | undefined> = {};
            let data = '';
            stream.setEncoding('utf8');
            stream.on('response', (h) => {
              status = Number(h[':status']);
              headers = h as Record<string, string | string[] | undefined>;
            });
            stream.on('data', (d: string) => (data += d));
            stream.on('end', () =>
              resolve({ status, headers, body: data, httpVersion: '2.0', alpn: session.alpnProtocol }),
            );
            stream.on('error', reject);
          }),
      ),
    );
  } finally {
    session.close();
  }
}

export interface CurlResult {
  code: number;
  status: number;
  httpVersion: string;
  headers: string;
  body: string;
  stderr: string;
}

/** curl against 127.0.0.1 with `name` resolved to it (real SNI), CA verification on. */
export function curl(name: string, port: number, args: string[], path = '/'): Promise<CurlResult> {
  return new Promise((resolve) => {
    execFile(
      'curl',
      [
        '-s',
        '-S',
        '--max-time',
        '10',
        '--resolve',
        `${name}:${port}:${HOST}`,
        '-D',
        '-',
        '-w',
        '\n%{http_version}',
        ...args,
        `https://${name}:${port}${path}`,
      ],
      { encoding: 'utf8', maxBuffer: 1 << 20 },
      (err, stdout, stderr) => {
        const code = err ? Number((err as { code?: number }).code ?? 1) : 0;
        const lines = stdout.split('\n');
        const httpVersion = lines.pop() ?? '';
        const text = lines.join('\n');
        const cut = text.indexOf('\r\n\r\n');
        const headers = cut >= 0 ? text.slice(0, cut) : '';
        resolve({
          code,
          status: Number(/^HTTP\/[\d.]+ (\d{3})/.exec(headers)?.[1] ?? 0),
          httpVersion,
          headers,
          body: cut >= 0 ? text.slice(cut + 4) : '',
          stderr,
        });
      },
    );
  });
}

/** openssl s_client: the subject of the certificate served for `servername` (or the failure). */
export function sClient(
  port: number,
  opts: { servername?: string; caFile: string; alpn?: string },
): Promise<{ ok: boolean; subject: string; alpn: string; output: string }> {
  return new Promise((resolve) => {
    const args = [
      's_client',
      '-connect',
      `${HOST}:${port}`,
      '-CAfile',
      opts.caFile,
      '-verify_return_error',
      '-brief',
    ];
    if (opts.servername) args.push('-servername', opts.servername);
    else args.push('-noservername');
    if (opts.alpn) args.push('-alpn', opts.alpn);
    const child = execFile('openssl', args, { encoding: 'utf8', timeout: 10_000 }, (err, stdout, stderr) => {
      const output = `${stdout}\n${stderr}`;
      const subject = /Peer certificate: (.*)/.exec(output)?.[1]?.trim() ?? '';
      const alpn = /ALPN protocol: (.*)/.exec(output)?.[1]?.trim() ?? '';
      // Judged on the handshake, not the exit code (a server that closes without close_notify
      // makes s_client exit non-zero after a good handshake).
      void err;
      resolve({
        ok: /CONNECTION ESTABLISHED/.test(output) && /Verification: OK/.test(output),
        subject,
        alpn,
        output,
      });
    });
    child.stdin?.end();
  });
}

/** Resolves when `p` rejects (the server refused); fails the test if it resolves. */
export async function refused(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected the server to refuse, but the exchange succeeded');
}
