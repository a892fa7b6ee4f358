// The dataplane image's Node.js flags (dataplane/Dockerfile's ENTRYPOINT, which bench/ reads to
// measure the process the image runs): each one starts this Node.js (a flag it did not know would
// stop the image's dataplane before its first line), and the idle-memory flags are there
// (docs/memory.md, "Node.js flags and environment").
import { execFileSync } from 'node:child_process';
import { expect } from 'chai';
import { dockerfileNodeArgs } from '../../../bench/image-node-args.js';

describe("the dataplane image's Node.js flags", () => {
  const flags = dockerfileNodeArgs();

  it("cap the young generation, keep V8's mid-tier compiler out of an idle process and start without the startup snapshot", () => {
    expect(flags).to.include('--max-semi-space-size=2');
    expect(flags).to.include('--no-maglev');
    expect(flags).to.include('--no-node-snapshot');
  });

  it("give the start-up flush the process's own gc() (no new context made to reach it)", () => {
    expect(flags).to.include('--expose-gc');
  });

  it('start this Node.js', () => {
    const out = execFileSync(process.execPath, [...flags, '-e', 'process.stdout.write("ok")'], {
      encoding: 'utf8',
      env: { ...process.env, NODE_OPTIONS: '' },
    });
    expect(out).to.equal('ok');
  });
});
