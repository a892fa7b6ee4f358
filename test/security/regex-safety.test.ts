// User patterns run in linear time: a rule whose regex is catastrophic for a backtracking engine
// ((a+)+$ against "/aaa…a!") must not freeze the process. A real `bascule standalone` process
// (controller and dataplane in one event loop, as in the issue) serves two frontends; the hostile
// request to one completes while the other frontend and both admin endpoints keep answering, and
// SIGTERM still stops it. Under a backtracking engine the hostile request alone takes hours.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { startBackend, type TestBackend } from '../support/backends.js';
import { freePort } from '../support/ports.js';
import { runBascule, waitFor, type Proc } from '../support/process.js';

const manifests = (hostile: number, other: number, upstream: number) => `
apiVersion: bascule.dev/v1alpha1
kind: Backend
metadata: {name: web}
spec:
  servers: [{name: s1, address: 127.0.0.1, port: ${upstream}}]
---
apiVersion: bascule.dev/v1alpha1
kind: Frontend
metadata: {name: hostile}
spec:
  bind: {port: ${hostile}, address: 127.0.0.1}
  rules:
    - name: nested-quantifier
      match: {path: {regex: "(a+)+$"}}
      deny: {status: 403}
    - name: header
      match: {headers: [{name: X-Probe, regex: "^(a|aa)+$"}]}
      deny: {status: 451}
  defaultBackend: web
---
apiVersion: bascule.dev/v1alpha1
kind: Frontend
metadata: {name: other}
spec:
  bind: {port: ${other}, address: 127.0.0.1}
  defaultBackend: web
`;

async function status(url: string, headers: Record<string, string> = {}): Promise<number> {
  const res = await fetch(url, { headers, signal: AbortSignal.timeout(20_000) });
  await res.arrayBuffer();
  return res.status;
}

describe('security: user regexes run in linear time (RE2)', function () {
  this.timeout(60_000);
  let upstream: TestBackend;
  let bascule: Proc;
  let dir: string;
  const port = { hostile: 0, other: 0, admin: 0, dpAdmin: 0 };

  before(async () => {
    upstream = await startBackend('web');
    for (const k of Object.keys(port) as Array<keyof typeof port>) port[k] = await freePort();
    dir = mkdtempSync(join(tmpdir(), 'bascule-regex-'));
    writeFileSync(join(dir, 'config.yaml'), manifests(port.hostile, port.other, upstream.port));
    bascule = runBascule(
      [
        'standalone',
        '--dir',
        dir,
        '--admin',
        `127.0.0.1:${port.admin}`,
        '--dataplane-admin',
        `127.0.0.1:${port.dpAdmin}`,
      ],
      { BASCULE_LOG_LEVEL: 'warn' },
    );
    try {
      await waitFor(
        'both frontends',
        async () => {
          const [a, b] = await Promise.all([
            status(`http://127.0.0.1:${port.hostile}/`),
            status(`http://127.0.0.1:${port.other}/`),
          ]);
          return a === 200 && b === 200;
        },
        20_000,
        100,
      );
    } catch (err) {
      throw new Error(`${(err as Error).message}\n--- bascule output:\n${bascule.output()}`);
    }
  });
  after(async () => {
    await bascule?.kill();
    await upstream?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('the rules are live: a path ending in a’s is denied by the (a+)+$ rule', async () => {
    expect(await status(`http://127.0.0.1:${port.hostile}/${'a'.repeat(8)}`)).to.equal(403);
    expect(await status(`http://127.0.0.1:${port.hostile}/b`)).to.equal(200);
    expect(await status(`http://127.0.0.1:${port.hostile}/`, { 'X-Probe': 'aaaa' })).to.equal(451);
  });

  it('"/" + 40 a’s + "!" is answered, while the other frontend and both admin endpoints keep answering', async () => {
    const hostilePath = `/${'a'.repeat(40)}!`;
    const results = await Promise.all([
      status(`http://127.0.0.1:${port.hostile}${hostilePath}`),
      status(`http://127.0.0.1:${port.hostile}/`, { 'X-Probe': `${'a'.repeat(60)}!` }),
      status(`http://127.0.0.1:${port.other}/`),
      status(`http://127.0.0.1:${port.admin}/healthz`),
      status(`http://127.0.0.1:${port.dpAdmin}/healthz`),
    ]);
    // Neither pattern matches the hostile subjects: they go to the default backend.
    expect(results).to.deep.equal([200, 200, 200, 200, 200]);
    // And after it, everything still answers.
    expect(await status(`http://127.0.0.1:${port.other}/`)).to.equal(200);
  });

  it('SIGTERM stops the process', async () => {
    const code = await bascule.kill('SIGTERM');
    expect(code).to.be.oneOf([0, 'SIGTERM']);
  });
});
