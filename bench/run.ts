// Bascule vs HAProxy vs nginx as reverse proxies in front of the same upstream, in one run.
//
//   npm run build && npx tsx bench/run.ts [--duration 10s] [--connections 50] [--threads 2]
//        [--warmup 2s] [--rounds 1] [--workers 1 (all proxies: nbthread, worker_processes, bascule --workers)] [--scenarios keepalive,headers,tcp,close,bigbody]
//        [--proxies haproxy,nginx,bascule,node] [--body-bytes 64] [--no-direct] [--out FILE.md]
//        [--json FILE.json] [--check] [--keep]
//
// For every scenario and proxy: write the proxy's config into a temp dir, start the proxy on a
// free 127.0.0.1 port, check it answers correctly (body, round robin, rewritten headers), warm
// up with wrk, measure with wrk, read the proxy's RSS and CPU time from /proc, stop it. Prints a
// markdown report: absolute numbers and ratios to HAProxy. Numbers are reported, never asserted.
// See bench/README.md.
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  SCENARIOS,
  BIG_BODY_BYTES,
  basculeYaml,
  haproxyCfg,
  minimalProxyArgs,
  nginxProxyConf,
  upstreamBody,
  upstreamNginxConf,
  type ProxyId,
  type Scenario,
  type ScenarioId,
  type Upstreams,
} from './configs.js';
import {
  assertListensOn,
  freePort,
  killAll,
  loadAverage,
  run,
  sample,
  start,
  type ProcSample,
  type Running,
} from './procs.js';
import { runTransfers } from './transfers.js';
import { median } from './stats.js';
import { cellContext, contextFigures, runWrk, writeWrkScript, type WrkResult } from './wrk.js';

const ROOT = join(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin/bascule.js');
const DIST_MAIN = join(ROOT, 'dist/controller/src/cli/main.js');
const MINIMAL = join(import.meta.dirname, 'minimal-proxy.mjs');
const PROXIES: readonly ProxyId[] = ['haproxy', 'nginx', 'bascule', 'node'];
const PROXY_LABEL: Record<ProxyId | 'direct', string> = {
  haproxy: 'HAProxy',
  nginx: 'nginx',
  bascule: 'Bascule',
  node: 'minimal Node.js proxy (reference)',
  direct: 'direct to upstream (no proxy)',
};

// ---------- options ----------

function seconds(text: string, flag: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text.trim());
  if (!m) throw new Error(`${flag}: expected a duration like 10s, got ${JSON.stringify(text)}`);
  const v = Number(m[1]);
  const s = m[2] === 'ms' ? v / 1000 : m[2] === 'm' ? v * 60 : v;
  if (s <= 0 || s > 600) throw new Error(`${flag}: must be within (0, 600] seconds`);
  return s;
}

function positiveInt(text: string, flag: string, max: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > max)
    throw new Error(`${flag}: expected an integer 1..${max}, got ${text}`);
  return n;
}

function list<T extends string>(text: string, allowed: readonly T[], flag: string): T[] {
  const items = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const i of items)
    if (!allowed.includes(i as T))
      throw new Error(`${flag}: unknown ${JSON.stringify(i)} (one of ${allowed.join(', ')})`);
  return items as T[];
}

interface Options {
  durationSeconds: number;
  warmupSeconds: number;
  connections: number;
  threads: number;
  rounds: number;
  workers: number;
  upstreamWorkers: number;
  bodyBytes: number;
  scenarios: Scenario[];
  proxies: ProxyId[];
  direct: boolean;
  out?: string;
  json?: string;
  check: boolean;
  keep: boolean;
}

