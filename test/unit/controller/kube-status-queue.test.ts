// The Kubernetes status writer's queue, stepped through time with a manual clock: the last
// status of an object wins, an object edited without pause is still written within the bound,
// one write per object at a time (a newer status never overwritten by an older one), failed
// writes retried with a backoff, oldest due first under the concurrency limit.
import { expect } from 'chai';
import { StatusWriteQueue, type StatusQueueTimers } from '#controller/status/kube-status-queue';

/** A clock that moves only when told; timers fire in order of their time. */
class ManualTimers implements StatusQueueTimers {
  private t = 0;
  private seq = 0;
  private readonly due = new Map<number, { at: number; fn: () => void }>();
  now(): number {
    return this.t;
  }
  set(fn: () => void, ms: number): { cancel(): void } {
    const id = ++this.seq;
    this.due.set(id, { at: this.t + ms, fn });
    return { cancel: () => this.due.delete(id) };
  }
  /** Move to `to`, firing every timer due on the way (and the promise jobs each one starts). */
  async advanceTo(to: number): Promise<void> {
    for (;;) {
      await settle();
      let first: [number, { at: number; fn: () => void }] | undefined;
      for (const e of this.due) if (e[1].at <= to && (!first || e[1].at < first[1].at)) first = e;
      if (!first) break;
      this.due.delete(first[0]);
      this.t = Math.max(this.t, first[1].at);
      first[1].fn();
    }
    this.t = to;
    await settle();
  }
  async advance(ms: number): Promise<void> {
    await this.advanceTo(this.t + ms);
  }
}

/** Let promise jobs and immediates run. */
const settle = async () => {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
};

interface Sent {
  key: string;
  item: string;
  at: number;
}

/** A queue whose writes are recorded and finish when the test says (or at once). */
function harness(
  opts: { holdoffMs?: number; maxDelayMs?: number; concurrency?: number; manual?: boolean } = {},
) {
  const timers = new ManualTimers();
  const sent: Sent[] = [];
  const open: { key: string; item: string; resolve: () => void; reject: (e: Error) => void }[] = [];
  const failNext = new Set<string>();
  const queue = new StatusWriteQueue<string>({
    holdoffMs: opts.holdoffMs ?? 500,
    maxDelayMs: opts.maxDelayMs ?? 2_000,
    concurrency: opts.concurrency ?? 4,
    retryBaseMs: 1_000,
    retryMaxMs: 8_000,
    timers,
    send: (key, item) => {
      sent.push({ key, item, at: timers.now() });
      if (failNext.delete(key)) return Promise.reject(new Error('HTTP 500'));
      if (!opts.manual) return Promise.resolve();
      return new Promise<void>((resolve, reject) => open.push({ key, item, resolve, reject }));
    },
  });
  return { queue, timers, sent, open, failNext };
}

