// The HTTP/1.1 engine's parser against Node's own llhttp (a plain http.createServer, strict by
// default) on the same bytes: a corpus of valid and malformed requests, where both must agree
// on accept/reject and, when they accept, on method, target, version, header list and body; and
// a seeded fuzz run of mutations of the corpus (bounded in count and time) where the engine must
// never crash and never accept what llhttp rejects. Where the engine is deliberately stricter
// than llhttp the case says so, with the reason.
import http from 'node:http';
import net from 'node:net';
import { expect } from 'chai';
import {
  ChunkedDecoder,
  findHeadEnd,
  HeadScan,
  ParseError,
  parseRequestHead,
} from '#dataplane/http/engine/h1-parser';
import { prng } from '../../support/prng.js';

const HOST = '127.0.0.1';

/** What a parser made of one message: rejected, or its parts. */
type Verdict =
  | { ok: false; why: string }
  | { ok: true; method: string; target: string; version: string; headers: string[]; body: string };

/** One message at `from`: its parts and where it ends, or why it is refused (end of input = FIN). */
function engineMessage(bytes: Buffer, from: number): Verdict & { end?: number } {
  const scan = new HeadScan();
  const end = findHeadEnd(bytes, from, scan);
  if (end < 0) return { ok: false, why: 'incomplete head' };
  // As the engine parses requests: fields as lines (request-lines.test.ts holds the pairs form to them).
  const h = parseRequestHead(bytes, scan.start, end, true);
  let body = '';
  let next = end;
  if (h.framing === 'length') {
    if (bytes.length - end < h.contentLength) return { ok: false, why: 'incomplete body' };
    body = bytes.toString('latin1', end, end + h.contentLength);
    next = end + h.contentLength;
  } else if (h.framing === 'chunked') {
    const d = new ChunkedDecoder();
    const parts: string[] = [];
    const done = d.feed(bytes, end, bytes.length, (a, b) => parts.push(bytes.toString('latin1', a, b)));
    if (done < 0) return { ok: false, why: 'incomplete chunked body' };
    body = parts.join('');
    next = done;
  }
  return {
    ok: true,
    method: h.method,
    target: h.target,
    version: h.version,
    headers: h.lines!.headers().flat(),
    body,
    end: next,
  };
}

const onlyEmptyLines = (b: Buffer, from: number): boolean => /^(\r\n)*$/.test(b.toString('latin1', from));

/**
 * The engine's parser on a whole byte stream: the first message's parts, provided every message
 * in the stream parses (bytes after a message are the next, pipelined request — as for llhttp).
 */
function engineParse(bytes: Buffer): Verdict {
  try {
    const first = engineMessage(bytes, 0);
    if (!first.ok) return first;
    for (let at = first.end!; at < bytes.length;) {
      const next = engineMessage(bytes, at);
      if (!next.ok) {
        if (next.why === 'incomplete head' && onlyEmptyLines(bytes, at)) break; // skipped, as before a head
        return { ok: false, why: `pipelined: ${next.why}` };
      }
      at = next.end!;
    }
    const { end: _end, ...parts } = first;
    return parts;
  } catch (e) {
    if (e instanceof ParseError) return { ok: false, why: e.code };
    throw e; // anything else is a crash of the parser
  }
}

/** llhttp, through a plain Node HTTP server: each message on its own connection, then FIN. */
class Llhttp {
  private server!: http.Server;
  private port = 0;

