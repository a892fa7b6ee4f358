// Responses without a body, and interim responses, through the HTTP/1.1 engine: a HEAD answer
// (Content-Length kept, no body), 204, 304 (Content-Length of the representation kept, no body),
// and 103/102 before a 200 (relayed to HTTP/1.1 clients, RFC 9110 §15.2; not to HTTP/1.0 ones).
// Everything on one kept-alive client connection: a framing mistake would leave bytes behind
// (or wait for some), and the next answer on the connection would be wrong.
import net from 'node:net';
import { expect } from 'chai';
import { startRawServer } from '../../unit/dataplane/helpers.js';
import { HOST, backend, frontend, harness, server, type Harness } from './support.js';

/** What the raw server answers, by request line. */
const ANSWERS: Record<string, string> = {
  'HEAD /head': 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 1234\r\n\r\n',
  'GET /204': 'HTTP/1.1 204 No Content\r\nX-Kind: none\r\n\r\n',
  'GET /304': 'HTTP/1.1 304 Not Modified\r\nETag: "v1"\r\nContent-Length: 99\r\n\r\n',
  'GET /early':
    'HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\nConnection: keep-alive\r\n\r\n' +
    'HTTP/1.1 102 Processing\r\n\r\n' +
    'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfinal',
  'GET /next': 'HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nnext',
};

/** One client connection: send a request, read until `done(received)` says the answer is complete. */
class Client {
  private readonly s: net.Socket;
  private got = '';
  private wake: (() => void) | undefined;
  constructor(port: number) {
    this.s = net.connect(port, HOST);
    this.s.on('data', (d: Buffer) => {
      this.got += d.toString('latin1');
      this.wake?.();
    });
    this.s.on('error', () => {});
  }
  async ask(request: string, done: (received: string) => boolean): Promise<string> {
    this.got = '';
    this.s.write(request);
    const deadline = Date.now() + 5000;
    while (!done(this.got)) {
      if (Date.now() > deadline)
        throw new Error(`no complete answer to ${JSON.stringify(request)}: ${JSON.stringify(this.got)}`);
      await new Promise<void>((r) => {
        this.wake = r;
        setTimeout(r, 50);
      });
    }
    // Anything more would be a framing error: give it a moment to show.
    await new Promise((r) => setTimeout(r, 100));
    return this.got;
  }
  close(): void {
    this.s.destroy();
  }
}

const headEnds = (n: number) => (got: string) => got.split('\r\n\r\n').length > n;

describe('e2e/traffic: responses without a body and interim responses (HTTP/1.1)', function () {
  this.timeout(30_000);
  let h: Harness;
  let origin: Awaited<ReturnType<typeof startRawServer>>;

  before(async () => {
    origin = await startRawServer(
      (line) => ANSWERS[line] ?? 'HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n',
    );
    h = await harness();
    await h.apply(
      [frontend('default/fe', h.port, { defaultBackend: 'default/web' })],
      [backend('default/web', [server('raw', origin.port)])],
    );
  });
  after(async () => {
    await h?.close();
    await origin?.close();
  });

  it('HEAD, 204, 304 and 103/102 + 200 on one kept-alive connection, each framed right', async () => {
    const c = new Client(h.port);
    try {
      const head = await c.ask('HEAD /head HTTP/1.1\r\nHost: x\r\n\r\n', headEnds(1));
      expect(head).to.match(/^HTTP\/1\.1 200 OK\r\n/);
      expect(head).to.match(/\r\ncontent-length: 1234\r\n/i);
      expect(head.endsWith('\r\n\r\n'), 'no body after a HEAD answer').to.equal(true);

      const noContent = await c.ask('GET /204 HTTP/1.1\r\nHost: x\r\n\r\n', headEnds(1));
      expect(noContent).to.match(/^HTTP\/1\.1 204 No Content\r\n/);
      expect(noContent).to.not.match(/\r\n(content-length|transfer-encoding):/i);
      expect(noContent.endsWith('\r\n\r\n')).to.equal(true);

      const notModified = await c.ask('GET /304 HTTP/1.1\r\nHost: x\r\n\r\n', headEnds(1));
      expect(notModified).to.match(/^HTTP\/1\.1 304 Not Modified\r\n/);
      expect(notModified).to.match(/\r\netag: "v1"\r\n/i);
      expect(notModified.endsWith('\r\n\r\n'), 'no body after a 304').to.equal(true);

      const early = await c.ask('GET /early HTTP/1.1\r\nHost: x\r\n\r\n', (g) => g.endsWith('final'));
      const heads = early.split('\r\n\r\n');
      expect(heads[0]).to.match(/^HTTP\/1\.1 103 Early Hints\r\n/);
      expect(heads[0]).to.match(/\r\nlink: <\/style\.css>; rel=preload/i);
      expect(heads[0], 'hop-by-hop fields removed').to.not.match(/\r\nconnection:/i);
      expect(heads[1]).to.match(/^HTTP\/1\.1 102 Processing$/);
      expect(heads[2]).to.match(/^HTTP\/1\.1 200 OK\r\n/);
      expect(heads[3]).to.equal('final');

      const next = await c.ask('GET /next HTTP/1.1\r\nHost: x\r\n\r\n', (g) => g.endsWith('next'));
      expect(next).to.match(/^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\nnext$/);
    } finally {
      c.close();
    }
  });

  it('an HTTP/1.0 client gets no interim response, only the final one', async () => {
    const c = new Client(h.port);
    try {
      const got = await c.ask('GET /early HTTP/1.0\r\nHost: x\r\n\r\n', (g) => g.endsWith('final'));
      expect(got).to.match(/^HTTP\/1\.1 200 OK\r\n/);
      expect(got).to.not.match(/ 10[23] /);
    } finally {
      c.close();
    }
  });
});
