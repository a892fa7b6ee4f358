// The start-up code flush (dataplane/src/startup-code-flush.ts): once, when a snapshot is live
// and the control channel has connected (in either order), never once the process has served,
// never where V8 does not flush in a gc() (Node.js 20) or the command line says
// --no-flush-bytecode. What it does to a real V8 is checked in a fresh Node.js 26 process (the
// images' runtime, installed by .ci/install-node-reuseport.sh; a missing binary fails the test):
// the bytecode of functions that ran is given back, and they run again afterwards.
import { expect } from 'chai';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync } from 'node:fs';
import { codeFlushFunction, StartupCodeFlush, type CodeFlush } from '#dataplane/startup-code-flush';
import { IMAGE_NODE, ROOT } from '../../support/process.js';

function harness(opts: { channel: boolean; served?: boolean }): {
  gate: StartupCodeFlush;
  runs: () => number;
} {
  let runs = 0;
  const flush: CodeFlush = () => runs++;
  const gate = new StartupCodeFlush(
    { flush, served: () => opts.served ?? false, defer: (run) => run() },
    opts.channel,
  );
  return { gate, runs: () => runs };
}

/** Runs ES module `code` (with the sources) on the image's Node.js, with `flags`. */
function onImageNode(code: string, flags: string[]): SpawnSyncReturns<string> {
  return spawnSync(
    IMAGE_NODE,
    ['--import', 'tsx', '--conditions', 'bascule-source', ...flags, '--input-type=module', '-e', code],
    { cwd: ROOT, env: { ...process.env, NODE_OPTIONS: '' }, encoding: 'utf8' },
  );
}