  async start(): Promise<void> {
    this.server = http.createServer({ requireHostHeader: false, maxHeaderSize: 16 * 1024 }, (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const v = {
          method: req.method,
          target: req.url,
          version: req.httpVersion,
          headers: req.rawHeaders,
          body: Buffer.concat(chunks).toString('latin1'),
        };
        res.writeHead(200, {
          'x-verdict': Buffer.from(JSON.stringify(v)).toString('base64'),
          connection: 'close',
        });
        res.end();
      });
      req.on('error', () => {});
    });
    const rejectWith = (code: string, socket: net.Socket | import('node:stream').Duplex) => {
      if (socket.writable) socket.end(`HTTP/1.1 400 X\r\nx-reject: ${code}\r\n\r\n`);
      else socket.destroy();
    };
    this.server.on('clientError', (err: NodeJS.ErrnoException, socket) =>
      rejectWith(err.code ?? 'error', socket),
    );
    // CONNECT and Upgrade are accepted by the parser: report them like any request.
    const accepted = (req: http.IncomingMessage, socket: import('node:stream').Duplex) => {
      const v = {
        method: req.method,
        target: req.url,
        version: req.httpVersion,
        headers: req.rawHeaders,
        body: '',
      };
      socket.end(`HTTP/1.1 200 X\r\nx-verdict: ${Buffer.from(JSON.stringify(v)).toString('base64')}\r\n\r\n`);
    };
    this.server.on('connect', accepted);
    this.server.on('upgrade', accepted);
    await new Promise<void>((r) => this.server.listen(0, HOST, r));
    this.port = (this.server.address() as net.AddressInfo).port;
  }

  parse(bytes: Buffer): Promise<Verdict> {
    return new Promise((resolve) => {
      const s = net.connect({ port: this.port, host: HOST, allowHalfOpen: true }, () => s.end(bytes));
      let out = '';
      s.on('data', (d: Buffer) => (out += d.toString('latin1')));
      s.on('error', () => {});
      s.on('close', () => {
        const verdict = /x-verdict: ([A-Za-z0-9+/=]+)/i.exec(out);
        if (verdict) {
          const v = JSON.parse(Buffer.from(verdict[1]!, 'base64').toString()) as Omit<
            Verdict & { ok: true },
            'ok'
          >;
          resolve({ ok: true, ...v });
          return;
        }
        resolve({ ok: false, why: /x-reject: (\S+)/.exec(out)?.[1] ?? 'closed' });
      });
    });
  }

  close(): Promise<void> {
    return new Promise((r) => this.server.close(() => r()));
  }
}

const req = (line: string, fields: string[], body = ''): string =>
  `${line}\r\n${fields.map((f) => `${f}\r\n`).join('')}\r\n${body}`;

