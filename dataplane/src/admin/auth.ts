// Basic auth for the stats page, the JSON/CSV stats and the runtime API. Credentials come from
// a file holding `username:password` (a mounted Kubernetes Secret, or any file; re-read when it
// changes, so a rotated Secret applies without a restart), or from options/environment:
//   BASCULE_ADMIN_AUTH_FILE                      path of the `username:password` file
//   BASCULE_ADMIN_USERNAME, BASCULE_ADMIN_PASSWORD (e.g. env from a Secret)
// Without credentials these pages are served only on a loopback admin address, to loopback
// clients (standalone mode on a workstation); anywhere else they answer 403.
// Credentials are never logged and never echoed back.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { replyText } from './http-reply.js';

// node:fs is taken with process.getBuiltinModule, not imported: on Node.js 22+ an ES module import
// of it reads every export, and its `promises` getter loads fs/promises and the REPL's readline
// (docs/memory.md, "What a process does not load").
const { readFileSync, statSync } = process.getBuiltinModule('node:fs');

export interface AdminCredentials {
  readonly username: string;
  readonly password: string;
}

export type AdminAuthOptions = AdminCredentials | { readonly file: string };

export const ADMIN_REALM = 'Bascule dataplane';

/** Parses `username:password` (first line; the password may contain ':'). */
export function parseCredentials(text: string, where: string): AdminCredentials {
  const line = text.split(/\r?\n/, 1)[0] ?? '';
  const i = line.indexOf(':');
  if (i <= 0 || i === line.length - 1)
    throw new Error(`${where}: expected one line "username:password" with both parts non-empty`);
  return { username: line.slice(0, i), password: line.slice(i + 1) };
}

/** Where the credentials come from; `get()` re-reads a file when it changed. */
export class CredentialSource {
  private cached: { mtimeMs: number; size: number; creds: AdminCredentials } | undefined;

  constructor(
    private readonly fixed: AdminCredentials | null,
    private readonly file: string | null,
  ) {}

  static resolve(
    opts: AdminAuthOptions | null | undefined,
    env: NodeJS.ProcessEnv = process.env,
  ): CredentialSource {
    if (opts && 'file' in opts) return CredentialSource.fromFile(opts.file);
    if (opts) {
      if (!opts.username || !opts.password)
        throw new Error('admin credentials: username and password must be non-empty');
      return new CredentialSource({ username: opts.username, password: opts.password }, null);
    }
    const file = env.BASCULE_ADMIN_AUTH_FILE?.trim();
    if (file) return CredentialSource.fromFile(file);
    const username = env.BASCULE_ADMIN_USERNAME;
    const password = env.BASCULE_ADMIN_PASSWORD;
    if (username || password) {
      if (!username || !password)
        throw new Error('BASCULE_ADMIN_USERNAME and BASCULE_ADMIN_PASSWORD must be set together');
      return new CredentialSource({ username, password }, null);
    }
    return new CredentialSource(null, null);
  }

  private static fromFile(file: string): CredentialSource {
    const src = new CredentialSource(null, file);
    src.get(); // fail at startup, not on the first request
    return src;
  }

  get configured(): boolean {
    return this.fixed !== null || this.file !== null;
  }

  get(): AdminCredentials | null {
    if (this.fixed) return this.fixed;
    if (!this.file) return null;
    const st = statSync(this.file);
    const c = this.cached;
    if (c && c.mtimeMs === st.mtimeMs && c.size === st.size) return c.creds;
    const creds = parseCredentials(readFileSync(this.file, 'utf8'), this.file);
    this.cached = { mtimeMs: st.mtimeMs, size: st.size, creds };
    return creds;
  }
}

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

/** Constant-time comparison of both parts (hashing first makes the lengths equal). */
export function credentialsMatch(given: AdminCredentials, want: AdminCredentials): boolean {
  const u = timingSafeEqual(digest(given.username), digest(want.username));
  const p = timingSafeEqual(digest(given.password), digest(want.password));
  return u && p;
}

export function parseBasicAuth(header: string | undefined): AdminCredentials | null {
  if (!header) return null;
  const m = /^Basic\s+([A-Za-z0-9+/=._~-]+)\s*$/i.exec(header);
  if (!m) return null;
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const i = decoded.indexOf(':');
  if (i < 0) return null;
  return { username: decoded.slice(0, i), password: decoded.slice(i + 1) };
}

export const isLoopback = (address: string | undefined): boolean => {
  if (!address) return false;
  const a = address.startsWith('::ffff:') ? address.slice(7) : address;
  return a === '::1' || a === 'localhost' || /^127\./.test(a);
};

/**
 * The admin check of a request: true when it may go on; otherwise the answer (401, 403 or 503)
 * is sent and false returned. `loopbackOnly`: the admin endpoint listens on a loopback address,
 * so a dataplane without credentials may serve loopback clients anonymously.
 */
export type AdminCheck = (req: IncomingMessage, res: ServerResponse) => boolean;

export function requireAdmin(source: CredentialSource, loopbackOnly: boolean): AdminCheck {
  return (req, res) => {
    let want: AdminCredentials | null;
    try {
      want = source.get();
    } catch {
      // Unreadable credentials file: fail closed, and say where to look (never what it held).
      replyText(req, res, 503, 'admin credentials are unreadable; see the dataplane log\n');
      return false;
    }
    if (!want) {
      if (loopbackOnly && isLoopback(req.socket.remoteAddress) && isLoopback(req.socket.localAddress))
        return true;
      replyText(
        req,
        res,
        403,
        'admin credentials are not configured: set BASCULE_ADMIN_AUTH_FILE (a "username:password" file, e.g. a mounted Secret); without them the stats page and runtime API are served on a loopback admin address only\n',
      );
      return false;
    }
    const given = parseBasicAuth(req.headers.authorization);
    if (given && credentialsMatch(given, want)) return true;
    res.setHeader('WWW-Authenticate', `Basic realm="${ADMIN_REALM}", charset="UTF-8"`);
    replyText(req, res, 401, 'authentication required\n');
    return false;
  };
}
