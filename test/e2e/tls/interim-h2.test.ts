// Interim (1xx) responses relayed to HTTP/2 clients (RFC 9110 §15.2, RFC 9113 §8.1): a server's
// 103 Early Hints and 102 Processing reach the client as HEADERS frames with a 1xx :status before
// the final response, connection-specific fields dropped — with real clients: curl --http2 and
// node's http2 client over TLS with ALPN h2.
import http2 from 'node:http2';
import { expect } from 'chai';
import { startRawServer } from '../../unit/dataplane/helpers.js';
import {
  HOST,
  TestCa,
  backend,
  certSnap,
  curl,
  freePort,
  frontend,
  harness,
  server,
  tlsOf,
  type Harness,
  type Pem,
} from './support.js';

const EARLY =
  'HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\nLink: </app.js>; rel=preload\r\n' +
  'Connection: keep-alive\r\nKeep-Alive: timeout=5\r\n\r\n' +
  'HTTP/1.1 102 Processing\r\n\r\n' +
  'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nfinal';

describe('e2e tls: interim responses to HTTP/2 clients', function () {
  this.timeout(60_000);
  let ca: TestCa;
  let cert: Pem;
  let h: Harness;
  let origin: Awaited<ReturnType<typeof startRawServer>>;
  let port: number;

  before(async () => {
    ca = new TestCa();
    cert = ca.issue({ dns: ['a.example.test'] });
    origin = await startRawServer(() => EARLY);
    h = await harness();
    port = await freePort();
    await h.apply(
      [frontend('default/site', port, { defaultBackend: 'default/web', tls: tlsOf([certSnap('a', cert)]) })],
      [backend('default/web', [server('early', origin.port)])],
    );
  });
  after(async () => {
    await h?.close();
    await origin?.close();
    ca?.cleanup();
  });

  it('curl --http2 receives the 103 and the 102, then the final 200', async () => {
    const r = await curl('a.example.test', port, ['--cacert', ca.certFile, '--http2'], '/page');
    expect(r.code, r.stderr).to.equal(0);
    expect(r.httpVersion).to.equal('2');
    // -D - dumps every head received, interim ones first.
    const heads = `${r.headers}\r\n\r\n${r.body}`.split('\r\n\r\n');
    expect(heads[0]).to.match(/^HTTP\/2 103 ?\r\n/);
    expect(heads[0]).to.include('link: </style.css>; rel=preload');
    expect(heads[0]).to.include('link: </app.js>; rel=preload');
    expect(heads[0]).to.not.match(/connection|keep-alive/i);
    expect(heads[1]).to.match(/^HTTP\/2 102 ?$/);
    expect(heads[2]).to.match(/^HTTP\/2 200 ?\r\n/);
    expect(r.body.endsWith('final')).to.equal(true);
  });

  it("node's http2 client sees the interim heads ('headers' events) before the response", async () => {
    const session = http2.connect(`https://a.example.test:${port}`, {
      ca: ca.cert,
      servername: 'a.example.test',
      host: HOST, // an address: no name lookup
    } as http2.SecureClientSessionOptions);
    try {
      const seen: Array<Record<string, unknown>> = [];
      const body = await new Promise<string>((resolve, reject) => {
        session.once('error', reject);
        const stream = session.request({ ':path': '/page' });
        stream.on('headers', (h) => seen.push({ ...h }));
        stream.on('response', (h) => seen.push({ ...h }));
        let data = '';
        stream.setEncoding('utf8');
        stream.on('data', (d: string) => (data += d));
        stream.on('end', () => resolve(data));
        stream.on('error', reject);
      });
      expect(seen.map((s) => s[':status'])).to.deep.equal([103, 102, 200]);
      expect(seen[0]!['link']).to.equal('</style.css>; rel=preload, </app.js>; rel=preload');
      expect(seen[0]).to.not.have.property('connection');
      expect(seen[0]).to.not.have.property('keep-alive');
      expect(body).to.equal('final');
    } finally {
      session.close();
    }
  });
});
