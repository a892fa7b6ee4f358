// Reads the server name (SNI) and ALPN list from a TLS ClientHello without terminating TLS: the
// basis of passthrough routing (HAProxy `req.ssl_sni` after `tcp-request inspect-delay`).
// The bytes are put back (`unshift`) so the chosen server receives the untouched handshake.
import type net from 'node:net';

export type ClientHelloInfo =
  | { readonly kind: 'tls'; readonly sni?: string; readonly alpn?: readonly string[] }
  /** The first bytes are not a TLS handshake (plain TCP, HTTP, ...). */
  | { readonly kind: 'not-tls' }
  /** More bytes are needed. */
  | { readonly kind: 'incomplete' };

/** A ClientHello larger than this is not inspected (treated as TLS without a name). */
export const MAX_CLIENT_HELLO = 64 * 1024;

const NOT_TLS: ClientHelloInfo = Object.freeze({ kind: 'not-tls' });
const INCOMPLETE: ClientHelloInfo = Object.freeze({ kind: 'incomplete' });
const TLS_NO_INFO: ClientHelloInfo = Object.freeze({ kind: 'tls' });

/**
 * Parses the TLS records at the start of `buf`. The ClientHello may span several records (large
 * key shares) and several TCP segments; `incomplete` asks for more bytes.
 */
export function parseClientHello(buf: Buffer): ClientHelloInfo {
  if (buf.length === 0) return INCOMPLETE;
  if (buf[0] !== 0x16) return NOT_TLS; // record type handshake
  if (buf.length >= 2 && buf[1] !== 0x03) return NOT_TLS; // SSL 3.0 / TLS 1.x record versions
  // Reassemble the handshake layer from consecutive handshake records.
  const parts: Buffer[] = [];
  let have = 0;
  let need = -1;
  let off = 0;
  for (;;) {
    if (off + 5 > buf.length) return INCOMPLETE;
    if (buf[off] !== 0x16) return need < 0 ? NOT_TLS : TLS_NO_INFO;
    const len = buf.readUInt16BE(off + 3);
    if (len === 0 || len > 16384 + 2048) return NOT_TLS;
    if (off + 5 + len > buf.length) {
      if (off + 5 + len > MAX_CLIENT_HELLO + 5 * 8) return TLS_NO_INFO;
      return INCOMPLETE;
    }
    parts.push(buf.subarray(off + 5, off + 5 + len));
    have += len;
    off += 5 + len;
    if (need < 0 && have >= 4) {
      const hs = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
      if (hs[0] !== 0x01) return NOT_TLS; // not a ClientHello
      need = 4 + ((hs[1]! << 16) | (hs[2]! << 8) | hs[3]!);
      if (need > MAX_CLIENT_HELLO) return TLS_NO_INFO;
    }
    if (need >= 0 && have >= need) break;
  }
  const hello = Buffer.concat(parts).subarray(4, need);
  return parseHelloBody(hello);
}

function parseHelloBody(b: Buffer): ClientHelloInfo {
  try {
    let p = 2 + 32; // client_version, random
    p += 1 + b.readUInt8(p); // session_id
    p += 2 + b.readUInt16BE(p); // cipher_suites
    p += 1 + b.readUInt8(p); // compression_methods
    if (p + 2 > b.length) return TLS_NO_INFO; // no extensions
    const end = Math.min(b.length, p + 2 + b.readUInt16BE(p));
    p += 2;
    let sni: string | undefined;
    let alpn: string[] | undefined;
    while (p + 4 <= end) {
      const type = b.readUInt16BE(p);
      const len = b.readUInt16BE(p + 2);
      const data = b.subarray(p + 4, Math.min(end, p + 4 + len));
      p += 4 + len;
      if (type === 0x0000) sni = readServerName(data);
      else if (type === 0x0010) alpn = readAlpn(data);
    }
    return { kind: 'tls', ...(sni !== undefined ? { sni } : {}), ...(alpn ? { alpn } : {}) };
  } catch {
    return TLS_NO_INFO; // truncated or malformed: the server will refuse it, we only route
  }
}

function readServerName(d: Buffer): string | undefined {
  let p = 2; // server_name_list length
  while (p + 3 <= d.length) {
    const type = d.readUInt8(p);
    const len = d.readUInt16BE(p + 1);
    const name = d.subarray(p + 3, p + 3 + len);
    p += 3 + len;
    if (type === 0 && name.length === len) {
      const s = name.toString('latin1');
      // A host name: letters, digits, hyphens, dots (and "_" seen in the wild). Anything else is ignored.
      return /^[A-Za-z0-9._-]{1,253}$/.test(s) ? s.toLowerCase().replace(/\.$/, '') : undefined;
    }
  }
  return undefined;
}

function readAlpn(d: Buffer): string[] {
  const out: string[] = [];
  let p = 2;
  while (p + 1 <= d.length) {
    const len = d.readUInt8(p);
    if (len === 0 || p + 1 + len > d.length) break;
    out.push(d.subarray(p + 1, p + 1 + len).toString('latin1'));
    p += 1 + len;
  }
  return out;
}

export type PeekResult = ClientHelloInfo | { readonly kind: 'closed' } | { readonly kind: 'timeout' };

/**
 * Reads from `socket` until its ClientHello is complete (or it proves not to be TLS, or
 * `timeoutMs` passes), then puts every byte back and leaves the socket paused: whoever takes the
 * socket next reads the stream from its first byte.
 */
export function peekClientHello(socket: net.Socket, timeoutMs: number): Promise<PeekResult> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const finish = (r: PeekResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('close', onEnd);
      if (r.kind !== 'closed') {
        socket.pause();
        if (size > 0) socket.unshift(Buffer.concat(chunks, size));
      }
      resolve(r);
    };
    const onData = (chunk: Buffer): void => {
      chunks.push(chunk);
      size += chunk.length;
      const info = parseClientHello(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
      if (info.kind !== 'incomplete') finish(info);
      else if (size > MAX_CLIENT_HELLO) finish(TLS_NO_INFO);
    };
    // A client that closes (or half-closes) before its ClientHello is complete is not routed.
    const onEnd = (): void => finish({ kind: 'closed' });
    const timer = setTimeout(() => finish({ kind: 'timeout' }), Math.max(1, timeoutMs));
    socket.on('data', onData);
    socket.once('end', onEnd);
    socket.once('close', onEnd);
    socket.resume();
  });
}
