// ClientHello parsing (SNI, ALPN) from real handshakes, and peeking without consuming bytes.
import net from 'node:net';
import tls from 'node:tls';
import { expect } from 'chai';
import { parseClientHello, peekClientHello } from '#dataplane/tls/client-hello';

/** The first bytes a node TLS client sends, captured by a plain TCP server. */
async function capture(opts: tls.ConnectionOptions): Promise<Buffer> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  try {
    const got = new Promise<Buffer>((resolve) => {
      server.once('connection', (s) => {
        const chunks: Buffer[] = [];
        s.on('data', (d: Buffer) => {
          chunks.push(d);
          const all = Buffer.concat(chunks);
          if (parseClientHello(all).kind !== 'incomplete') {
            s.destroy();
            resolve(all);
          }
        });
      });
    });
    const c = tls.connect({ host: '127.0.0.1', port, ...opts });
    c.on('error', () => {});
    const bytes = await got;
    c.destroy();
    return bytes;
  } finally {
    server.close();
  }
}

describe('tls: ClientHello inspection', () => {
  it('reads the server name and ALPN list of a real ClientHello', async () => {
    const hello = await capture({ servername: 'Shop.Example.COM', ALPNProtocols: ['h2', 'http/1.1'] });
    expect(parseClientHello(hello)).to.deep.equal({
      kind: 'tls',
      sni: 'shop.example.com',
      alpn: ['h2', 'http/1.1'],
    });
  });

  it('a ClientHello without SNI (connecting by address) has no name', async () => {
    const hello = await capture({});
    const info = parseClientHello(hello);
    expect(info.kind).to.equal('tls');
    expect(info).to.not.have.property('sni');
  });

  it('asks for more bytes until the ClientHello is complete, whatever the split', async () => {
    const hello = await capture({ servername: 'a.example.test' });
    for (const cut of [1, 3, 5, 6, 40, hello.length - 1])
      expect(parseClientHello(hello.subarray(0, cut)).kind, `cut ${cut}`).to.equal('incomplete');
    // Split across two TLS records (allowed by the protocol).
    const body = hello.subarray(5);
    const split = Buffer.concat([
      Buffer.from([0x16, 0x03, 0x01, 0x00, 10]),
      body.subarray(0, 10),
      Buffer.from([0x16, 0x03, 0x01, (body.length - 10) >> 8, (body.length - 10) & 0xff]),
      body.subarray(10),
    ]);
    expect(parseClientHello(split)).to.deep.include({ kind: 'tls', sni: 'a.example.test' });
  });

  it('recognizes what is not TLS', () => {
    expect(parseClientHello(Buffer.from('GET / HTTP/1.1\r\n'))).to.deep.equal({ kind: 'not-tls' });
    expect(parseClientHello(Buffer.from([0x16, 0x01]))).to.deep.equal({ kind: 'not-tls' });
    expect(parseClientHello(Buffer.from([0x16, 0x03, 0x01, 0x00, 0x04, 0x02, 0, 0, 0]))).to.deep.equal({
      kind: 'not-tls',
    });
  });

  it('peeks without consuming: the next reader sees every byte from the first', async () => {
    const hello = await capture({ servername: 'peek.example.test' });
    const server = net.createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as net.AddressInfo).port;
    try {
      const accepted = new Promise<net.Socket>((r) => server.once('connection', r));
      const c = net.connect(port, '127.0.0.1');
      const s = await accepted;
      // Two segments, with a pause between them.
      c.write(hello.subarray(0, 7));
      setTimeout(() => c.write(Buffer.concat([hello.subarray(7), Buffer.from('after')])), 50);
      const r = await peekClientHello(s, 2000);
      expect(r).to.deep.include({ kind: 'tls', sni: 'peek.example.test' });
      const all = await new Promise<Buffer>((resolve) => {
        const chunks: Buffer[] = [];
        s.on('data', (d: Buffer) => {
          chunks.push(d);
          const b = Buffer.concat(chunks);
          if (b.length >= hello.length + 5) resolve(b);
        });
        s.resume();
      });
      expect(all.subarray(0, hello.length).equals(hello)).to.equal(true);
      expect(all.subarray(hello.length).toString()).to.equal('after');
      c.destroy();
    } finally {
      server.close();
    }
  });

  it('gives up after the timeout and still puts the bytes back', async () => {
    const server = net.createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as net.AddressInfo).port;
    try {
      const accepted = new Promise<net.Socket>((r) => server.once('connection', r));
      const c = net.connect(port, '127.0.0.1', () => c.write(Buffer.from([0x16, 0x03])));
      const s = await accepted;
      expect(await peekClientHello(s, 100)).to.deep.equal({ kind: 'timeout' });
      const first = await new Promise<Buffer>((resolve) => {
        s.once('data', resolve);
        s.resume();
      });
      expect([...first]).to.deep.equal([0x16, 0x03]);
      c.destroy();
    } finally {
      server.close();
    }
  });
});
