// The batch's thread clock: Linux's per-thread scheduler counters read and parsed, what is done
// where they cannot be read, and the "snapshots published" line's run/wait split of a batch.
import { expect } from 'chai';
import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import pino from 'pino';
import { deepFreeze } from '#protocol/canonical';
import type { Snapshot } from '#protocol/snapshot';
import type { SourcedResource } from '#controller/compile/types';
import type { ControllerEvents } from '#controller/events';
import { parseSchedstat, ThreadClockReader } from '#controller/metrics/thread-clock';
import { Pipeline, threadSpan } from '#controller/pipeline/pipeline';
import type { BatchClock } from '#controller/store/feed';
import { backendDoc } from './helpers.js';

describe('thread clock', () => {
  it('parses the run and wait fields of a schedstat text, nothing else', () => {
    expect(parseSchedstat('123456789 987654321 42\n')).to.deep.equal({ runNs: 123456789, waitNs: 987654321 });
    expect(parseSchedstat('')).to.equal(undefined);
    expect(parseSchedstat('12 x 3\n')).to.equal(undefined);
    expect(parseSchedstat('-1 2 3\n')).to.equal(undefined);
    expect(parseSchedstat(`${'9'.repeat(21)} 1 1\n`)).to.equal(undefined);
  });

  it("reads the calling thread's counters; its run time grows while it runs (nothing off Linux)", () => {
    const reader = new ThreadClockReader();
    try {
      const a = reader.read();
      if (process.platform !== 'linux') {
        expect(a).to.equal(undefined); // no /proc/thread-self/schedstat: nothing read, nothing logged
        return;
      }
      expect(a).to.not.equal(undefined);
      let x = 0;
      for (let i = 0; i < 2e7; i++) x += i & 1;
      expect(x).to.be.greaterThan(0);
      const b = reader.read()!;
      expect(b.runNs).to.be.greaterThan(a!.runNs);
      expect(b.waitNs).to.be.at.least(a!.waitNs);
    } finally {
      reader.close();
    }
  });

  it('gives nothing where the file is missing or malformed, and stops trying', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bascule-thread-clock-'));
    try {
      expect(new ThreadClockReader(join(dir, 'absent')).read()).to.equal(undefined);
      const file = join(dir, 'schedstat');
      writeFileSync(file, 'not numbers\n');
      const reader = new ThreadClockReader(file);
      expect(reader.read()).to.equal(undefined);
      writeFileSync(file, '1 2 3\n');
      expect(reader.read()).to.equal(undefined); // failed once: not read again
      const good = new ThreadClockReader(file);
      expect(good.read()).to.deep.equal({ runNs: 1, waitNs: 2 });
      good.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('splits a span into ms on a CPU and waiting, never negative', () => {
    expect(threadSpan({ runNs: 1e6, waitNs: 2e6 }, { runNs: 4.55e6, waitNs: 9e6 })).to.deep.equal({
      runMs: 3.6,
      waitMs: 7,
    });
    expect(threadSpan({ runNs: 5e6, waitNs: 0 }, { runNs: 1e6, waitNs: 0 })).to.deep.equal({
      runMs: 0,
      waitMs: 0,
    });
    expect(threadSpan(undefined, { runNs: 1, waitNs: 1 })).to.equal(undefined);
  });

  it("puts the batch's run, wait and process CPU on the published line", () => {
    const lines: Array<Record<string, unknown>> = [];
    const logger = pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s)) });
    let published: Record<string, Snapshot> = {};
    const clocks: BatchClock[] = [
      { thread: { runNs: 1e6, waitNs: 2e6 }, cpu: { user: 1000, system: 500 } },
      { thread: { runNs: 4e6, waitNs: 9e6 }, cpu: { user: 5000, system: 1500 } },
    ];
    const pipeline = new Pipeline({
      publisher: {
        snapshots: () => ({ ...published }),
        publish: (s) => void (published = { ...s }),
      },
      events: new EventEmitter<ControllerEvents>(),
      logger,
      clock: () => new Date(0),
      batchClock: () => clocks[1]!,
    });
    const frontend =
      'apiVersion: bascule.dev/v1alpha1\nkind: Frontend\nmetadata: {name: web}\nspec: {bind: {port: 8080}, defaultBackend: web}\n';
    const resources = parseAllDocuments(`${frontend}---\n${backendDoc('web')}`).map((d) =>
      deepFreeze(d.toJS() as SourcedResource),
    );
    pipeline.run(
      { resources, secrets: [], services: [] },
      { firstEventAt: 0, queuedMs: 1, readMs: 1, buildMs: 0, startClock: clocks[0]! },
    );
    const line = lines.find((l) => l.msg === 'snapshots published')!;
    expect(line).to.include({ threadRunMs: 3, threadWaitMs: 7, processCpuMs: 5 });
    expect(line.threadAtStart).to.deep.equal([1, 2]);
    expect(line).to.not.have.property('startClock');
  });
});
