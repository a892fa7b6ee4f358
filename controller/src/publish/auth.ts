// Bearer-token check for the control channel. Tokens are compared as SHA-256 digests with
// timingSafeEqual: equal lengths for every candidate, and no early exit on the first byte.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

export class TokenSet {
  private readonly digests: Buffer[];

  /** Several tokens may be valid at once so they can be rotated without downtime. */
  constructor(tokens: readonly string[]) {
    const usable = tokens.map((t) => t.trim()).filter((t) => t.length > 0);
    if (usable.length === 0) throw new Error('at least one non-empty channel token is required');
    this.digests = usable.map(digest);
  }

  matches(token: string): boolean {
    const d = digest(token);
    let ok = false;
    for (const candidate of this.digests) ok = timingSafeEqual(d, candidate) || ok;
    return ok;
  }

  /** Checks `Authorization: Bearer <token>` on an upgrade request. */
  authorize(req: IncomingMessage): boolean {
    const header = req.headers.authorization;
    if (typeof header !== 'string') return false;
    const m = /^Bearer[ ]+(\S+)\s*$/i.exec(header);
    return m ? this.matches(m[1]!) : false;
  }
}
