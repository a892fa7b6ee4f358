// Re-encryption: TLS towards servers (Backend spec.tls) with verification against a CA, SNI,
// a client certificate, and a clear refusal (502 + one log line) of an untrusted server.
import https from 'node:https';
import type net from 'node:net';
import { expect } from 'chai';
import type { BackendSnap } from '#protocol/snapshot';
import {
  HOST,
  TestCa,
  backend,
  eventually,
  freePort,
  frontend,
  get,
  harness,
  server,
  type Harness,
  type Pem,
} from './support.js';

interface TlsBackend {
  port: number;
  requests: Array<{
    servername: string | false | null | undefined;
    clientCn: string | undefined;
    url: string | undefined;
  }>;
  close(): Promise<void>;
}

async function startTlsBackend(
  name: string,
  pem: Pem,
  opts: { requireClientCa?: string } = {},
): Promise<TlsBackend> {
  const requests: TlsBackend['requests'] = [];
  const srv = https.createServer(
    {
      cert: pem.cert,
      key: pem.key,
      ...(opts.requireClientCa
        ? { ca: opts.requireClientCa, requestCert: true, rejectUnauthorized: true }
        : {}),
    },
    (req, res) => {
      const sock = req.socket as import('node:tls').TLSSocket;
      const cn = sock.getPeerCertificate?.()?.subject?.CN;
      requests.push({ servername: sock.servername, clientCn: Array.isArray(cn) ? cn[0] : cn, url: req.url });
      res.writeHead(200, { 'content-type': 'text/plain' }).end(name);
    },
  );
  srv.on('upgrade', (req, socket: net.Socket) => {
    socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n');
    socket.on('data', (d) => socket.write(`${name}:${d.toString()}`));
  });
  srv.on('tlsClientError', () => {});
  await new Promise<void>((r) => srv.listen(0, HOST, r));
  return {
    port: (srv.address() as net.AddressInfo).port,
    requests,
    close: () =>
      new Promise<void>((r) => {
        srv.closeAllConnections();
        srv.close(() => r());
      }),
  };
}

