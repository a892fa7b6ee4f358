// The dataplane's heap bound (dataplane/src/heap-growth.ts) is set unless the process was given
// one on its command line (execArgv, which workers inherit). Each case runs in its own Node.js
// process, since the flag is process-wide.
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { ROOT } from '../../support/process.js';

/** What boundHeapGrowth returns in a fresh process started with `nodeArgs`. */
function boundIn(nodeArgs: string[]): string {
  const code = `const { boundHeapGrowth, DATAPLANE_HEAP_GROWING_PERCENT } = await import('#dataplane/heap-growth');
process.stdout.write(String(boundHeapGrowth(DATAPLANE_HEAP_GROWING_PERCENT)));`;
  return execFileSync(
    process.execPath,
    ['--import', 'tsx', '--conditions', 'bascule-source', ...nodeArgs, '--input-type=module', '-e', code],
    { cwd: ROOT, env: { ...process.env, NODE_OPTIONS: '' }, encoding: 'utf8' },
  );
}

describe('dataplane heap growth bound', function () {
  this.timeout(30_000);

  it('is set when the process was given no --heap-growing-percent', () => {
    expect(boundIn([])).to.equal('true');
  });

  it('leaves one given on the command line (also how workers inherit it)', () => {
    expect(boundIn(['--heap-growing-percent=30'])).to.equal('false');
    expect(boundIn(['--heap_growing_percent=30'])).to.equal('false');
  });
});
