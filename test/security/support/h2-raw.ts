// A hand-written HTTP/2 client for hostile-input tests: Node's http2 client refuses to send
// malformed fields, so frames are built here byte by byte (RFC 9113 §4) and field blocks are
// HPACK literals without indexing and without Huffman coding (RFC 7541 §6.2.2), which carry any
// octets unchanged. Responses are decoded with the dataplane's HPACK decoder. Over TLS with ALPN h2, against 127.0.0.1.
import tls from 'node:tls';
import { Flag, FrameType, errorName } from '#dataplane/tls/h2-frames';
import { HpackShadow } from '#dataplane/tls/h2-hpack';
import { HOST } from '../../unit/dataplane/helpers.js';

export const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');
export { FrameType } from '#dataplane/tls/h2-frames';
export const { END_STREAM, END_HEADERS } = Flag;

export function frame(
  type: number,
  flags: number,
  stream: number,
  payload: Buffer = Buffer.alloc(0),
): Buffer {
  const h = Buffer.alloc(9);
  h.writeUIntBE(payload.length, 0, 3);
  h[3] = type;
  h[4] = flags;
  h.writeUInt32BE(stream, 5);
  return Buffer.concat([h, payload]);
}

/** HPACK integer with an N-bit prefix (RFC 7541 §5.1); `first` holds the representation's high bits. */
function hpackInt(value: number, prefixBits: number, first: number): number[] {
  const max = (1 << prefixBits) - 1;
  if (value < max) return [first | value];
  const out = [first | max];
  value -= max;
  while (value >= 128) {
    out.push((value % 128) + 128);
    value = Math.floor(value / 128);
  }
  out.push(value);
  return out;
}

/** A field block of literals without indexing, new names, raw octets (latin1 strings). */
export function fieldBlock(fields: Array<[string, string]>): Buffer {
  const bytes: number[] = [];
  for (const [name, value] of fields) {
    bytes.push(0x00);
    const n = Buffer.from(name, 'latin1');
    const v = Buffer.from(value, 'latin1');
    bytes.push(...hpackInt(n.length, 7, 0), ...n, ...hpackInt(v.length, 7, 0), ...v);
  }
  return Buffer.from(bytes);
}

export type Outcome =
  | { kind: 'response'; status: number }
  | { kind: 'rst'; code: string }
  | { kind: 'goaway'; code: string }
  | { kind: 'closed' }
  | { kind: 'timeout' };

export const describeOutcome = (o: Outcome): string =>
  o.kind === 'response'
    ? `response ${o.status}`
    : o.kind === 'rst'
      ? `RST_STREAM ${o.code}`
      : o.kind === 'goaway'
        ? `GOAWAY ${o.code}`
        : o.kind;

/**
 * Opens an h2 connection, sends `frames` after the preface and SETTINGS, and reports what
 * happened to `stream`: its response status, a RST_STREAM or GOAWAY (with its code), a close, or
 * nothing within `ms`.
 */
export function exchange(
  port: number,
  frames: Buffer[],
  stream = 1,
  ms = 3000,
  servername = 'a.example.test',
): Promise<Outcome> {
  return new Promise((resolve) => {
    let settled = false;
    const done = (o: Outcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      s.destroy();
      resolve(o);
    };
    const s = tls.connect(
      { host: HOST, port, servername, rejectUnauthorized: false, ALPNProtocols: ['h2'] },
      () => {
        s.write(Buffer.concat([PREFACE, frame(FrameType.SETTINGS, 0, 0), ...frames]));
      },
    );
    const timer = setTimeout(() => done({ kind: 'timeout' }), ms);
    let buf = Buffer.alloc(0);
    const responses = new HpackShadow();
    s.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 9) {
        const len = buf.readUIntBE(0, 3);
        if (buf.length < 9 + len) break;
        const type = buf[3]!;
        const flags = buf[4]!;
        const sid = buf.readUInt32BE(5) & 0x7fffffff;
        const p = buf.subarray(9, 9 + len);
        buf = buf.subarray(9 + len);
        if (type === FrameType.SETTINGS && !(flags & 1)) s.write(frame(FrameType.SETTINGS, 1, 0));
        else if (type === FrameType.GOAWAY)
          return done({ kind: 'goaway', code: errorName(p.readUInt32BE(4)) });
        else if (type === FrameType.RST_STREAM && sid === stream)
          return done({ kind: 'rst', code: errorName(p.readUInt32BE(0)) });
        else if (type === FrameType.HEADERS) {
          // Decoded in order (the server's dynamic table); the block fits one frame here.
          let block = p;
          if (flags & 0x8) block = block.subarray(1, block.length - p[0]!);
          if (flags & 0x20) block = block.subarray(5);
          const fields = responses.decode(block);
          if (sid === stream)
            return done({
              kind: 'response',
              status: Number(fields.find(([n]) => n === ':status')?.[1] ?? 0),
            });
        }
      }
    });
    s.on('close', () => done({ kind: 'closed' }));
    s.on('error', () => done({ kind: 'closed' }));
  });
}

/** A GET request's pseudo-header fields. */
export const getRequest = (authority = 'a.example.test', path = '/'): Array<[string, string]> => [
  [':method', 'GET'],
  [':scheme', 'https'],
  [':authority', authority],
  [':path', path],
];