/** [name, bytes, engine stricter than llhttp: why (undefined: both must agree)] */
const CORPUS: Array<[string, string, string?]> = [
  ['simple GET', req('GET / HTTP/1.1', ['Host: x'])],
  ['HTTP/1.0 without Host', req('GET / HTTP/1.0', [])],
  ['several fields, case kept', req('GET /a?b=c HTTP/1.1', ['Host: x', 'X-A: 1', 'x-b:2', 'X-C:  3  '])],
  ['empty value', req('GET / HTTP/1.1', ['Host: x', 'X:'])],
  ['obs-text in a value', req('GET / HTTP/1.1', ['Host: x', 'X: a\u00e9b'])],
  ['tab in a value', req('GET / HTTP/1.1', ['Host: x', 'X: a\tb'])],
  ['absolute-form', req('GET http://a/b HTTP/1.1', ['Host: a'])],
  ['asterisk-form', req('OPTIONS * HTTP/1.1', ['Host: x'])],
  ['odd but legal target bytes', req('GET /a"{|}^`\\ HTTP/1.1', ['Host: x'])],
  ['two spaces after the method', req('GET  / HTTP/1.1', ['Host: x'])],
  ['leading empty line', `\r\n${req('GET / HTTP/1.1', ['Host: x'])}`],
  ['WebDAV method', req('PROPFIND / HTTP/1.1', ['Host: x'])],
  ['Content-Length body', req('POST / HTTP/1.1', ['Host: x', 'Content-Length: 5'], 'hello')],
  ['Content-Length with leading zeros', req('POST / HTTP/1.1', ['Host: x', 'Content-Length: 005'], 'hello')],
  ['Content-Length: 0', req('POST / HTTP/1.1', ['Host: x', 'Content-Length: 0'])],
  [
    'chunked body',
    req('POST / HTTP/1.1', ['Host: x', 'Transfer-Encoding: chunked'], '5\r\nhello\r\n0\r\n\r\n'),
  ],
  [
    'chunked, upper-case hex and coding',
    req('POST / HTTP/1.1', ['Host: x', 'Transfer-Encoding: CHUNKED'], 'A\r\n0123456789\r\n0\r\n\r\n'),
  ],
  [
    'chunk extensions',
    req(
      'POST / HTTP/1.1',
      ['Host: x', 'Transfer-Encoding: chunked'],
      '5;a=b;c;d="e f"\r\nhello\r\n0\r\n\r\n',
    ),
  ],
  [
    'chunked with a trailer',
    req('POST / HTTP/1.1', ['Host: x', 'Transfer-Encoding: chunked'], '5\r\nhello\r\n0\r\nX-T: 1\r\n\r\n'),
  ],
  [
    'gzip then chunked over two lines',
    req('POST / HTTP/1.1', ['Host: x', 'Transfer-Encoding: gzip', 'Transfer-Encoding: chunked'], '0\r\n\r\n'),
  ],
  ['Upgrade request', req('GET / HTTP/1.1', ['Host: x', 'Connection: Upgrade', 'Upgrade: websocket'])],
  ['CONNECT', req('CONNECT a:443 HTTP/1.1', ['Host: a:443'])],
  // malformed: both refuse
  ['bare LF', 'GET / HTTP/1.1\nHost: x\n\n'],
  ['bare LF after a field', 'GET / HTTP/1.1\r\nHost: x\n\r\n'],
  ['CR inside a value', req('GET / HTTP/1.1', ['Host: x', 'X: a\rb'])],
  ['unknown method', req('FOO / HTTP/1.1', ['Host: x'])],
  ['lower-case method', req('get / HTTP/1.1', ['Host: x'])],
  ['lower-case HTTP', req('GET / http/1.1', ['Host: x'])],
  ['HTTP/1.2', req('GET / HTTP/1.2', ['Host: x'])],
  ['HTTP/3.0', req('GET / HTTP/3.0', [])],
  ['HTTP/1.10', req('GET / HTTP/1.10', ['Host: x'])],
  ['space after the version', req('GET / HTTP/1.1 ', ['Host: x'])],
  ['space before the colon', req('GET / HTTP/1.1', ['Host : x'])],
  ['empty field name', req('GET / HTTP/1.1', ['Host: x', ': a'])],
  ['invalid name byte', req('GET / HTTP/1.1', ['Host: x', 'X\u00e9: a'])],
  ['control byte in a name', req('GET / HTTP/1.1', ['Host: x', 'X-\u0001: a'])],
  ['NUL in a value', req('GET / HTTP/1.1', ['Host: x', 'X: a\u0000b'])],
  ['DEL in a value', req('GET / HTTP/1.1', ['Host: x', 'X: \u007f'])],
  ['vertical tab in a value', req('GET / HTTP/1.1', ['Host: x', 'X: \u000b'])],
  ['obs-fold', req('GET / HTTP/1.1', ['Host: x', 'X: a', ' b'])],
  ['whitespace before the first field', req('GET / HTTP/1.1', [' X: a', 'Host: x'])],
  ['non-ASCII in the target', req('GET /\u00e9 HTTP/1.1', ['Host: x'])],
  ['DEL in the target', req('GET /\u007f HTTP/1.1', ['Host: x'])],
  ['tab in the target', req('GET /\t HTTP/1.1', ['Host: x'])],
  ['space in the target', req('GET /a?b=c d HTTP/1.1', ['Host: x'])],
  [
    'duplicate Content-Length (same)',
    req('POST / HTTP/1.1', ['Host: x', 'Content-Length: 3', 'Content-Length: 3'], 'abc'),
  ],
  [
    'duplicate Content-Length (different)',
    req('POST / HTTP/1.1', ['Host: x', 'Content-Length: 3', 'Content-Length: 4'], 'abcd'),
  ],
  ['Content-Length list', req('POST / HTTP/1.1', ['Host: x', 'Content-Length: 1,1'], 'a')],
  ['signed Content-Length', req('POST / HTTP/1.1', ['Host: x', 'Content-Length: +3'], 'abc')],
  ['empty Content-Length', req('POST / HTTP/1.1', ['Host: x', 'Content-Length:'], 'a')],
  ['Content-Length overflow', req('POST / HTTP/1.1', ['Host: x', 'Content-Length: 99999999999999999999'])],
  [
    'Content-Length with Transfer-Encoding',
    req('POST / HTTP/1.1', ['Host: x', 'Content-Length: 5', 'Transfer-Encoding: chunked'], '0\r\n\r\n'),
  ],
  [
    'Transfer-Encoding with Content-Length',
    req('POST / HTTP/1.1', ['Host: x', 'Transfer-Encoding: chunked', 'Content-Length: 5'], '0\r\n\r\n'),
  ],
  [
    'chunked twice',
    req(
      'POST / HTTP/1.1',
      ['Host: x', 'Transfer-Encoding: chunked', 'Transfer-Encoding: chunked'],
      '0\r\n\r\n',
    ),
  ],
  ['chunked, gzip', req('POST / HTTP/1.1', ['Host: x', 'Transfer-Encoding: chunked, gzip'], 'abc')],
  ['unknown coding only', req('POST / HTTP/1.1', ['Host: x', 'Transfer-Encoding: xchunked'], '0\r\n\r\n')],
  [
    'space after the chunk size',
    req('POST / HTTP/1.1', ['Host: x', 'Transfer-Encoding: chunked'], '5 \r\nhello\r\n0\r\n\r\n'),
  ],
  [
    'space before an extension',
    req('POST / HTTP/1.1', ['Host: x', 'Transfer-Encoding: chunked'], '5 ;a=b\r\nhello\r\n0\r\n\r\n'),
  ],
  [
    'negative chunk size',
    req('POST / HTTP/1.1', ['Host: x', 'Transfer-Encoding: chunked'], '-5\r\nhello\r\n0\r\n\r\n'),
  ],
  [
    '0x chunk size',
    req('POST / HTTP/1.1', ['Host: x', 'Transfer-Encoding: chunked'], '0x5\r\nhello\r\n0\r\n\r\n'),
  ],
  [
    'chunk size overflow',
    req(
      'POST / HTTP/1.1',
      ['Host: x', 'Transfer-Encoding: chunked'],
      'ffffffffffffffffff\r\nabc\r\n0\r\n\r\n',
    ),
  ],
  [
    'bare LF after the chunk size',
    req('POST / HTTP/1.1', ['Host: x', 'Transfer-Encoding: chunked'], '5\nhello\r\n0\r\n\r\n'),
  ],
  [
    'chunk data longer than its size',
    req('POST / HTTP/1.1', ['Host: x', 'Transfer-Encoding: chunked'], '3\r\nhello\r\n0\r\n\r\n'),
  ],
  ['truncated chunked body', req('POST / HTTP/1.1', ['Host: x', 'Transfer-Encoding: chunked'], '5\r\nhel')],
  ['truncated Content-Length body', req('POST / HTTP/1.1', ['Host: x', 'Content-Length: 10'], 'hello')],
  ['truncated head', 'GET / HTTP/1.1\r\nHost: x\r\n'],
  ['relative target', req('GET a HTTP/1.1', ['Host: x'])],
  ['oversized head', req('GET / HTTP/1.1', ['Host: x', `X-Big: ${'a'.repeat(20_000)}`])],
  ['absolute-form without ://', req('GET http//a/b HTTP/1.1', ['Host: a'])],
  [
    'Content-Length in a trailer',
    req(
      'POST / HTTP/1.1',
      ['Host: x', 'Transfer-Encoding: chunked'],
      '5\r\nhello\r\n0\r\nContent-Length: 3\r\n\r\n',
    ),
  ],
  ['two pipelined requests', `${req('GET /a HTTP/1.1', ['Host: x'])}${req('GET /b HTTP/1.1', ['Host: x'])}`],
  ['garbage after a request', `${req('GET /a HTTP/1.1', ['Host: x'])}HELLO\r\n\r\n`],
  // stricter than llhttp, on purpose
  [
    '13+ hex digit chunk size',
    req('POST / HTTP/1.1', ['Host: x', 'Transfer-Encoding: chunked'], '00000000000005\r\nhello\r\n0\r\n\r\n'),
    'chunk sizes are bounded to 13 hex digits (2^52), leading zeros included',
  ],
];

