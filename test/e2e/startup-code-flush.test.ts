// `bascule dataplane` flushes start-up's compiled code once its first snapshot is live and its
// control channel connected (dataplane/src/startup-code-flush.ts, docs/memory.md): real processes,
// the built CLI with the dataplane image's Node.js flags, against a real `bascule controller`.
// On Node.js 26 (the images' runtime, installed by .ci/install-node-reuseport.sh; a missing binary
// fails the test) the dataplane logs the flush, then serves requests and applies a new snapshot,
// both compiled again after it. On Node.js 20 (V8 11.3, whose gc() flushes nothing) it does not
// flush and serves as before.
import { expect } from 'chai';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CODE_FLUSH_MIN_V8 } from '#dataplane/startup-code-flush';
import { dockerfileNodeArgs } from '../../bench/image-node-args.js';
import { startBackend, type TestBackend } from '../support/backends.js';
import { oneRouteYaml } from '../support/manifests.js';
import { freePort } from '../support/ports.js';
import {
  controllerArgs,
  dataplaneArgs,
  IMAGE_NODE,
  runBascule,
  waitDataplaneReady,
  waitFor,
  type Proc,
} from '../support/process.js';

const TOKEN = 'startup-flush-test-token-0123456789abcdef';
const FLUSHED = "start-up's compiled code flushed";

for (const variant of [
  { name: 'Node.js 26', node: IMAGE_NODE, flushes: true, workers: 1 },
  // A primary and two worker processes: each flushes once (the workers once their first snapshot
  // is live; a primary with workers serves nothing itself).
  { name: 'Node.js 26, --workers 2', node: IMAGE_NODE, flushes: true, workers: 2 },
  // This Node.js (Node.js 20 in CI, whose V8 flushes nothing); on a V8 that flushes, it must flush.
  {
    name: `this Node.js (${process.version})`,
    node: process.execPath,
    flushes: Number.parseInt(process.versions.v8, 10) >= CODE_FLUSH_MIN_V8,
    workers: 1,
  },
]) {
  /** Flush lines expected: one per process (the primary and each worker). */
  const flushLines = variant.flushes ? (variant.workers > 1 ? variant.workers + 1 : 1) : 0;
  describe(`start-up code flush: bascule dataplane on ${variant.name} (real processes)`, function () {
    this.timeout(90_000);
    let dir: string;
    let one: TestBackend;
    let two: TestBackend;
    let port: number;
    let controller: Proc | undefined;
    let dataplane: Proc | undefined;

    before(async function () {
      if (!existsSync(variant.node))
        throw new Error(`${variant.node} is missing: run .ci/install-node-reuseport.sh`);
      dir = mkdtempSync(join(tmpdir(), 'bascule-startup-flush-'));
      mkdirSync(join(dir, 'm'));
      one = await startBackend('one');
      two = await startBackend('two');
      port = await freePort();
      const channel = await freePort();
      writeFileSync(join(dir, 'm', 'web.yaml'), oneRouteYaml('127.0.0.1', port, one.port));
      writeFileSync(join(dir, 'token'), `${TOKEN}\n`);
      const token = join(dir, 'token');
      controller = runBascule(controllerArgs(join(dir, 'm'), channel, token), {
        BASCULE_LOG_LEVEL: 'warn',
        NODE_OPTIONS: '',
      });
      const admin = await freePort();
      // The built CLI with the image's flags, without the test loader (NODE_OPTIONS emptied).
      dataplane = runBascule(
        dataplaneArgs(channel, token, admin, variant.workers),
        { NODE_OPTIONS: '', BASCULE_LOG_LEVEL: 'info', BASCULE_ACCESS_LOG: 'off' },
        dockerfileNodeArgs(),
        variant.node,
      );
      await waitDataplaneReady(admin, [dataplane, controller]);
    });

    after(async () => {
      await dataplane?.kill();
      await controller?.kill();
      await one?.close();
      await two?.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    const flushes = (): number => dataplane!.output().split(FLUSHED).length - 1;

    it(variant.flushes ? 'flushes once start-up is over, once per process' : 'does not flush', async () => {
      if (variant.flushes) await waitFor('the flush logged', () => flushes() >= flushLines);
      else await new Promise((r) => setTimeout(r, 1000));
      expect(flushes(), dataplane!.output()).to.equal(flushLines);
      if (variant.workers > 1) {
        // One line from each worker (pino's `worker` binding) and one from the primary.
        const workersFlushed = dataplane!
          .output()
          .split('\n')
          .filter((l) => l.includes(FLUSHED))
          .map((l) => (JSON.parse(l) as { worker?: number }).worker ?? 'primary');
        expect(workersFlushed.sort()).to.deep.equal([1, 2, 'primary']);
      }
    });

    it('then serves requests, and applies a new snapshot', async () => {
      for (let i = 0; i < 20; i++) {
        const res = await fetch(`http://127.0.0.1:${port}/`);
        expect(res.status).to.equal(200);
        expect(res.headers.get('x-backend')).to.equal('one');
        await res.arrayBuffer();
      }
      writeFileSync(join(dir, 'm', 'web.yaml'), oneRouteYaml('127.0.0.1', port, two.port));
      await waitFor(
        'the new snapshot served',
        async () => (await fetch(`http://127.0.0.1:${port}/`)).headers.get('x-backend') === 'two',
      );
      expect(dataplane!.output()).not.to.match(/"level":(50|60)/);
      // It ran once per process: not again after traffic or the new snapshot.
      expect(flushes()).to.equal(flushLines);
    });
  });
}
