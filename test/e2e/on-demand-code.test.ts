// Code a dataplane loads with the first snapshot that needs it (dataplane/src/serving/code-on-demand.ts):
// TLS termination, HTTP/2 requests and the TCP proxy. Real processes (the built CLI against a real
// `bascule controller`), from the bundles (bin/bundle.mjs: each such module is a file of its own
// beside the process's bundle) and from dist/, with one process and with workers: a dataplane
// started on a plain HTTP frontend has not loaded them; a TLS frontend (HTTP/2 and HTTP/1.1) and a
// TCP frontend added to it while it runs serve their very first connection, and every process then
// has loaded them (the primary of --workers 2 builds TLS frontends too). A load that fails (a
// bundle whose on-demand file is missing) is an apply error: the snapshot is refused and the live
// one keeps serving.
import { expect } from 'chai';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import http from 'node:http';
import http2 from 'node:http2';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBackend, type TestBackend } from '../support/backends.js';
import { oneRouteYaml } from '../support/manifests.js';
import { freePort } from '../support/ports.js';
import {
  controllerArgs,
  dataplaneArgs,
  getJson,
  ROOT,
  runBascule,
  waitDataplaneReady,
  waitFor,
  type Proc,
} from '../support/process.js';
import { TestCa } from '../unit/tls/certs.js';

const RECORDER = join(ROOT, 'test/support/module-recorder.mjs');
const TOKEN = 'on-demand-code-test-token-0123456789abcdef';
const NAME = 'shop.example.test';
/** The built CLI, without the test loader (NODE_OPTIONS emptied). */
const ENV = { BASCULE_LOG_LEVEL: 'warn', BASCULE_ACCESS_LOG: 'off', NODE_OPTIONS: '' };

/** The modules process `pid` has loaded (test/support/module-recorder.mjs). */
async function loadedModules(dir: string, pid: number, round: string): Promise<string[]> {
  const file = join(dir, `${pid}.txt`);
  rmSync(file, { force: true });
  process.kill(pid, 'SIGUSR2');
  await waitFor(`module list of ${pid} (${round})`, () => existsSync(file));
  const esm = readFileSync(join(dir, `${pid}.esm`), 'utf8');
  return `${readFileSync(file, 'utf8')}${esm}`.split('\n').filter(Boolean);
}

/** One HTTP/2 request over TLS on a new connection (ALPN h2): its status. */
function h2Status(port: number, ca: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(`https://127.0.0.1:${port}`, { servername: NAME, ca });
    session.on('error', reject);
    const req = session.request({ ':path': '/', ':authority': NAME });
    req.on('response', (h) => {
      req.resume();
      req.on('end', () => {
        session.close();
        resolve(Number(h[':status']));
      });
    });
    req.on('error', reject);
    req.end();
  });
}

/** One HTTP/1.1 request on a new connection, over TLS or not: its status. */
function h1Status(port: number, ca?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const options = { host: '127.0.0.1', port, path: '/', agent: false };
    const done = (res: http.IncomingMessage): void => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    };
    const req = ca
      ? https.get({ ...options, servername: NAME, ca, headers: { host: NAME } }, done)
      : http.get(options, done);
    req.on('error', reject);
  });
}

/** A TLS frontend (offering h2) and a TCP frontend, both to `origin`'s port. */
function moreYaml(secure: number, tcp: number, origin: number): string {
  return `apiVersion: bascule.dev/v1alpha1
kind: Frontend
metadata: {name: shop}
spec:
  bind: {address: 127.0.0.1, port: ${secure}}
  tls: {certificates: [{certFile: ../shop.crt, keyFile: ../shop.key}], alpn: [h2, http/1.1]}
  defaultBackend: origin
---
apiVersion: bascule.dev/v1alpha1
kind: Frontend
metadata: {name: relay}
spec:
  mode: tcp
  bind: {address: 127.0.0.1, port: ${tcp}}
  defaultBackend: relay
---
apiVersion: bascule.dev/v1alpha1
kind: Backend
metadata: {name: relay}
spec:
  mode: tcp
  servers: [{name: origin, address: 127.0.0.1, port: ${origin}}]
`;
}