const INTERESTING = [0, 9, 10, 13, 32, 34, 35, 44, 58, 59, 61, 127, 128, 255, 0x30, 0x61, 0x46];

/** One random edit of `b`: insert, delete, replace, duplicate a slice, swap CRLF/LF, case flip. */
function mutate(b: Buffer, rnd: () => number): Buffer {
  const at = Math.floor(rnd() * (b.length + 1));
  const byte = INTERESTING[Math.floor(rnd() * INTERESTING.length)]!;
  switch (Math.floor(rnd() * 7)) {
    case 0:
      return Buffer.concat([b.subarray(0, at), Buffer.from([byte]), b.subarray(at)]);
    case 1:
      return Buffer.concat([b.subarray(0, at), b.subarray(at + 1)]);
    case 2: {
      const c = Buffer.from(b);
      if (at < c.length) c[at] = byte;
      return c;
    }
    case 3: {
      const len = 1 + Math.floor(rnd() * 20);
      return Buffer.concat([b.subarray(0, at + len), b.subarray(at, at + len), b.subarray(at + len)]);
    }
    case 4: {
      const s = b.toString('latin1');
      const i = s.indexOf('\r\n', at);
      return i < 0 ? b : Buffer.from(s.slice(0, i) + s.slice(i + 1), 'latin1');
    }
    case 5: {
      const c = Buffer.from(b);
      if (at < c.length && /[a-z]/i.test(String.fromCharCode(c[at]!))) c[at] = c[at]! ^ 0x20;
      return c;
    }
    default:
      return b.subarray(0, at); // truncation
  }
}

