// Every log line names the process role that wrote it, so mixed logs (a node's journal, a
// log pipeline) tell a controller from a dataplane: bascule-controller, bascule-dataplane,
// bascule-standalone. Real processes of the built CLI.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { freePort } from '../support/ports.js';
import { runBascule, waitFor, type Proc } from '../support/process.js';

const TOKEN = 'log-names-test-token-0123456789';

/** The `name` of every JSON log line of a process. */
function names(p: Proc): string[] {
  return [
    ...new Set(
      p
        .output()
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => String((JSON.parse(l) as { name?: unknown }).name)),
    ),
  ];
}

describe('log lines name their process role', function () {
  this.timeout(60_000);
  let dir: string;
  const procs: Proc[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bascule-log-names-'));
    writeFileSync(join(dir, 'token'), `${TOKEN}\n`);
    const port = await freePort();
    writeFileSync(
      join(dir, 'web.yaml'),
      `apiVersion: bascule.dev/v1alpha1
kind: Frontend
metadata: {name: web}
spec: {bind: {port: ${port}, address: 127.0.0.1}, defaultBackend: web}
---
apiVersion: bascule.dev/v1alpha1
kind: Backend
metadata: {name: web}
spec: {servers: [{name: s1, address: 127.0.0.1, port: 9}]}
`,
    );
  });

  // Each test's processes bind the same frontend port: stop them before the next test.
  afterEach(async () => {
    await Promise.all(procs.splice(0).map((p) => p.kill()));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const started = (p: Proc, line: string) =>
    waitFor(`"${line}" logged`, () => p.output().includes(line), 30_000, 50).catch((err) => {
      throw new Error(`${(err as Error).message}\n${p.output()}`);
    });

  it('controller and dataplane', async () => {
    const [listen, admin, dpAdmin] = [await freePort(), await freePort(), await freePort()];
    const ctrl = runBascule(
      [
        'controller',
        '--dir',
        dir,
        '--token-file',
        join(dir, 'token'),
        '--listen',
        `127.0.0.1:${listen}`,
        '--admin',
        `127.0.0.1:${admin}`,
      ],
      { BASCULE_LOG_LEVEL: 'info' },
    );
    procs.push(ctrl);
    await started(ctrl, 'controller started');
    const dp = runBascule(
      [
        'dataplane',
        '--controller',
        `ws://127.0.0.1:${listen}`,
        '--token-file',
        join(dir, 'token'),
        '--admin',
        `127.0.0.1:${dpAdmin}`,
      ],
      { BASCULE_LOG_LEVEL: 'info' },
    );
    procs.push(dp);
    await started(dp, 'dataplane started');
    expect(names(ctrl)).to.deep.equal(['bascule-controller']);
    expect(names(dp)).to.deep.equal(['bascule-dataplane']);
  });

  it('standalone', async () => {
    const [admin, dpAdmin] = [await freePort(), await freePort()];
    const p = runBascule(
      [
        'standalone',
        '--dir',
        dir,
        '--admin',
        `127.0.0.1:${admin}`,
        '--dataplane-admin',
        `127.0.0.1:${dpAdmin}`,
      ],
      { BASCULE_LOG_LEVEL: 'info' },
    );
    procs.push(p);
    await started(p, 'standalone started');
    expect(names(p)).to.deep.equal(['bascule-standalone']);
  });
});
