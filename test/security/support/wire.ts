// The client side of the hostile-input tests: raw bytes over a socket, and what came back, cut
// into responses. Responses come from Bascule or HAProxy, so a small reader is enough: status
// line, fields, then a body framed by Content-Length, chunked coding, or the connection's end.
import net from 'node:net';

const HOST = '127.0.0.1';

export interface WireResponse {
  status: number;
  /** Field names lower-cased; repeated fields joined with ", ". */
  headers: Record<string, string>;
  body: string;
}

export interface WireResult {
  /** Everything received, latin1. */
  text: string;
  responses: WireResponse[];
  /** Whether the peer closed (FIN or RST) before we stopped waiting. */
  closed: boolean;
}

export interface SendOptions {
  /** Write the bytes in these pieces, `pauseMs` apart (slow clients, split heads). */
  pieces?: Array<string | Buffer>;
  pauseMs?: number;
  /** Stop once nothing arrived for this long after a complete response (default 300 ms). */
  quietMs?: number;
  /**
   * Responses expected: the quiet period only starts once this many arrived (default 1), so a
   * slow machine does not cut a pipelined exchange short; more are still collected.
   */
  responses?: number;
  /** Stop after this long in any case (default 5 s). */
  maxMs?: number;
  /** Responses to these requests have no body (HEAD). */
  head?: boolean;
}

/** Sends `bytes` on a fresh connection and collects what comes back. */
export function send(port: number, bytes: string | Buffer, opts: SendOptions = {}): Promise<WireResult> {
  const quietMs = opts.quietMs ?? 300;
  const maxMs = opts.maxMs ?? 5000;
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let closed = false;
    let quiet: NodeJS.Timeout | undefined;
    const s = net.connect(port, HOST);
    const finish = (): void => {
      clearTimeout(quiet);
      clearTimeout(cap);
      s.destroy();
      const text = Buffer.concat(chunks).toString('latin1');
      resolve({ text, responses: parseResponses(text, opts.head === true), closed });
    };
    const cap = setTimeout(finish, maxMs);
    const armQuiet = (): void => {
      clearTimeout(quiet);
      const text = Buffer.concat(chunks).toString('latin1');
      if (parseResponses(text, opts.head === true, false).length >= (opts.responses ?? 1))
        quiet = setTimeout(finish, quietMs);
    };
    s.on('connect', () => {
      const pieces = opts.pieces ?? [bytes];
      let i = 0;
      const next = (): void => {
        if (s.destroyed || i >= pieces.length) return;
        s.write(pieces[i++]!);
        if (i < pieces.length) setTimeout(next, opts.pauseMs ?? 50);
      };
      next();
    });
    s.on('data', (d: Buffer) => {
      chunks.push(d);
      armQuiet();
    });
    s.on('end', () => {
      closed = true;
      finish();
    });
    s.on('close', () => {
      closed = true;
      finish();
    });
    s.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ECONNRESET' || err.code === 'EPIPE') return; // 'close' follows
      clearTimeout(cap);
      reject(err);
    });
  });
}

/**
 * Cuts `text` into responses. With `toEnd`, a last response without framing takes the rest
 * (it ends with the connection); otherwise only complete responses are returned.
 */
export function parseResponses(text: string, head: boolean, toEnd = true): WireResponse[] {
  const out: WireResponse[] = [];
  let at = 0;
  while (at < text.length) {
    const end = text.indexOf('\r\n\r\n', at);
    if (end < 0) break;
    const lines = text.slice(at, end).split('\r\n');
    const m = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0]!);
    if (!m) break;
    const status = Number(m[1]);
    const headers: Record<string, string> = {};
    for (const l of lines.slice(1)) {
      const c = l.indexOf(':');
      const name = l.slice(0, c).trim().toLowerCase();
      const value = l.slice(c + 1).trim();
      headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
    }
    let pos = end + 4;
    let body = '';
    if (head || (status >= 100 && status < 200) || status === 204 || status === 304) {
      // no body
    } else if (/chunked/i.test(headers['transfer-encoding'] ?? '')) {
      let complete = false;
      for (;;) {
        const eol = text.indexOf('\r\n', pos);
        if (eol < 0) break;
        const size = parseInt(text.slice(pos, eol), 16);
        if (Number.isNaN(size)) break;
        if (size === 0) {
          const trailerEnd = text.indexOf('\r\n\r\n', eol);
          if (trailerEnd >= 0) {
            pos = trailerEnd + 4;
            complete = true;
          } else if (text.startsWith('\r\n', eol + 2)) {
            pos = eol + 4;
            complete = true;
          }
          break;
        }
        if (text.length < eol + 2 + size + 2) break;
        body += text.slice(eol + 2, eol + 2 + size);
        pos = eol + 2 + size + 2;
      }
      if (!complete) {
        if (toEnd) out.push({ status, headers, body });
        return out;
      }
    } else if (headers['content-length'] !== undefined) {
      const n = Number(headers['content-length']);
      if (text.length < pos + n) {
        if (toEnd) out.push({ status, headers, body: text.slice(pos) });
        return out;
      }
      body = text.slice(pos, pos + n);
      pos += n;
    } else {
      // Delimited by the connection's end.
      if (toEnd) out.push({ status, headers, body: text.slice(pos) });
      return out;
    }
    out.push({ status, headers, body });
    at = pos;
  }
  return out;
}