describe('e2e tls: towards servers', function () {
  this.timeout(90_000);

  let ca: TestCa;
  let otherCa: TestCa;
  let h: Harness;
  let port: number;
  const started: TlsBackend[] = [];

  before(async () => {
    ca = new TestCa();
    otherCa = new TestCa('Untrusted CA');
    h = await harness();
    port = await freePort();
  });

  after(async () => {
    await h?.close();
    for (const b of started) await b.close();
    ca?.cleanup();
    otherCa?.cleanup();
  });

  const start = async (...args: Parameters<typeof startTlsBackend>) => {
    const b = await startTlsBackend(...args);
    started.push(b);
    return b;
  };

  async function route(be: BackendSnap): Promise<void> {
    await h.apply([frontend('default/site', port, { defaultBackend: be.id })], [be]);
  }

  it('re-encrypts to a server verified against the backend CA, sending the configured SNI', async () => {
    const b = await start('secure', ca.issue({ dns: ['api.internal.test'] }));
    await route(
      backend('default/secure', [server('s1', b.port)], {
        tls: { caPem: ca.cert, sni: 'api.internal.test', insecureSkipVerify: false },
      }),
    );
    for (let i = 0; i < 3; i++) {
      const r = await get(port, `/r${i}`);
      expect(r.status).to.equal(200);
      expect(r.body).to.equal('secure');
    }
    expect(b.requests.map((r) => r.servername)).to.deep.equal([
      'api.internal.test',
      'api.internal.test',
      'api.internal.test',
    ]);
  });

  it('HTTP health checks of a TLS backend speak TLS and verify the server like the traffic', async () => {
    const b = await start('checked', ca.issue({ dns: ['api.internal.test'] }));
    const health = {
      policy: 'default/hc',
      intervalMs: 100,
      fastIntervalMs: 100,
      downIntervalMs: 100,
      timeoutMs: 500,
      rise: 1,
      fall: 1,
      initialState: 'down' as const,
      http: { method: 'GET', path: '/health', headers: [], expect: { status: [200] } },
    };
    const be = (caPem: string) =>
      backend('default/checked', [server('s1', b.port)], {
        health,
        tls: { caPem, sni: 'api.internal.test', insecureSkipVerify: false },
      });
    // The server starts down: traffic flows only once a check over TLS has passed.
    await route(be(ca.cert));
    await eventually(async () => (await get(port, '/')).status === 200 || undefined, 5000);
    expect(b.requests.filter((r) => r.url === '/health').map((r) => r.servername)).to.include(
      'api.internal.test',
    );
    // A CA that does not sign the server: checks fail verification and take it out (503, not 502).
    await route(be(otherCa.cert));
    await eventually(async () => (await get(port, '/')).status === 503 || undefined, 5000);
  });

  it('without sni, the server address is verified (IP SAN) and no SNI is sent', async () => {
    const b = await start('by-ip', ca.issue({ ips: ['127.0.0.1'], cn: 'ip-server' }));
    await route(
      backend('default/byip', [server('s1', b.port)], { tls: { caPem: ca.cert, insecureSkipVerify: false } }),
    );
    const r = await get(port, '/');
    expect(r.status).to.equal(200);
    expect(r.body).to.equal('by-ip');
    expect(b.requests[0]!.servername).to.equal(false);
  });

  it('an untrusted server certificate is refused: 502 and a clear log line; trusting its CA fixes it', async () => {
    const b = await start('stranger', otherCa.issue({ dns: ['api.internal.test'] }));
    const be = (caPem: string) =>
      backend('default/stranger', [server('s1', b.port)], {
        tls: { caPem, sni: 'api.internal.test', insecureSkipVerify: false },
      });
    await route(be(ca.cert));
    const r = await get(port, '/');
    expect(r.status).to.equal(502);
    expect(r.body).to.match(/server s1/);
    expect(b.requests).to.have.length(0); // no request ever reached it
    const line = (await eventually(() =>
      h.logs
        .lines()
        .find((l) => String(l.msg).startsWith('upstream TLS refused') && l.backend === 'default/stranger'),
    ))!;
    expect(line.msg).to.contain('server certificate is not trusted');
    expect(line.msg).to.contain('backend default/stranger');
    expect(line).to.include({ backend: 'default/stranger', server: 's1', level: 40 });
    // A CA change replaces the server's pool: the next request verifies against the new CA.
    await route(be(otherCa.cert));
    const ok = await get(port, '/');
    expect(ok.status).to.equal(200);
    expect(ok.body).to.equal('stranger');
  });

  it('a certificate for another name is refused (502); insecureSkipVerify accepts it', async () => {
    const b = await start('misnamed', ca.issue({ dns: ['other.internal.test'] }));
    await route(
      backend('default/misnamed', [server('s1', b.port)], {
        tls: { caPem: ca.cert, sni: 'api.internal.test', insecureSkipVerify: false },
      }),
    );
    const r = await get(port, '/');
    expect(r.status).to.equal(502);
    expect(h.logs.lines().some((l) => String(l.msg).includes('does not match the expected name'))).to.equal(
      true,
    );
    await route(
      backend('default/misnamed', [server('s1', b.port)], {
        tls: { sni: 'api.internal.test', insecureSkipVerify: true },
      }),
    );
    const ok = await get(port, '/');
    expect(ok.status).to.equal(200);
  });

  it('presents the client certificate to a server that requires one', async () => {
    const client = ca.issue({ client: true, cn: 'bascule-dataplane' });
    const b = await start('mtls', ca.issue({ dns: ['mtls.internal.test'] }), { requireClientCa: ca.cert });
    await route(
      backend('default/mtls', [server('s1', b.port)], {
        tls: {
          caPem: ca.cert,
          sni: 'mtls.internal.test',
          insecureSkipVerify: false,
          clientCertPem: client.cert,
          clientKeyPem: client.key,
        },
      }),
    );
    const r = await get(port, '/');
    expect(r.status).to.equal(200);
    expect(b.requests.at(-1)!.clientCn).to.equal('bascule-dataplane');
    await route(
      backend('default/mtls', [server('s1', b.port)], {
        tls: { caPem: ca.cert, sni: 'mtls.internal.test', insecureSkipVerify: false },
      }),
    );
    expect((await get(port, '/')).status).to.equal(502);
    expect(h.logs.text()).to.not.contain('PRIVATE KEY');
  });

  it('WebSocket-style upgrades reach a TLS server over TLS', async () => {
    const b = await start('ws', ca.issue({ dns: ['ws.internal.test'] }));
    await route(
      backend('default/ws', [server('s1', b.port)], {
        tls: { caPem: ca.cert, sni: 'ws.internal.test', insecureSkipVerify: false },
      }),
    );
    const { connect } = await import('node:net');
    const reply = await new Promise<string>((resolve, reject) => {
      const s = connect(port, HOST, () =>
        s.write(`GET /chat HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n`),
      );
      let data = '';
      s.on('data', (d: Buffer) => {
        data += d.toString();
        if (data.includes('\r\n\r\n') && !data.includes('ws:')) s.write('hi');
        if (data.includes('ws:hi')) {
          s.destroy();
          resolve(data);
        }
      });
      s.on('error', reject);
      setTimeout(() => reject(new Error(`no echo: ${data}`)), 5000);
    });
    expect(reply).to.match(/^HTTP\/1\.1 101/);
    expect(reply).to.contain('ws:hi');
  });
});
