// util/raw-socket.ts and util/raw-accept.ts drive accepted connections on their libuv handles with
// Node's internal write and shutdown requests. On the Node.js releases this project supports the
// fast path must be taken (else plaintext HTTP silently falls back to Node's net.Socket path), and
// a raw connection must read, write with backpressure, half-close and close like a net.Socket —
// including when the peer resets, half-closes or goes away, without leaking a descriptor.
import { expect } from 'chai';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { startDataplane, type Dataplane } from '#dataplane/dataplane';
import { makeSnapshot } from '#protocol/canonical';
import { takeAccepted } from '#dataplane/util/raw-accept';
import {
  HandleWrites,
  RAW_CONNECT,
  RAW_SOCKETS,
  RawSocket,
  relayWrites,
  writeRequests,
  type TcpHandle,
} from '#dataplane/util/raw-socket';
import { Reads } from '#dataplane/util/socket-reads';
import {
  HOST,
  backend,
  body,
  eventually,
  freePort,
  frontend,
  get,
  quietLogger,
  server,
  sleep,
  startBackend,
  startTcpEcho,
  type TestBackend,
} from './helpers.js';

/** A dataplane with one TCP frontend on a free port relaying to the server on `serverPort`. */
async function tcpRelay(serverPort: number): Promise<{ dp: Dataplane; tcpPort: number }> {
  const tcpPort = await freePort();
  const dp = await startDataplane({ group: 'default', nodeId: 'test', admin: null, logger: quietLogger() });
  const r = await dp.applySnapshot(
    makeSnapshot(
      body(
        [frontend('default/tcp', tcpPort, { mode: 'tcp', defaultBackend: 'default/relayed' })],
        [backend('default/relayed', [server('s', serverPort)], { mode: 'tcp' })],
      ),
    ),
  );
  if (!r.ok) {
    await dp.close();
    expect(r, JSON.stringify(r)).to.deep.include({ ok: true });
  }
  return { dp, tcpPort };
}

/** A server whose accepted connections are RawSockets (`take` decides), and a connected client. */
async function rawPair(
  take = true,
): Promise<{ srv: net.Server; client: net.Socket; raw: Promise<RawSocket>; nodeSockets: net.Socket[] }> {
  const nodeSockets: net.Socket[] = [];
  const srv = net.createServer({ allowHalfOpen: true }, (s) => nodeSockets.push(s));
  await new Promise<void>((r) => srv.listen(0, HOST, r));
  let got!: (r: RawSocket) => void;
  const raw = new Promise<RawSocket>((r) => (got = r));
  expect(
    takeAccepted(srv, (h: TcpHandle) => {
      if (!take) return false;
      got(new RawSocket(h));
      return true;
    }),
  ).to.equal(true);
  const port = (srv.address() as net.AddressInfo).port;
  const client = net.connect({ port, host: HOST, allowHalfOpen: true });
  client.on('error', () => {});
  return { srv, client, raw, nodeSockets };
}

function openFds(): number {
  return fs.readdirSync('/proc/self/fd').length;
}

