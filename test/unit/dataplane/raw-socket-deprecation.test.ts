// util/raw-socket.ts reads Node's stream internals with process.binding(), which Node.js 20 and 26
// deprecate (DEP0111) with a warning under --pending-deprecation (or NODE_PENDING_DEPRECATION=1),
// and which --throw-deprecation turns into an uncaught exception. Loading it must print no warning
// and still find the internals, on the Node.js that runs the suite and on the images' Node.js 26
// (installed by .ci/install-node-reuseport.sh; a missing binary fails the test); and it must not
// hide a process.binding() call made elsewhere later.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { IMAGE_NODE, ROOT } from '../../support/process.js';

const CHILD = `
const m = await import('#dataplane/util/raw-socket');
const found = { raw: m.RAW_SOCKETS !== undefined, connect: m.RAW_CONNECT !== undefined, noDeprecation: process.noDeprecation };
if (process.argv[1] === 'later') process.binding('tcp_wrap'); // someone else's call, after the load
setTimeout(() => console.log(JSON.stringify(found)), 50); // warnings are printed on a later tick
`;

function load(
  node: string,
  flags: string[],
  arg = '',
): { stdout: string; stderr: string; status: number | null } {
  if (!existsSync(node)) throw new Error(`${node} is missing: run .ci/install-node-reuseport.sh`);
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.NODE_OPTIONS;
  delete env.NODE_PENDING_DEPRECATION;
  const r = spawnSync(
    node,
    [...flags, '--import', 'tsx', '--conditions=bascule-source', '--input-type=module', '-e', CHILD, arg],
    { cwd: ROOT, env, encoding: 'utf8', timeout: 30_000 },
  );
  return { stdout: r.stdout, stderr: r.stderr, status: r.status };
}

describe('dataplane: raw sockets load without a deprecation warning', function () {
  this.timeout(60_000);

  for (const variant of [
    { name: 'this Node.js', node: process.execPath },
    { name: 'Node.js 26', node: IMAGE_NODE },
  ]) {
    it(`${variant.name}: no DEP0111 under --pending-deprecation, internals found, the switch put back`, () => {
      const r = load(variant.node, ['--pending-deprecation']);
      expect(r.status, r.stderr).to.equal(0);
      expect(r.stderr).to.not.include('DEP0111');
      expect(r.stderr).to.not.include('DeprecationWarning');
      expect(JSON.parse(r.stdout)).to.deep.equal({ raw: true, connect: true });
    });

    it(`${variant.name}: --throw-deprecation neither throws nor loses the internals`, () => {
      const r = load(variant.node, ['--pending-deprecation', '--throw-deprecation']);
      expect(r.status, r.stderr).to.equal(0);
      expect(JSON.parse(r.stdout)).to.deep.include({ raw: true, connect: true });
    });

    it(`${variant.name}: a later process.binding() elsewhere still warns`, () => {
      const r = load(variant.node, ['--pending-deprecation'], 'later');
      expect(r.status, r.stderr).to.equal(0);
      expect(r.stderr.match(/DEP0111/g)).to.have.length(1);
    });

    it(`${variant.name}: with --no-deprecation set, it stays set`, () => {
      const r = load(variant.node, ['--no-deprecation']);
      expect(r.status, r.stderr).to.equal(0);
      expect(JSON.parse(r.stdout)).to.deep.equal({ raw: true, connect: true, noDeprecation: true });
    });
  }
});
