// CPU profile of one Bascule process under wrk load, summarized by function and by source area.
//
//   npm run build && npx tsx bench/profile.ts [--scenario keepalive] [--duration 6s]
//        [--connections 50] [--threads 2] [--top 40] [--out DIR] [--perf | --strace] [--trace-gc]
//        [--bin PATH/bin/bascule.js] [--heap-prof] [--new-connections]
//
// Starts the benchmark's nginx upstream (bench/configs.ts) and `bascule standalone` with
// `node --cpu-prof`, warms up for 2 s, profiles a wrk run, stops Bascule with SIGTERM (the profile
// is written on exit), and prints the hottest functions by self time over the measured run (start-up
// and warm-up excluded) plus a breakdown by area
// (Node internals by module, Bascule by source folder, GC, idle). The .cpuprofile is kept in the
// output directory for Chrome DevTools / speedscope. Nothing here is asserted: it is a tool.
//
// --cpu-prof samples wall time: a frame is charged while the thread sits in a system call or is
// preempted. `--perf` measures on-CPU time instead: Bascule runs with `--perf-basic-prof` (JIT
// frames named in /tmp/perf-PID.map), `perf record -g` samples it during the measured run, and
// the summary splits kernel and user time and lists the hottest symbols (needs `perf` and
// kernel.perf_event_paranoid ≤ 1, or root).
//
// `--strace` counts system calls instead (`strace -c -f` attached for the measured run) and prints
// them per request: what each request costs in calls, whatever their time (strace slows the
// process several-fold, so its req/s and CPU figures mean nothing). `--trace-gc` runs Bascule
// with `--trace-gc` and reports the collections (scavenges, mark-compacts) of the measured run,
// per 1,000 requests, with their pauses, and the JavaScript heap allocated per request (from the
// heap sizes before and after each collection). `--new-connections` makes wrk send `Connection:
// close` in any scenario (in `tcp`: accept, server connect, relay and both closes per request,
// what a TCP frontend pays per connection). `--bin` profiles another build (default: this
// checkout's bin/bascule.js). `--heap-prof` samples allocations instead (see heapSummary).
//
// `--scenario bigbody` drives the load with bench/transfers.ts (64 MiB downloads and uploads, 2 of
// each at a time, curl) instead of wrk: "requests" are then transfers, and the CPU is also given
// per MiB moved through the proxy.
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { BIG_BODY_BYTES, SCENARIOS, basculeYaml, type ScenarioId } from './configs.js';
import { freePort, killAll, loadAverage, run, sample, start } from './procs.js';
import { basculeEnv, startUpstream } from './upstream.js';
import { runTransfers } from './transfers.js';
import { runWrk, writeWrkScript, type WrkResult } from './wrk.js';