describe("start-up's compiled code flushed once start-up is over", () => {
  it('runs once a snapshot is live and the channel has connected, in either order, and only once', () => {
    const a = harness({ channel: true });
    a.gate.snapshotLive();
    expect(a.runs()).to.equal(0);
    a.gate.channelConnected();
    expect(a.runs()).to.equal(1);
    expect(a.gate.flushed).to.equal(true);
    a.gate.snapshotLive();
    a.gate.channelConnected();
    expect(a.runs()).to.equal(1);

    const b = harness({ channel: true });
    b.gate.channelConnected();
    expect(b.runs()).to.equal(0);
    b.gate.snapshotLive();
    b.gate.snapshotLive();
    expect(b.runs()).to.equal(1);
  });

  it('without a control channel, runs once the first snapshot is live', () => {
    const h = harness({ channel: false });
    h.gate.snapshotLive();
    h.gate.snapshotLive();
    expect(h.runs()).to.equal(1);
  });

  it('never runs once the process has served a request or session, not even later', () => {
    const h = harness({ channel: false, served: true });
    h.gate.snapshotLive();
    expect(h.runs()).to.equal(0);
    expect(h.gate.flushed).to.equal(false);
  });

  it('decides when the deferred flush runs, not when it was scheduled: traffic in between cancels it', () => {
    let served = false;
    let runs = 0;
    let pending: (() => void) | undefined;
    const gate = new StartupCodeFlush(
      { flush: () => runs++, served: () => served, defer: (run) => (pending = run) },
      false,
    );
    gate.snapshotLive();
    served = true;
    pending!();
    expect(runs).to.equal(0);
  });

  it('reports how long it took and the heap before and after', () => {
    const reports: Array<{ ms: number; heapBefore: number; heapAfter: number }> = [];
    const gate = new StartupCodeFlush(
      { flush: () => {}, served: () => false, defer: (run) => run(), flushed: (r) => reports.push(r) },
      false,
    );
    gate.snapshotLive();
    expect(reports).to.have.length(1);
    expect(reports[0]!.ms).to.be.at.least(0);
    expect(reports[0]!.heapBefore).to.be.above(0);
  });

  it('does nothing where there is no flush (an older V8, --no-flush-bytecode)', () => {
    const gate = new StartupCodeFlush(
      { flush: undefined, served: () => false, defer: (run) => run() },
      false,
    );
    gate.snapshotLive();
    expect(gate.flushed).to.equal(false);
    // Node.js 20 (V8 11.3) flushes nothing in a gc(); Node.js 22's V8 12.4 does.
    expect(codeFlushFunction('11.3.244.8', [])).to.equal(undefined);
    expect(codeFlushFunction('12.4.254.21', [])).to.be.a('function');
    expect(codeFlushFunction('14.6.202.34', ['--no-flush-bytecode'])).to.equal(undefined);
    expect(codeFlushFunction('14.6.202.34', ['--no_flush_bytecode'])).to.equal(undefined);
  });

  for (const exposeGc of [true, false])
    it(`on Node.js 26${exposeGc ? ' with --expose-gc (the image)' : ''}: gives the bytecode of functions that ran back, and they run again after it; gc() ${exposeGc ? "is the process's own" : 'comes from a new context'}`, function () {
      this.timeout(60_000);
      if (!existsSync(IMAGE_NODE))
        throw new Error(`${IMAGE_NODE} is missing: run .ci/install-node-reuseport.sh`);
      // 2,000 functions, each run once; V8's bytecode and its metadata (trusted space) before and
      // after the flush. With --expose-gc on the command line the flush takes the process's own
      // gc(); without it, a new context's, for which node:vm loads.
      const code = `
const { codeFlushFunction } = await import('#dataplane/startup-code-flush');
const fns = [];
for (let i = 0; i < 2000; i++) fns.push(new Function('a', 'b', 'let s = a; for (let j = 0; j < b; j++) s += j * ' + i + '; return s + "' + 'x'.repeat(40) + '";'));
let sum = 0;
for (const f of fns) sum += f(1, 3).length;
const v8 = await import('node:v8');
const trusted = () => v8.getHeapSpaceStatistics().find((s) => s.space_name === 'trusted_space').space_used_size;
const vmLoaded = () => process.moduleLoadList.includes('NativeModule vm');
const vmBefore = vmLoaded();
const before = trusted();
const flush = codeFlushFunction();
flush();
const after = trusted();
let again = 0;
for (const f of fns) again += f(1, 3).length;
process.stdout.write(JSON.stringify({ before, after, same: sum === again, v8: process.versions.v8, vmBefore, vmAfter: vmLoaded(), gcGlobal: typeof globalThis.gc }));`;
      const run = onImageNode(code, exposeGc ? ['--expose-gc'] : []);
      expect(run.status, run.stderr).to.equal(0);
      const r = JSON.parse(run.stdout) as {
        before: number;
        after: number;
        same: boolean;
        v8: string;
        vmBefore: boolean;
        vmAfter: boolean;
        gcGlobal: string;
      };
      expect(r.v8).to.match(/^14\./);
      expect(r.same).to.equal(true);
      // Trusted space (bytecode and its metadata) 2.12 → 0.46 MB when measured; a last-resort gc()
      // without the flush took it to 1.70 MB.
      expect(r.before - r.after, JSON.stringify(r)).to.be.above(1_000_000);
      // No new context (and no node:vm) where the process has its own gc(); and the new
      // context's --expose-gc did not leave a gc() in this one.
      expect({ vmBefore: r.vmBefore, vmAfter: r.vmAfter, gcGlobal: r.gcGlobal }).to.deep.equal({
        vmBefore: false,
        vmAfter: !exposeGc,
        gcGlobal: exposeGc ? 'function' : 'undefined',
      });
    });

  it('on Node.js 26: code compiled after it is not flushed again (bytecode aging is off from then on)', function () {
    this.timeout(60_000);
    if (!existsSync(IMAGE_NODE))
      throw new Error(`${IMAGE_NODE} is missing: run .ci/install-node-reuseport.sh`);
    // A function run once before the flush loses its bytecode in it; one run once after it keeps
    // its bytecode through a collection that would flush it (--stress-flush-code counts all
    // bytecode as old: only --no-flush-bytecode keeps it).
    const code = `
const { codeFlushFunction } = await import('#dataplane/startup-code-flush');
const v8 = await import('node:v8');
const tier = new Function('f', 'return %ActiveTierIsIgnition(f)');
const before = new Function('a', 'return a + 1');
before(1);
const beforeRan = tier(before);
codeFlushFunction()();
const beforeAfterFlush = tier(before);
const after = new Function('a', 'return a + 2');
after(1);
v8.setFlagsFromString('--stress-flush-code');
globalThis.gc({ type: 'major', flavor: 'last-resort' });
v8.setFlagsFromString('--no-stress-flush-code');
process.stdout.write(JSON.stringify({ beforeRan, beforeAfterFlush, afterKept: tier(after) }));`;
    const run = onImageNode(code, ['--allow-natives-syntax', '--expose-gc']);
    expect(run.status, run.stderr).to.equal(0);
    expect(JSON.parse(run.stdout)).to.deep.equal({
      beforeRan: true,
      beforeAfterFlush: false,
      afterKept: true,
    });
  });
});