describe('dataplane/http: the HTTP/1.1 parser beside llhttp', function () {
  this.timeout(60_000);
  const llhttp = new Llhttp();
  before(() => llhttp.start());
  after(() => llhttp.close());

  for (const [name, text, stricter] of CORPUS) {
    const bytes = Buffer.from(text, 'latin1');
    it(`${stricter ? 'stricter: ' : ''}${name}`, async () => {
      const mine = engineParse(bytes);
      const theirs = await llhttp.parse(bytes);
      if (stricter) {
        expect(theirs.ok, `llhttp accepts (${stricter})`).to.equal(true);
        expect(mine.ok, `the engine refuses (${stricter})`).to.equal(false);
        return;
      }
      expect(
        mine.ok,
        `accept/reject: engine ${JSON.stringify(mine)}, llhttp ${JSON.stringify(theirs)}`,
      ).to.equal(theirs.ok);
      if (mine.ok && theirs.ok) expect(mine).to.deep.equal(theirs);
    });
  }

  it('seeded fuzz: never crashes, never accepts what llhttp refuses, agrees on what both accept', async () => {
    const rnd = prng(0xba5c);
    const bases = CORPUS.filter(([, , stricter]) => !stricter).map(([, t]) => Buffer.from(t, 'latin1'));
    const deadline = Date.now() + 5000;
    let cases = 0;
    let agreedAccept = 0;
    let engineStricter = 0;
    const divergent: string[] = [];
    const stricterSamples: string[] = [];
    while (Date.now() < deadline && cases < 5000) {
      const batch = Array.from({ length: 25 }, () => {
        let b: Buffer = bases[Math.floor(rnd() * bases.length)]!;
        const edits = rnd() < 0.7 ? 1 : 2;
        for (let i = 0; i < edits; i++) b = mutate(b, rnd);
        return b;
      });
      const theirs = await Promise.all(batch.map((b) => llhttp.parse(b)));
      for (let i = 0; i < batch.length; i++) {
        cases++;
        const mine = engineParse(batch[i]!); // a crash (non-ParseError) fails the test here
        const t = theirs[i]!;
        const shown = JSON.stringify(batch[i]!.toString('latin1'));
        if (mine.ok && !t.ok) divergent.push(`engine accepts what llhttp refuses (${t.why}): ${shown}`);
        else if (mine.ok && t.ok) {
          agreedAccept++;
          try {
            expect(mine).to.deep.equal(t);
          } catch {
            divergent.push(
              `both accept, different parts: ${shown} engine ${JSON.stringify(mine)} llhttp ${JSON.stringify(t)}`,
            );
          }
        } else if (!mine.ok && t.ok) {
          engineStricter++;
          if (stricterSamples.length < 3) stricterSamples.push(`${mine.why}: ${shown}`);
        }
      }
    }
    console.log(
      `      ${cases} mutated requests: ${agreedAccept} accepted by both, ${engineStricter} refused by the engine only`,
    );
    for (const x of stricterSamples) console.log(`        engine only: ${x}`);
    expect(divergent.slice(0, 5)).to.deep.equal([]);
    expect(cases).to.be.greaterThan(200);
  });
});