function options(argv: string[]): Options {
  const { values: v } = parseArgs({
    args: argv,
    options: {
      duration: { type: 'string', default: '10s' },
      warmup: { type: 'string', default: '2s' },
      connections: { type: 'string', default: '50' },
      threads: { type: 'string', default: '2' },
      rounds: { type: 'string', default: '1' },
      workers: { type: 'string', default: '1' },
      'upstream-workers': { type: 'string', default: '1' },
      'body-bytes': { type: 'string', default: '64' },
      scenarios: { type: 'string', default: SCENARIOS.map((s) => s.id).join(',') },
      proxies: { type: 'string', default: PROXIES.join(',') },
      'no-direct': { type: 'boolean', default: false },
      out: { type: 'string' },
      json: { type: 'string' },
      check: { type: 'boolean', default: false },
      keep: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (v.help) {
    process.stdout.write(
      readFileSync(new URL(import.meta.url), 'utf8')
        .split('\n')
        .slice(0, 7)
        .join('\n') + '\n',
    );
    process.exit(0);
  }
  const ids = list<ScenarioId>(
    v.scenarios!,
    SCENARIOS.map((s) => s.id),
    '--scenarios',
  );
  const o: Options = {
    durationSeconds: seconds(v.duration!, '--duration'),
    warmupSeconds: seconds(v.warmup!, '--warmup'),
    connections: positiveInt(v.connections!, '--connections', 10_000),
    threads: positiveInt(v.threads!, '--threads', 64),
    rounds: positiveInt(v.rounds!, '--rounds', 20),
    workers: positiveInt(v.workers!, '--workers', 64),
    upstreamWorkers: positiveInt(v['upstream-workers']!, '--upstream-workers', 64),
    bodyBytes: positiveInt(v['body-bytes']!, '--body-bytes', 1 << 20),
    scenarios: SCENARIOS.filter((s) => ids.includes(s.id)),
    proxies: list<ProxyId>(v.proxies!, PROXIES, '--proxies'),
    direct: !v['no-direct'],
    check: v.check!,
    keep: v.keep!,
    ...(v.out ? { out: v.out } : {}),
    ...(v.json ? { json: v.json } : {}),
  };
  if (o.threads > o.connections) throw new Error('--threads must not exceed --connections (wrk)');
  return o;
}

// ---------- environment ----------

interface Environment {
  date: string;
  nproc: number;
  cpuModel: string;
  kernel: string;
  node: string;
  bascule: string;
  haproxy: string;
  nginx: string;
  wrk: string;
  nginxStreamModule?: string;
}

function firstLine(s: string): string {
  return (
    s
      .split('\n')
      .find((l) => l.trim())
      ?.trim() ?? ''
  );
}

async function environment(): Promise<Environment> {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  const need = async (cmd: string, args: string[], pkg: string) => {
    const r = await run(cmd, args, 10_000);
    if (r.code === -1) throw new Error(`${cmd} not found: apt-get install -y ${pkg}`);
    return r;
  };
  const haproxy = firstLine((await need('haproxy', ['-v'], 'haproxy')).stdout);
  const nginxV = await need('nginx', ['-V'], 'nginx-light');
  const wrk = firstLine((await need('wrk', ['-v'], 'wrk')).stdout);
  const modulesPath = /--modules-path=(\S+)/.exec(nginxV.stderr)?.[1] ?? '/usr/lib/nginx/modules';
  const stream = join(modulesPath, 'ngx_stream_module.so');
  const git = await run('git', ['-C', ROOT, 'describe', '--always', '--dirty'], 10_000);
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
  return {
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    nproc: availableParallelism(),
    cpuModel: /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? 'unknown',
    kernel: readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim(),
    node: process.version,
    bascule: `${pkg.version} (${git.code === 0 ? git.stdout.trim() : 'no git'})`,
    haproxy: /version (\S+)/.exec(haproxy)?.[1] ?? haproxy,
    nginx: /nginx\/(\S+)/.exec(nginxV.stderr)?.[1] ?? firstLine(nginxV.stderr),
    wrk: /^wrk (\S+)/.exec(wrk)?.[1] ?? wrk,
    ...(existsSync(stream) ? { nginxStreamModule: stream } : {}),
  };
}

// ---------- probing ----------

interface Probe {
  status: number;
  body: string;
  headers: http.IncomingHttpHeaders;
}

/** One GET on a fresh connection (round robin in tcp mode is per connection). */
function get(port: number): Promise<Probe> {
  return new Promise((resolve, reject) => {
    const req = http.get(
      { host: '127.0.0.1', port, path: '/', agent: false, headers: { connection: 'close' }, timeout: 2000 },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

async function waitUntilServing(port: number, proc: Running | undefined, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    if (proc && proc.child.exitCode !== null) throw new Error(`${proc.name} exited (${proc.child.exitCode})`);
    try {
      const r = await get(port);
      if (r.status === 200) {
        if (proc) assertListensOn(port, proc.pid);
        return;
      }
      last = `status ${r.status}`;
    } catch (err) {
      last = (err as Error).message;
    }
    if (Date.now() > deadline) throw new Error(`port ${port} not serving after ${timeoutMs} ms (${last})`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The proxy must be doing the work we measure: right body, both servers used, headers rewritten. */
async function verify(port: number, proxy: ProxyId, s: Scenario, bodyBytes: number): Promise<void> {
  const seen = new Set<string>();
  for (let i = 0; i < 4; i++) {
    const r = await get(port);
    if (r.status !== 200) throw new Error(`status ${r.status}`);
    if (r.body !== upstreamBody(bodyBytes))
      throw new Error(`unexpected body ${JSON.stringify(r.body.slice(0, 80))}`);
    seen.add(String(r.headers['x-upstream']));
    if (s.rewriteHeaders) {
      if (r.headers['x-served-by'] !== proxy)
        throw new Error(`X-Served-By is ${JSON.stringify(r.headers['x-served-by'])}`);
      if (r.headers['x-seen-xff'] !== '127.0.0.1')
        throw new Error(`upstream saw X-Forwarded-For ${JSON.stringify(r.headers['x-seen-xff'])}`);
    } else if (r.headers['x-served-by'] !== undefined) {
      throw new Error('X-Served-By set although the scenario does not rewrite headers');
    }
  }
  if (!seen.has('a') || !seen.has('b')) throw new Error(`round robin used only ${[...seen].join(',')}`);
}

// ---------- running one cell ----------

interface Cell {
  scenario: ScenarioId;
  proxy: ProxyId | 'direct';
  round: number;
  load1AtStart: number;
  wrk?: WrkResult;
  /** RSS once serving, before any load. */
  rssKiBIdle?: number;
  /** RSS after the warm-up, before the measured run. */
  rssKiBBefore?: number;
  rssKiBAfter?: number;
  hwmKiBAfter?: number;
  cpuSeconds?: number;
  processes?: number;
  /**
   * The measured run's surroundings (bench/wrk.ts cellContext): the proxy's main thread's run-queue
   * wait (ms per second of the run), the machine's busy and steal shares (% of all CPUs).
   */
  waitMsPerS?: number;
  busyPct?: number;
  stealPct?: number;
  error?: string;
}

interface Ctx {
  o: Options;
  env: Environment;
  dir: string;
  upstreams: Upstreams;
  script: string;
  /** The 64 MiB file the bigbody scenario downloads (served by the upstream) and uploads. */
  bigFile: string;
}

async function writeProxyConfig(
  ctx: Ctx,
  proxy: ProxyId,
  s: Scenario,
  port: number,
  dir: string,
): Promise<string> {
  const { o, upstreams } = ctx;
  switch (proxy) {
    case 'haproxy': {
      const f = join(dir, 'haproxy.cfg');
      writeFileSync(f, haproxyCfg({ port, upstreams, scenario: s, threads: o.workers }));
      return f;
    }
    case 'nginx': {
      const f = join(dir, 'nginx.conf');
      writeFileSync(
        f,
        nginxProxyConf({
          dir,
          port,
          upstreams,
          scenario: s,
          workers: o.workers,
          ...(ctx.env.nginxStreamModule ? { streamModule: ctx.env.nginxStreamModule } : {}),
        }),
      );
      return f;
    }
    case 'bascule': {
      const d = join(dir, 'manifests');
      mkdirSync(d, { recursive: true });
      writeFileSync(join(d, 'bench.yaml'), basculeYaml({ port, upstreams, scenario: s }));
      return d;
    }
    case 'node': {
      const f = join(dir, 'args.json');
      writeFileSync(f, JSON.stringify(minimalProxyArgs({ port, upstreams, scenario: s })));
      return f;
    }
  }
}

/** Environment of the Node.js processes: production, quiet, and without tsx's loader. */
function nodeEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: 'production', // as in the dataplane image
    BASCULE_LOG_LEVEL: 'warn',
    BASCULE_ACCESS_LOG: 'off', // HAProxy and nginx run without access logs too
  };
  if (env.NODE_OPTIONS?.includes('tsx')) delete env.NODE_OPTIONS;
  return env;
}

function startProxy(proxy: ProxyId, config: string, dir: string, workers: number): Running {
  const log = join(dir, `${proxy}.log`);
  switch (proxy) {
    case 'haproxy':
      return start('haproxy', 'haproxy', ['-db', '-f', config], log);
    case 'nginx':
      return start('nginx', 'nginx', ['-e', join(dir, 'error.log'), '-p', dir, '-c', config], log);
    case 'bascule':
      return start(
        'bascule',
        process.execPath,
        [
          // Node.js flags to compare (bench/README.md, "Dataplane memory"); none unless set.
          ...(process.env.BENCH_DATAPLANE_NODE_ARGS ?? '').split(/\s+/).filter(Boolean),
          BIN,
          'standalone',
          '--dir',
          config,
          '--admin',
          '127.0.0.1:0',
          '--dataplane-admin',
          '127.0.0.1:0',
          '--workers',
          String(workers),
        ],
        log,
        nodeEnv(),
      );
    case 'node':
      return start(
        'node',
        process.execPath,
        [
          ...(process.env.BENCH_MINIMAL_NODE_ARGS ?? '').split(/\s+/).filter(Boolean),
          MINIMAL,
          ...(JSON.parse(readFileSync(config, 'utf8')) as string[]),
        ],
        log,
        nodeEnv(),
      );
  }
}

function tail(file: string, lines: number): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

function progress(msg: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
}

async function measure(
  ctx: Ctx,
  s: Scenario,
  port: number,
  proc: Running | undefined,
  cell: Cell,
): Promise<void> {
  const { o } = ctx;
  if (s.transfers) {
    const t = {
      base: `http://127.0.0.1:${port}`,
      uploadFile: ctx.bigFile,
      bytes: BIG_BODY_BYTES,
      parallel: 2,
    };
    await runTransfers({ ...t, durationSeconds: o.warmupSeconds });
    await new Promise((r) => setTimeout(r, 500));
    const before = proc ? sample(proc.pid) : undefined;
    cell.load1AtStart = loadAverage()[0];
    cell.wrk = await runTransfers({ ...t, durationSeconds: o.durationSeconds });
    if (proc && before) recordUsage(cell, before, sample(proc.pid));
    return;
  }
  const wrkOpts = {
    url: `http://127.0.0.1:${port}/`,
    threads: o.threads,
    connections: o.connections,
    script: ctx.script,
    connectionClose: s.connectionClose,
  };
  await runWrk({ ...wrkOpts, durationSeconds: o.warmupSeconds });
  await new Promise((r) => setTimeout(r, 500));
  const before = proc ? sample(proc.pid) : undefined;
  const ctxBefore = proc ? cellContext(proc.pid) : undefined;
  cell.load1AtStart = loadAverage()[0];
  const { result } = await runWrk({ ...wrkOpts, durationSeconds: o.durationSeconds });
  cell.wrk = result;
  if (proc && ctxBefore)
    Object.assign(cell, contextFigures(ctxBefore, cellContext(proc.pid), result.durationSeconds));
  if (proc && before) recordUsage(cell, before, sample(proc.pid));
}

async function runCell(ctx: Ctx, s: Scenario, proxy: ProxyId, round: number): Promise<Cell> {
  const cell: Cell = { scenario: s.id, proxy, round, load1AtStart: NaN };
  if (proxy === 'nginx' && s.mode === 'tcp' && !ctx.env.nginxStreamModule) {
    cell.error = 'nginx stream module missing (apt-get install -y libnginx-mod-stream)';
    return cell;
  }
  const dir = mkdtempSync(join(ctx.dir, `${s.id}-${proxy}-r${round}-`));
  const port = await freePort();
  const config = await writeProxyConfig(ctx, proxy, s, port, dir);
  let proc: Running | undefined;
  try {
    proc = startProxy(proxy, config, dir, ctx.o.workers);
    await waitUntilServing(port, proc, 30_000);
    await verify(port, proxy, s, ctx.o.bodyBytes);
    cell.rssKiBIdle = sample(proc.pid).rssKiB;
    await measure(ctx, s, port, proc, cell);
    if (proc.child.exitCode !== null) throw new Error(`${proxy} exited during the run`);
  } catch (err) {
    cell.error = (err as Error).message;
    const log = proc ? tail(proc.logFile, 5) : '';
    progress(`  ${proxy}: FAILED: ${cell.error}${log ? ` — last lines of its log:\n${log}` : ''}`);
  } finally {
    await proc?.stop();
  }
  return cell;
}

async function runDirect(ctx: Ctx, s: Scenario, round: number): Promise<Cell> {
  const cell: Cell = { scenario: s.id, proxy: 'direct', round, load1AtStart: NaN };
  try {
    await measure(ctx, s, ctx.upstreams.a, undefined, cell);
  } catch (err) {
    cell.error = (err as Error).message;
  }
  return cell;
}

// ---------- validation only (--check) ----------

async function check(ctx: Ctx): Promise<boolean> {
  let ok = true;
  for (const s of ctx.o.scenarios) {
    for (const proxy of ctx.o.proxies) {
      if (proxy === 'nginx' && s.mode === 'tcp' && !ctx.env.nginxStreamModule) continue;
      if (proxy === 'node') continue; // no config language to check
      const dir = mkdtempSync(join(ctx.dir, `check-${s.id}-${proxy}-`));
      const config = await writeProxyConfig(ctx, proxy, s, await freePort(), dir);
      const r =
        proxy === 'haproxy'
          ? await run('haproxy', ['-c', '-f', config], 20_000)
          : proxy === 'nginx'
            ? await run('nginx', ['-t', '-e', join(dir, 'error.log'), '-p', dir, '-c', config], 20_000)
            : await run(process.execPath, [BIN, 'validate', '-f', config], 30_000);
      ok &&= r.code === 0;
      process.stdout.write(`${r.code === 0 ? 'ok  ' : 'FAIL'} ${s.id} ${proxy} ${config}\n`);
      if (r.code !== 0) process.stdout.write(r.stdout + r.stderr);
    }
  }
  return ok;
}

// ---------- report ----------

interface Row {
  proxy: ProxyId | 'direct';
  rounds: number;
  rps: number;
  rpsMin: number;
  rpsMax: number;
  p50: number;
  p99: number;
  cpuUsPerReq: number;
  rssMiB: number;
  rssIdleMiB: number;
  hwmMiB: number;
  errors: number;
  load1: number;
  error?: string;
}

function aggregate(cells: Cell[]): Row | undefined {
  const first = cells[0];
  if (!first) return undefined;
  const okCells = cells.filter((c) => c.wrk);
  const m = (f: (c: Cell) => number | undefined) => median(okCells.map((c) => f(c) ?? NaN));
  const rpss = okCells.map((c) => c.wrk!.requestsPerSecond);
  const failed = cells.find((c) => c.error);
  return {
    proxy: first.proxy,
    rounds: okCells.length,
    rps: m((c) => c.wrk!.requestsPerSecond),
    rpsMin: Math.min(...rpss),
    rpsMax: Math.max(...rpss),
    p50: m((c) => c.wrk!.latencyMs.p50),
    p99: m((c) => c.wrk!.latencyMs.p99),
    cpuUsPerReq: m((c) =>
      c.cpuSeconds !== undefined && c.wrk!.requests > 0 ? (c.cpuSeconds * 1e6) / c.wrk!.requests : undefined,
    ),
    rssMiB: m((c) => (c.rssKiBAfter !== undefined ? c.rssKiBAfter / 1024 : undefined)),
    rssIdleMiB: m((c) => (c.rssKiBIdle !== undefined ? c.rssKiBIdle / 1024 : undefined)),
    hwmMiB: m((c) => (c.hwmKiBAfter !== undefined ? c.hwmKiBAfter / 1024 : undefined)),
    errors: okCells.reduce((n, c) => n + Object.values(c.wrk!.errors).reduce((a, b) => a + b, 0), 0),
    load1: m((c) => c.load1AtStart),
    ...(failed?.error ? { error: failed.error } : {}),
  };
}

/**
 * The p99 of every proxy round by round, beside HAProxy's of the same round, with each cell's
 * run-queue wait (the proxy's main thread runnable but not running, ms per second) and the
 * machine's busy and steal shares. A p99 at 50 connections is made by the moments the proxy could not run:
 * on a shared machine the rounds of one proxy differ more than the proxies of one round, and a
 * median of each proxy's rounds can pair HAProxy's quietest with Bascule's busiest.
 */
/** `proxy`'s p99 ÷ HAProxy's, for each round where both have a result. */
function roundRatios(cells: Cell[], id: ScenarioId, proxy: ProxyId): number[] {
  const out: number[] = [];
  for (const c of cells) {
    if (c.scenario !== id || c.proxy !== proxy || !c.wrk) continue;
    const h = cells.find((x) => x.scenario === id && x.proxy === 'haproxy' && x.round === c.round && x.wrk);
    if (h && h.wrk!.latencyMs.p99 > 0) out.push(c.wrk.latencyMs.p99 / h.wrk!.latencyMs.p99);
  }
  return out;
}

function perRound(cells: Cell[], id: ScenarioId, proxies: readonly ProxyId[]): string[] {
  const of = (p: ProxyId, round: number) =>
    cells.find((c) => c.scenario === id && c.proxy === p && c.round === round && c.wrk);
  const rounds = [...new Set(cells.filter((c) => c.scenario === id).map((c) => c.round))].sort(
    (a, b) => a - b,
  );
  const others = proxies.filter((p) => p !== 'haproxy');
  const cell = (c: Cell | undefined) =>
    c
      ? `${num(c.wrk!.latencyMs.p99, 2)} (${num(c.waitMsPerS ?? NaN)} / ${num(c.busyPct ?? NaN)}% / ${num(c.stealPct ?? NaN)}%)`
      : '—';
  const out = [
    `p99 ms round by round (the proxy's run-queue wait in ms/s / the machine's busy / steal shares during the run: steal is CPU time the hypervisor gave elsewhere, which no run-queue wait shows), and the ratio to HAProxy's p99 in the same round:`,
    '',
    `| round | HAProxy | ${others.map((p) => `${PROXY_LABEL[p]} | ÷ HAProxy`).join(' | ')} |`,
    `| ---: | ---: |${' ---: | ---: |'.repeat(others.length)}`,
  ];
  const ratios = new Map<ProxyId, number[]>();
  for (const r of rounds) {
    const h = of('haproxy', r);
    const row = [`| ${r} | ${cell(h)} |`];
    for (const p of others) {
      const c = of(p, r);
      const q = c && h ? c.wrk!.latencyMs.p99 / h.wrk!.latencyMs.p99 : NaN;
      if (Number.isFinite(q)) (ratios.get(p) ?? ratios.set(p, []).get(p)!).push(q);
      row.push(` ${cell(c)} | ${Number.isFinite(q) ? `${q.toFixed(2)}×` : '—'} |`);
    }
    out.push(row.join(''));
  }
  out.push(
    `| median | |${others.map((p) => ` | ${ratios.has(p) ? `${median(ratios.get(p)!).toFixed(2)}×` : '—'} |`).join('')}`,
    `| range, rounds over 2× | |${others.map((p) => ` | ${ratios.has(p) ? spread(ratios.get(p)!) : '—'} |`).join('')}`,
  );
  return out;
}

/**
 * Per-round p99 ratios as their range and how many rounds exceed issue 12's 2× bound: a median
 * of two or three rounds alone hides a round over it.
 */
function spread(ratios: number[]): string {
  const over = ratios.filter((q) => q > 2).length;
  return `${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}×, ${over} of ${ratios.length}`;
}

const num = (x: number, digits = 0) =>
  Number.isFinite(x)
    ? x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })
    : '—';
const ratio = (x: number, base: number | undefined) =>
  base !== undefined && Number.isFinite(x) && Number.isFinite(base) && base > 0
    ? `${(x / base).toFixed(2)}×`
    : '—';

function report(ctx: Ctx, cells: Cell[], loadStart: number[], loadEnd: number[]): string {
  const { o, env } = ctx;
  const out: string[] = [];
  out.push(`## Results — ${env.date}`, '');
  out.push(
    `- Machine: ${env.nproc} CPUs (${env.cpuModel}), Linux ${env.kernel}. wrk, the proxy and the upstream share these cores; nothing is pinned.`,
    `- Load average (1/5/15 min): ${loadStart.map((x) => x.toFixed(2)).join(' / ')} at start, ${loadEnd.map((x) => x.toFixed(2)).join(' / ')} at end.`,
    `- Versions: Bascule ${env.bascule} on Node.js ${env.node}, HAProxy ${env.haproxy}, nginx ${env.nginx}, wrk ${env.wrk}.`,
    `- Load: \`wrk -t${o.threads} -c${o.connections} -d${o.durationSeconds}s --latency\` after a ${o.warmupSeconds} s warm-up; ${o.rounds} round(s), median shown` +
      (o.rounds > 1 ? ' (req/s range in brackets)' : '') +
      '.',
    `- Proxies: HAProxy \`nbthread ${o.workers}\`, nginx \`worker_processes ${o.workers}\`; Bascule \`bascule standalone --workers ${o.workers}\` (controller + dataplane; ${o.workers === 1 ? 'one event loop in that process' : `${o.workers} worker processes serving traffic, the primary idle`}); ` +
      `the minimal Node.js proxy (bench/minimal-proxy.mjs) is one process too. All pool server connections; no access logs anywhere.`,
    `- Upstream: one nginx (${o.upstreamWorkers} worker) with two \`server\` blocks answering \`return 200\` with a ${o.bodyBytes}-byte body.`,
    `- CPU/req: user+system CPU time of the proxy process tree during the measured run ÷ requests. RSS: VmRSS once serving (idle) and after the measured run (nginx: master + workers; ratio on the latter). errors: wrk socket errors + non-2xx/3xx. load1: 1-min load average when the measured run started.`,
    '',
  );
  const summary: { id: ScenarioId; rows: Row[]; base: Row | undefined }[] = [];
  for (const s of o.scenarios) {
    const rows: Row[] = [];
    for (const p of [...o.proxies, 'direct' as const]) {
      const r = aggregate(cells.filter((c) => c.scenario === s.id && c.proxy === p));
      if (r) rows.push(r);
    }
    const h = rows.find((r) => r.proxy === 'haproxy' && r.rounds > 0);
    out.push(`### ${s.id}: ${s.title}`, '');
    if (s.transfers)
      out.push(
        'Columns read per transfer: transfers/s (and MiB/s through the proxy), p50/p99 transfer time in ms, CPU per transfer, RSS idle → peak (VmHWM).',
        '',
      );
    out.push(
      '| proxy | req/s | vs HAProxy | p50 ms | p99 ms | p99 vs HAProxy | CPU µs/req | vs HAProxy | RSS MiB idle → after | vs HAProxy | errors | load1 |',
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    );
    for (const r of rows) {
      if (r.rounds === 0) {
        out.push(`| ${PROXY_LABEL[r.proxy]} | failed: ${r.error ?? 'no result'} | | | | | | | | | | |`);
        continue;
      }
      const range = o.rounds > 1 && r.rounds > 1 ? ` [${num(r.rpsMin)}–${num(r.rpsMax)}]` : '';
      if (s.transfers) {
        // Transfers: per second (and MiB/s both ways), transfer times, CPU per 64 MiB, RSS idle → peak.
        const mibs = (r.rps * BIG_BODY_BYTES) / 1024 / 1024;
        out.push(
          `| ${PROXY_LABEL[r.proxy]} | ${num(r.rps, 2)} (${num(mibs)} MiB/s) | ${ratio(r.rps, h?.rps)} | ${num(r.p50, 0)} | ${num(r.p99, 0)} | ${ratio(r.p99, h?.p99)} | ` +
            `${num(r.cpuUsPerReq / 1000, 1)} ms | ${ratio(r.cpuUsPerReq, h?.cpuUsPerReq)} | ${Number.isFinite(r.hwmMiB) ? `${num(r.rssIdleMiB, 1)} → peak ${num(r.hwmMiB, 1)}` : '—'} | ${ratio(r.hwmMiB, h?.hwmMiB)} | ${num(r.errors)} | ${num(r.load1, 2)} |`,
        );
        continue;
      }
      out.push(
        `| ${PROXY_LABEL[r.proxy]} | ${num(r.rps)}${range} | ${ratio(r.rps, h?.rps)} | ${num(r.p50, 2)} | ${num(r.p99, 2)} | ${ratio(r.p99, h?.p99)} | ` +
          `${num(r.cpuUsPerReq, 1)} | ${ratio(r.cpuUsPerReq, h?.cpuUsPerReq)} | ${Number.isFinite(r.rssMiB) ? `${num(r.rssIdleMiB, 1)} → ${num(r.rssMiB, 1)}` : '—'} | ${ratio(r.rssMiB, h?.rssMiB)} | ${num(r.errors)} | ${num(r.load1, 2)} |`,
      );
    }
    out.push('');
    if (o.rounds > 1 && !s.transfers) out.push(...perRound(cells, s.id, o.proxies), '');
    summary.push({ id: s.id, rows, base: h });
  }
  const others = o.proxies.filter((p) => p !== 'haproxy');
  const cells3 = (f: (r: Row) => number, sc: (typeof summary)[number]) =>
    others.map((p) =>
      ratio(f(sc.rows.find((r) => r.proxy === p) ?? ({} as Row)) ?? NaN, sc.base ? f(sc.base) : undefined),
    );
  const short = (p: ProxyId) => (p === 'node' ? 'minimal Node' : PROXY_LABEL[p]);
  // With several rounds, the p99 ratio is also given as the median of the per-round ratios (each
  // proxy against HAProxy in the same round: see perRound), beside the ratio of the medians.
  const byRound = o.rounds > 1;
  const roundCells = (sc: (typeof summary)[number]) =>
    others.map((p) => {
      const r = roundRatios(cells, sc.id, p);
      return r.length > 0 ? `${median(r).toFixed(2)}× (${spread(r)} over 2×)` : '—';
    });
  out.push(
    '### Summary: ratios to HAProxy (1.00× = HAProxy; req/s higher is better, p99 and CPU/req lower is better)',
    '',
    `| scenario | ${others.map((p) => `${short(p)} req/s`).join(' | ')} | ${others.map((p) => `${short(p)} p99`).join(' | ')} | ${byRound ? `${others.map((p) => `${short(p)} p99 per round`).join(' | ')} | ` : ''}${others.map((p) => `${short(p)} CPU/req`).join(' | ')} |`,
    `| --- |${' ---: |'.repeat(others.length * (byRound ? 4 : 3))}`,
    ...summary.map(
      (sc) =>
        `| ${sc.id} | ${[...cells3((r) => r.rps, sc), ...cells3((r) => r.p99, sc), ...(byRound ? roundCells(sc) : []), ...cells3((r) => r.cpuUsPerReq, sc)].join(' | ')} |`,
    ),
    '',
  );
  return out.join('\n');
}

// ---------- main ----------

async function main(): Promise<void> {
  const o = options(process.argv.slice(2));
  if (!existsSync(DIST_MAIN)) throw new Error(`${DIST_MAIN} missing: run \`npm run build\` first`);
  const env = await environment();
  const dir = mkdtempSync(join(tmpdir(), 'bascule-bench-'));
  const cleanup = () => {
    killAll();
    if (!o.keep) rmSync(dir, { recursive: true, force: true });
  };
  process.on('exit', cleanup);
  for (const sig of ['SIGINT', 'SIGTERM'] as const)
    process.on(sig, () => {
      progress(`${sig}: stopping everything`);
      process.exit(130);
    });

  const upstreams: Upstreams = { a: await freePort(), b: await freePort() };
  const bigFile = join(dir, 'big.bin');
  const ctx: Ctx = { o, env, dir, upstreams, script: writeWrkScript(dir), bigFile };
  if (o.check) {
    const ok = await check(ctx);
    process.exitCode = ok ? 0 : 1;
    return;
  }

  const updir = join(dir, 'upstream');
  mkdirSync(updir);
  if (o.scenarios.some((s) => s.transfers)) {
    writeFileSync(bigFile, Buffer.alloc(BIG_BODY_BYTES, 0x61), { mode: 0o644 });
    chmodSync(dir, 0o711); // nginx workers (an unprivileged user) read it through the temp dir
  }
  writeFileSync(
    join(updir, 'nginx.conf'),
    upstreamNginxConf({
      dir: updir,
      ports: upstreams,
      workers: o.upstreamWorkers,
      bodyBytes: o.bodyBytes,
      ...(o.scenarios.some((s) => s.transfers) ? { bigFile } : {}),
    }),
  );
  const upstream = start(
    'upstream',
    'nginx',
    ['-e', join(updir, 'error.log'), '-p', updir, '-c', join(updir, 'nginx.conf')],
    join(updir, 'out.log'),
  );
  await waitUntilServing(upstreams.a, upstream, 10_000);
  await waitUntilServing(upstreams.b, upstream, 10_000);
  progress(`upstream nginx on 127.0.0.1:${upstreams.a} and :${upstreams.b}; temp dir ${dir}`);

  const loadStart = loadAverage();
  const cells: Cell[] = [];
  for (let round = 1; round <= o.rounds; round++) {
    for (const s of o.scenarios) {
      // Rotate the order each round so a drift in background load does not favour one proxy.
      const k = (round - 1) % o.proxies.length;
      const order = [...o.proxies.slice(k), ...o.proxies.slice(0, k)];
      for (const proxy of order) {
        progress(`round ${round}/${o.rounds} ${s.id}: ${proxy}`);
        const c = await runCell(ctx, s, proxy, round);
        if (c.wrk)
          progress(
            `  ${Math.round(c.wrk.requestsPerSecond)} req/s, p99 ${c.wrk.latencyMs.p99.toFixed(2)} ms, load1 ${c.load1AtStart}` +
              (c.waitMsPerS !== undefined
                ? `, runq wait ${c.waitMsPerS.toFixed(0)} ms/s, machine busy ${c.busyPct?.toFixed(0)}% steal ${c.stealPct?.toFixed(0)}%`
                : ''),
          );
        cells.push(c);
      }
      if (o.direct && (s.id === 'keepalive' || s.id === 'close')) {
        progress(`round ${round}/${o.rounds} ${s.id}: direct to the upstream`);
        cells.push(await runDirect(ctx, s, round));
      }
    }
  }
  const loadEnd = loadAverage();
  await upstream.stop();

  const md = report(ctx, cells, loadStart, loadEnd);
  process.stdout.write(md + '\n');
  if (o.out) writeFileSync(o.out, md + '\n');
  if (o.json)
    writeFileSync(
      o.json,
      JSON.stringify(
        {
          options: { ...o, scenarios: o.scenarios.map((s) => s.id) },
          environment: env,
          loadStart,
          loadEnd,
          cells,
        },
        null,
        2,
      ) + '\n',
    );
}

main().catch((err) => {
  process.stderr.write(`bench: ${(err as Error).message}\n`);
  process.exitCode = 1;
});

/** The proxy's memory and CPU over the measured run, from /proc samples taken before and after it. */
function recordUsage(cell: Cell, before: ProcSample, after: ProcSample): void {
  cell.rssKiBBefore = before.rssKiB;
  cell.rssKiBAfter = after.rssKiB;
  cell.hwmKiBAfter = after.hwmKiB;
  cell.cpuSeconds = after.cpuSeconds - before.cpuSeconds;
  cell.processes = after.processes;
}
