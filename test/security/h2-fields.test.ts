// Malformed HTTP/2 requests (RFC 9113 §8.2.1 field validity, §8.2.2 connection-specific fields,
// §8.3 pseudo-header fields) sent as raw frames to a Bascule TLS frontend and to HAProxy 2.6 on
// the same certificate and server: each must be refused with a stream error PROTOCOL_ERROR (the
// connection stays usable) and must never reach the server. Before the frame guard, Node's http2
// silently dropped a field with CR/LF/NUL or an invalid name and forwarded the rest.
import { expect } from 'chai';
import {
  backend,
  certSnap,
  freePort,
  frontend,
  server,
  startBackend,
  tlsOf,
  type Harness,
  type Pem,
} from '../e2e/tls/support.js';
import {
  END_HEADERS,
  END_STREAM,
  FrameType,
  describeOutcome,
  exchange,
  fieldBlock,
  frame,
  getRequest,
  type Outcome,
} from './support/h2-raw.js';
import { tlsSite, type TlsSite } from './support/tls-site.js';
import { startHaproxyProxy, type Haproxy } from './support/haproxy-process.js';

interface Case {
  name: string;
  /** Fields after the request's pseudo-header fields (or the whole list with `raw`). */
  fields: Array<[string, string]>;
  raw?: boolean;
  /** HAProxy 2.6's answer where it differs from Bascule's (docs/security.md lists these). */
  haproxy?: string;
}

const path = (i: number): string => `/case-${i}`;
const CASES: Case[] = [
  { name: 'CR in a value', fields: [['x-a', 'a\rb']] },
  { name: 'LF in a value', fields: [['x-a', 'a\nb']] },
  { name: 'CRLF + injected field in a value', fields: [['x-a', 'a\r\nx-injected: 1']] },
  { name: 'NUL in a value', fields: [['x-a', 'a\0b']] },
  { name: 'other control byte (0x01) in a value', fields: [['x-a', 'a\x01b']], haproxy: 'response 400' },
  { name: 'DEL in a value', fields: [['x-a', 'a\x7fb']], haproxy: 'response 400' },
  // RFC 9113 §8.2.1 makes these malformed; HAProxy 2.6 (released before RFC 9113) accepts them.
  { name: 'leading space in a value', fields: [['x-a', ' a']], haproxy: 'response 200' },
  { name: 'trailing space in a value', fields: [['x-a', 'a ']], haproxy: 'response 200' },
  { name: 'trailing tab in a value', fields: [['x-a', 'a\t']], haproxy: 'response 200' },
  { name: 'uppercase field name', fields: [['X-Upper', 'a']] },
  { name: 'space in a field name', fields: [['x bad', 'a']] },
  { name: 'colon inside a field name', fields: [['x:bad', 'a']] },
  { name: 'NUL in a field name', fields: [['x\0a', 'a']] },
  { name: 'CR in a field name', fields: [['x\ra', 'a']] },
  { name: 'non-ASCII byte in a field name', fields: [['x\xe9', 'a']] },
  { name: 'empty field name', fields: [['', 'a']], haproxy: 'GOAWAY COMPRESSION_ERROR' },
  { name: 'connection (connection-specific)', fields: [['connection', 'close']] },
  { name: 'keep-alive (connection-specific)', fields: [['keep-alive', 'timeout=5']] },
  { name: 'proxy-connection (connection-specific)', fields: [['proxy-connection', 'keep-alive']] },
  { name: 'transfer-encoding (connection-specific)', fields: [['transfer-encoding', 'chunked']] },
  { name: 'upgrade (connection-specific)', fields: [['upgrade', 'websocket']] },
  { name: 'te other than trailers', fields: [['te', 'gzip']] },
  { name: 'unknown pseudo-header', fields: [[':foo', 'bar']] },
  {
    name: 'pseudo-header after a regular field',
    fields: [
      ['x-a', 'a'],
      [':path', '/other'],
    ],
  },
  { name: 'response pseudo-header in a request', fields: [[':status', '200']] },
  {
    name: 'duplicate :path',
    raw: true,
    fields: [...getRequest(), [':path', '/dup']],
  },
  {
    name: 'missing :path',
    raw: true,
    fields: getRequest().filter(([n]) => n !== ':path'),
  },
  {
    name: 'empty :path',
    raw: true,
    fields: getRequest().map(([n, v]): [string, string] => [n, n === ':path' ? '' : v]),
  },
  {
    name: 'missing :method',
    raw: true,
    fields: getRequest().filter(([n]) => n !== ':method'),
  },
  {
    name: 'CR in :authority',
    raw: true,
    fields: getRequest().map(([n, v]): [string, string] => [n, n === ':authority' ? 'a.example.test\r' : v]),
  },
];

function request(i: number, c: Case): Buffer {
  const fields = c.raw
    ? c.fields.map(([n, v]): [string, string] => [n, n === ':path' && v === '/' ? path(i) : v])
    : [...getRequest('a.example.test', path(i)), ...c.fields];
  return frame(FrameType.HEADERS, END_HEADERS | END_STREAM, 1, fieldBlock(fields));
}

