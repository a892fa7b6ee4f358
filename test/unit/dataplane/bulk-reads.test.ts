// util/socket-reads.ts: a bulk transfer's reads go into a buffer of the connection's own, which
// takes the next read again when the chunk read into it was written out whole at once (or dropped),
// and comes back when a write that queued it completes. Reusing a buffer that something still
// holds would corrupt the stream, so every transfer here checks its bytes end to end (SHA-256)
// against a reader that keeps up and one that stalls (writes queued, reading paused), both ways;
// and the counters show the reuse is taken (it fails if the fast path is lost).
import { expect } from 'chai';
import crypto from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import { startDataplane, type Dataplane } from '#dataplane/dataplane';
import { makeSnapshot } from '#protocol/canonical';
import { Reads, bulkBuffers } from '#dataplane/util/socket-reads';
import { HOST, backend, body, freePort, frontend, quietLogger, server } from './helpers.js';

const SIZE = 8 * 1024 * 1024;

const sha = (b: Buffer): string => crypto.createHash('sha256').update(b).digest('hex');

/** Reads a whole HTTP/1.1 response from `s` (Content-Length framing), pausing `stallMs` every `every` bytes. */
async function readResponse(
  s: net.Socket,
  stallMs: number,
  every = 1 << 20,
): Promise<{ head: string; body: Buffer }> {
  const parts: Buffer[] = [];
  let got = 0;
  let nextStall = every;
  return new Promise((resolve, reject) => {
    s.on('error', reject);
    s.on('data', (d: Buffer) => {
      parts.push(d);
      got += d.length;
      const all = Buffer.concat(parts);
      const end = all.indexOf('\r\n\r\n');
      if (end >= 0) {
        const head = all.subarray(0, end).toString('latin1');
        const len = Number(/content-length: (\d+)/i.exec(head)?.[1] ?? -1);
        if (all.length - end - 4 >= len) {
          resolve({ head, body: all.subarray(end + 4, end + 4 + len) });
          return;
        }
      }
      if (stallMs > 0 && got >= nextStall) {
        nextStall += every;
        s.pause();
        setTimeout(() => s.resume(), stallMs);
      }
    });
  });
}

describe('dataplane: bulk reads reuse their buffer only when nothing holds it', function () {
  this.timeout(60_000);
  const payload = crypto.randomBytes(SIZE);
  let up: http.Server;
  let dp: Dataplane;
  let port: number;
  /** Bodies the server received, by hash, and whether its reads stalled. */
  let received: string[];
  let slowServer = false;

  before(async () => {
    up = http.createServer((req, res) => {
      if (req.method === 'PUT') {
        const parts: Buffer[] = [];
        req.on('data', (d: Buffer) => {
          parts.push(d);
          if (slowServer && parts.length % 64 === 0) {
            req.pause();
            setTimeout(() => req.resume(), 20);
          }
        });
        req.on('end', () => {
          received.push(sha(Buffer.concat(parts)));
          res.end('ok');
        });
        return;
      }
      res.setHeader('content-length', payload.length);
      res.end(payload);
    });
    await new Promise<void>((r) => up.listen(0, HOST, r));
    port = await freePort();
    dp = await startDataplane({ group: 'default', nodeId: 'test', admin: null, logger: quietLogger() });
    const r = await dp.applySnapshot(
      makeSnapshot(
        body(
          [frontend('default/fe', port, { defaultBackend: 'default/web' })],
          [backend('default/web', [server('a', (up.address() as net.AddressInfo).port)])],
        ),
      ),
    );
    expect(r, JSON.stringify(r)).to.deep.include({ ok: true });
  });
  after(async () => {
    await dp.close();
    await new Promise<void>((r) => up.close(() => r()));
  });
  beforeEach(() => {
    received = [];
    slowServer = false;
    bulkBuffers.given = bulkBuffers.reused = bulkBuffers.queued = bulkBuffers.returned = 0;
  });

  async function download(stallMs: number): Promise<void> {
    const s = net.connect(port, HOST);
    s.write('GET /big HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    const { head, body } = await readResponse(s, stallMs);
    s.destroy();
    expect(head).to.match(/^HTTP\/1\.1 200/);
    expect(body.length).to.equal(SIZE);
    expect(sha(body)).to.equal(sha(payload));
  }

  async function upload(): Promise<void> {
    const s = net.connect(port, HOST);
    s.write(`PUT /up HTTP/1.1\r\nHost: x\r\nContent-Length: ${SIZE}\r\nConnection: close\r\n\r\n`);
    // In pieces of several sizes, so reads straddle the head and buffer boundaries.
    for (let at = 0, i = 0; at < SIZE; i++) {
      const n = Math.min(SIZE - at, [65536, 100_000, 7000, 250_000][i % 4]!);
      if (!s.write(payload.subarray(at, at + n))) await new Promise((r) => s.once('drain', r));
      at += n;
    }
    const { head } = await new Promise<{ head: string }>((resolve, reject) => {
      let text = '';
      s.on('data', (d: Buffer) => (text += d.toString('latin1')));
      s.on('end', () => resolve({ head: text }));
      s.on('error', reject);
    });
    expect(head).to.match(/^HTTP\/1\.1 200/);
    // The server saw every byte: what it hashed is the payload (several uploads may have ended).
    expect(received.length).to.be.greaterThan(0);
    for (const h of received) expect(h).to.equal(sha(payload));
  }

  it('a download to a client that keeps up arrives intact, reads reusing their buffer', async () => {
    await download(0);
    expect(bulkBuffers.reused, JSON.stringify(bulkBuffers)).to.be.greaterThan(0);
  });

  it('a download to a client that stalls arrives intact; queued buffers come back only once written', async () => {
    await download(30);
    expect(bulkBuffers.queued, JSON.stringify(bulkBuffers)).to.be.greaterThan(0);
    expect(bulkBuffers.returned, JSON.stringify(bulkBuffers)).to.be.greaterThan(0);
  });

  it('an upload to a server that keeps up, and to one that stalls, arrives intact', async () => {
    await upload();
    expect(bulkBuffers.reused + bulkBuffers.queued, JSON.stringify(bulkBuffers)).to.be.greaterThan(0);
    received = [];
    slowServer = true;
    await upload();
    expect(received).to.have.length(1);
  });

  it('several transfers at once, both ways, each intact', async () => {
    slowServer = true;
    await Promise.all([download(0), download(20), upload(), upload()]);
    expect(received).to.deep.equal([sha(payload), sha(payload)]);
  });

  it('a chunk its callee keeps is never read into again', async () => {
    // The callee keeps every chunk and writes none: each bulk read must get a buffer of its own.
    const kept: Buffer[] = [];
    const srv = net.createServer((c) => {
      c.end(payload.subarray(0, 2 * 1024 * 1024));
    });
    await new Promise<void>((r) => srv.listen(0, HOST, r));
    try {
      const reads = new Reads((chunk) => kept.push(chunk));
      const s = net.connect({ port: (srv.address() as net.AddressInfo).port, host: HOST, onread: reads });
      await new Promise<void>((r, j) => {
        s.on('end', r);
        s.on('close', () => r());
        s.on('error', j);
      });
      const all = Buffer.concat(kept);
      expect(sha(all)).to.equal(sha(payload.subarray(0, 2 * 1024 * 1024)));
      expect(bulkBuffers.reused).to.equal(0);
      expect(bulkBuffers.given).to.be.greaterThan(0);
    } finally {
      srv.close();
    }
  });
});
