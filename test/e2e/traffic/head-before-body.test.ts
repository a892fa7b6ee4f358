// A message head is relayed before its body arrives, both ways, over a pooled server connection:
// the engine holds a head back to write it with the body only while the body is already at hand.
// A response head must reach the client while the server still holds the body (streaming, long
// polls), and a request head must reach the server while the client still holds its upload
// (a server may answer, or start reading, on the head alone). Both requests follow one that left
// its server connection in the pool, so they go out on a reused connection.
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { HOST, backend, frontend, harness, server, type Harness } from './support.js';

/** Resolves when `check()` holds; fails after `ms` (the test's bound, not a timing assertion). */
async function until(what: string, check: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * The origin: `GET /warm` answers at once; `GET /slow` sends its head and holds the body until
 * releaseBody(); `POST /upload` records that its head arrived, then answers once the 5-byte body
 * is read.
 */
async function origin(): Promise<{
  port: number;
  uploadHeads: number;
  uploadBodies: string[];
  releaseBody(): void;
  close(): Promise<void>;
}> {
  const sockets = new Set<net.Socket>();
  const held: net.Socket[] = [];
  const state = {
    port: 0,
    uploadHeads: 0,
    uploadBodies: [] as string[],
    releaseBody: () => {
      for (const s of held.splice(0)) s.write('body');
    },
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        srv.close(() => r());
      }),
  };
  const srv = net.createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => {});
    let buf = '';
    let uploading = false;
    s.on('data', (d: Buffer) => {
      buf += d.toString('latin1');
      for (;;) {
        if (uploading) {
          if (buf.length < 5) return;
          state.uploadBodies.push(buf.slice(0, 5));
          buf = buf.slice(5);
          uploading = false;
          s.write('HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\nuploaded');
          continue;
        }
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const line = buf.slice(0, buf.indexOf('\r\n'));
        buf = buf.slice(end + 4);
        if (line.startsWith('GET /warm ')) s.write('HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nwarm');
        else if (line.startsWith('GET /slow ')) {
          s.write('HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\n');
          held.push(s);
        } else if (line.startsWith('POST /upload ')) {
          state.uploadHeads++;
          uploading = true;
        } else s.write('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n');
      }
    });
  });
  await new Promise<void>((r) => srv.listen(0, HOST, r));
  state.port = (srv.address() as AddressInfo).port;
  return state;
}

/** One kept-alive client connection with everything it received. */
function client(port: number): { socket: net.Socket; got: () => string } {
  const socket = net.connect(port, HOST);
  let got = '';
  socket.on('data', (d: Buffer) => (got += d.toString('latin1')));
  socket.on('error', () => {});
  return { socket, got: () => got };
}

describe('e2e/traffic: a head goes out before its body, on a pooled server connection', function () {
  this.timeout(30_000);
  let h: Harness;
  let o: Awaited<ReturnType<typeof origin>>;

  before(async () => {
    o = await origin();
    h = await harness();
    await h.apply(
      [frontend('default/fe', h.port, { defaultBackend: 'default/web' })],
      [backend('default/web', [server('origin', o.port)])],
    );
  });
  after(async () => {
    await h?.close();
    await o?.close();
  });

  it('the response head reaches the client while the server still holds the body', async () => {
    const c = client(h.port);
    try {
      c.socket.write('GET /warm HTTP/1.1\r\nHost: x\r\n\r\n');
      await until('the first answer', () => c.got().endsWith('warm'));
      const before = c.got().length;
      c.socket.write('GET /slow HTTP/1.1\r\nHost: x\r\n\r\n');
      await until('the response head', () => c.got().slice(before).includes('\r\n\r\n'));
      const head = c.got().slice(before);
      expect(head).to.match(/^HTTP\/1\.1 200 OK\r\n/);
      expect(head.endsWith('\r\n\r\n'), 'nothing of the body yet').to.equal(true);
      o.releaseBody();
      await until('the body', () => c.got().endsWith('body'));
    } finally {
      c.socket.destroy();
    }
  });

  it('the request head reaches the server while the client still holds its body', async () => {
    const c = client(h.port);
    try {
      c.socket.write('GET /warm HTTP/1.1\r\nHost: x\r\n\r\n');
      await until('the first answer', () => c.got().endsWith('warm'));
      const heads = o.uploadHeads;
      c.socket.write('POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n');
      await until('the request head at the server', () => o.uploadHeads === heads + 1);
      expect(o.uploadBodies).to.have.length(heads);
      c.socket.write('hello');
      await until('the answer to the upload', () => c.got().endsWith('uploaded'));
      expect(o.uploadBodies[heads]).to.equal('hello');
    } finally {
      c.socket.destroy();
    }
  });
});