describe('dataplane: accepted connections driven on their handles (raw sockets)', function () {
  this.timeout(20_000);

  it('finds the internals on this Node.js', () => {
    expect(RAW_SOCKETS, `process.binding('stream_wrap') on Node ${process.version}`).to.not.equal(undefined);
  });

  it('finds the connect internals on this Node.js', () => {
    expect(RAW_CONNECT, `process.binding('tcp_wrap') on Node ${process.version}`).to.not.equal(undefined);
  });

  it('connects on a new handle: reads, writes, half-closes both ways, closes; host names go to net.connect', async () => {
    const srv = net.createServer({ allowHalfOpen: true }, (s) => {
      s.on('data', (d: Buffer) => s.write(`e:${d.toString()}`));
      s.on('end', () => s.end('bye'));
    });
    await new Promise<void>((r) => srv.listen(0, HOST, r));
    try {
      const port = (srv.address() as net.AddressInfo).port;
      expect(RawSocket.connect('localhost', port), 'a host name: not here').to.equal(undefined);
      const raw = RawSocket.connect(HOST, port)!;
      expect(raw).to.be.instanceOf(RawSocket);
      expect(raw.connecting).to.equal(true);
      let got = '';
      raw.readThrough(new Reads((c) => (got += c.toString())));
      expect(raw.write('early')).to.equal(true); // libuv queues it until connected
      await new Promise<void>((r) => raw.once('connect', r));
      expect(raw.connecting).to.equal(false);
      expect(raw.remotePort).to.equal(port);
      await eventually(() => got === 'e:early');
      const ended = new Promise<void>((r) => raw.once('end', r));
      const closed = new Promise<void>((r) => raw.once('close', r));
      raw.end(); // our FIN: the server answers it with its own
      await ended;
      await closed;
      expect(got).to.equal('e:earlybye');
      expect(raw.bytesWritten).to.equal(5);
      expect(raw.bytesRead).to.equal(10);
    } finally {
      srv.close();
    }
  });

  it('resets a connection (the peer reads ECONNRESET, not an end), and destroys one still connecting', async () => {
    const srv = net.createServer();
    const seen = new Promise<string>((resolve) =>
      srv.on('connection', (s) => {
        s.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
        s.on('end', () => resolve('end'));
        s.resume();
      }),
    );
    await new Promise<void>((r) => srv.listen(0, HOST, r));
    try {
      const { port } = srv.address() as net.AddressInfo;
      const raw = RawSocket.connect(HOST, port)!;
      await new Promise((r) => raw.once('connect', r));
      const closed = new Promise((r) => raw.once('close', r));
      raw.resetAndDestroy();
      await closed;
      expect(await seen).to.equal('ECONNRESET');
      const early = RawSocket.connect(HOST, port)!;
      const earlyClosed = new Promise((r) => early.once('close', r));
      early.resetAndDestroy();
      await earlyClosed;
      expect(early.destroyed).to.equal(true);
    } finally {
      srv.close();
    }
  });

  it('reports a refused connect as an error then close, and a connect destroyed midway as close alone; no fd left', async () => {
    const port = await freePort(); // nothing listens there
    const baseline = openFds();
    const refused = RawSocket.connect(HOST, port)!;
    const errors: NodeJS.ErrnoException[] = [];
    refused.on('error', (e: NodeJS.ErrnoException) => errors.push(e));
    await new Promise<void>((r) => refused.once('close', r));
    expect(errors.map((e) => [e.code, e.syscall])).to.deep.equal([['ECONNREFUSED', 'connect']]);
    expect(refused.destroyed).to.equal(true);
    expect(refused.write('x')).to.equal(false);

    // Destroyed in the same tick as connect(): the connect is still in progress (cancelled).
    const srv = net.createServer((s) => s.on('error', () => {}));
    await new Promise<void>((r) => srv.listen(0, HOST, r));
    const pending = RawSocket.connect(HOST, (srv.address() as net.AddressInfo).port)!;
    expect(pending.connecting).to.equal(true);
    let pendingErrors = 0;
    pending.on('error', () => pendingErrors++);
    let connects = 0;
    pending.on('connect', () => connects++);
    const closed = new Promise<void>((r) => pending.once('close', r));
    pending.destroy();
    await closed;
    await sleep(20);
    expect([pendingErrors, connects]).to.deep.equal([0, 0]);
    await new Promise<void>((r) => srv.close(() => r()));
    await eventually(() => openFds() <= baseline);
  });

  it('reads, writes with backpressure, half-closes both ways and closes', async () => {
    const { srv, client, raw: rawP, nodeSockets } = await rawPair();
    try {
      const raw = await rawP;
      const chunks: Buffer[] = [];
      raw.readThrough(new Reads((c) => chunks.push(c)));
      client.write('ping');
      await eventually(() => Buffer.concat(chunks).toString() === 'ping');
      expect(raw.bytesRead).to.equal(4);
      expect(raw.remoteAddress).to.equal(HOST);
      expect(raw.remotePort).to.equal(client.localPort);

      // A client that does not read: writes go async, ask for 'drain', and drain once it reads.
      client.pause();
      const big = Buffer.alloc(1 << 20, 'x');
      let writes = 0;
      while (raw.write(big) && writes < 64) writes++;
      expect(raw.writableNeedDrain).to.equal(true);
      expect(raw.writableLength).to.be.greaterThan(0);
      const drained = new Promise<void>((r) => raw.once('drain', r));
      let received = 0;
      client.on('data', (d: Buffer) => (received += d.length));
      client.resume();
      await drained;
      expect(raw.writableLength).to.equal(0);
      expect(raw.bytesWritten).to.equal((writes + 1) * big.length);

      // Our FIN first: the client sees its end; then its FIN ends the connection.
      const finished = new Promise<void>((r) => raw.once('finish', r));
      const clientEnded = new Promise<void>((r) => client.once('end', r));
      raw.end(Buffer.from('bye'));
      await finished;
      await clientEnded;
      expect(received).to.equal((writes + 1) * big.length + 3);
      expect(raw.write('late')).to.equal(false); // after end(): nothing written, nothing thrown
      const closed = new Promise<void>((r) => raw.once('close', r));
      const rawEnded = new Promise<void>((r) => raw.once('end', r));
      client.end();
      await rawEnded;
      await closed;
      expect(raw.destroyed).to.equal(true);
      expect(nodeSockets).to.have.length(0); // Node never made a net.Socket of it
    } finally {
      client.destroy();
      srv.close();
    }
  });

  it('survives a peer reset with writes pending: error, close, later writes refused', async () => {
    const { srv, client, raw: rawP } = await rawPair();
    try {
      const raw = await rawP;
      raw.readThrough(new Reads(() => {}));
      client.pause();
      const big = Buffer.alloc(1 << 20, 'y');
      for (let i = 0; i < 64 && raw.write(big); i++);
      expect(raw.writableLength).to.be.greaterThan(0);
      const errors: NodeJS.ErrnoException[] = [];
      raw.on('error', (e: NodeJS.ErrnoException) => errors.push(e));
      const closed = new Promise<void>((r) => raw.once('close', r));
      client.resetAndDestroy();
      // The reset is seen by the next read or write.
      for (let i = 0; i < 50 && !raw.destroyed; i++) {
        raw.write(big);
        await sleep(10);
      }
      await closed;
      expect(raw.destroyed).to.equal(true);
      expect(errors.map((e) => e.code)).to.satisfy((c: string[]) =>
        c.every((x) => x === 'ECONNRESET' || x === 'EPIPE'),
      );
      expect(raw.write('after close')).to.equal(false);
      raw.end();
      raw.destroy();
      raw.pause();
      raw.resume();
    } finally {
      client.destroy();
      srv.close();
    }
  });

  it('hands a connection to a net.Socket that reads on where it stopped', async () => {
    const { srv, client, raw: rawP } = await rawPair();
    try {
      const raw = await rawP;
      const first: Buffer[] = [];
      raw.readThrough(new Reads((c) => first.push(c)));
      client.write('head');
      await eventually(() => first.length > 0);
      raw.pause();
      const s = raw.toNetSocket();
      const rawClosed = new Promise<void>((r) => raw.once('close', r));
      let got = '';
      s.on('data', (d: Buffer) => (got += d.toString()));
      client.write('tail');
      await sleep(30);
      expect(got).to.equal(''); // paused until resumed (or piped)
      s.resume();
      await eventually(() => got === 'tail');
      expect(s.bytesRead).to.equal(8);
      s.write('echo');
      let back = '';
      client.on('data', (d: Buffer) => (back += d.toString()));
      await eventually(() => back === 'echo');
      raw.destroy(); // the identity's destroy reaches the socket
      await rawClosed;
      expect(s.destroyed).to.equal(true);
    } finally {
      client.destroy();
      srv.close();
    }
  });

  it("writes straight on a connected socket's handle, with backpressure, then the socket's own end", async () => {
    const { srv, client, nodeSockets } = await rawPair(false);
    try {
      await eventually(() => nodeSockets.length === 1);
      const s = nodeSockets[0]!;
      let drains = 0;
      const w = HandleWrites.of(s, () => drains++);
      expect(w, 'the fast path for a connected socket').to.not.equal(undefined);
      client.pause();
      const big = Buffer.alloc(1 << 20, 'z');
      let n = 1;
      while (w!.write(big) && n < 64) n++;
      let received = 0;
      client.on('data', (d: Buffer) => (received += d.length));
      const ended = new Promise<void>((r) => client.once('end', r));
      client.resume();
      await eventually(() => drains === 1);
      s.end(); // our FIN after every queued write
      await ended;
      expect(received).to.equal(n * big.length);
      expect(w!.write(big)).to.equal(false); // after end(): refused, nothing thrown
    } finally {
      client.destroy();
      srv.close();
    }
  });

  it('reuses the write request of a write the kernel took whole; not one still in flight', async () => {
    const { srv, client, raw: rawP } = await rawPair();
    try {
      const raw = await rawP;
      let received = 0;
      client.on('data', (d: Buffer) => (received += d.length));
      const before = writeRequests.made;
      for (let i = 0; i < 100; i++)
        expect(raw.write(i % 2 ? 'latin1 line\r\n' : Buffer.from('bytes'))).to.equal(true);
      raw.writeChunks([Buffer.from('a'), Buffer.from('b')]);
      expect(writeRequests.made - before, 'one request for 101 writes taken at once').to.be.at.most(1);
      await eventually(() => received === 50 * 13 + 50 * 5 + 2);
      // A write the kernel does not take whole keeps its request: the next write makes another.
      client.pause();
      const big = Buffer.alloc(1 << 20, 'x');
      let writes = 0;
      while (raw.write(big) && writes < 64) writes++;
      const inFlight = writeRequests.made;
      raw.write('more'); // queued behind: async too
      expect(writeRequests.made).to.be.greaterThan(inFlight);
      client.resume();
      await eventually(() => received === 50 * 13 + 50 * 5 + 2 + (writes + 1) * big.length + 4);
      raw.destroy();
    } finally {
      client.destroy();
      srv.close();
    }
  });

  it('counts in bytesWritten what the handle took, not a write refused at once (both writers)', async () => {
    // Not reading on the accepting side: the peer's reset is seen by the next write, which the
    // kernel refuses at once (ECONNRESET or EPIPE).
    const { srv, client, raw: rawP } = await rawPair();
    const nodeSockets: net.Socket[] = [];
    const paused = net.createServer({ pauseOnConnect: true }, (s) => nodeSockets.push(s));
    await new Promise<void>((r) => paused.listen(0, HOST, r));
    const other = net.connect((paused.address() as net.AddressInfo).port, HOST);
    other.on('error', () => {});
    try {
      const raw = await rawP;
      const rawErrors: NodeJS.ErrnoException[] = [];
      raw.on('error', (e: NodeJS.ErrnoException) => rawErrors.push(e));
      await eventually(() => nodeSockets.length === 1);
      const s = nodeSockets[0]!;
      const sErrors: NodeJS.ErrnoException[] = [];
      s.on('error', (e: NodeJS.ErrnoException) => sErrors.push(e));
      let drains = 0;
      const w = HandleWrites.of(s, () => drains++);
      expect(w, 'the fast path for a connected socket').to.not.equal(undefined);

      expect(raw.write('abc')).to.equal(true);
      expect(w!.write(Buffer.from('abcd'))).to.equal(true);
      expect(raw.bytesWritten).to.equal(3);
      expect(w!.bytesWritten).to.equal(4);
      client.resetAndDestroy();
      other.resetAndDestroy();
      await sleep(50);

      expect(raw.write('lost')).to.equal(false);
      expect(raw.destroyed).to.equal(true);
      expect(raw.bytesWritten).to.equal(3);
      expect(w!.writev([Buffer.from('lost'), Buffer.from('too')])).to.equal(false);
      expect(s.destroyed).to.equal(true);
      expect(w!.bytesWritten).to.equal(4);
      expect(w!.writableLength).to.equal(0);
      expect(drains).to.equal(0);
      await eventually(() => rawErrors.length === 1 && sErrors.length === 1);
      for (const e of [...rawErrors, ...sErrors]) expect(['ECONNRESET', 'EPIPE']).to.include(e.code);
    } finally {
      client.destroy();
      other.destroy();
      srv.close();
      paused.close();
    }
  });

  it("declined handles take Node's path (a net.Socket and 'connection')", async () => {
    const { srv, client, nodeSockets } = await rawPair(false);
    try {
      await eventually(() => nodeSockets.length === 1);
      expect(nodeSockets[0]).to.be.instanceOf(net.Socket);
    } finally {
      client.destroy();
      srv.close();
    }
  });

  describe('through a dataplane', () => {
    let a: TestBackend;
    let dp: Dataplane;
    let port: number;
    let tcpPort: number;
    let echo: { port: number; close(): Promise<void> };

    before(async () => {
      a = await startBackend('a');
      echo = await startTcpEcho('e');
    });
    after(async () => {
      await Promise.all([a.close(), echo.close()]);
    });
    beforeEach(async () => {
      port = await freePort();
      tcpPort = await freePort();
      dp = await startDataplane({ group: 'default', nodeId: 'test', admin: null, logger: quietLogger() });
      const r = await dp.applySnapshot(
        makeSnapshot(
          body(
            [
              frontend('default/fe', port, {
                defaultBackend: 'default/web',
                // Bounds how long a client that resets while both sides are paused by backpressure
                // (nothing read or written) can go unnoticed, on either accept path.
                timeouts: { client: 1000, httpRequest: 5_000, keepAlive: 5_000 },
              }),
              frontend('default/tcp', tcpPort, { mode: 'tcp', defaultBackend: 'default/echo' }),
            ],
            [
              backend('default/web', [server('a', a.port)]),
              backend('default/echo', [server('e', echo.port)]),
            ],
          ),
        ),
      );
      expect(r, JSON.stringify(r)).to.deep.include({ ok: true });
    });
    afterEach(async () => {
      await dp.close();
    });

    it('serves plaintext HTTP connections on raw sockets (the fast path is taken)', async () => {
      // Accepted ones: made, less those the dataplane opened itself (its server connections).
      const before = RawSocket.created - RawSocket.connected;
      for (let i = 0; i < 5; i++) {
        const res = await get(port, '/', { headers: { connection: 'close' } });
        expect(res.status).to.equal(200);
        expect(res.body).to.equal('a');
      }
      expect(RawSocket.created - RawSocket.connected - before).to.equal(5);
    });

    it('opens plaintext server connections on their own handles, read and reset there', async () => {
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      try {
        const connectedBefore = RawSocket.connected;
        for (let i = 0; i < 3; i++) expect((await get(port, '/', { agent })).body).to.equal('a');
        // A response in several reads (chunked, 20 ms apart) on the same connection.
        const slow = await get(port, '/slow?chunks=3&ms=20', { agent });
        expect(slow.status).to.equal(200);
        expect((await get(port, '/', { agent })).body).to.equal('a');
        // One server connection (this dataplane is new), pooled, opened without net.Socket.
        expect(RawSocket.connected - connectedBefore, 'server connections on raw handles').to.equal(1);
      } finally {
        agent.destroy();
      }
    });

    it("writes requests to servers on their connections' handles: pooled, with bodies whole", async () => {
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      try {
        const before = HandleWrites.created;
        for (let i = 0; i < 3; i++) expect((await get(port, '/', { agent })).body).to.equal('a');
        // 2 MiB: more than the kernel takes at once, so writes go async and past the high-water
        // mark (backpressure towards the client), then drain.
        const upload = crypto.randomBytes(1 << 20).toString('hex');
        const fixed = await get(port, '/echo', {
          agent,
          method: 'POST',
          body: upload,
          headers: { 'content-length': String(upload.length) },
        });
        expect(fixed.body === upload, 'the upload echoed whole').to.equal(true);
        const chunked = await get(port, '/echo', {
          agent,
          method: 'POST',
          body: upload,
          headers: { 'transfer-encoding': 'chunked' },
        });
        expect(chunked.body === upload, 'the chunked upload echoed whole').to.equal(true);
        expect((await get(port, '/', { agent })).body).to.equal('a');
        // One server connection (this dataplane is new) served them all, written on its handle.
        expect(HandleWrites.created - before).to.equal(1);
      } finally {
        agent.destroy();
      }
    });

    it('answers a client that half-closes after its request, then closes', async () => {
      const answer = await new Promise<string>((resolve, reject) => {
        const s = net.connect({ port, host: HOST, allowHalfOpen: true }, () => {
          s.end('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
        });
        let out = '';
        s.on('data', (d: Buffer) => (out += d.toString()));
        s.on('end', () => resolve(out));
        s.on('error', reject);
      });
      expect(answer).to.match(/^HTTP\/1\.1 200 /);
      expect(answer).to.match(/\r\n\r\n1\r\na\r\n0\r\n\r\n$/); // the backend's chunked body
    });

    it('survives clients that reset mid-response and mid-upload, and many dropped connections: fds return to baseline', async () => {
      await get(port); // warm: the server connection pool and the listener exist
      await sleep(50);
      const baseline = openFds();
      // Reset while a large response is being written to a client that does not read.
      for (let i = 0; i < 5; i++) {
        await new Promise<void>((resolve) => {
          const s = net.connect(port, HOST, () => {
            const upload = Buffer.alloc(2 << 20, 'u');
            s.write(`POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: ${upload.length}\r\n\r\n`);
            s.write(upload);
            s.pause();
            setTimeout(() => {
              s.resetAndDestroy();
              resolve();
            }, 100);
          });
          s.on('error', () => {});
        });
      }
      // Reset in the middle of a slow response, and connections opened and dropped at once.
      await new Promise<void>((resolve) => {
        const s = net.connect(port, HOST, () =>
          s.write('GET /slow?chunks=20&ms=20 HTTP/1.1\r\nHost: x\r\n\r\n'),
        );
        s.on('error', () => {});
        s.once('data', () => {
          s.resetAndDestroy();
          resolve();
        });
      });
      await Promise.all(
        Array.from(
          { length: 50 },
          (_, i) =>
            new Promise<void>((resolve) => {
              const s = net.connect(port, HOST, () => {
                if (i % 3 === 0) s.resetAndDestroy();
                else if (i % 3 === 1)
                  s.end('GET / HTT').resume(); // a partial head, then FIN
                else s.destroy();
                resolve();
              });
              s.on('error', () => resolve());
            }),
        ),
      );
      expect((await get(port)).status).to.equal(200);
      // Every connection released: the partial heads linger at most CLOSE_LINGER_MS, the stalled
      // uploads end with timeouts.client.
      await eventually(() => openFds() <= baseline, 6000, 50).catch((e: Error) => {
        throw new Error(`${e.message}: ${openFds()} descriptors open, ${baseline} before`);
      });
    });

    it('relays TCP sessions on raw sockets both sides, half-close passed through both ways', async () => {
      const before = RawSocket.created;
      const connectedBefore = RawSocket.connected;
      const directBefore = relayWrites.direct;
      const got = await new Promise<string>((resolve, reject) => {
        const s = net.connect({ port: tcpPort, host: HOST, allowHalfOpen: true }, () => s.write('hi'));
        let out = '';
        s.on('data', (d: Buffer) => {
          out += d.toString();
          if (out === 'e:hi') s.end(); // our FIN; the echo answers it with its own bye and FIN
        });
        s.on('end', () => {
          resolve(out);
          s.destroy();
        });
        s.on('error', reject);
      });
      expect(got).to.equal('e:hie:bye');
      // The client connection accepted on its handle, the server connection opened on one.
      expect(RawSocket.created - before).to.equal(2);
      expect(RawSocket.connected - connectedBefore, 'the server side connected without net.Socket').to.equal(
        1,
      );
      // 'hi' and the echo's answers written on straight from the relay's read buffer (no copy).
      expect(relayWrites.direct - directBefore, 'relayed reads written without a copy').to.be.greaterThan(0);
    });
  });
});

describe('dataplane: a TCP session whose client resets while both directions are paused', function () {
  this.timeout(20_000);

  it('closes the server connection at the reset, not at the tunnel timeout (60 s here)', async () => {
    // A server that floods the client and never reads, a client that floods the server and never
    // reads: both directions of the relay stop on backpressure, nothing moves either way.
    const serverSide: net.Socket[] = [];
    const flood = Buffer.alloc(1 << 20, 'f');
    const srv = net.createServer((s) => {
      serverSide.push(s);
      s.pause();
      s.on('error', () => {});
      const more = (): void => {
        while (!s.destroyed && s.write(flood));
      };
      s.on('drain', more);
      more();
    });
    await new Promise<void>((r) => srv.listen(0, HOST, r));
    const { dp, tcpPort } = await tcpRelay((srv.address() as net.AddressInfo).port);
    try {
      const client = net.connect(tcpPort, HOST);
      client.on('error', () => {});
      client.pause();
      await new Promise<void>((r) => client.once('connect', r));
      const fill = (): void => {
        while (client.write(flood));
      };
      client.on('drain', fill);
      fill();
      await eventually(() => serverSide.length === 1);
      // Stalled: the client's writes wait for the relay, the server's too.
      let last = -1;
      await eventually(
        () => {
          const now = client.bytesWritten + serverSide[0]!.bytesWritten;
          const still = now === last;
          last = now;
          return still;
        },
        10_000,
        300,
      );
      const closed = new Promise<void>((r) => serverSide[0]!.once('close', r));
      client.resetAndDestroy();
      await closed; // within the test's timeout: far below the 60 s tunnel timeout
    } finally {
      await dp.close();
      srv.close();
    }
  });
});

describe('dataplane: a TCP session relaying small reads to a side that stalls', function () {
  this.timeout(30_000);

  it('delivers every byte in order both ways; what the kernel did not take is copied and queued', async () => {
    // Small writes, one per turn of the event loop, so the relay reads them one by one into its
    // shared buffer; the client does not read until the server's writes stop on backpressure, so
    // the relay's writes to it go partial or are refused (EAGAIN) and the rest is queued.
    // 16 MiB is more than the kernel buffers on the way hold while nobody reads (the client's
    // receive buffer does not grow unread; the send buffers stop at net.ipv4.tcp_wmem's 4 MiB).
    const CHUNK = 1000;
    const down = crypto.randomBytes(16 * 1024 * 1024);
    const up = crypto.randomBytes(512 * 1024);
    let stalledByWrite = false;
    let stalled!: () => void;
    const serverStalled = new Promise<void>((r) => (stalled = r));
    let received!: (b: Buffer) => void;
    const serverGot = new Promise<Buffer>((r) => (received = r));
    const srv = net.createServer({ allowHalfOpen: true }, (s) => {
      s.on('error', () => {});
      const got: Buffer[] = [];
      s.on('data', (d: Buffer) => got.push(d));
      s.on('end', () => received(Buffer.concat(got)));
      let off = 0;
      const next = (): void => {
        if (s.destroyed) return;
        if (off >= down.length) {
          s.end();
          stalled();
          return;
        }
        const more = s.write(down.subarray(off, off + CHUNK));
        off += CHUNK;
        if (more) setImmediate(next);
        else {
          stalledByWrite = true;
          stalled();
          s.once('drain', next);
        }
      };
      next();
    });
    await new Promise<void>((r) => srv.listen(0, HOST, r));
    const { dp, tcpPort } = await tcpRelay((srv.address() as net.AddressInfo).port);
    const copiedBefore = relayWrites.copied;
    const directBefore = relayWrites.direct;
    try {
      const client = net.connect({ port: tcpPort, host: HOST, allowHalfOpen: true });
      client.on('error', () => {});
      client.pause();
      await new Promise<void>((r) => client.once('connect', r));
      // The upload in small writes too, then our FIN.
      let upOff = 0;
      const sendUp = (): void => {
        if (upOff >= up.length) {
          client.end();
          return;
        }
        const more = client.write(up.subarray(upOff, upOff + CHUNK));
        upOff += CHUNK;
        if (more) setImmediate(sendUp);
        else client.once('drain', sendUp);
      };
      sendUp();
      await serverStalled;
      const got: Buffer[] = [];
      client.on('data', (d: Buffer) => got.push(d));
      const clientGot = new Promise<Buffer>((r) => client.on('end', () => r(Buffer.concat(got))));
      client.resume();
      const [atClient, atServer] = await Promise.all([clientGot, serverGot]);
      client.destroy();
      expect(atClient.length).to.equal(down.length);
      expect(atClient.equals(down), 'the download arrived whole and in order').to.equal(true);
      expect(atServer.length).to.equal(up.length);
      expect(atServer.equals(up), 'the upload arrived whole and in order').to.equal(true);
      expect(stalledByWrite, "the server's writes stopped on backpressure").to.equal(true);
      expect(relayWrites.direct - directBefore, 'reads written on without a copy').to.be.greaterThan(0);
      expect(
        relayWrites.copied - copiedBefore,
        'reads the kernel did not take whole, copied',
      ).to.be.greaterThan(0);
    } finally {
      await dp.close();
      srv.close();
    }
  });
});

describe('dataplane: TCP sessions whose small relayed writes wait in the staging buffer', function () {
  this.timeout(30_000);

  it('keeps each queued write whole and in order across sessions and staging buffers', async () => {
    // Small reads (<= 4 KiB) are written from the staging buffer with the handle's own write. A
    // client that does not read makes those writes wait there (the kernel takes part or none), so
    // later writes — of this session and of the other one, interleaved — must go after them in the
    // buffer or into a new one, never over bytes a queued write still holds.
    const CHUNK = 1000;
    const downs = [crypto.randomBytes(4 * 1024 * 1024), crypto.randomBytes(4 * 1024 * 1024)];
    let accepted = 0;
    const stalls: Promise<void>[] = [];
    const stalledAt: (() => void)[] = [];
    for (let i = 0; i < downs.length; i++) stalls.push(new Promise<void>((r) => stalledAt.push(r)));
    const srv = net.createServer({ allowHalfOpen: true }, (s) => {
      s.on('error', () => {});
      // Each server connection says which download it is by its first byte from the client.
      s.once('data', (d: Buffer) => {
        const i = d[0]!;
        accepted++;
        const down = downs[i]!;
        let off = 0;
        const next = (): void => {
          if (s.destroyed) return;
          if (off >= down.length) {
            s.end();
            stalledAt[i]!();
            return;
          }
          const more = s.write(down.subarray(off, off + CHUNK));
          off += CHUNK;
          if (more) setImmediate(next);
          else {
            stalledAt[i]!();
            s.once('drain', next);
          }
        };
        next();
      });
    });
    await new Promise<void>((r) => srv.listen(0, HOST, r));
    const { dp, tcpPort } = await tcpRelay((srv.address() as net.AddressInfo).port);
    const before = { ...relayWrites };
    try {
      const clients = downs.map((_, i) => {
        const c = net.connect({ port: tcpPort, host: HOST, allowHalfOpen: true });
        c.on('error', () => {});
        c.pause();
        c.write(Buffer.from([i]));
        return c;
      });
      await Promise.all(stalls);
      const got = clients.map(
        (c) =>
          new Promise<Buffer>((resolve) => {
            const parts: Buffer[] = [];
            c.on('data', (d: Buffer) => parts.push(d));
            c.on('end', () => resolve(Buffer.concat(parts)));
          }),
      );
      for (const c of clients) c.resume();
      const at = await Promise.all(got);
      for (const c of clients) c.destroy();
      expect(accepted).to.equal(2);
      for (let i = 0; i < downs.length; i++) {
        expect(at[i]!.length, `download ${i}`).to.equal(downs[i]!.length);
        expect(at[i]!.equals(downs[i]!), `download ${i} whole and in order`).to.equal(true);
      }
      expect(
        relayWrites.staged - before.staged,
        'small reads written from the staging buffer',
      ).to.be.greaterThan(0);
      expect(relayWrites.stagedQueued - before.stagedQueued, 'staged writes queued').to.be.greaterThan(0);
      expect(relayWrites.stages - before.stages, 'a new staging buffer past a full one').to.be.greaterThan(1);
    } finally {
      await dp.close();
      srv.close();
    }
  });
});
