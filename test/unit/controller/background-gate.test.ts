// Background work waits for a moment no edit is on its way (controller/src/pipeline/
// background-gate.ts): the gate itself, its bound (nothing starves), the status tracker's chunks
// and the directory walk's stat chunks going through it.
import { expect } from 'chai';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ObjectReport } from '#controller/compile/types';
import { BackgroundGate, MAX_BACKGROUND_DEFER_MS } from '#controller/pipeline/background-gate';
import { SyncStats, walk } from '#controller/sources/dir-walk';
import type { StatusContext } from '#controller/status/compute';
import { OBJECTS_BETWEEN_YIELDS, StatusTracker } from '#controller/status/tracker';
import { MemoryStatusWriter } from '#controller/status/writer';

const turn = () => new Promise<void>((r) => setImmediate(r));
const turns = async (n: number) => {
  for (let i = 0; i < n; i++) await turn();
};

const report = (name: string): ObjectReport => ({
  ref: { kind: 'Backend', namespace: 'default', name },
  accepted: true,
  resolvedRefs: true,
  diagnostics: [],
  groups: ['default'],
});

const V1 = 'ab12cd34ef56' + '0'.repeat(52);
const context: StatusContext = {
  group: () => ({ version: V1, dataplanes: [], inconsistent: false }),
};

describe('background gate: background work at moments no edit is on its way', () => {
  it('lets a wait through at once when nothing is in flight', async () => {
    const gate = new BackgroundGate({ busy: () => false });
    let done = false;
    void gate.wait().then(() => (done = true));
    await Promise.resolve();
    expect(done).to.equal(true);
    expect(gate.waiting).to.equal(0);
  });

  it('holds a wait while busy and releases it at the first quiet check', async () => {
    let busy = true;
    const gate = new BackgroundGate({ busy: () => busy, maxDeferMs: 60_000 });
    let done = 0;
    void gate.wait().then(() => done++);
    void gate.wait().then(() => done++);
    await turns(3);
    expect(gate.waiting).to.equal(2);
    gate.check(); // still busy: a check changes nothing
    await turns(3);
    expect(done).to.equal(0);
    busy = false;
    gate.check();
    await turns(1);
    expect(done).to.equal(2);
    expect(gate.releasedQuiet).to.equal(2);
    expect(gate.releasedByBound).to.equal(0);
    gate.close();
  });

  it('never starves: a wait goes on after the bound however busy it stays', async () => {
    expect(MAX_BACKGROUND_DEFER_MS).to.be.within(1, 1000);
    const gate = new BackgroundGate({ busy: () => true, maxDeferMs: 20 });
    await gate.wait();
    await gate.wait();
    expect(gate.releasedByBound).to.equal(2);
    expect(gate.waiting).to.equal(0);
  });

  it('close() releases every waiter and later waits do not wait', async () => {
    const gate = new BackgroundGate({ busy: () => true, maxDeferMs: 60_000 });
    const w = gate.wait();
    gate.close();
    await w;
    await gate.wait();
    expect(gate.waiting).to.equal(0);
  });

  it("holds the status tracker's pass at its chunk boundary until the gate opens", async () => {
    let busy = true;
    const gate = new BackgroundGate({ busy: () => busy, maxDeferMs: 60_000 });
    const writer = new MemoryStatusWriter();
    const tracker = new StatusTracker(writer, undefined, () => gate.wait());
    const reports = Array.from({ length: OBJECTS_BETWEEN_YIELDS * 2 + 10 }, (_, i) => report(`b${i}`));
    let done = false;
    const pass = tracker.update(reports, context, new Date(0)).then(() => (done = true));
    await turns(5);
    expect(done, 'the pass waits at its first chunk boundary').to.equal(false);
    expect(gate.waiting).to.equal(1);
    expect(writer.writes).to.equal(0);
    busy = false;
    gate.check();
    await pass;
    expect(tracker.all()).to.have.length(reports.length);
    expect(writer.writes).to.equal(reports.length);
  });

  it('a status pass under a gate that stays busy still ends (the bound)', async () => {
    const gate = new BackgroundGate({ busy: () => true, maxDeferMs: 5 });
    const writer = new MemoryStatusWriter();
    const tracker = new StatusTracker(writer, undefined, () => gate.wait());
    const reports = Array.from({ length: OBJECTS_BETWEEN_YIELDS + 1 }, (_, i) => report(`b${i}`));
    await tracker.update(reports, context, new Date(0));
    expect(writer.writes).to.equal(reports.length);
    expect(gate.releasedByBound).to.be.greaterThan(0);
  });

  it("waits before each chunk of a walk's main-thread stats", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'bascule-gate-'));
    try {
      for (let i = 0; i < 40; i++) await writeFile(path.join(dir, `f${i}.yaml`), `n: ${i}\n`);
      const pooled = await walk(dir);
      let waits = 0;
      const sync = new SyncStats(8, 10_000);
      const found = await walk(dir, {
        sync,
        between: async () => {
          waits++;
        },
      });
      expect([...found]).to.deep.equal([...pooled]);
      expect(sync.made).to.equal(40);
      expect(waits, 'one wait per chunk of 8').to.equal(5);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
