import { expect } from 'chai';
import { watch, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Coalescer } from '#controller/store/coalescer';
import { sleep, waitFor } from './helpers.js';

describe('coalescer', function () {
  this.timeout(5000);
  const open: Coalescer[] = [];
  const make = (
    run: () => void | Promise<void>,
    holdoffMs: number,
    maxDelayMs: number,
    onError?: (e: unknown) => void,
  ) => {
    const c = new Coalescer(run, { holdoffMs, maxDelayMs, ...(onError ? { onError } : {}) });
    open.push(c);
    return c;
  };
  afterEach(async () => {
    await Promise.all(open.splice(0).map((c) => c.close()));
  });

  it('runs once, after the holdoff, for a single event', async () => {
    const runs: number[] = [];
    const t0 = Date.now();
    const c = make(() => void runs.push(Date.now() - t0), 30, 200);
    c.trigger();
    await sleep(10);
    expect(runs).to.have.length(0);
    await waitFor(() => runs.length === 1, 1000, 'run');
    expect(runs[0]).to.be.at.least(25);
    await sleep(60);
    expect(runs).to.have.length(1);
  });

  it('with a lead, runs a lone event at once and still folds the rest of a burst', async () => {
    // A holdoff long enough that "at once" and "after the holdoff" stay apart on a loaded machine.
    const runs: number[] = [];
    const t0 = performance.now();
    const c = new Coalescer(() => void runs.push(performance.now() - t0), {
      holdoffMs: 1000,
      maxDelayMs: 4000,
      leadingMs: 1,
    });
    open.push(c);
    c.trigger();
    await waitFor(() => runs.length === 1, 2000, 'first run');
    expect(runs[0]).to.be.below(500); // not held for the holdoff
    // A burst right after: held for the holdoff, folded into one run.
    for (let i = 0; i < 20; i++) c.trigger();
    await sleep(200);
    expect(runs).to.have.length(1);
    await waitFor(() => runs.length === 2, 3000, 'second run');
    await sleep(1100);
    expect(runs).to.have.length(2);
    // Quiet again: the next lone event leads again.
    const t1 = performance.now() - t0;
    c.trigger();
    await waitFor(() => runs.length === 3, 2000, 'third run');
    expect(runs[2]! - t1).to.be.below(500);
  });

  it('with a lead, events within the lead join its run instead of waiting out the holdoff', async () => {
    const runs: number[] = [];
    const t0 = performance.now();
    const c = new Coalescer(() => void runs.push(performance.now() - t0), {
      holdoffMs: 2000,
      maxDelayMs: 4000,
      leadingMs: 50,
    });
    open.push(c);
    c.trigger();
    // A second event inside the lead (a file write's truncation, then its write): one run,
    // at the lead, not at the 2 s holdoff.
    await sleep(5);
    c.trigger();
    await waitFor(() => runs.length === 1, 1500, 'run at the lead');
    expect(runs[0]).to.be.below(1000);
    await sleep(100);
    expect(runs).to.have.length(1);
  });

  it('a run that changed nothing does not end the quiet spell: the next event leads again', async () => {
    const runs: number[] = [];
    const t0 = performance.now();
    let outcome = false;
    const c = new Coalescer(
      () => {
        runs.push(performance.now() - t0);
        return outcome;
      },
      { holdoffMs: 2000, maxDelayMs: 4000, leadingMs: 1 },
    );
    open.push(c);
    c.trigger();
    await waitFor(() => runs.length === 1, 1500, 'first run');
    // Right after a run that changed nothing: led again, not held for the holdoff.
    const t1 = performance.now() - t0;
    outcome = true;
    c.trigger();
    await waitFor(() => runs.length === 2, 1500, 'second run at the lead');
    expect(runs[1]! - t1).to.be.below(1000);
    // Right after a run that changed something: held for the holdoff.
    c.trigger();
    await sleep(300);
    expect(runs).to.have.length(2);
    await waitFor(() => runs.length === 3, 3000, 'third run after the holdoff');
  });

  it('runs that change nothing are still coalesced: one event leads after them per holdoff', async () => {
    const runs: number[] = [];
    const t0 = performance.now();
    const c = new Coalescer(
      () => {
        runs.push(performance.now() - t0);
        return false;
      },
      { holdoffMs: 2000, maxDelayMs: 4000, leadingMs: 1 },
    );
    open.push(c);
    c.trigger();
    await waitFor(() => runs.length === 1, 1500, 'first run');
    c.trigger(); // after a no-op run: leads
    await waitFor(() => runs.length === 2, 1500, 'second run at the lead');
    const t2 = performance.now() - t0;
    c.trigger(); // a second one within the holdoff: held for it
    await sleep(300);
    expect(runs).to.have.length(2);
    await waitFor(() => runs.length === 3, 3000, 'third run after the holdoff');
    expect(runs[2]! - t2).to.be.at.least(1500);
  });

  it('folds a burst into one run', async () => {
    let runs = 0;
    const c = make(() => void runs++, 20, 200);
    for (let i = 0; i < 50; i++) c.trigger();
    await sleep(5);
    c.trigger();
    await waitFor(() => runs === 1, 1000, 'run');
    await sleep(60);
    expect(runs).to.equal(1);
  });

  it('bounds the delay under a constant trickle of events', async () => {
    const runs: number[] = [];
    const t0 = Date.now();
    const c = make(() => void runs.push(Date.now() - t0), 20, 60);
    const timer = setInterval(() => c.trigger(), 5);
    c.trigger();
    await sleep(260);
    clearInterval(timer);
    // Holdoff alone would never fire while events keep coming every 5 ms.
    expect(runs.length).to.be.within(2, 6);
    expect(runs[0]).to.be.within(50, 160);
  });

  it('never overlaps runs; events during a run schedule one more', async () => {
    let active = 0;
    let maxActive = 0;
    let runs = 0;
    const c = make(
      async () => {
        active++;
        maxActive = Math.max(maxActive, active);
        await sleep(40);
        active--;
        runs++;
      },
      5,
      50,
    );
    c.trigger();
    await waitFor(() => active === 1, 1000, 'first run to start');
    c.trigger();
    c.trigger();
    await waitFor(() => runs === 2, 1000, 'second run');
    await sleep(30);
    expect(runs).to.equal(2);
    expect(maxActive).to.equal(1);
  });

  it('with a lead, a few events during a run follow it at once; a burst during a run waits the holdoff', async function () {
    this.timeout(15_000);
    // A holdoff long enough that "at once" and "after the holdoff" stay apart on a loaded machine.
    const ended: number[] = [];
    const started: number[] = [];
    let release: (() => void) | undefined;
    const c = new Coalescer(
      async () => {
        started.push(performance.now());
        await new Promise<void>((r) => (release = r));
        ended.push(performance.now());
      },
      { holdoffMs: 1000, maxDelayMs: 4000, leadingMs: 1 },
    );
    open.push(c);
    c.trigger();
    await waitFor(() => started.length === 1, 2000, 'first run');
    // One edit (a write's two watch events) while the run is in progress.
    c.trigger();
    c.trigger();
    release!();
    await waitFor(() => started.length === 2, 2000, 'second run');
    expect(started[1]! - ended[0]!, 'not held for the holdoff').to.be.below(500);
    // A burst while that run is in progress: folded and held for the holdoff after it.
    for (let i = 0; i < 20; i++) c.trigger();
    release!();
    await waitFor(() => ended.length === 2, 2000, 'second run ends');
    await sleep(300);
    expect(started).to.have.length(2);
    await waitFor(() => started.length === 3, 3000, 'third run');
    expect(started[2]! - ended[1]!).to.be.at.least(900);
    release!();
    await waitFor(() => ended.length === 3, 2000, 'third run ends');
    await sleep(1100);
    expect(started).to.have.length(3);
  });

  it('with a lead, events that waited while a run held the thread follow it at once; a burst of them waits the holdoff', async function () {
    this.timeout(15_000);
    // The run's synchronous part (the compile) holds the thread: a watcher's event that comes
    // meanwhile is only taken after the run, in the same turn of the loop (its poll phase).
    const dir = await mkdtemp(path.join(tmpdir(), 'bascule-coalescer-'));
    const ended: number[] = [];
    const started: number[] = [];
    // Files each run writes: the first run one (one edit), the second twenty (a burst).
    const writes = [1, 20];
    const c = new Coalescer(
      async () => {
        started.push(performance.now());
        const n = writes[started.length - 1] ?? 0;
        if (n > 0) {
          for (let i = 0; i < n; i++) writeFileSync(path.join(dir, `f${i}.yaml`), `n: ${started.length}\n`);
          const until = performance.now() + 40;
          while (performance.now() < until); // the events wait in the kernel meanwhile
        }
        ended.push(performance.now());
      },
      { holdoffMs: 1000, maxDelayMs: 4000, leadingMs: 1 },
    );
    open.push(c);
    const watcher = watch(dir, () => c.trigger());
    try {
      c.trigger();
      await waitFor(() => started.length === 2, 2000, 'second run');
      expect(started[1]! - ended[0]!, 'not held for the holdoff').to.be.below(500);
      // 20 files written during the second run: a burst, held for the holdoff after it.
      await waitFor(() => started.length === 3, 3000, 'third run');
      expect(started[2]! - ended[1]!, 'a burst waits the holdoff').to.be.at.least(900);
    } finally {
      watcher.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('flush runs now and waits; close cancels what is pending', async () => {
    let runs = 0;
    const c = make(() => void runs++, 1000, 5000);
    c.trigger();
    await c.flush();
    expect(runs).to.equal(1);
    expect(c.pending).to.equal(false);
    c.trigger();
    await c.close();
    await sleep(20);
    expect(runs).to.equal(1);
    c.trigger(); // ignored after close
    expect(c.pending).to.equal(false);
  });

  it('survives a run that throws', async () => {
    const errors: unknown[] = [];
    let runs = 0;
    const c = make(
      () => {
        runs++;
        if (runs === 1) throw new Error('boom');
      },
      5,
      50,
      (e) => errors.push(e),
    );
    c.trigger();
    await waitFor(() => errors.length === 1, 1000, 'error');
    c.trigger();
    await waitFor(() => runs === 2, 1000, 'second run');
    expect(errors).to.have.length(1);
  });
});
