// TLS termination on a real dataplane with real clients: SNI selection (exact, wildcard,
// default, strict), ALPN h2 and HTTP/1.1 on one listener, mTLS modes, session resumption across
// swaps, X-Forwarded-Proto, HSTS, redirect to https, TLS in TCP mode and SNI passthrough.
import { X509Certificate } from 'node:crypto';
import net from 'node:net';
import tls from 'node:tls';
import { expect } from 'chai';
import {
  HOST,
  TestCa,
  backend,
  certSnap,
  curl,
  eventually,
  freePort,
  frontend,
  get,
  h2Requests,
  handshake,
  harness,
  refused,
  httpsGet,
  sClient,
  server,
  startBackend,
  startTcpEcho,
  tlsOf,
  type Harness,
  type Pem,
} from './support.js';

describe('e2e tls: termination', function () {
  this.timeout(90_000);

  let ca: TestCa;
  let certs: Record<'a' | 'b' | 'c' | 'wild' | 'client', Pem>;
  let otherCa: TestCa;
  let strangerClient: Pem;
  let h: Harness;
  let web: Awaited<ReturnType<typeof startBackend>>;
  let port: number;

  before(async () => {
    ca = new TestCa();
    certs = {
      a: ca.issue({ dns: ['a.example.test'] }),
      b: ca.issue({ dns: ['b.example.test'] }),
      c: ca.issue({ dns: ['c.example.test', 'www.c.example.test'] }),
      wild: ca.issue({ dns: ['*.wild.example.test'] }),
      client: ca.issue({ client: true, cn: 'trusted-client' }),
    };
    otherCa = new TestCa('Other CA');
    strangerClient = otherCa.issue({ client: true, cn: 'stranger' });
    web = await startBackend('web');
    h = await harness();
    port = await freePort();
  });

  after(async () => {
    await h?.close();
    await web?.close();
    ca?.cleanup();
    otherCa?.cleanup();
  });

  const snaps = () => [
    certSnap('a', certs.a),
    certSnap('b', certs.b),
    certSnap('c', certs.c),
    certSnap('wild', certs.wild),
  ];
  const be = () => backend('default/web', [server('web', web.port)]);

  async function applyTls(
    extra: Parameters<typeof tlsOf>[1] = {},
    fe: Parameters<typeof frontend>[2] = {},
  ): Promise<void> {
    await h.apply(
      [frontend('default/site', port, { defaultBackend: 'default/web', tls: tlsOf(snaps(), extra), ...fe })],
      [be()],
    );
  }

  it('SNI picks the right certificate for each of three names; wildcard and default work (node tls, openssl s_client)', async () => {
    await applyTls();
    for (const [name, cn] of [
      ['a.example.test', 'a.example.test'],
      ['b.example.test', 'b.example.test'],
      ['c.example.test', 'c.example.test'],
      ['www.c.example.test', 'c.example.test'],
      ['x.wild.example.test', '*.wild.example.test'],
      ['unknown.example.test', 'a.example.test'], // default: the first certificate
    ] as const) {
      const r = await handshake(port, { servername: name, ca: ca.cert });
      expect(r.cn, name).to.equal(cn);
    }
    // No SNI at all (a client connecting by IP address): the default certificate.
    expect((await handshake(port, { ca: ca.cert })).cn).to.equal('a.example.test');
    // A wildcard covers exactly one label.
    expect((await handshake(port, { servername: 'a.b.wild.example.test', ca: ca.cert })).cn).to.equal(
      'a.example.test',
    );

    for (const [name, cn] of [
      ['a.example.test', 'a.example.test'],
      ['b.example.test', 'b.example.test'],
      ['c.example.test', 'c.example.test'],
      ['foo.wild.example.test', '*.wild.example.test'],
    ] as const) {
      const r = await sClient(port, { servername: name, caFile: ca.certFile });
      expect(r.ok, r.output).to.equal(true);
      expect(r.subject).to.contain(`CN = ${cn}`);
    }
  });

  it('strict SNI refuses unknown names and clients without SNI, and still serves known ones', async () => {
    await applyTls({ strictSNI: true });
    expect((await handshake(port, { servername: 'b.example.test', ca: ca.cert })).cn).to.equal(
      'b.example.test',
    );
    expect((await handshake(port, { servername: 'y.wild.example.test', ca: ca.cert })).cn).to.equal(
      '*.wild.example.test',
    );
    await refused(handshake(port, { servername: 'unknown.example.test', ca: ca.cert }));
    await refused(handshake(port, { ca: ca.cert }));
    const r = await sClient(port, { servername: 'unknown.example.test', caFile: ca.certFile });
    expect(r.ok).to.equal(false);
    const c = await curl('unknown.example.test', port, ['--cacert', ca.certFile]);
    expect(c.code).to.not.equal(0);
    expect(c.status).to.equal(0);
  });

  it('h2 is negotiated via ALPN and requests are served over it; HTTP/1.1 works on the same listener', async () => {
    await applyTls(
      {},
      {
        forwardFor: true,
        responseHeaders: {
          add: [],
          set: [{ name: 'Strict-Transport-Security', value: 'max-age=31536000' }],
          remove: [],
        },
      },
    );
    // curl, HTTP/2
    const c2 = await curl('a.example.test', port, ['--cacert', ca.certFile, '--http2']);
    expect(c2.code, c2.stderr).to.equal(0);
    expect(c2.httpVersion).to.equal('2');
    expect(c2.status).to.equal(200);
    expect(c2.body).to.equal('web');
    expect(c2.headers.toLowerCase()).to.contain('strict-transport-security: max-age=31536000');
    // curl, HTTP/1.1 on the same port
    const c1 = await curl('a.example.test', port, ['--cacert', ca.certFile, '--http1.1']);
    expect(c1.code, c1.stderr).to.equal(0);
    expect(c1.httpVersion).to.equal('1.1');
    expect(c1.body).to.equal('web');
    // node http2: several concurrent streams on one connection, a POST body, a cookie in crumbs,
    // a GET with a body
    const before = web.requests.length;
    const rs = await h2Requests(port, { servername: 'b.example.test', ca: ca.cert }, [
      { path: '/one' },
      { path: '/two?x=1' },
      { path: '/echo', method: 'POST', body: 'hello over h2' },
      { path: '/cookie', headers: { cookie: 'a=1' } },
      // HEADERS without END_STREAM, then DATA, no content-length: the GET's body goes through
      // (chunked towards the server), as HAProxy forwards it.
      { path: '/echo', method: 'GET', body: 'a GET body' },
    ]);
    expect(rs.map((r) => r.status)).to.deep.equal([200, 200, 200, 200, 200]);
    expect(rs[4]!.body).to.equal('a GET body');
    expect(rs[0]!.alpn).to.equal('h2');
    expect(rs[2]!.body).to.equal('hello over h2');
    expect(rs[0]!.headers['strict-transport-security']).to.equal('max-age=31536000');
    const seen = web.requests.slice(before);
    const one = seen.find((r) => r.url === '/one')!;
    expect(one.headers.host).to.equal(`b.example.test:${port}`);
    expect(one.headers['x-forwarded-proto']).to.equal('https');
    expect(Object.keys(one.headers).some((k) => k.startsWith(':'))).to.equal(false);
    // node https (HTTP/1.1): X-Forwarded-Proto is https here too
    const r1 = await httpsGet(port, { servername: 'c.example.test', ca: ca.cert, path: '/h1' });
    expect(r1.status).to.equal(200);
    expect(r1.httpVersion).to.equal('1.1');
    expect(web.requests.at(-1)!.headers['x-forwarded-proto']).to.equal('https');
    // ALPN http/1.1 only: no h2 offered
    await applyTls({ alpn: ['http/1.1'] });
    const only1 = await curl('a.example.test', port, ['--cacert', ca.certFile, '--http2']);
    expect(only1.code, only1.stderr).to.equal(0);
    expect(only1.httpVersion).to.equal('1.1');
  });

  it('redirect {scheme: https} from an HTTP frontend; the TLS frontend answers the redirected request', async () => {
    const plain = await freePort();
    await h.apply(
      [
        frontend('default/site', port, { defaultBackend: 'default/web', tls: tlsOf(snaps()) }),
        frontend('default/plain', plain, {
          rules: [
            {
              name: 'to-https',
              match: {},
              action: { type: 'redirect', scheme: 'https', port, code: 301, stripQuery: false },
            },
          ],
        }),
      ],
      [be()],
    );
    const r = await get(plain, '/path?q=1', { headers: { host: 'a.example.test' } });
    expect(r.status).to.equal(301);
    expect(r.headers.location).to.equal(`https://a.example.test:${port}/path?q=1`);
    const s = await httpsGet(port, { servername: 'a.example.test', ca: ca.cert, path: '/path?q=1' });
    expect(s.status).to.equal(200);
  });

  it('mTLS required: a client without a certificate (or with an untrusted one) is refused; a trusted one is served', async () => {
    await applyTls({ clientAuth: { mode: 'required', caPem: ca.cert } });
    const ok = await handshake(port, {
      servername: 'a.example.test',
      ca: ca.cert,
      cert: certs.client.cert,
      key: certs.client.key,
      request: true,
    });
    expect(ok.cn).to.equal('a.example.test');
    await refused(handshake(port, { servername: 'a.example.test', ca: ca.cert, request: true }));
    await refused(
      handshake(port, {
        servername: 'a.example.test',
        ca: ca.cert,
        cert: strangerClient.cert,
        key: strangerClient.key,
        request: true,
      }),
    );
    const noCert = await curl('a.example.test', port, ['--cacert', ca.certFile]);
    expect(noCert.code).to.not.equal(0);
    expect(noCert.status).to.equal(0);
    const withCert = await curl('a.example.test', port, [
      '--cacert',
      ca.certFile,
      '--cert',
      certs.client.certFile,
      '--key',
      certs.client.keyFile,
    ]);
    expect(withCert.code, withCert.stderr).to.equal(0);
    expect(withCert.status).to.equal(200);
  });

  it('mTLS optional: no certificate is served, a trusted one is served, an untrusted one is refused', async () => {
    await applyTls({ clientAuth: { mode: 'optional', caPem: ca.cert } });
    expect((await httpsGet(port, { servername: 'a.example.test', ca: ca.cert })).status).to.equal(200);
    expect(
      (
        await httpsGet(port, {
          servername: 'a.example.test',
          ca: ca.cert,
          cert: certs.client.cert,
          key: certs.client.key,
        })
      ).status,
    ).to.equal(200);
    await refused(
      httpsGet(port, {
        servername: 'a.example.test',
        ca: ca.cert,
        cert: strangerClient.cert,
        key: strangerClient.key,
      }),
    );
  });

  it('sessions resume across a swap that leaves TLS alone, and not after the certificates change', async () => {
    await applyTls();
    const first = await handshake(port, { servername: 'a.example.test', ca: ca.cert, alpn: ['http/1.1'] });
    expect(first.session).to.be.instanceOf(Buffer);
    const again = await handshake(port, {
      servername: 'a.example.test',
      ca: ca.cert,
      alpn: ['http/1.1'],
      session: first.session,
    });
    expect(again.reused).to.equal(true);
    // A swap that changes routing but not TLS keeps contexts and ticket keys.
    await h.apply(
      [frontend('default/site', port, { defaultBackend: 'default/web', via: true, tls: tlsOf(snaps()) })],
      [be()],
    );
    const afterSwap = await handshake(port, {
      servername: 'a.example.test',
      ca: ca.cert,
      alpn: ['http/1.1'],
      session: first.session,
    });
    expect(afterSwap.reused).to.equal(true);
    // A new certificate: new handshakes must see it, so old sessions are not resumed.
    const rotated = ca.issue({ dns: ['a.example.test'], cn: 'a.example.test' });
    await h.apply(
      [
        frontend('default/site', port, {
          defaultBackend: 'default/web',
          tls: tlsOf([certSnap('a', rotated), ...snaps().slice(1)]),
        }),
      ],
      [be()],
    );
    const afterRotation = await handshake(port, {
      servername: 'a.example.test',
      ca: ca.cert,
      alpn: ['http/1.1'],
      session: first.session,
    });
    expect(afterRotation.reused).to.equal(false);
    // With client certificates and a certificate picked by SNI (TLS 1.2 and 1.3).
    await applyTls({ clientAuth: { mode: 'required', caPem: ca.cert } });
    for (const max of ['TLSv1.2', 'TLSv1.3'] as const) {
      const opts = {
        servername: 'b.example.test',
        ca: ca.cert,
        cert: certs.client.cert,
        key: certs.client.key,
        alpn: ['http/1.1'],
      };
      const s1 = await handshake(port, { ...opts, maxVersion: max });
      expect(s1.cn).to.equal('b.example.test');
      const s2 = await handshake(port, { ...opts, maxVersion: max, session: s1.session });
      expect(s2.reused, max).to.equal(true);
    }
  });

  it('rotation under load: zero failed requests, new handshakes see the new certificate', async () => {
    await applyTls();
    const serialOf = async (): Promise<string> =>
      new Promise((resolve, reject) => {
        const s = tls.connect({ host: HOST, port, servername: 'a.example.test', ca: ca.cert }, () => {
          const serial = s.getPeerCertificate().serialNumber;
          s.end();
          resolve(serial);
        });
        s.on('error', reject);
      });
    const oldSerial = await serialOf();
    let failures = 0;
    let done = 0;
    let stop = false;
    // A long-lived keep-alive HTTP/2 connection (established before the rotation) and fresh
    // HTTPS connections, both looping while the certificate is replaced.
    const loops = [0, 1, 2].map(async (i) => {
      while (!stop) {
        try {
          const r =
            i === 0
              ? (
                  await h2Requests(port, { servername: 'a.example.test', ca: ca.cert }, [
                    { path: '/x' },
                    { path: '/y' },
                  ])
                )[0]!
              : await httpsGet(port, { servername: 'a.example.test', ca: ca.cert, path: '/load' });
          if (r.status !== 200) failures++;
          else done++;
        } catch {
          failures++;
        }
      }
    });
    await new Promise((r) => setTimeout(r, 300));
    const rotated = ca.issue({ dns: ['a.example.test'] });
    await h.apply(
      [
        frontend('default/site', port, {
          defaultBackend: 'default/web',
          tls: tlsOf([certSnap('a', rotated), ...snaps().slice(1)]),
        }),
      ],
      [be()],
    );
    await new Promise((r) => setTimeout(r, 300));
    stop = true;
    await Promise.all(loops);
    expect(failures).to.equal(0);
    expect(done).to.be.greaterThan(5);
    const newSerial = await serialOf();
    expect(newSerial).to.not.equal(oldSerial);
    expect(newSerial).to.equal(new X509Certificate(rotated.cert).serialNumber);
  });

  it('TLS in TCP mode: terminated, then proxied as plaintext', async () => {
    const echo = await startTcpEcho('echo');
    try {
      const tcpPort = await freePort();
      await h.apply(
        [
          frontend('default/tcps', tcpPort, {
            mode: 'tcp',
            defaultBackend: 'default/echo',
            tls: tlsOf(snaps(), { alpn: [] }),
          }),
        ],
        [backend('default/echo', [server('e', echo.port)], { mode: 'tcp' })],
      );
      const reply = await new Promise<string>((resolve, reject) => {
        const s = tls.connect({ host: HOST, port: tcpPort, servername: 'b.example.test', ca: ca.cert }, () =>
          s.write('ping'),
        );
        let data = '';
        s.on('data', (d: Buffer) => {
          data += d.toString();
          if (data.includes('ping')) {
            s.end();
            resolve(data);
          }
        });
        s.on('error', reject);
      });
      expect(reply).to.equal('echo:ping');
    } finally {
      await echo.close();
    }
  });

  it('TLS passthrough in TCP mode routes by SNI (rules matching sni) without terminating', async () => {
    // Two TLS servers with their own certificates; the dataplane never sees a key.
    const mk = (pem: Pem, tag: string) =>
      new Promise<{ port: number; close(): void }>((resolve) => {
        const srv = tls.createServer({ cert: pem.cert, key: pem.key }, (s) => {
          s.on('error', () => {});
          s.end(`${tag}:${s.servername}`);
        });
        srv.listen(0, HOST, () =>
          resolve({ port: (srv.address() as net.AddressInfo).port, close: () => srv.close() }),
        );
      });
    const sa = await mk(certs.a, 'server-a');
    const sw = await mk(certs.wild, 'server-wild');
    const sd = await mk(certs.b, 'server-default');
    try {
      const pt = await freePort();
      const tcpBe = (id: string, p: number) => backend(id, [server('s', p)], { mode: 'tcp' });
      await h.apply(
        [
          frontend('default/pass', pt, {
            mode: 'tcp',
            rules: [
              {
                name: 'a',
                match: { sni: ['a.example.test'] },
                action: { type: 'backend', backend: 'default/sa' },
              },
              {
                name: 'wild',
                match: { sni: ['*.wild.example.test'] },
                action: { type: 'backend', backend: 'default/sw' },
              },
            ],
            defaultBackend: 'default/sd',
          }),
        ],
        [tcpBe('default/sa', sa.port), tcpBe('default/sw', sw.port), tcpBe('default/sd', sd.port)],
      );
      const via = (servername: string | undefined) =>
        new Promise<{ cn: string; body: string }>((resolve, reject) => {
          const s = tls.connect({
            host: HOST,
            port: pt,
            ca: ca.cert,
            ...(servername ? { servername } : {}),
            checkServerIdentity: () => undefined,
          });
          let data = '';
          let cn = '';
          s.on('secureConnect', () => (cn = String(s.getPeerCertificate().subject?.CN ?? '')));
          s.on('data', (d: Buffer) => (data += d.toString()));
          s.on('end', () => resolve({ cn, body: data }));
          s.on('error', reject);
        });
      expect(await via('a.example.test')).to.deep.equal({
        cn: 'a.example.test',
        body: 'server-a:a.example.test',
      });
      expect(await via('q.wild.example.test')).to.deep.equal({
        cn: '*.wild.example.test',
        body: 'server-wild:q.wild.example.test',
      });
      expect(await via('other.example.test')).to.deep.equal({
        cn: 'b.example.test',
        body: 'server-default:other.example.test',
      });
      const os = await sClient(pt, { servername: 'a.example.test', caFile: ca.certFile });
      expect(os.ok, os.output).to.equal(true);
      expect(os.subject).to.contain('CN = a.example.test');
    } finally {
      sa.close();
      sw.close();
      sd.close();
    }
  });

  it('removing a TLS frontend drains it: in-flight HTTP/2 and HTTP/1.1 requests complete', async () => {
    await applyTls();
    const h2 = h2Requests(port, { servername: 'a.example.test', ca: ca.cert }, [
      { path: '/slow?chunks=6&ms=50' },
      { path: '/slow?chunks=4&ms=50' },
    ]);
    const h1 = httpsGet(port, { servername: 'b.example.test', ca: ca.cert, path: '/slow?chunks=6&ms=50' });
    // In flight means at the server: a drain before the HTTP/2 streams arrive refuses them (GOAWAY).
    await eventually(() => web.inFlight >= 3, 10_000);
    const elsewhere = await freePort();
    await h.apply(
      [frontend('default/moved', elsewhere, { defaultBackend: 'default/web', tls: tlsOf(snaps()) })],
      [be()],
    );
    const [r1, r2] = await h2;
    expect(r1!.status).to.equal(200);
    expect(r1!.body).to.equal('web-chunk-0;web-chunk-1;web-chunk-2;web-chunk-3;web-chunk-4;web-chunk-5;');
    expect(r2!.body).to.equal('web-chunk-0;web-chunk-1;web-chunk-2;web-chunk-3;');
    const r3 = await h1;
    expect(r3.status).to.equal(200);
    expect(r3.body).to.match(/web-chunk-5;$/);
    await refused(httpsGet(port, { servername: 'a.example.test', ca: ca.cert }));
    expect((await httpsGet(elsewhere, { servername: 'a.example.test', ca: ca.cert })).status).to.equal(200);
    await h.apply([], []);
  });

  it('closed TLS connections are released (HTTP/1.1, HTTP/2, failed handshakes): the listener count returns to 0', async () => {
    await applyTls({ strictSNI: true });
    const count = () => h.dp.status().listeners.find((l) => l.port === port)?.connections ?? -1;
    for (let i = 0; i < 5; i++) {
      const r = await httpsGet(port, {
        servername: 'a.example.test',
        ca: ca.cert,
        headers: { connection: 'close' },
      });
      expect(r.status).to.equal(200);
    }
    await h2Requests(port, { servername: 'b.example.test', ca: ca.cert }, [{ path: '/' }, { path: '/' }]);
    await refused(handshake(port, { servername: 'nope.example.test', ca: ca.cert }));
    await eventually(() => count() === 0, 5000);
  });

  it('a held connection (maxConnections) completes its TLS handshake once admitted', async () => {
    await applyTls({}, { maxConnections: 1 });
    const first = tls.connect({ host: HOST, port, servername: 'a.example.test', ca: ca.cert });
    await new Promise<void>((r) => first.once('secureConnect', () => r()));
    const second = httpsGet(port, { servername: 'a.example.test', ca: ca.cert });
    await new Promise((r) => setTimeout(r, 200));
    first.destroy();
    expect((await second).status).to.equal(200);
  });
});
