// HTTP/1.1 message heads and chunked bodies, parsed strictly (RFC 9112) and at least as strictly
// as Node's llhttp in its default (strict) mode, which test/unit/dataplane/h1-differential.test.ts
// checks byte case by byte case. Heads are found with Buffer.indexOf and read as one latin1
// string; fields are validated with lookup tables and sliced out of it — no per-byte callbacks,
// no per-header objects besides the [name, value] pair itself, or none at all when kept as lines
// (field-lines.ts: offsets into the head).
//
// What is refused (HPE_* codes as llhttp names them): bare LF or CR, obs-fold and whitespace
// before a colon, invalid bytes in methods, targets, names and values, unknown methods (llhttp's
// list), versions other than HTTP/d.d, Content-Length that is not digits, repeated, or beside
// Transfer-Encoding, a Transfer-Encoding whose last coding is not chunked (or that names chunked
// twice), heads larger than the limit. Semantics above framing (Host, target forms) are
// admission's (http/admission.ts).
import type { HeaderList } from '../../router/types.js';
import { isFieldName, type BodyFraming } from '../message.js';
import {
  FIELD_CANONICAL,
  FIELD_FRAMING,
  FIELD_HOP_BY_HOP,
  FIELD_HOST,
  FieldLines,
  nameAt,
} from '../field-lines.js';
// node:http is taken with process.getBuiltinModule, not imported: on Node.js 22+ an ES module
// import of it reads every export, and some are getters that load http2, undici and zlib
// (docs/memory.md, "What a process does not load").
const { METHODS } = process.getBuiltinModule('node:http');

/** Bounded request and response heads (Node's default is 16 KiB too). */
export const MAX_HEADER_SIZE = 16 * 1024;

const ABSOLUTE_START = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//;

/** Versions llhttp accepts in a request line (others: 400); the engine serves 1.0 and 1.1. */
const KNOWN_VERSIONS: ReadonlySet<string> = new Set(['0.9', '1.0', '1.1', '2.0']);

/** Fields that may not appear in a trailer section: they would change framing or routing. */
const TRAILER_FORBIDDEN: ReadonlySet<string> = new Set([
  'content-length',
  'transfer-encoding',
  'host',
  'connection',
  'trailer',
  'te',
  'upgrade',
]);

/** Methods llhttp knows; others are refused as it refuses them. */
const KNOWN_METHODS: ReadonlySet<string> = new Set(METHODS);

/**
 * The methods most requests use, as the constant strings themselves: a known method read from
 * the head is this string rather than a new slice, so every later Set lookup or comparison of it
 * (here, admission, replayability) finds its hash already computed.
 */
const COMMON_METHODS: readonly string[] = ['GET', 'POST', 'HEAD', 'PUT', 'DELETE', 'OPTIONS', 'PATCH'];

/** "d.d" for every digit pair, made once (same reason: no new string, no hash per head). */
const VERSION_TEXT: readonly string[] = Array.from(
  { length: 100 },
  (_, n) => `${Math.floor(n / 10)}.${n % 10}`,
);

/** The method at `buf[p, p + len)`, `s` from `p`: a COMMON_METHODS string when it is one. */
function methodAt(buf: Buffer, p: number, s: string, len: number): string {
  for (let k = 0; k < COMMON_METHODS.length; k++) {
    const m = COMMON_METHODS[k]!;
    if (m.length !== len) continue;
    let i = 0;
    while (i < len && buf[p + i] === m.charCodeAt(i)) i++;
    if (i === len) return m;
  }
  return s.slice(0, len);
}

/** A head that cannot be accepted: llhttp's error code and a reason for the 400 body. */
export class ParseError extends Error {
  constructor(
    readonly code: string,
    readonly reason: string,
  ) {
    super(`${code}: ${reason}`);
    this.name = 'ParseError';
  }
}

const TCHAR = new Uint8Array(256);
for (const c of "!#$%&'*+-.^_`|~") TCHAR[c.charCodeAt(0)] = 1;
for (let c = 0x30; c <= 0x39; c++) TCHAR[c] = 1;
for (let c = 0x41; c <= 0x5a; c++) TCHAR[c] = 1;
for (let c = 0x61; c <= 0x7a; c++) TCHAR[c] = 1;

/** field-value bytes: HTAB, SP, VCHAR, obs-text (RFC 9110 §5.5). */
const VCHAR = new Uint8Array(256);
VCHAR[0x09] = 1;
for (let c = 0x20; c <= 0x7e; c++) VCHAR[c] = 1;
for (let c = 0x80; c <= 0xff; c++) VCHAR[c] = 1;

