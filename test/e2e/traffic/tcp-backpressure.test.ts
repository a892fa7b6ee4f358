// Backpressure both ways through the TCP proxy (mode: tcp): a server that stops reading holds the
// client back, and a client that stops reading holds the server back. What may sit between the
// two ends is the kernel socket buffers of both legs plus a few reads of the proxy's own — never
// the stream. Then every byte arrives, in order, and each side's end is relayed as a half-close.
import net from 'node:net';
import { expect } from 'chai';
import {
  BACKPRESSURE_BOUND,
  HOST,
  backend,
  frontend,
  harness,
  server,
  untilHeld,
  type Harness,
} from './support.js';

/** Bytes sent each way: far more than anything buffered along the way. */
const TOTAL = 256 * 1024 * 1024;
const MIB = Buffer.alloc(1024 * 1024, 0x62);

/** Writes TOTAL bytes to `s` as fast as it takes them, counting what reached the kernel; then ends. */
function pour(s: net.Socket, flushed: { n: number }): void {
  let sent = 0;
  const more = (): void => {
    while (sent < TOTAL) {
      sent += MIB.length;
      const ok = s.write(MIB, () => (flushed.n += MIB.length));
      if (!ok) return void s.once('drain', more);
    }
    s.end();
  };
  more();
}

/** Reads `s` (paused until now) to its end: the byte count, and whether every byte was 'b'. */
function drain(s: net.Socket): Promise<{ n: number; clean: boolean }> {
  return new Promise((resolve) => {
    let n = 0;
    let clean = true;
    s.on('data', (d: Buffer) => {
      n += d.length;
      if (clean && d.some((x) => x !== 0x62)) clean = false;
    });
    s.once('end', () => resolve({ n, clean }));
    s.resume();
  });
}

describe('e2e/traffic: TCP proxy backpressure both ways', function () {
  this.timeout(120_000);
  let h: Harness;
  let origin: net.Server;
  /** The origin's side of the current session. */
  let originSide: Promise<net.Socket>;
  let accept: (s: net.Socket) => void = () => {};

  before(async () => {
    origin = net.createServer({ allowHalfOpen: true }, (s) => {
      s.on('error', () => {});
      s.pause();
      accept(s);
    });
    await new Promise<void>((r) => origin.listen(0, HOST, r));
    h = await harness();
    await h.apply(
      [frontend('default/t', h.port, { mode: 'tcp', defaultBackend: 'default/t' })],
      [
        backend('default/t', [server('origin', (origin.address() as net.AddressInfo).port)], {
          mode: 'tcp',
          timeouts: { connect: 1000, server: 60_000, queue: 1000, tunnel: 60_000 },
        }),
      ],
    );
  });

  after(async () => {
    await h?.close();
    await new Promise<void>((r) => origin.close(() => r()));
  });

  async function session(): Promise<{ client: net.Socket; far: net.Socket }> {
    originSide = new Promise((r) => (accept = r));
    const client = net.connect({ port: h.port, host: HOST, allowHalfOpen: true });
    client.on('error', () => {});
    client.pause();
    await new Promise<void>((r) => client.once('connect', r));
    return { client, far: await originSide };
  }

  it(`upload: a server that does not read holds the client back (${TOTAL / 1024 / 1024} MiB), then gets it whole`, async () => {
    const { client, far } = await session();
    const flushed = { n: 0 };
    pour(client, flushed);
    await untilHeld(() => flushed.n);
    expect(flushed.n, 'the client got some of the stream out').to.be.above(0);
    console.log(
      `      upload held at ${(flushed.n / 1024 / 1024).toFixed(1)} MiB while the server read nothing (bound ${(BACKPRESSURE_BOUND / 1024 / 1024).toFixed(0)} MiB)`,
    );
    expect(flushed.n).to.be.below(BACKPRESSURE_BOUND);
    const got = await drain(far); // ends with the client's half-close, relayed
    expect(got).to.deep.equal({ n: TOTAL, clean: true });
    far.end('done'); // the other way still works after a half-close
    const back = await new Promise<string>((resolve) => {
      let text = '';
      client.on('data', (d: Buffer) => (text += d.toString()));
      client.once('end', () => resolve(text));
      client.resume();
    });
    expect(back).to.equal('done');
    client.destroy();
  });

  it(`download: a client that does not read holds the server back (${TOTAL / 1024 / 1024} MiB), then gets it whole`, async () => {
    const { client, far } = await session();
    const flushed = { n: 0 };
    pour(far, flushed);
    await untilHeld(() => flushed.n);
    expect(flushed.n, 'the server got some of the stream out').to.be.above(0);
    console.log(
      `      download held at ${(flushed.n / 1024 / 1024).toFixed(1)} MiB while the client read nothing (bound ${(BACKPRESSURE_BOUND / 1024 / 1024).toFixed(0)} MiB)`,
    );
    expect(flushed.n).to.be.below(BACKPRESSURE_BOUND);
    const got = await drain(client);
    expect(got).to.deep.equal({ n: TOTAL, clean: true });
    client.destroy();
  });
});