describe('kube status queue', () => {
  it('writes the last status put within the holdoff, once', async () => {
    const { queue, timers, sent } = harness();
    queue.put('a', 'pending');
    await timers.advance(200);
    queue.put('a', 'programmed');
    await timers.advance(499);
    expect(sent, 'the holdoff counts from the last put').to.deep.equal([]);
    await timers.advance(1);
    expect(sent).to.deep.equal([{ key: 'a', item: 'programmed', at: 700 }]);
    expect(queue.stats).to.include({ coalesced: 1, sent: 1 });
    await queue.idle();
    await timers.advance(10_000);
    expect(sent).to.have.length(1);
  });

  it('an object whose status keeps changing is still written maxDelayMs after its first put', async () => {
    const { queue, timers, sent } = harness();
    // A put every 100 ms for 5 s: the holdoff alone would never end.
    for (let t = 0; t < 5_000; t += 100) {
      queue.put('busy', `v${t}`);
      await timers.advance(100);
    }
    // Written at 2,000 ms (the bound) with what was latest then, and again 2,000 ms later.
    expect(sent.map((s) => [s.at, s.item])).to.deep.equal([
      [2_000, 'v1900'],
      [4_000, 'v3900'],
    ]);
    await timers.advance(500);
    expect(sent.at(-1)).to.deep.equal({ key: 'busy', item: 'v4900', at: 5_400 });
  });

  it('one write per object at a time: a status put during a write is written after it, never before', async () => {
    const { queue, timers, sent, open } = harness({ manual: true });
    queue.put('a', 'one');
    await timers.advance(500);
    expect(sent.map((s) => s.item)).to.deep.equal(['one']);
    queue.put('a', 'two');
    queue.put('a', 'three');
    await timers.advance(5_000);
    expect(
      sent.map((s) => s.item),
      'nothing else while "one" is in flight',
    ).to.deep.equal(['one']);
    expect(queue.has('a')).to.equal(true);
    open.shift()!.resolve();
    await settle();
    // Due long ago (its bound passed during the write): written as soon as the write ended.
    expect(sent.map((s) => s.item)).to.deep.equal(['one', 'three']);
    open.shift()!.resolve();
    await queue.idle();
  });

  it('a failed write is retried with a doubling backoff; a newer status put meanwhile is what is retried', async () => {
    const { queue, timers, sent, failNext } = harness();
    queue.put('a', 'one');
    failNext.add('a');
    await timers.advance(500);
    expect(sent.map((s) => [s.at, s.item])).to.deep.equal([[500, 'one']]);
    // Retried 1 s later with the same status.
    failNext.add('a');
    await timers.advance(999);
    expect(sent).to.have.length(1);
    await timers.advance(1);
    expect(sent.map((s) => [s.at, s.item])).to.deep.equal([
      [500, 'one'],
      [1_500, 'one'],
    ]);
    // Second failure: 2 s. A newer status put meanwhile is written instead, not before the backoff.
    queue.put('a', 'two');
    await timers.advance(1_999);
    expect(sent).to.have.length(2);
    await timers.advance(1);
    expect(sent.map((s) => [s.at, s.item]).at(-1)).to.deep.equal([3_500, 'two']);
    await queue.idle();
    expect(queue.stats.retries).to.equal(2);
    // A success clears the backoff: the next failure waits the first delay again.
    queue.put('a', 'three');
    failNext.add('a');
    await timers.advance(500);
    await timers.advance(1_000);
    expect(sent.map((s) => [s.at, s.item]).slice(-2)).to.deep.equal([
      [4_000, 'three'],
      [5_000, 'three'],
    ]);
  });

  it('at most `concurrency` writes at once, oldest due first, so none is passed over', async () => {
    const { queue, timers, sent, open } = harness({ manual: true, concurrency: 2 });
    for (const k of ['a', 'b', 'c', 'd']) {
      queue.put(k, k);
      await timers.advance(10);
    }
    await timers.advance(500);
    expect(sent.map((s) => s.key)).to.deep.equal(['a', 'b']);
    // Newer objects keep coming while the writes are slow: c and d still go first.
    queue.put('e', 'e');
    queue.put('f', 'f');
    await timers.advance(600);
    expect(sent.map((s) => s.key)).to.deep.equal(['a', 'b']);
    open.shift()!.resolve();
    await settle();
    expect(sent.map((s) => s.key)).to.deep.equal(['a', 'b', 'c']);
    open.shift()!.resolve();
    await settle();
    expect(sent.map((s) => s.key)).to.deep.equal(['a', 'b', 'c', 'd']);
    while (open.length) {
      open.shift()!.resolve();
      await settle();
    }
    await queue.idle();
    expect(sent.map((s) => s.key)).to.deep.equal(['a', 'b', 'c', 'd', 'e', 'f']);
  });

  it('drop, clear and close: what is pending is not written', async () => {
    const { queue, timers, sent } = harness();
    queue.put('a', 'a');
    queue.put('b', 'b');
    queue.drop('a');
    await timers.advance(500);
    expect(sent.map((s) => s.key)).to.deep.equal(['b']);
    queue.put('c', 'c');
    queue.clear();
    await timers.advance(5_000);
    expect(sent).to.have.length(1);
    await queue.idle();
    queue.put('d', 'd');
    queue.close();
    queue.put('e', 'e');
    await timers.advance(5_000);
    expect(sent).to.have.length(1);
    expect(queue.size).to.equal(0);
  });
});