describe('security: malformed HTTP/2 requests are refused with a stream PROTOCOL_ERROR (beside HAProxy)', function () {
  this.timeout(120_000);

  let cert: Pem;
  let h: Harness;
  let origin: Awaited<ReturnType<typeof startBackend>>;
  let port: number;
  let hapPort: number;
  let hap: Haproxy;
  const seen = (): string[] => origin.requests.map((r) => r.url ?? '');

  let site: TlsSite | undefined;

  before(async () => {
    ({ cert, origin, h } = site = await tlsSite('origin'));
    port = await freePort();
    hapPort = await freePort();
    await h.apply(
      [
        frontend('default/site', port, {
          defaultBackend: 'default/origin',
          forwardFor: true,
          tls: tlsOf([certSnap('a', cert)]),
        }),
      ],
      [backend('default/origin', [server('origin', origin.port)])],
    );
    hap = await startHaproxyProxy({ port: hapPort, serverPort: origin.port, tls: { ...cert, alpn: 'h2' } });
  });

  after(async () => {
    await hap?.close();
    await site?.close();
  });

  it('a well-formed request (te: trailers, a tab inside a value) is served by both, with the client address forwarded', async () => {
    const fields: Array<[string, string]> = [
      ...getRequest('a.example.test', '/good'),
      ['te', 'trailers'],
      ['x-ok', 'a\tb'],
    ];
    const req = frame(FrameType.HEADERS, END_HEADERS | END_STREAM, 1, fieldBlock(fields));
    expect(describeOutcome(await exchange(port, [req]))).to.equal('response 200');
    expect(describeOutcome(await exchange(hapPort, [req]))).to.equal('response 200');
    const got = origin.requests.filter((r) => r.url === '/good');
    expect(got).to.have.length(2);
    expect(got[0]!.headers['x-ok']).to.equal('a\tb');
    expect(got[0]!.headers['x-forwarded-for']).to.equal('127.0.0.1');
  });

  const results: Array<{ name: string; bascule: Outcome; haproxy: Outcome }> = [];

  CASES.forEach((c, i) => {
    it(`${c.name}: RST_STREAM PROTOCOL_ERROR, nothing reaches the server; the connection stays usable`, async () => {
      const before = seen().length;
      const followUp = frame(
        FrameType.HEADERS,
        END_HEADERS | END_STREAM,
        3,
        fieldBlock(getRequest('a.example.test', '/after')),
      );
      const bascule = await exchange(port, [request(i, c)]);
      const reached = seen()
        .slice(before)
        .filter((u) => u === path(i));
      const haproxy = await exchange(hapPort, [request(i, c)]);
      results.push({ name: c.name, bascule, haproxy });
      expect(describeOutcome(bascule), 'bascule').to.equal('RST_STREAM PROTOCOL_ERROR');
      expect(reached, 'requests that reached the server through Bascule').to.deep.equal([]);
      expect(describeOutcome(haproxy), 'haproxy (reference)').to.equal(
        c.haproxy ?? 'RST_STREAM PROTOCOL_ERROR',
      );
      // A stream error, not a connection error: the next request on the connection is served.
      expect(describeOutcome(await exchange(port, [request(i, c), followUp], 3))).to.equal('response 200');
    });
  });

  it('a field section over 16 KiB (decoded) is answered 431 and not forwarded', async () => {
    const block = fieldBlock([
      ...getRequest('a.example.test', '/too-big'),
      ['x-big', 'a'.repeat(14_000)],
      ['x-big2', 'b'.repeat(6_000)],
    ]);
    const frames = [
      frame(FrameType.HEADERS, END_STREAM, 1, block.subarray(0, 10_000)),
      frame(FrameType.CONTINUATION, END_HEADERS, 1, block.subarray(10_000)),
    ];
    expect(describeOutcome(await exchange(port, frames))).to.equal('response 431');
    expect(seen()).to.not.include('/too-big');
  });

  it('a field block over 64 KiB (HEADERS + CONTINUATION) ends the connection', async () => {
    const block = fieldBlock([
      ...getRequest('a.example.test', '/huge-block'),
      ...Array.from({ length: 8 }, (_, i): [string, string] => [`x-h${i}`, 'c'.repeat(9_000)]),
    ]);
    const frames = [frame(FrameType.HEADERS, END_STREAM, 1, block.subarray(0, 16_000))];
    for (let o = 16_000; o < block.length; o += 16_000)
      frames.push(
        frame(
          FrameType.CONTINUATION,
          o + 16_000 >= block.length ? END_HEADERS : 0,
          1,
          block.subarray(o, o + 16_000),
        ),
      );
    // Node 20's nghttp2 lets the guard decide (GOAWAY); a recent nghttp2 (Node 26) ends such a
    // connection itself first. Either way the connection is over and nothing is forwarded.
    expect(describeOutcome(await exchange(port, frames))).to.be.oneOf(['GOAWAY ENHANCE_YOUR_CALM', 'closed']);
    expect(seen()).to.not.include('/huge-block');
  });

  after(() => {
    if (results.length === 0) return;
    console.log(
      '\n      case                                         bascule                     haproxy 2.6',
    );
    for (const r of results)
      console.log(
        `      ${r.name.padEnd(45)}${describeOutcome(r.bascule).padEnd(28)}${describeOutcome(r.haproxy)}`,
      );
  });
});
