// Inactivity limits without a timer per read or write (limits/inactivity.ts): over real sockets,
// a watched connection that moves no byte expires between the limit and 1.25 × the limit, one
// that keeps moving bytes does not, an unwatched one never does, and an expired one expires again
// only after new activity. (The TCP proxy's tunnel timeout: apply-and-tcp.test.ts.)
import { expect } from 'chai';
import net from 'node:net';
import { InactivityLimit, type Inactive } from '#dataplane/limits/inactivity';
import { HOST, sleep } from './helpers.js';

/** A connected pair on 127.0.0.1: [the side under test, its peer]. */
async function pair(): Promise<[net.Socket, net.Socket, () => void]> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, HOST, r));
  const peer = new Promise<net.Socket>((r) => srv.once('connection', r));
  const s = net.connect((srv.address() as net.AddressInfo).port, HOST);
  await new Promise<void>((r) => s.once('connect', r));
  const p = await peer;
  p.on('data', () => {});
  s.on('data', () => {});
  return [s, p, () => (s.destroy(), p.destroy(), srv.close())];
}

class Watched implements Inactive {
  watching = true;
  readonly expiries: number[] = [];
  readonly t0 = Date.now();
  constructor(readonly socket: net.Socket) {}
  watched(): boolean {
    return this.watching;
  }
  expired(): void {
    this.expiries.push(Date.now() - this.t0);
  }
}

// Limits are several times the 50 ms activity period and the waits several times the limits, so a
// loaded machine's late timers (a stall of a few hundred ms) neither fake nor hide an expiry.
const LIMIT = 400;
/** What a timer may fire late on a loaded machine, on top of the 1.25 × bound. */
const SLACK = 150;

describe('dataplane/http: inactivity limits', function () {
  this.timeout(20_000);

  it('expires a silent watched connection after the limit (within 1.25 × it), once until bytes move again', async () => {
    const [s, p, close] = await pair();
    try {
      const w = new Watched(s);
      const limit = new InactivityLimit(w);
      limit.set(LIMIT);
      await sleep(3 * LIMIT);
      expect(w.expiries).to.have.length(1);
      expect(w.expiries[0]).to.be.at.least(LIMIT);
      expect(w.expiries[0]).to.be.below(LIMIT * 1.25 + SLACK);
      // Activity re-arms it: another full silence is needed. The clock is read before the write
      // (the activity cannot be earlier), not after a sleep that a loaded machine may end late.
      const again = Date.now();
      p.write('x');
      await sleep(3 * LIMIT);
      expect(w.expiries).to.have.length(2);
      expect(w.expiries[1]! - (again - w.t0)).to.be.at.least(LIMIT - 50);
      limit.clear();
    } finally {
      close();
    }
  });

  it('never expires while bytes move either way, nor while not watched', async () => {
    const [s, p, close] = await pair();
    try {
      const reading = new Watched(s);
      const rl = new InactivityLimit(reading);
      rl.set(LIMIT);
      for (let i = 0; i < 10; i++) {
        p.write('x'); // read by s
        await sleep(50);
      }
      expect(reading.expiries).to.deep.equal([]);
      for (let i = 0; i < 10; i++) {
        s.write('y'); // written by s
        await sleep(50);
      }
      expect(reading.expiries).to.deep.equal([]);
      reading.watching = false; // e.g. between requests: other timers apply
      await sleep(2 * LIMIT);
      expect(reading.expiries).to.deep.equal([]);
      reading.watching = true;
      await sleep(3 * LIMIT);
      expect(reading.expiries).to.have.length(1);
      rl.clear();
    } finally {
      close();
    }
  });

  it('counts a write the kernel takes bit by bit as activity (a slow but steady reader is not cut)', async () => {
    const [s, p, close] = await pair();
    try {
      p.pause();
      const w = new Watched(s);
      const limit = new InactivityLimit(w);
      s.write(Buffer.alloc(128 * 1024 * 1024)); // far more than the socket buffers hold
      limit.set(LIMIT);
      // Every 50 ms the peer reads until the write in flight has shrunk, then stops: the write
      // moves, but never completes. (Reading for a fixed moment, or one chunk, did not always
      // move it: the peer's kernel reopens its receive window to the writer only once enough of
      // its buffer is free, so the writer's progress came in bursts, and on a loaded machine four
      // quiet sweeps fell between two of them.)
      const inFlight = (): number =>
        s.writableLength +
        ((s as unknown as { _handle?: { writeQueueSize?: number } })._handle?.writeQueueSize ?? 0);
      for (let i = 0; i < 12; i++) {
        await sleep(50);
        const before = inFlight();
        const deadline = Date.now() + 5_000;
        p.resume();
        while (inFlight() === before && Date.now() < deadline) await new Promise((r) => setImmediate(r));
        p.pause();
        expect(inFlight(), 'the write in flight shrank').to.be.below(before);
      }
      expect(s.writableLength).to.be.above(0);
      expect(w.expiries).to.deep.equal([]);
      await sleep(3 * LIMIT); // the reader stops: now it expires
      expect(w.expiries).to.have.length(1);
      limit.clear();
    } finally {
      close();
    }
  });
});
