// What an idle dataplane keeps out of memory: code a process does not run is not loaded
// (docs/memory.md). `bascule dataplane` as real processes (the built CLI) against a real
// `bascule controller`, serving one plain HTTP frontend; each process reports the modules it
// loaded (test/support/module-recorder.mjs) once the snapshot is live and a request went through.
//   - no process loads HTTP/2 (node:http2, hpack.js) while no TLS frontend asks for it, nor the
//     regular-expression engine (re2js) while no rule or health check has a pattern;
//   - no process loads ajv or the schemas (@sinclair/typebox): the validators are generated ahead
//     of time (protocol/src/generated/validators.json), the channel's names live apart from the
//     schemas (protocol/src/channel.ts);
//   - no process loads prom-client (nor @opentelemetry/api, which it loads) before a first scrape:
//     what counts from start-up counts on plain objects (dataplane/src/metrics/prometheus.ts);
//   - no process runs Node's scanner of CommonJS exports (the dataplane's CommonJS dependencies
//     are loaded with require);
//   - no process loads the full command line (commander): `bascule dataplane` reads its own
//     arguments (controller/src/cli/dataplane-argv.ts). node:child_process and node:dgram, which
//     commander requires, are loaded anyway: node:net loads node:cluster on the first listen().
//   - a worker (--workers 2) loads no schema library or validator (the primary validates
//     snapshots) and no control-channel WebSocket client, and runs with the image's
//     young-generation cap and glibc malloc settings though the primary was started without them.
//   - from a current build (`npm run build`), `bascule dataplane` and its workers run from the
//     bundles bin/bundle.mjs writes (dist/bundle/): no module of dist/ nor any CommonJS file of
//     the start path (ws, pino, negotiator: bundled) is loaded one by one. The module-by-module
//     checks above run from dist/ (BASCULE_NO_BUNDLE=1), where a module's laziness is visible;
//     the bundle keeps what dist/ loads on first use out of the start path too (prom-client,
//     re2js, hpack.js stay outside it; its lazily imported modules run on first use). Nor does a
//     process of the bundle load node:tls, node:https, node:zlib (ws requires all three for a
//     ws:// channel; the TLS frontends and upstreams import them) or node:assert (pino's file
//     stream, when it closes): the bundle requires them on first use (bin/bundle.mjs), which
//     test/e2e/bundle-tls.test.ts runs. From dist/ on Node.js 22+, where an ES module import of
//     node:http loads http2 and undici with it, the sources take node:http with
//     process.getBuiltinModule (the admin server, the health prober, the HTTP/1.1 parser). Nor
//     does a process of the bundle load what reading every export's descriptor of node:util loads
//     on Node.js 26 (esbuild's interop for an ES module importing a CommonJS one did).
// Each list is also checked for what the process must have loaded, so an empty or broken
// recording cannot pass.
import { expect } from 'chai';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DATAPLANE_MALLOC_ENV } from '#dataplane/malloc-env';
import { startBackend, type TestBackend } from '../support/backends.js';
import { oneRouteYaml } from '../support/manifests.js';
import { freePort } from '../support/ports.js';
import { getJson, ROOT, runBascule, waitDataplaneReady, waitFor, type Proc } from '../support/process.js';

const RECORDER = join(ROOT, 'test/support/module-recorder.mjs');
const TOKEN = 'idle-modules-test-token-0123456789abcdef';

/** The modules process `pid` has loaded: asks it (SIGUSR2) and reads what it wrote. */
async function loadedModules(dir: string, pid: number): Promise<string[]> {
  process.kill(pid, 'SIGUSR2');
  const file = join(dir, `${pid}.txt`);
  await waitFor(`module list of ${pid}`, () => existsSync(file));
  const esm = readFileSync(join(dir, `${pid}.esm`), 'utf8');
  return `${readFileSync(file, 'utf8')}${esm}`.split('\n').filter(Boolean);
}