describe('code loaded on demand: TLS and TCP frontends added to a running dataplane serve their first connection (real processes)', function () {
  this.timeout(90_000);
  let dir: string;
  let ca: TestCa;
  let backend: TestBackend;
  let controller: Proc | undefined;
  let dataplane: Proc | undefined;
  let ports: { web: number; secure: number; tcp: number; channel: number; admin: number };

  before(async () => {
    ca = new TestCa();
    backend = await startBackend('origin');
  });
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bascule-on-demand-'));
    mkdirSync(join(dir, 'm'));
    mkdirSync(join(dir, 'modules'));
    const site = ca.issue({ dns: [NAME] });
    writeFileSync(join(dir, 'shop.crt'), site.cert);
    writeFileSync(join(dir, 'shop.key'), site.key);
    writeFileSync(join(dir, 'token'), `${TOKEN}\n`);
    ports = {
      web: await freePort(),
      secure: await freePort(),
      tcp: await freePort(),
      channel: await freePort(),
      admin: await freePort(),
    };
    writeFileSync(join(dir, 'm', 'web.yaml'), oneRouteYaml('127.0.0.1', ports.web, backend.port));
    controller = runBascule(controllerArgs(join(dir, 'm'), ports.channel, join(dir, 'token')), ENV);
  });
  afterEach(async () => {
    await dataplane?.kill();
    await controller?.kill();
    dataplane = undefined;
    controller = undefined;
    rmSync(dir, { recursive: true, force: true });
  });
  after(async () => {
    await backend?.close();
  });

  const args = (workers: number): string[] =>
    dataplaneArgs(ports.channel, join(dir, 'token'), ports.admin, workers);
  const frontends = async (): Promise<number> =>
    (await getJson<{ frontends: number }>(`http://127.0.0.1:${ports.admin}/status`)).frontends;

  for (const from of ['bundle', 'dist'] as const)
    for (const workers of [1, 2])
      it(`from ${from === 'bundle' ? 'the bundles' : 'dist/'}, --workers ${workers}`, async () => {
        const record = join(dir, 'modules');
        dataplane = runBascule(
          args(workers),
          {
            ...ENV,
            BASCULE_MODULE_RECORD_DIR: record,
            ...(from === 'dist' ? { BASCULE_NO_BUNDLE: '1' } : {}),
          },
          ['--import', RECORDER],
        );
        const dp = dataplane;
        await waitDataplaneReady(ports.admin, [dp, controller]);
        await waitFor('the plain frontend serving', async () => (await h1Status(ports.web)) === 200);
        const status = await getJson<{ workers?: Array<{ pid: number | null }> }>(
          `http://127.0.0.1:${ports.admin}/status`,
        );
        const workerPids = (status.workers ?? []).map((w) => w.pid).filter((p): p is number => p !== null);
        expect(workerPids).to.have.length(workers > 1 ? workers : 0);
        const processes = [dp.child.pid!, ...workerPids];
        const onDemand = (pid: number): string[] =>
          from === 'bundle'
            ? ['termination', 'h2-client', 'tcp-proxy'].map(
                (m) => `/dist/bundle/${pid === dp.child.pid ? 'dataplane' : 'worker'}-${m}.js`,
              )
            : [
                '/dist/dataplane/src/tls/termination.js',
                '/dist/dataplane/src/http/engine/h2-client.js',
                '/dist/dataplane/src/tcp/proxy.js',
              ];
        for (const pid of processes) {
          const modules = await loadedModules(record, pid, 'idle');
          for (const m of onDemand(pid))
            expect(
              modules.filter((x) => x.includes(m)),
              `${pid} must not have loaded ${m} yet`,
            ).to.deep.equal([]);
        }

        // A TLS frontend and a TCP frontend, added while it runs.
        writeFileSync(join(dir, 'm', 'more.yaml'), moreYaml(ports.secure, ports.tcp, backend.port));
        // Applied: the dataplane reports three frontends (every worker has prepared the snapshot,
        // its listeners bound, by then). No connection is made to the new ports before.
        await waitFor(
          'the snapshot with the TLS and TCP frontends applied',
          async () => (await frontends()) === 3,
        );
        // The first connection to each is served.
        expect(await h2Status(ports.secure, ca.cert), 'HTTP/2 over TLS, first connection').to.equal(200);
        expect(await h1Status(ports.secure, ca.cert), 'HTTP/1.1 over TLS').to.equal(200);
        expect(await h1Status(ports.tcp), 'HTTP through the TCP frontend, first connection').to.equal(200);

        // Every process loaded them with the apply: the workers, and a primary of workers (it
        // builds the snapshot too).
        for (const pid of processes) {
          const modules = await loadedModules(record, pid, 'after');
          for (const m of onDemand(pid))
            expect(
              modules.some((x) => x.includes(m)),
              `${pid} loaded ${m}`,
            ).to.equal(true);
          if (from === 'bundle')
            expect(modules.filter((m) => m.includes('/dist/dataplane/src/'))).to.deep.equal([]);
        }
      });

  it('a load that fails refuses the snapshot; the live one keeps serving', async () => {
    // A copy of the launcher and the bundles without the TLS termination's file (the modules a
    // process of the bundle needs are all in it: no node_modules).
    const tree = join(dir, 'tree');
    mkdirSync(join(tree, 'bin'), { recursive: true });
    mkdirSync(join(tree, 'dist', 'bundle'), { recursive: true });
    copyFileSync(join(ROOT, 'bin', 'bascule.js'), join(tree, 'bin', 'bascule.js'));
    copyFileSync(join(ROOT, 'package.json'), join(tree, 'package.json'));
    const files = readdirSync(join(ROOT, 'dist', 'bundle'));
    expect(files).to.include('dataplane-termination.js');
    for (const f of files)
      if (f !== 'dataplane-termination.js')
        copyFileSync(join(ROOT, 'dist', 'bundle', f), join(tree, 'dist', 'bundle', f));
    // The bundle counts as current when it is newer than each package's last tsc build.
    for (const pkg of ['protocol', 'dataplane', 'controller']) {
      const info = join(tree, 'dist', pkg, 'tsconfig.tsbuildinfo');
      mkdirSync(join(tree, 'dist', pkg));
      writeFileSync(info, '');
      utimesSync(info, new Date(2000, 0, 1), new Date(2000, 0, 1));
    }
    dataplane = runBascule(args(1), ENV, [], process.execPath, join(tree, 'bin', 'bascule.js'));
    const dp = dataplane;
    await waitDataplaneReady(ports.admin, [dp, controller]);
    await waitFor('the plain frontend serving', async () => (await h1Status(ports.web)) === 200);

    writeFileSync(join(dir, 'm', 'more.yaml'), moreYaml(ports.secure, ports.tcp, backend.port));
    await waitFor('the refusal logged', () =>
      dp.output().includes('code this snapshot needs could not be loaded'),
    );
    expect(dp.output()).to.include('dataplane-termination.js');
    expect(await frontends(), 'still the live snapshot').to.equal(1);
    expect(await h1Status(ports.web), 'the live snapshot still serving').to.equal(200);
    expect(dp.child.exitCode, 'the dataplane still running').to.equal(null);
  });
});
