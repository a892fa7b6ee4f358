// bench/procs.ts killTree: a proxy's whole process tree goes, including children its parent forks
// to replace the ones that die (nginx's master does; the shell below does the same), so no
// worker outlives a run still bound to its ports.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { expect } from 'chai';
import { killTree, processTree } from '../../../bench/procs.js';
import { eventually } from '../dataplane/helpers.js';

/** Pids whose command line holds `marker`, but for `except`. */
function withMarker(marker: string, except = -1): number[] {
  const out: number[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e) || Number(e) === except) continue;
    try {
      if (readFileSync(`/proc/${e}/cmdline`, 'latin1').includes(marker)) out.push(Number(e));
    } catch {
      /* gone */
    }
  }
  return out;
}

describe('bench procs: killTree', () => {
  it('kills a parent that replaces its children together with them, leaving none behind', async () => {
    // The sleep's duration is the marker: unique to this test run.
    const marker = (300 + Math.random()).toFixed(6);
    const parent = spawn('sh', ['-c', `while :; do sleep ${marker} & wait $!; done`], { stdio: 'ignore' });
    const exited = new Promise<string | null>((r) => parent.once('exit', (_code, sig) => r(sig)));
    const pid = parent.pid!;
    const children = (): number[] => withMarker(marker, pid); // the shell's own command line has it too
    try {
      await eventually(() => children().length === 1);
      const first = children()[0]!;
      expect(processTree(pid)).to.include(first);
      // The premise: a child killed on its own is replaced (what left nginx workers orphaned).
      process.kill(first, 'SIGKILL');
      await eventually(() => children().some((p) => p !== first));
      killTree(pid);
      expect(await exited).to.equal('SIGKILL');
      await eventually(() => children().length === 0);
    } finally {
      for (const p of children()) process.kill(p, 'SIGKILL');
      if (parent.exitCode === null && parent.signalCode === null) parent.kill('SIGKILL');
    }
  });

  it('is a no-op for a process already gone', async () => {
    const child = spawn('true', [], { stdio: 'ignore' });
    await new Promise((r) => child.once('exit', r));
    expect(() => killTree(child.pid!)).to.not.throw();
  });
});
