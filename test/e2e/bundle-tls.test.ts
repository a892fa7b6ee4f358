// The dataplane's bundle (dist/bundle/dataplane.js, bin/bundle.mjs) requires node:tls, node:https,
// node:zlib and node:fs/promises on first use, behind a stand-in module (test/e2e/idle-modules
// checks that an idle ws:// dataplane never loads them). Here the built CLI, from the bundle,
// uses each path that needs them: a wss:// control channel to a controller with a private CA
// (ws: https.request, tls.connect), a TLS frontend (tls.createSecureContext, tls.createServer)
// and a state directory (fs/promises: mkdir, open, rename). Real processes, 127.0.0.1 only.
import { expect } from 'chai';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBackend, type TestBackend } from '../support/backends.js';
import { freePort } from '../support/ports.js';
import { getJson, ROOT, runBascule, waitDataplaneReady, waitFor, type Proc } from '../support/process.js';
import { TestCa } from '../unit/tls/certs.js';

const RECORDER = join(ROOT, 'test/support/module-recorder.mjs');
const TOKEN = 'bundle-tls-test-token-0123456789abcdef';

function httpsStatus(port: number, ca: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = https.get(
      { host: '127.0.0.1', port, path: '/', servername: 'shop.example.test', ca, agent: false },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
  });
}

describe('dataplane bundle: TLS, wss:// and the state directory through the modules it requires on first use (real processes)', function () {
  this.timeout(90_000);
  let dir: string;
  let siteCa: TestCa;
  let channelCa: TestCa;
  let backend: TestBackend;
  let controller: Proc | undefined;
  let dataplane: Proc | undefined;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bascule-bundle-tls-'));
    siteCa = new TestCa('Site CA');
    channelCa = new TestCa('Channel CA');
    backend = await startBackend('one');
  });

  after(async () => {
    await dataplane?.kill();
    await controller?.kill();
    await backend?.close();
    rmSync(dir, { recursive: true, force: true });
    siteCa?.cleanup();
    channelCa?.cleanup();
  });

  it('connects over wss:// with --ca-file, serves a TLS frontend and persists the snapshot, from dist/bundle/dataplane.js', async () => {
    const pem = join(dir, 'pem');
    const manifests = join(dir, 'm');
    const record = join(dir, 'modules');
    const state = join(dir, 'state');
    for (const d of [pem, manifests, record]) mkdirSync(d);
    const shop = siteCa.issue({ dns: ['shop.example.test'] });
    const serving = channelCa.issue({ ips: ['127.0.0.1'], cn: 'bascule-controller' });
    writeFileSync(join(pem, 'shop.crt'), shop.cert);
    writeFileSync(join(pem, 'shop.key'), shop.key);
    writeFileSync(join(pem, 'channel.crt'), serving.cert);
    writeFileSync(join(pem, 'channel.key'), serving.key);
    writeFileSync(join(pem, 'channel-ca.crt'), channelCa.cert);
    writeFileSync(join(dir, 'token'), `${TOKEN}\n`);
    const port = await freePort();
    writeFileSync(
      join(manifests, 'site.yaml'),
      `apiVersion: bascule.dev/v1alpha1
kind: Frontend
metadata: {name: shop}
spec:
  bind: {address: 127.0.0.1, port: ${port}}
  tls: {certificates: [{certFile: ../pem/shop.crt, keyFile: ../pem/shop.key}]}
  defaultBackend: origin
---
apiVersion: bascule.dev/v1alpha1
kind: Backend
metadata: {name: origin}
spec:
  servers: [{name: origin, address: 127.0.0.1, port: ${backend.port}}]
`,
    );
    const env = { BASCULE_LOG_LEVEL: 'warn', BASCULE_ACCESS_LOG: 'off', NODE_OPTIONS: '' };
    const channel = await freePort();
    controller = runBascule(
      [
        'controller',
        '--dir',
        manifests,
        '--listen',
        `127.0.0.1:${channel}`,
        '--admin',
        '127.0.0.1:0',
        '--token-file',
        join(dir, 'token'),
        '--tls-cert',
        join(pem, 'channel.crt'),
        '--tls-key',
        join(pem, 'channel.key'),
      ],
      env,
    );
    const admin = await freePort();
    dataplane = runBascule(
      [
        'dataplane',
        '--controller',
        `wss://127.0.0.1:${channel}`,
        '--ca-file',
        join(pem, 'channel-ca.crt'),
        '--token-file',
        join(dir, 'token'),
        '--admin',
        `127.0.0.1:${admin}`,
        '--state-dir',
        state,
        '--workers',
        '1',
      ],
      { ...env, BASCULE_MODULE_RECORD_DIR: record },
      ['--import', RECORDER],
    );
    const dp = dataplane;
    await waitDataplaneReady(admin, [dp, controller]);
    const status = await getJson<{ controller: { connected: boolean; url: string } }>(
      `http://127.0.0.1:${admin}/status`,
    );
    expect(status.controller.connected).to.equal(true);
    expect(status.controller.url).to.match(/^wss:\/\//);
    await waitFor('an HTTPS request served', async () => (await httpsStatus(port, siteCa.cert)) === 200);
    await waitFor('the snapshot persisted', () => existsSync(join(state, 'snapshot.json')));
    expect(JSON.parse(readFileSync(join(state, 'snapshot.json'), 'utf8'))).to.be.an('object');

    const pid = dp.child.pid!;
    process.kill(pid, 'SIGUSR2');
    await waitFor('module list', () => existsSync(join(record, `${pid}.txt`)));
    const modules =
      `${readFileSync(join(record, `${pid}.txt`), 'utf8')}${readFileSync(join(record, `${pid}.esm`), 'utf8')}`
        .split('\n')
        .filter(Boolean);
    // From the bundle, and the modules it defers were loaded by the paths that use them.
    expect(modules.some((m) => m.endsWith('/dist/bundle/dataplane.js'))).to.equal(true);
    expect(modules.filter((m) => m.includes('/dist/dataplane/src/'))).to.deep.equal([]);
    for (const m of ['node:tls', 'node:https', 'node:fs/promises'])
      expect(modules, `the dataplane loaded ${m}`).to.include(m);
  });
});