const ROOT = join(import.meta.dirname, '..');
const DEFAULT_BIN = join(ROOT, 'bin/bascule.js');

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** Where a frame belongs: "(gc)", "node:internal/http/...", "dataplane/src/http", ... */
function area(url: string, fn: string): string {
  if (fn === '(garbage collector)') return '(gc)';
  if (fn === '(idle)' || fn === '(program)' || fn === '(root)') return fn;
  if (url === '') return '(native)';
  const dist = /\/dist\/((?:dataplane|controller|protocol)\/src\/[^/]+)/.exec(url);
  if (dist) return dist[1]!.replace(/\.js$/, '');
  if (url.includes('/node_modules/')) return `npm:${/node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)![1]}`;
  if (url.startsWith('node:')) return url.replace(/^node:internal\//, 'node:').replace(/\/[^/]+$/, '');
  return url;
}

/** Self time per function over the last `windowUs` of the profile (the measured run, not start-up). */
export function summarize(p: CpuProfile, top: number, windowUs: number): string {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  const from = p.endTime - windowUs;
  let t = p.startTime;
  for (let i = 0; i < p.samples.length; i++) {
    t += p.timeDeltas[i] ?? 0;
    if (t < from) continue;
    self.set(p.samples[i]!, (self.get(p.samples[i]!) ?? 0) + (p.timeDeltas[i] ?? 0));
  }
  let total = 0;
  let idle = 0;
  const fns = new Map<string, number>();
  const areas = new Map<string, number>();
  for (const [id, us] of self) {
    const n = byId.get(id)!;
    const { functionName, url, lineNumber } = n.callFrame;
    total += us;
    if (functionName === '(idle)') idle += us;
    const file = url.replace(/^.*\/dist\//, '').replace(/^.*\/node_modules\//, 'npm:');
    const key = `${functionName || '(anonymous)'} ${file}:${lineNumber + 1}`;
    fns.set(key, (fns.get(key) ?? 0) + us);
    const a = area(url, functionName);
    areas.set(a, (areas.get(a) ?? 0) + us);
  }
  const busy = total - idle;
  const pct = (us: number): string => `${((100 * us) / busy).toFixed(1)}%`;
  const lines = [
    `busy ${(busy / 1e6).toFixed(2)} s of ${(total / 1e6).toFixed(2)} s sampled (idle excluded from %)`,
    '',
  ];
  lines.push('| self % of busy | area |', '| ---: | --- |');
  for (const [a, us] of [...areas].sort((x, y) => y[1] - x[1]).slice(0, 30))
    if (a !== '(idle)') lines.push(`| ${pct(us)} | ${a} |`);
  lines.push('', '| self % of busy | function |', '| ---: | --- |');
  for (const [f, us] of [...fns].sort((x, y) => y[1] - x[1]).slice(0, top))
    if (!f.startsWith('(idle)')) lines.push(`| ${pct(us)} | \`${f}\` |`);
  return lines.join('\n');
}

interface HeapNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: HeapNode[];
}

/**
 * `--heap-prof`: the sampled bytes still in the heap at exit, by allocating function. V8's
 * sampling heap profiler drops the samples of objects a collection freed, so what it holds is
 * what survived (start-up's long-lived objects) plus what was allocated since the last
 * scavenge — with a young generation of 64 MB, the last several thousand requests: the
 * per-request allocations, attributed to the function that made them.
 */
export function heapSummary(root: HeapNode, top: number): string {
  const fns = new Map<string, number>();
  let total = 0;
  const walk = (n: HeapNode): void => {
    if (n.selfSize > 0) {
      const { functionName, url, lineNumber } = n.callFrame;
      const file = url.replace(/^.*\/dist\//, '').replace(/^.*\/node_modules\//, 'npm:');
      const key = `${functionName || '(anonymous)'} ${file}:${lineNumber + 1}`;
      fns.set(key, (fns.get(key) ?? 0) + n.selfSize);
      total += n.selfSize;
    }
    for (const c of n.children) walk(c);
  };
  walk(root);
  const lines = [
    `sampled bytes live at exit: ${(total / 1e6).toFixed(1)} MB`,
    '',
    '| KB | % | allocated by |',
    '| ---: | ---: | --- |',
  ];
  for (const [f, b] of [...fns].sort((x, y) => y[1] - x[1]).slice(0, top))
    lines.push(`| ${(b / 1024).toFixed(0)} | ${((100 * b) / total).toFixed(1)}% | \`${f}\` |`);
  return lines.join('\n');
}

/** Kernel vs user share of the samples and the hottest symbols by self time (perf report). */
async function perfSummary(data: string, top: number): Promise<string> {
  const r = await run(
    'perf',
    [
      'report',
      '-i',
      data,
      '--stdio',
      '--no-children',
      '--sort',
      'sym',
      '-g',
      'none',
      '--percent-limit',
      '0.3',
    ],
    120_000,
  );
  if (r.code !== 0) throw new Error(`perf report failed: ${r.stderr}`);
  let kernel = 0;
  let user = 0;
  const rows: string[] = [];
  for (const line of r.stdout.split('\n')) {
    const m = /^\s+([\d.]+)%\s+\[([k.])\]\s+(.*)$/.exec(line);
    if (!m) continue;
    const pct = Number(m[1]);
    if (m[2] === 'k') kernel += pct;
    else user += pct;
    if (rows.length < top)
      rows.push(`| ${m[1]}% | ${m[2] === 'k' ? 'kernel' : 'user'} | \`${m[3]!.trim().slice(0, 100)}\` |`);
  }
  return [
    `symbols at ≥ 0.3% of samples: kernel ${kernel.toFixed(1)}%, user ${user.toFixed(1)}% (the rest: symbols below 0.3%)`,
    '',
    '| self % of samples | where | symbol |',
    '| ---: | --- | --- |',
    ...rows,
  ].join('\n');
}

async function waitServing(port: number, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      const r = await fetch(`http://127.0.0.1:${port}/`);
      await r.arrayBuffer();
      if (r.status === 200) return;
    } catch {
      /* not yet */
    }
    if (Date.now() > deadline) throw new Error(`port ${port} not serving after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** `strace -c` output as calls per request (the busiest first). */
export function straceSummary(text: string, requests: number): string {
  const rows: Array<[string, number, number]> = [];
  for (const line of text.split('\n')) {
    // % time, seconds, usecs/call, calls, [errors], syscall
    const m = /^\s*[\d.]+\s+[\d.]+\s+\d+\s+(\d+)\s+(?:(\d+)\s+)?([a-z_0-9]+)\s*$/.exec(line);
    if (m && m[3] !== 'total') rows.push([m[3]!, Number(m[1]), Number(m[2] ?? 0)]);
  }
  rows.sort((a, b) => b[1] - a[1]);
  const out = ['| calls per request | errors per request | system call |', '| ---: | ---: | --- |'];
  let total = 0;
  for (const [name, calls, errors] of rows) {
    total += calls;
    out.push(`| ${(calls / requests).toFixed(3)} | ${(errors / requests).toFixed(3)} | ${name} |`);
  }
  out.push(`| ${(total / requests).toFixed(3)} | | (all) |`);
  return out.join('\n');
}

/** `--trace-gc` lines of the measured run: collections per 1,000 requests and their pauses. */
export function gcSummary(log: string, requests: number, seconds: number): string {
  const kinds = new Map<string, { n: number; ms: number; max: number }>();
  for (const m of log.matchAll(
    /(Scavenge|Mark-Compact|Mark-sweep|Minor Mark-Compact)[^,]*?,\s*([\d.]+)\s*\/\s*[\d.]+\s*ms/g,
  )) {
    const k = kinds.get(m[1]!) ?? { n: 0, ms: 0, max: 0 };
    const ms = Number(m[2]);
    k.n++;
    k.ms += ms;
    k.max = Math.max(k.max, ms);
    kinds.set(m[1]!, k);
  }
  const out = [
    '| collection | count | per 1,000 requests | pause total ms | mean ms | max ms |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const [kind, k] of kinds)
    out.push(
      `| ${kind} | ${k.n} | ${((k.n * 1000) / requests).toFixed(3)} | ${k.ms.toFixed(1)} | ${(k.ms / k.n).toFixed(2)} | ${k.max.toFixed(2)} |`,
    );
  const a = allocatedPerRequest(log, requests, seconds);
  if (a !== undefined)
    out.push(
      '',
      `JavaScript heap allocated: ${(a.bytes / 1e6).toFixed(1)} MB between the first and the last collection ` +
        `(${a.ms.toFixed(0)} ms of the ${seconds} s run), ~${Math.round(a.perRequest)} bytes per request`,
    );
  return out.join('\n');
}

/**
 * Bytes allocated between the first and the last collection of `log`: each collection's heap size
 * before, less the size after the one before it (what was allocated in between; trace-gc prints
 * sizes in MB with one decimal, so each gap is known to ±0.1 MB). Per request assumes the
 * requests spread evenly over the run (wrk's closed loop at saturation).
 */
export function allocatedPerRequest(
  log: string,
  requests: number,
  seconds: number,
): { bytes: number; ms: number; perRequest: number } | undefined {
  const gcs = [
    ...log.matchAll(
      /(\d+) ms: (?:Scavenge|Mark-Compact|Mark-sweep|Minor Mark-Compact)[^\d]*([\d.]+) \([\d.]+\) -> ([\d.]+)/g,
    ),
  ].map((m) => ({ at: Number(m[1]), before: Number(m[2]), after: Number(m[3]) }));
  if (gcs.length < 2) return undefined;
  let mb = 0;
  for (let i = 1; i < gcs.length; i++) mb += gcs[i]!.before - gcs[i - 1]!.after;
  const ms = gcs[gcs.length - 1]!.at - gcs[0]!.at;
  if (ms <= 0) return undefined;
  const bytes = mb * 1024 * 1024;
  return { bytes, ms, perRequest: bytes / ((requests * ms) / (seconds * 1000)) };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      scenario: { type: 'string', default: 'keepalive' },
      duration: { type: 'string', default: '6' },
      connections: { type: 'string', default: '50' },
      threads: { type: 'string', default: '2' },
      top: { type: 'string', default: '40' },
      out: { type: 'string' },
      perf: { type: 'boolean', default: false },
      strace: { type: 'boolean', default: false },
      'trace-gc': { type: 'boolean', default: false },
      'heap-prof': { type: 'boolean', default: false },
      bin: { type: 'string', default: DEFAULT_BIN },
      'new-connections': { type: 'boolean', default: false },
    },
  });
  const found = SCENARIOS.find((x) => x.id === (values.scenario as ScenarioId));
  if (!found) throw new Error(`--scenario: one of ${SCENARIOS.map((x) => x.id).join(', ')}`);
  // --new-connections: wrk sends `Connection: close` whatever the scenario (tcp: a new client and
  // server connection per request through the TCP frontend; the server closes after answering).
  const s = values['new-connections'] ? { ...found, connectionClose: true } : found;
  const seconds = Number.parseFloat(values.duration!);
  const dir = mkdtempSync(join(tmpdir(), 'bascule-profile-'));
  const out = values.out ?? join(dir, 'profile');
  mkdirSync(out, { recursive: true });
  process.on('exit', killAll);
  try {
    const bigFile = s.transfers ? join(dir, 'big.bin') : undefined;
    const { ports: upstreams, running: up } = await startUpstream(dir, bigFile ? { bigFile } : {});
    await waitServing(upstreams.a, 10_000);
    const port = await freePort();
    const manifests = join(dir, 'manifests');
    mkdirSync(manifests);
    writeFileSync(join(manifests, 'bench.yaml'), basculeYaml({ port, upstreams, scenario: s }));
    const env = basculeEnv();
    const perf = values.perf === true;
    const strace = values.strace === true;
    const traceGc = values['trace-gc'] === true;
    const heapProf = values['heap-prof'] === true;
    const args = [
      ...(perf
        ? ['--perf-basic-prof']
        : strace
          ? []
          : heapProf
            ? [
                '--heap-prof',
                '--heap-prof-dir',
                out,
                '--heap-prof-interval',
                '128',
                '--max-semi-space-size=64',
              ]
            : ['--cpu-prof', '--cpu-prof-dir', out]),
      ...(traceGc ? ['--trace-gc'] : []),
      values.bin!,
      'standalone',
      '--workers',
      '1', // one event loop, as in the benchmark: the profile is the whole data path
      '--dir',
      manifests,
      '--admin',
      '127.0.0.1:0',
      '--dataplane-admin',
      '127.0.0.1:0',
    ];
    const bascule = start('bascule', process.execPath, args, join(dir, 'bascule.log'), env);
    await waitServing(port, 30_000);
    const script = writeWrkScript(dir);
    const wrk = {
      url: `http://127.0.0.1:${port}/`,
      threads: Number(values.threads),
      connections: Number(values.connections),
      script,
      connectionClose: s.connectionClose,
    };
    // The load: wrk, or for bigbody the 64 MiB transfers (bench/transfers.ts).
    const drive = async (durationSeconds: number): Promise<WrkResult> =>
      bigFile
        ? runTransfers({
            base: `http://127.0.0.1:${port}`,
            uploadFile: bigFile,
            bytes: BIG_BODY_BYTES,
            parallel: 2,
            durationSeconds,
          })
        : (await runWrk({ ...wrk, durationSeconds })).result;
    await drive(2);
    const perfData = join(out, 'perf.data');
    const recording = perf
      ? run(
          'perf',
          [
            'record',
            '-F',
            '999',
            '-g',
            '-p',
            String(bascule.pid),
            '-o',
            perfData,
            '--',
            'sleep',
            String(seconds),
          ],
          (seconds + 30) * 1000,
        )
      : undefined;
    const straceOut = join(out, 'strace.txt');
    const counting = strace
      ? run(
          'timeout',
          ['-s', 'INT', String(seconds), 'strace', '-c', '-f', '-p', String(bascule.pid), '-o', straceOut],
          (seconds + 30) * 1000,
        )
      : undefined;
    const logFile = join(dir, 'bascule.log');
    const logBefore = traceGc ? readFileSync(logFile, 'latin1').length : 0;
    const before = sample(bascule.pid);
    const load = loadAverage()[0];
    const result = await drive(seconds);
    if (counting) {
      await counting;
      await bascule.stop(10_000);
      await up.stop();
      process.stdout.write(
        `scenario ${s.id}: ${result.requests} requests under strace over ${seconds}s, load1 ${load.toFixed(2)} at the start\n` +
          `${straceSummary(readFileSync(straceOut, 'latin1'), result.requests)}\n`,
      );
      return;
    }
    if (traceGc) {
      const log = readFileSync(logFile, 'latin1').slice(logBefore);
      process.stdout.write(`${gcSummary(log, result.requests, seconds)}\n`);
    }
    const cpu = sample(bascule.pid).cpuSeconds - before.cpuSeconds;
    // CPU per request of the profiled process (the profiler's own cost included), and the load.
    const mib = (result.requests * BIG_BODY_BYTES) / (1024 * 1024);
    const cost = bigFile
      ? `${((cpu * 1e3) / result.requests).toFixed(1)} ms CPU/transfer, ${((cpu * 1e6) / mib).toFixed(1)} µs CPU/MiB, ${(mib / result.durationSeconds).toFixed(0)} MiB/s, peak RSS ${(sample(bascule.pid).hwmKiB / 1024).toFixed(1)} MiB, load1 ${load.toFixed(2)} at the start`
      : `${((cpu * 1e6) / result.requests).toFixed(1)} µs CPU/request, load1 ${load.toFixed(2)} at the start`;
    const recorded = await recording;
    if (recorded && recorded.code !== 0) throw new Error(`perf record failed: ${recorded.stderr}`);
    // perf report reads the JIT map, which the process keeps until it exits: report first.
    const report = perf ? await perfSummary(perfData, Number(values.top)) : '';
    await bascule.stop(10_000);
    await up.stop();
    if (perf) {
      process.stdout.write(
        `scenario ${s.id}: ${Math.round(result.requests / seconds)} req/s over ${seconds}s, ${cost}, perf record -F 999 -g\n${report}\nperf data: ${perfData}\n`,
      );
      return;
    }
    if (heapProf) {
      const hp = readdirSync(out).find((f) => f.endsWith('.heapprofile'));
      if (!hp) throw new Error(`no .heapprofile in ${out} (see ${join(dir, 'bascule.log')})`);
      const h = JSON.parse(readFileSync(join(out, hp), 'utf8')) as { head: HeapNode };
      process.stdout.write(
        `scenario ${s.id}: ${Math.round(result.requests / seconds)} req/s over ${seconds}s, ${cost}, --heap-prof (young generation 64 MB)\n` +
          `${heapSummary(h.head, Number(values.top))}\n\nprofile: ${join(out, hp)}\n`,
      );
      return;
    }
    const file = readdirSync(out).find((f) => f.endsWith('.cpuprofile'));
    if (!file) throw new Error(`no .cpuprofile in ${out} (see ${join(dir, 'bascule.log')})`);
    const profile = JSON.parse(readFileSync(join(out, file), 'utf8')) as CpuProfile;
    process.stdout.write(
      `scenario ${s.id}: ${Math.round(result.requests / seconds)} req/s over ${seconds}s, ${cost} (the summary covers the last ${seconds}s of the profile: the measured run)\n`,
    );
    process.stdout.write(
      `${summarize(profile, Number(values.top), (bigFile ? result.durationSeconds : seconds) * 1e6)}\n\nprofile: ${join(out, file)}\n`,
    );
  } finally {
    if (!values.out) rmSync(join(dir, 'manifests'), { recursive: true, force: true });
  }
}

await main();
