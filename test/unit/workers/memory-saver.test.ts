// V8's memory saver mode (dataplane/src/heap-growth.ts, enableMemorySaver) is set where V8 has
// it, from V8 13 on (Node.js 24), and left alone when the command line says either way. A process that sets it
// runs apart (V8's flags are process-wide); a flag this V8 did not know would make it print
// "unrecognized flag" on stderr, which is checked to be empty.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { enableMemorySaver } from '#dataplane/heap-growth';
import { ROOT } from '../../support/process.js';

/** What enableMemorySaver() returns in a fresh process started with `nodeArgs`, and its stderr. */
function enableIn(nodeArgs: string[]): { result: string; stderr: string } {
  const code = `const { enableMemorySaver } = await import('#dataplane/heap-growth');
process.stdout.write(String(enableMemorySaver()));`;
  const run = spawnSync(
    process.execPath,
    ['--import', 'tsx', '--conditions', 'bascule-source', ...nodeArgs, '--input-type=module', '-e', code],
    { cwd: ROOT, env: { ...process.env, NODE_OPTIONS: '' }, encoding: 'utf8' },
  );
  expect(run.status, run.stderr).to.equal(0);
  return { result: run.stdout, stderr: run.stderr };
}

describe("V8's memory saver mode in a dataplane process", function () {
  this.timeout(30_000);
  const major = Number.parseInt(process.versions.v8, 10);

  it(`is set on this Node.js (V8 ${process.versions.v8}) if its V8 is 13 or newer, and V8 takes it`, () => {
    const { result, stderr } = enableIn([]);
    expect(result).to.equal(String(major >= 13));
    expect(stderr).to.equal('');
  });

  it('is not set on an older V8, whose flags do not have it (Node.js 20: V8 11.3, Node.js 22: V8 12.4)', () => {
    expect(enableMemorySaver('11.3.244.8', [])).to.equal(false);
    expect(enableMemorySaver('12.4.254.21', [])).to.equal(false);
  });

  it('leaves the command line its say, either way (workers inherit it)', () => {
    for (const flag of ['--memory-saver-mode', '--no-memory-saver-mode', '--no_memory_saver_mode'])
      expect(enableMemorySaver('14.6.202.34', [flag]), flag).to.equal(false);
    // A real command line, where this Node.js has the flag.
    if (major >= 13) expect(enableIn(['--no-memory-saver-mode']).result).to.equal('false');
  });
});
