// Malformed requests get 400 (505 for another HTTP version) with a short body, the connection is
// closed, and no backend ever sees them.
import net from 'node:net';
import { expect } from 'chai';
import {
  backend,
  frontend,
  get,
  harness,
  raw,
  server,
  startBackend,
  type Harness,
  type TestBackend,
} from './support.js';

const CASES: Array<[what: string, request: string, status: number, detail: RegExp]> = [
  ['bad request line', 'GET /a b HTTP/1.1\r\nHost: x\r\n\r\n', 400, /malformed HTTP request/],
  ['garbage', 'HELLO\r\n\r\n', 400, /malformed HTTP request/],
  [
    'Content-Length with Transfer-Encoding',
    'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
    400,
    /malformed HTTP request/,
  ],
  [
    'Transfer-Encoding with Content-Length',
    'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n',
    400,
    /malformed HTTP request/,
  ],
  [
    'two different Content-Lengths',
    'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!',
    400,
    /malformed HTTP request/,
  ],
  [
    'Transfer-Encoding not ending in chunked',
    'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\nabc',
    400,
    /Transfer-Encoding must end with chunked/,
  ],
  [
    'oversized head',
    `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
    400,
    /request head larger than 16384 bytes/,
  ],
  [
    'control character in a header value',
    'GET / HTTP/1.1\r\nHost: x\r\nX-A: a\x01b\r\n\r\n',
    400,
    /malformed HTTP request/,
  ],
  ['space in a header name', 'GET / HTTP/1.1\r\nHost: x\r\nX A: b\r\n\r\n', 400, /malformed HTTP request/],
  [
    'obsolete line folding',
    'GET / HTTP/1.1\r\nHost: x\r\nX-A: a\r\n b\r\n\r\n',
    400,
    /malformed HTTP request/,
  ],
  ['no Host in HTTP/1.1', 'GET / HTTP/1.1\r\n\r\n', 400, /malformed HTTP request/],
  ['two Host fields', 'GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n', 400, /several Host header fields/],
  ['NUL in the target', 'GET /\x00 HTTP/1.1\r\nHost: x\r\n\r\n', 400, /malformed HTTP request/],
  ['HTTP/2.0 request line', 'GET / HTTP/2.0\r\nHost: x\r\n\r\n', 505, /HTTP\/2\.0 is not supported/],
];

describe('e2e/traffic: malformed requests', function () {
  this.timeout(60_000);
  let a: TestBackend;
  let h: Harness;

  before(async () => {
    a = await startBackend('a');
    h = await harness();
    await h.apply(
      [frontend('default/fe', h.port, { defaultBackend: 'default/web' })],
      [backend('default/web', [server('a', a.port)])],
    );
  });
  after(async () => {
    await h.close();
    await a.close();
  });

  for (const [what, request, status, detail] of CASES) {
    it(`${what} → ${status}, closed, never proxied`, async () => {
      a.requests.length = 0;
      const out = await raw(h.port, request);
      expect(out).to.match(new RegExp(`^HTTP/1\\.1 ${status} `));
      expect(out).to.match(/connection: close/i);
      const bodyText = out.slice(out.indexOf('\r\n\r\n') + 4);
      expect(bodyText).to.match(detail);
      expect(bodyText.length).to.be.below(200);
      expect(a.requests).to.have.length(0);
    });
  }

  for (const connection of ['close', 'keep-alive']) {
    it(`a request followed by a half-close (Connection: ${connection}) is still answered, then closed`, async () => {
      const seen = a.requests.length;
      const out = await new Promise<string>((resolve, reject) => {
        const s = net.connect({ port: h.port, host: '127.0.0.1', allowHalfOpen: true }, () =>
          s.end(`GET / HTTP/1.1\r\nHost: x\r\nConnection: ${connection}\r\n\r\n`),
        );
        let text = '';
        s.on('data', (d) => (text += d.toString('latin1')));
        s.on('close', () => resolve(text));
        s.on('error', reject);
        setTimeout(() => s.destroy(), 5000);
      });
      expect(out).to.match(/^HTTP\/1\.1 200 /);
      expect(a.requests.length).to.equal(seen + 1);
    });
  }

  it('the listener keeps serving well-formed requests', async () => {
    expect((await get(h.port)).status).to.equal(200);
  });
});