/** request-target bytes: visible ASCII (llhttp refuses controls, spaces, DEL and non-ASCII). */
const TARGET = new Uint8Array(256);
for (let c = 0x21; c <= 0x7e; c++) TARGET[c] = 1;

const HEX = new Int8Array(256).fill(-1);
for (let c = 0; c < 10; c++) HEX[0x30 + c] = c;
for (let c = 0; c < 6; c++) HEX[0x41 + c] = HEX[0x61 + c] = 10 + c;

/** FieldLines offsets of the head being parsed (fields()); grown once to the largest head's. */
const SCRATCH: number[] = [];

/** A parsed head and what the framing and connection fields say. */
export interface Head {
  /** Request: method; response: ''. */
  method: string;
  /** Request: target as received; response: ''. */
  target: string;
  /** Response: status code; request: 0. */
  status: number;
  /** Response: reason phrase. */
  reason: string;
  /** "1.1", "1.0", ... */
  version: string;
  /** The fields as pairs; empty when they were parsed as `lines`. */
  headers: HeaderList;
  /** The fields as offsets into the head (parsed with `asLines`), else undefined. */
  lines: FieldLines | undefined;
  /** 'none' | 'length' | 'chunked' from the fields alone (a response may also end at close). */
  framing: BodyFraming;
  /** Content-Length when framing is 'length', else -1. */
  contentLength: number;
  /** Connection: close / keep-alive / upgrade tokens. */
  close: boolean;
  keepAlive: boolean;
  connectionUpgrade: boolean;
  /** Upgrade field present. */
  upgrade: boolean;
  /** Expect: 100-continue. */
  expectContinue: boolean;
  /** Bytes of the head, from its first byte to its empty line included. */
  size: number;
}

/**
 * Where the head that starts at `from` ends (the index after its empty line), -1 while it is
 * incomplete. Leading empty lines are skipped (RFC 9112 §2.2): `start` returns where the head
 * really begins. Throws on a bare LF (llhttp: CR expected) or an oversized head.
 */
export function findHeadEnd(buf: Buffer, from: number, scan: HeadScan): number {
  let pos = scan.pos < from ? from : scan.pos;
  if (scan.start < from) scan.start = from;
  for (;;) {
    const lf = buf.indexOf(10, pos);
    if (lf < 0) {
      scan.pos = buf.length;
      if (buf.length - scan.start > MAX_HEADER_SIZE)
        throw new ParseError('HPE_HEADER_OVERFLOW', `head larger than ${MAX_HEADER_SIZE} bytes`);
      return -1;
    }
    if (lf === 0 || buf[lf - 1] !== 13) throw new ParseError('HPE_CR_EXPECTED', 'LF without CR');
    if (lf - 1 === scan.start) {
      // An empty line before any head: skipped.
      scan.start = lf + 1;
      pos = lf + 1;
      continue;
    }
    if (lf - scan.start + 1 > MAX_HEADER_SIZE)
      throw new ParseError('HPE_HEADER_OVERFLOW', `head larger than ${MAX_HEADER_SIZE} bytes`);
    // The empty line ending the head: CRLF right after the previous line's LF.
    if (lf >= 3 && buf[lf - 2] === 10 && lf - 2 >= scan.start) {
      scan.pos = lf + 1;
      return lf + 1;
    }
    pos = lf + 1;
  }
}

/** Scanning state of one head across reads (reset with `reset()` for the next message). */
export class HeadScan {
  /** Where the head begins (after skipped empty lines). */
  start = 0;
  /** Where the LF search resumes. */
  pos = 0;
  reset(at: number): void {
    this.start = at;
    this.pos = at;
  }
}

const err = (code: string, reason: string): never => {
  throw new ParseError(code, reason);
};

/** `buf` holds "HTTP/" at `p` (the head's CRLF stops the comparison before its end). */
const httpAt = (buf: Buffer, p: number): boolean =>
  buf[p] === 0x48 && buf[p + 1] === 0x54 && buf[p + 2] === 0x54 && buf[p + 3] === 0x50 && buf[p + 4] === 0x2f;