/** The validators a process checking control-channel messages loads, and the libraries it does not. */
const VALIDATORS = ['/protocol/src/generated/validators.json'];
const SCHEMA_COMPILER = ['node_modules/ajv/', 'node_modules/fast-uri/', '@sinclair/typebox'];
/** The full command line; `bascule dataplane` starts without it. */
const FULL_CLI = ['node_modules/commander/', '/controller/src/cli/program.'];
/**
 * Node's scanner of CommonJS exports, which an ES module importing a CommonJS one runs (on Node.js
 * 20 a WebAssembly module compiled on background threads, whose malloc arenas stay): the
 * dataplane's start path loads its CommonJS dependencies (ws, pino, negotiator) with require.
 */
const CJS_LEXER = ['node:internal/deps/cjs-module-lexer/'];
/** Loaded with the first scrape of /metrics. */
const METRICS_LIBRARY = ['node_modules/prom-client/', '@opentelemetry/api'];

/** What no dataplane process with a plain HTTP frontend and no scrape loads. */
const NEVER_IDLE = [
  'node:http2',
  'node_modules/hpack.js/',
  'node_modules/re2js/',
  ...SCHEMA_COMPILER,
  ...METRICS_LIBRARY,
  ...FULL_CLI,
  ...CJS_LEXER,
];

function expectLoaded(modules: string[], what: string, loaded: string[], notLoaded: string[]): void {
  for (const m of loaded)
    expect(
      modules.some((x) => x.includes(m)),
      `${what} loaded ${m}`,
    ).to.equal(true);
  for (const m of notLoaded)
    expect(
      modules.filter((x) => x.includes(m)),
      `${what} must not load ${m}`,
    ).to.deep.equal([]);
}

