import { expect } from 'chai';
import { constants, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import {
  IDLE_SCAVENGE_FILL,
  IdleScavenge,
  minorGcFunction,
  youngGeneration,
} from '#controller/pipeline/idle-scavenge';

/** The kinds of the GCs V8 reports while `fn` runs (PerformanceObserver 'gc' entries). */
async function gcKindsDuring(fn: () => void): Promise<number[]> {
  const kinds: number[] = [];
  const obs = new PerformanceObserver((list) => {
    for (const e of list.getEntries() as Array<PerformanceEntry & { detail?: { kind?: number } }>)
      if (e.detail?.kind !== undefined) kinds.push(e.detail.kind);
  });
  obs.observe({ entryTypes: ['gc'] });
  fn();
  // Entries are delivered asynchronously.
  await new Promise((r) => setTimeout(r, 50));
  obs.disconnect();
  return kinds;
}

describe('idle scavenge: the young generation collected while nothing waits', () => {
  it("reaches V8's gc() on this Node.js and runs a minor collection with it (the path is taken)", async () => {
    const gc = minorGcFunction();
    expect(gc, 'gc() through --expose-gc in a new context').to.be.a('function');
    let garbage: object[] = [];
    for (let i = 0; i < 20_000; i++) garbage.push({ i });
    garbage = [];
    const kinds = await gcKindsDuring(() => gc!());
    expect(kinds, 'a minor GC (scavenge) reported').to.include(constants.NODE_PERFORMANCE_GC_MINOR);
    expect(kinds, 'no full collection').to.not.include(constants.NODE_PERFORMANCE_GC_MAJOR);
    expect(garbage).to.have.length(0);
  });

  it('leaves the gc flag unset for the main context', () => {
    minorGcFunction();
    expect((globalThis as { gc?: unknown }).gc).to.equal(undefined);
  });

  it("reads V8's new space", () => {
    const y = youngGeneration();
    expect(y).to.not.equal(undefined);
    expect(y!.capacity).to.be.greaterThan(0);
    expect(y!.used).to.be.within(0, y!.capacity);
  });

  it('collects only past the fill, and never without gc()', () => {
    let calls = 0;
    let used = 0;
    const s = new IdleScavenge({
      gc: () => void calls++,
      young: () => ({ used, capacity: 1000 }),
    });
    expect(s.enabled).to.equal(true);
    used = Math.floor(IDLE_SCAVENGE_FILL * 1000) - 1;
    expect(s.idle()).to.equal(false);
    expect(calls).to.equal(0);
    used = Math.ceil(IDLE_SCAVENGE_FILL * 1000);
    expect(s.idle()).to.equal(true);
    expect(calls).to.equal(1);
    expect(s.collections).to.equal(1);

    const off = new IdleScavenge({ gc: undefined, young: () => ({ used: 1000, capacity: 1000 }) });
    expect(off.enabled).to.equal(false);
    expect(off.idle()).to.equal(false);

    const unknown = new IdleScavenge({ gc: () => void calls++, young: () => undefined });
    expect(unknown.idle()).to.equal(false);
    const empty = new IdleScavenge({ gc: () => void calls++, young: () => ({ used: 0, capacity: 0 }) });
    expect(empty.idle()).to.equal(false);
    expect(calls).to.equal(1);
  });
});