/** Reads "HTTP/d.d" at `buf[p, e)`; returns the version text. */
function version(buf: Buffer, p: number, e: number): string {
  const http = httpAt(buf, p);
  if (e - p !== 8 || !http) {
    if (http) err('HPE_INVALID_VERSION', 'invalid HTTP version');
    err('HPE_INVALID_CONSTANT', 'expected HTTP/');
  }
  const a = buf[p + 5]!;
  const dot = buf[p + 6]!;
  const b = buf[p + 7]!;
  if (a < 0x30 || a > 0x39 || b < 0x30 || b > 0x39 || dot !== 0x2e)
    err('HPE_INVALID_VERSION', 'invalid HTTP version');
  return VERSION_TEXT[(a - 0x30) * 10 + (b - 0x30)]!;
}

/** Where the first CRLF at or after `p` is (a whole head ends in CRLF CRLF: there is one). */
function lineEnd(buf: Buffer, p: number): number {
  while (buf[p] !== 13 || buf[p + 1] !== 10) p++;
  return p;
}

/**
 * Parses the header lines of `s` from `i` (just after the start line's CRLF) into `h`: as
 * [name, value] pairs in `h.headers`, or, with `lines`, as offsets and flags (FieldLines: no
 * string or pair per field). Both validate the same bytes the same way.
 */
function fields(
  buf: Buffer,
  base: number,
  s: string,
  i: number,
  h: Head,
  lines: FieldLines | undefined,
): void {
  // The bytes are scanned in `buf` (an indexed byte read is cheaper than charCodeAt and a string
  // search per line); offsets are kept in `s` = buf[base, base + s.length) as latin1.
  const headers = h.headers;
  // Offsets go into one scratch array, copied at the end into an array of the exact size: pushed
  // into a new array, a response head of eight fields grew it twice (17 then 41 slots).
  const at = lines === undefined ? undefined : SCRATCH;
  let k = 0;
  let cl = -2; // -2: none seen
  let te: string | undefined;
  const n = s.length - 2; // the final CRLF
  while (i < n) {
    // Name: tchars up to the colon (no whitespace before it, no obs-fold line start). The head
    // ends in CRLF CRLF (findHeadEnd), which stops every scan below.
    let j = base + i;
    while (TCHAR[buf[j]!] === 1) j++;
    j -= base;
    if (j === i || buf[base + j] !== 0x3a) {
      const c = buf[base + j];
      if (j === i && (c === 0x20 || c === 0x09))
        err('HPE_INVALID_HEADER_TOKEN', 'whitespace at the start of a field line (obs-fold)');
      err('HPE_INVALID_HEADER_TOKEN', 'invalid header field name');
    }
    // Value: OWS, then field-value bytes up to the CRLF, then OWS trimmed.
    let a = base + j + 1;
    while (buf[a] === 0x20 || buf[a] === 0x09) a++;
    let e = a;
    while (VCHAR[buf[e]!] === 1) e++;
    if (buf[e] !== 13) err('HPE_INVALID_HEADER_TOKEN', 'invalid header value byte');
    if (buf[e + 1] !== 10) err('HPE_LF_EXPECTED', 'CR without LF in a header value');
    let b = e;
    while (b > a && (buf[b - 1] === 0x20 || buf[b - 1] === 0x09)) b--;
    a -= base;
    b -= base;
    const eol = e - base;
    let flags = 0;
    if (at === undefined) headers.push([s.slice(i, j), s.slice(a, b)]);
    else if (buf[base + j + 1] === 0x20 && a === j + 2 && b === eol) flags = FIELD_CANONICAL;
    switch (j - i) {
      case 14:
        if (nameAt(s, i, 14, 'content-length')) {
          flags |= FIELD_FRAMING;
          if (cl !== -2) err('HPE_UNEXPECTED_CONTENT_LENGTH', 'duplicate Content-Length');
          if (b === a) err('HPE_INVALID_CONTENT_LENGTH', 'empty Content-Length');
          if (b - a > 15) err('HPE_INVALID_CONTENT_LENGTH', 'Content-Length overflow');
          let v = 0;
          for (let k = a; k < b; k++) {
            const c = buf[base + k]!;
            if (c < 0x30 || c > 0x39)
              err('HPE_INVALID_CONTENT_LENGTH', 'invalid character in Content-Length');
            v = v * 10 + (c - 0x30);
          }
          cl = v;
        }
        break;
      case 17:
        if (nameAt(s, i, 17, 'transfer-encoding')) {
          flags |= FIELD_FRAMING | FIELD_HOP_BY_HOP;
          const value = s.slice(a, b);
          te = te === undefined ? value : `${te}, ${value}`;
        }
        break;
      case 10:
        if (nameAt(s, i, 10, 'connection')) {
          flags |= FIELD_HOP_BY_HOP;
          if (connectionTokens(s.slice(a, b), h) && lines) lines.nominates = true;
        } else if (nameAt(s, i, 10, 'keep-alive')) flags |= FIELD_HOP_BY_HOP;
        break;
      case 7:
        if (nameAt(s, i, 7, 'upgrade')) {
          flags |= FIELD_HOP_BY_HOP;
          h.upgrade = true;
        } else if (nameAt(s, i, 7, 'trailer')) flags |= FIELD_HOP_BY_HOP;
        break;
      case 6:
        if (nameAt(s, i, 6, 'expect') && s.slice(a, b).toLowerCase() === '100-continue')
          h.expectContinue = true;
        break;
      case 2:
        if (nameAt(s, i, 2, 'te')) flags |= FIELD_HOP_BY_HOP;
        break;
      case 4:
        if (lines && nameAt(s, i, 4, 'host')) {
          flags |= FIELD_HOST;
          if (lines.hosts++ === 0) lines.firstHost = k / 5;
        }
        break;
      case 16:
        if (nameAt(s, i, 16, 'proxy-connection')) flags |= FIELD_HOP_BY_HOP;
        break;
    }
    if (at !== undefined) {
      at[k] = i;
      at[k + 1] = j;
      at[k + 2] = a;
      at[k + 3] = b;
      at[k + 4] = flags;
      k += 5;
    }
    i = eol + 2;
  }
  if (lines !== undefined && k > 0) lines.at = SCRATCH.slice(0, k);
  if (te !== undefined) {
    if (cl !== -2)
      err('HPE_INVALID_TRANSFER_ENCODING', "Transfer-Encoding can't be present with Content-Length");
    const codings = te.split(',');
    const last = codings[codings.length - 1]!.trim().toLowerCase();
    if (last !== 'chunked') err('HPE_INVALID_TRANSFER_ENCODING', 'Transfer-Encoding must end with chunked');
    for (let k = 0; k < codings.length - 1; k++)
      if (codings[k]!.trim().toLowerCase() === 'chunked')
        err('HPE_INVALID_TRANSFER_ENCODING', 'chunked must be the last coding, and only once');
    h.framing = 'chunked';
  } else if (cl !== -2) {
    h.framing = 'length';
    h.contentLength = cl;
  }
}