describe('idle dataplane: modules a process does not run are not loaded (real processes)', function () {
  this.timeout(90_000);
  let dir: string;
  let record: string;
  let backend: TestBackend;
  let port: number;
  let controller: Proc | undefined;
  let dataplane: Proc | undefined;
  // The built CLI, without the test loader (NODE_OPTIONS emptied).
  const env = { BASCULE_LOG_LEVEL: 'warn', BASCULE_ACCESS_LOG: 'off', NODE_OPTIONS: '' };
  let channel: number;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bascule-idle-modules-'));
    record = join(dir, 'modules');
    mkdirSync(join(dir, 'm'));
    mkdirSync(record);
    backend = await startBackend('one');
    port = await freePort();
    channel = await freePort();
    writeFileSync(join(dir, 'm', 'web.yaml'), oneRouteYaml('127.0.0.1', port, backend.port));
    writeFileSync(join(dir, 'token'), `${TOKEN}\n`);
    controller = runBascule(
      [
        'controller',
        '--dir',
        join(dir, 'm'),
        '--listen',
        `127.0.0.1:${channel}`,
        '--admin',
        '127.0.0.1:0',
        '--token-file',
        join(dir, 'token'),
      ],
      env,
    );
  });

  afterEach(async () => {
    await dataplane?.kill();
    dataplane = undefined;
  });

  after(async () => {
    await controller?.kill();
    await backend?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Starts `bascule dataplane --workers N` recording its modules; resolves once it served a request. */
  async function serving(
    workers: number,
    from: 'dist' | 'bundle' = 'dist',
  ): Promise<{ pid: number; workerPids: number[] }> {
    const admin = await freePort();
    dataplane = runBascule(
      [
        'dataplane',
        '--controller',
        `ws://127.0.0.1:${channel}`,
        '--token-file',
        join(dir, 'token'),
        '--admin',
        `127.0.0.1:${admin}`,
        '--workers',
        String(workers),
      ],
      {
        ...env,
        BASCULE_MODULE_RECORD_DIR: record,
        ...(from === 'dist' ? { BASCULE_NO_BUNDLE: '1' } : {}),
      },
      ['--import', RECORDER],
    );
    const dp = dataplane;
    await waitDataplaneReady(admin, [dp, controller]);
    await waitFor('a request served', async () => (await fetch(`http://127.0.0.1:${port}/`)).status === 200);
    const status = await getJson<{ workers?: Array<{ pid: number | null }> }>(
      `http://127.0.0.1:${admin}/status`,
    );
    const workerPids = (status.workers ?? []).map((w) => w.pid).filter((p): p is number => p !== null);
    return { pid: dp.child.pid!, workerPids };
  }

  it('one event loop (--workers 1): no HTTP/2 without a TLS frontend, no schema compiler, no metrics library, no full command line', async () => {
    const { pid } = await serving(1);
    expectLoaded(
      await loadedModules(record, pid),
      'a single-process dataplane',
      [
        '/dataplane/src/serving/engine.',
        '/dataplane/src/http/engine/h1-server.',
        ...VALIDATORS,
        'node_modules/ws/',
      ],
      NEVER_IDLE,
    );
  });

  it('--workers 2: workers load no schema, validator or channel client; no process loads HTTP/2', async () => {
    const { pid, workerPids } = await serving(2);
    expect(workerPids).to.have.length(2);
    expectLoaded(
      await loadedModules(record, pid),
      'the primary',
      [
        '/dataplane/src/workers/worker-pool.',
        '/dataplane/src/runtime/build.',
        ...VALIDATORS,
        'node_modules/ws/',
      ],
      NEVER_IDLE,
    );
    for (const worker of workerPids) {
      // The primary was started without a young-generation cap: its workers get the image's.
      const argv = readFileSync(`/proc/${worker}/cmdline`, 'utf8').split('\0');
      expect(argv, `worker ${worker} command line`).to.include('--max-semi-space-size=2');
      // ... and the image's glibc malloc settings (dataplane/src/malloc-env.ts).
      const environ = readFileSync(`/proc/${worker}/environ`, 'utf8').split('\0');
      for (const [name, value] of Object.entries(DATAPLANE_MALLOC_ENV))
        expect(environ, `worker ${worker} environment`).to.include(`${name}=${value}`);
      expectLoaded(
        await loadedModules(record, worker),
        `worker ${worker}`,
        ['/dataplane/src/serving/engine.', '/dataplane/src/http/engine/h1-server.'],
        [...NEVER_IDLE, 'node_modules/ws/'],
      );
    }
  });

  it('from the bundles (--workers 2): the primary and each worker load one file of Bascule and none of ws, pino, negotiator, nor node:tls, https, zlib', async () => {
    const { pid, workerPids } = await serving(2, 'bundle');
    expect(workerPids).to.have.length(2);
    const notOneByOne = ['/dist/dataplane/src/', '/dist/protocol/src/validators.', '/dist/controller/src/'];
    const bundledPackages = ['node_modules/ws/', 'node_modules/pino/', 'node_modules/negotiator/'];
    const onFirstUse = ['node:tls', 'node:https', 'node:zlib', 'node:assert', 'node:internal/deps/undici/'];
    // Nor what a lookup of every export of node:util loads (esbuild's interop did, on Node.js 26:
    // parse_args, the diff modules; worker_threads too, which the recorder's own load hooks load).
    onFirstUse.push('node:internal/util/parse_args/', 'node:internal/util/diff');
    expectLoaded(
      await loadedModules(record, pid),
      'the primary',
      // (the validators' JSON is read as a file there, not loaded as a module)
      ['/dist/bundle/dataplane.js', 'node:http', 'node:crypto'],
      [...NEVER_IDLE, ...notOneByOne, ...bundledPackages, ...onFirstUse, '/dist/bundle/worker-main.js'],
    );
    for (const worker of workerPids)
      expectLoaded(
        await loadedModules(record, worker),
        `worker ${worker}`,
        ['/dist/bundle/worker-main.js', 'node:net'],
        [...NEVER_IDLE, ...notOneByOne, ...bundledPackages, ...onFirstUse, '/dist/bundle/dataplane.js'],
      );
  });
});
