// Backpressure both ways through the HTTP/1.1 engine: a server that stops reading an upload holds
// the client back, and a client that stops reading a download holds the server back. What may sit
// between the two ends is the kernel socket buffers of both legs plus the engine's own small
// buffers — not the body: the engine never reads ahead of the side that is not taking.
import http from 'node:http';
import net from 'node:net';
import { expect } from 'chai';
import {
  BACKPRESSURE_BOUND,
  HOST,
  backend,
  frontend,
  harness,
  server,
  sleep,
  untilHeld,
  type Harness,
} from './support.js';

/** Body size: far more than anything buffered along the way. */
const TOTAL = 512 * 1024 * 1024;
const MIB = Buffer.alloc(1024 * 1024, 0x62);

describe('e2e/traffic: backpressure both ways', function () {
  this.timeout(120_000);
  let h: Harness;
  let origin: http.Server;
  /** Lets the origin read the upload it is holding. */
  let releaseUpload: () => void = () => {};
  /** Body bytes the origin wrote that reached its kernel (download). */
  let downloadFlushed = 0;

  before(async () => {
    origin = http.createServer((req, res) => {
      if (req.url === '/up') {
        req.pause();
        releaseUpload = () => {
          let n = 0;
          req.on('data', (c: Buffer) => (n += c.length));
          req.on('end', () => res.end(String(n)));
          req.resume();
        };
        return;
      }
      res.writeHead(200, { 'content-length': String(TOTAL) });
      let sent = 0;
      const more = (): void => {
        while (sent < TOTAL) {
          sent += MIB.length;
          const ok = res.write(MIB, () => (downloadFlushed += MIB.length));
          if (!ok) return void res.once('drain', more);
        }
        res.end();
      };
      more();
    });
    await new Promise<void>((r) => origin.listen(0, HOST, r));
    h = await harness();
    const port = (origin.address() as net.AddressInfo).port;
    await h.apply(
      [frontend('default/fe', h.port, { defaultBackend: 'default/web' })],
      [
        backend('default/web', [server('origin', port)], {
          timeouts: { connect: 1000, server: 60_000, queue: 1000, tunnel: 60_000 },
        }),
      ],
    );
  });

  after(async () => {
    await h?.close();
    origin.closeAllConnections();
    await new Promise<void>((r) => origin.close(() => r()));
  });

  it(`upload: a server that does not read holds the client back (${TOTAL / 1024 / 1024} MiB body), then gets it whole`, async () => {
    const s = net.connect(h.port, HOST);
    s.on('error', () => {});
    await new Promise<void>((r) => s.once('connect', r));
    let answer = '';
    s.on('data', (d: Buffer) => (answer += d.toString('latin1')));
    let flushed = 0; // body bytes the client's kernel accepted
    let queued = 0;
    const pump = (): void => {
      while (queued < TOTAL) {
        queued += MIB.length;
        if (!s.write(MIB, () => (flushed += MIB.length))) return void s.once('drain', pump);
      }
    };
    s.write(`POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: ${TOTAL}\r\n\r\n`);
    pump();
    const held = await untilHeld(() => flushed);
    expect(held, 'the client got some of the body out').to.be.above(0);
    console.log(
      `      upload held at ${(held / 1024 / 1024).toFixed(1)} MiB while the server read nothing (bound ${(BACKPRESSURE_BOUND / 1024 / 1024).toFixed(0)} MiB)`,
    );
    expect(held).to.be.below(BACKPRESSURE_BOUND);
    releaseUpload();
    const deadline = Date.now() + 60_000;
    while (!/\r\n\r\n\d+$/.test(answer) && Date.now() < deadline) await sleep(50);
    s.destroy();
    expect(answer).to.match(/^HTTP\/1\.1 200 /);
    expect(answer.split('\r\n\r\n')[1]).to.equal(String(TOTAL));
  });

  it(`download: a client that does not read holds the server back (${TOTAL / 1024 / 1024} MiB body), then gets it whole`, async () => {
    downloadFlushed = 0;
    const s = net.connect(h.port, HOST);
    s.on('error', () => {});
    await new Promise<void>((r) => s.once('connect', r));
    s.pause();
    s.write('GET /down HTTP/1.1\r\nHost: x\r\n\r\n');
    const held = await untilHeld(() => downloadFlushed);
    expect(held, 'the server got some of the body out').to.be.above(0);
    console.log(
      `      download held at ${(held / 1024 / 1024).toFixed(1)} MiB while the client read nothing (bound ${(BACKPRESSURE_BOUND / 1024 / 1024).toFixed(0)} MiB)`,
    );
    expect(held).to.be.below(BACKPRESSURE_BOUND);
    let head = '';
    let body = 0;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${body} body bytes`)), 60_000);
      s.on('data', (d: Buffer) => {
        if (!head.includes('\r\n\r\n')) {
          head += d.toString('latin1');
          const at = head.indexOf('\r\n\r\n');
          if (at < 0) return;
          body += Buffer.byteLength(head.slice(at + 4), 'latin1');
          head = head.slice(0, at + 4);
        } else body += d.length;
        if (body >= TOTAL) {
          clearTimeout(timer);
          resolve();
        }
      });
      s.resume();
    });
    s.destroy();
    expect(head).to.match(/^HTTP\/1\.1 200 /);
    expect(body).to.equal(TOTAL);
  });
});