/** Reads the Connection options into `h`; true when one names something else (a field). */
function connectionTokens(value: string, h: Head): boolean {
  // The usual single option, without splitting (and allocating) anything.
  if (isFieldName(value, 'close')) h.close = true;
  else if (isFieldName(value, 'keep-alive')) h.keepAlive = true;
  else return connectionList(value, h);
  return false;
}

function connectionList(value: string, h: Head): boolean {
  let other = false;
  for (const token of value.split(',')) {
    const t = token.trim().toLowerCase();
    if (t === 'close') h.close = true;
    else if (t === 'keep-alive') h.keepAlive = true;
    else if (t === 'upgrade') h.connectionUpgrade = true;
    else if (t !== '') other = true;
  }
  return other;
}

/** The `headers` of a head parsed as lines: frozen, so that nothing adds to it by mistake. */
const NO_PAIRS: HeaderList = Object.freeze([]) as unknown as HeaderList;

function emptyHead(size: number, lines: FieldLines | undefined): Head {
  return {
    method: '',
    target: '',
    status: 0,
    reason: '',
    version: '',
    headers: lines ? NO_PAIRS : [],
    lines,
    framing: 'none',
    contentLength: -1,
    close: false,
    keepAlive: false,
    connectionUpgrade: false,
    upgrade: false,
    expectContinue: false,
    size,
  };
}

/**
 * Parses a request head: `buf[start, end)` holds it, its empty line included (findHeadEnd). With
 * `asLines`, the fields are kept as FieldLines (`h.lines`) instead of pairs.
 */
