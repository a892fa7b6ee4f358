// Workers run with the primary's Node.js options, plus the image's young-generation cap when the
// primary has none (dataplane/src/workers/worker-node-args.ts).
import { expect } from 'chai';
import { workerExecArgv } from '#dataplane/workers/worker-node-args';

describe('worker Node.js options', () => {
  it("add the image's young-generation cap to a primary started without one", () => {
    expect(workerExecArgv([])).to.deep.equal(['--max-semi-space-size=2']);
    expect(workerExecArgv(['--import', 'tsx'])).to.deep.equal(['--import', 'tsx', '--max-semi-space-size=2']);
  });

  it("keep the primary's own cap, however it is spelled", () => {
    expect(workerExecArgv(['--max-semi-space-size=8'])).to.deep.equal(['--max-semi-space-size=8']);
    expect(workerExecArgv(['--max_semi_space_size=1'])).to.deep.equal(['--max_semi_space_size=1']);
  });
});