export function parseRequestHead(buf: Buffer, start: number, end: number, asLines = false): Head {
  const s = buf.toString('latin1', start, end);
  const h = emptyHead(end - start, asLines ? new FieldLines(s, s.length - 2) : undefined);
  // method SP request-target SP HTTP-version (llhttp tolerates several spaces after the method),
  // read from the bytes (absolute offsets into `buf`; `s` is sliced at offset - start). CR is
  // neither a tchar nor a target byte: every scan stops at the line's end.
  let i = start;
  while (TCHAR[buf[i]!] === 1) i++;
  if (i === start || buf[i] !== 0x20) err('HPE_INVALID_METHOD', 'invalid method');
  const method = methodAt(buf, start, s, i - start);
  if (!KNOWN_METHODS.has(method)) err('HPE_INVALID_METHOD', 'unknown method');
  while (buf[i] === 0x20) i++;
  const t = i;
  while (TARGET[buf[i]!] === 1) i++;
  // The target ends at a space, or at the line's end (the first CRLF: no CR came before it).
  const atEol = buf[i] === 13 && buf[i + 1] === 10;
  if (i === t || (!atEol && buf[i] !== 0x20)) err('HPE_INVALID_URL', 'invalid request target');
  h.method = method;
  h.target = s.slice(t - start, i - start);
  // origin-form, "*", or scheme "://" (llhttp's URL grammar; admission checks the forms further);
  // CONNECT's authority-form is parsed, then refused by the engine (405).
  const t0 = buf[t];
  if (method !== 'CONNECT' && t0 !== 0x2f && !(t0 === 0x2a && i === t + 1) && !ABSOLUTE_START.test(h.target))
    err('HPE_INVALID_URL', 'invalid request target');
  // "GET /" alone is an HTTP/0.9 simple request (refused with 505 by the engine, like 2.0).
  const eol = atEol ? i : lineEnd(buf, i + 1);
  h.version = atEol ? '0.9' : version(buf, i + 1, eol);
  if (!KNOWN_VERSIONS.has(h.version)) err('HPE_INVALID_VERSION', 'invalid HTTP version');
  fields(buf, start, s, eol + 2 - start, h, h.lines);
  return h;
}

/**
 * Parses a response head (status line and fields); `buf[start, end)` as for requests. With
 * `asLines`, the fields are kept as FieldLines (`h.lines`) instead of pairs.
 */
export function parseResponseHead(buf: Buffer, start: number, end: number, asLines = false): Head {
  const s = buf.toString('latin1', start, end);
  const h = emptyHead(end - start, asLines ? new FieldLines(s, s.length - 2) : undefined);
  // Read from the bytes (absolute offsets into `buf`; `s` is sliced at offset - start).
  const eol = lineEnd(buf, start);
  // HTTP-version SP status-code SP [ reason-phrase ]
  let sp = start;
  while (sp < eol && buf[sp] !== 0x20) sp++;
  if (sp === eol) err('HPE_INVALID_CONSTANT', 'expected HTTP/');
  h.version = version(buf, start, sp);
  // status-code: three digits, the first 1-9 (the CRLF ends a shorter one: not a digit).
  const c0 = buf[sp + 1]! - 0x30;
  const c1 = buf[sp + 2]! - 0x30;
  const c2 = buf[sp + 3]! - 0x30;
  if (!(c0 >= 1 && c0 <= 9 && c1 >= 0 && c1 <= 9 && c2 >= 0 && c2 <= 9))
    err('HPE_INVALID_STATUS', 'invalid status code');
  h.status = c0 * 100 + c1 * 10 + c2;
  const after = sp + 4;
  if (after < eol) {
    if (buf[after] !== 0x20) err('HPE_INVALID_STATUS', 'invalid status code');
    for (let k = after + 1; k < eol; k++)
      if (VCHAR[buf[k]!] !== 1) err('HPE_INVALID_STATUS', 'invalid byte in the reason phrase');
    h.reason =
      eol === after + 3 && buf[after + 1] === 0x4f && buf[after + 2] === 0x4b
        ? 'OK'
        : s.slice(after + 1 - start, eol - start);
  }
  fields(buf, start, s, eol + 2 - start, h, h.lines);
  return h;
}

/**
 * The chunked coding (RFC 9112 §7.1), validated as it streams by: `feed` consumes bytes and says
 * where the payload of each chunk is (for consumers that need it decoded), and when the last
 * chunk and the trailer section are done. Chunk sizes are hex digits only (no sign, no spaces),
 * extensions are `;name[=token|quoted-string]`, CRLF everywhere.
 */
export class ChunkedDecoder {
  private state = 0; // 0 size, 1 ext, 2 size LF, 3 data, 4 data CR, 5 data LF, 6 trailer line start, 7 trailer name, 11 trailer value, 8 trailer LF, 9 final LF, 10 done
  private size = 0;
  private digits = 0;
  private remaining = 0;
  private extQuoted = false;
  private extEscape = false;
  private trailerBytes = 0;
  private trailerName = '';

  get done(): boolean {
    return this.state === 10;
  }

  /**
   * Consumes `buf[from, to)`. Payload ranges are reported through `onData(start, end)`; returns
   * the index after the last byte of the message when it completes in this range, else -1.
   */
  feed(buf: Buffer, from: number, to: number, onData?: (start: number, end: number) => void): number {
    let i = from;
    while (i < to) {
      const c = buf[i]!;
      switch (this.state) {
        case 0: {
          const v = HEX[c]!;
          if (v >= 0) {
            if (++this.digits > 13) throw new ParseError('HPE_INVALID_CHUNK_SIZE', 'chunk size overflow');
            this.size = this.size * 16 + v;
            i++;
            break;
          }
          if (this.digits === 0)
            throw new ParseError('HPE_INVALID_CHUNK_SIZE', 'invalid character in chunk size');
          if (c === 13) this.state = 2;
          else if (c === 0x3b) this.state = 1;
          else throw new ParseError('HPE_INVALID_CHUNK_SIZE', 'invalid character in chunk size');
          i++;
          break;
        }
        case 1: // chunk extensions, up to CR
          if (this.extQuoted) {
            if (this.extEscape) this.extEscape = false;
            else if (c === 0x5c) this.extEscape = true;
            else if (c === 0x22) this.extQuoted = false;
            else if (VCHAR[c] !== 1) throw new ParseError('HPE_STRICT', 'invalid byte in a chunk extension');
          } else if (c === 13) this.state = 2;
          else if (c === 0x22) this.extQuoted = true;
          else if (TCHAR[c] !== 1 && c !== 0x3b && c !== 0x3d)
            throw new ParseError('HPE_STRICT', 'invalid byte in a chunk extension');
          i++;
          break;
        case 2:
          if (c !== 10) throw new ParseError('HPE_STRICT', 'expected LF after chunk size');
          i++;
          if (this.size === 0) {
            this.state = 6;
          } else {
            this.remaining = this.size;
            this.state = 3;
          }
          this.size = 0;
          this.digits = 0;
          break;
        case 3: {
          const n = Math.min(this.remaining, to - i);
          onData?.(i, i + n);
          i += n;
          this.remaining -= n;
          if (this.remaining === 0) this.state = 4;
          break;
        }
        case 4:
          if (c !== 13) throw new ParseError('HPE_STRICT', 'expected CR after chunk data');
          this.state = 5;
          i++;
          break;
        case 5:
          if (c !== 10) throw new ParseError('HPE_STRICT', 'expected LF after chunk data');
          this.state = 0;
          i++;
          break;
        case 6: // start of a trailer field line, or the final CRLF
          if (c === 13) this.state = 9;
          else if (TCHAR[c] === 1) {
            this.state = 7;
            this.trailerName = String.fromCharCode(c >= 0x41 && c <= 0x5a ? c | 0x20 : c);
          } else throw new ParseError('HPE_INVALID_HEADER_TOKEN', 'invalid trailer field name');
          i++;
          break;
        case 7: // trailer field name, up to the colon (relayed as is)
          if (++this.trailerBytes > MAX_HEADER_SIZE)
            throw new ParseError('HPE_HEADER_OVERFLOW', 'trailer section too large');
          if (c === 0x3a) {
            if (TRAILER_FORBIDDEN.has(this.trailerName))
              throw new ParseError(
                'HPE_INVALID_HEADER_TOKEN',
                `${this.trailerName} is not allowed in a trailer`,
              );
            this.state = 11;
          } else if (TCHAR[c] === 1)
            this.trailerName += String.fromCharCode(c >= 0x41 && c <= 0x5a ? c | 0x20 : c);
          else throw new ParseError('HPE_INVALID_HEADER_TOKEN', 'invalid trailer field name');
          i++;
          break;
        case 11: // trailer field value
          if (++this.trailerBytes > MAX_HEADER_SIZE)
            throw new ParseError('HPE_HEADER_OVERFLOW', 'trailer section too large');
          if (c === 13) this.state = 8;
          else if (VCHAR[c] !== 1)
            throw new ParseError('HPE_INVALID_HEADER_TOKEN', 'invalid trailer value byte');
          i++;
          break;
        case 8:
          if (c !== 10) throw new ParseError('HPE_LF_EXPECTED', 'expected LF after a trailer field');
          this.state = 6;
          i++;
          break;
        case 9:
          if (c !== 10) throw new ParseError('HPE_STRICT', 'expected LF after the last chunk');
          this.state = 10;
          return i + 1;
        default:
          return i;
      }
    }
    return -1;
  }
}
