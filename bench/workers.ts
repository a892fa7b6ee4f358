// Bascule with several workers: how it scales, and how it compares with HAProxy and nginx
// given the same cores.
//
//   npm run build && npx tsx bench/workers.ts [--workers 2] [--duration 10s] [--rounds 1]
//        [--scenarios keepalive,headers,close,tcp] [--out FILE.md] [--json FILE.json]
//
// Two runs of bench/run.ts, back to back, with the same upstream settings:
//   1. Bascule `--workers 1` alone (the baseline of the scaling factor);
//   2. Bascule `--workers N` beside HAProxy `nbthread N` and nginx `worker_processes N`.
// Then one table per scenario: req/s and CPU per request of each, the scaling factor
// (req/s with N workers ÷ req/s with 1) and the ratios to HAProxy. wrk and the upstream run on
// the same cores as the proxy: on a 2-core machine N=2 does not give the proxy 2 free cores, so
// CPU per request is the figure to compare, req/s the one to read with care. See bench/README.md.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { median } from './stats.js';

interface Cell {
  scenario: string;
  proxy: string;
  round: number;
  wrk?: { requests: number; requestsPerSecond: number; latencyMs: { p99: number } };
  cpuSeconds?: number;
  processes?: number;
  error?: string;
}

interface RunJson {
  options: { workers: number; durationSeconds: number; connections: number; threads: number };
  environment: {
    date: string;
    nproc: number;
    node: string;
    bascule: string;
    haproxy: string;
    nginx?: string;
  };
  cells: Cell[];
}

const RUN = join(import.meta.dirname, 'run.ts');

function runBench(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    // Same Node and loader (tsx) as this process; the report goes to stderr so stdout stays ours.
    const child = spawn(process.execPath, [...process.execArgv, RUN, ...args], { stdio: ['ignore', 2, 2] });
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`bench/run.ts ${args.join(' ')} exited ${code}`)),
    );
  });
}

interface Figures {
  rps: number;
  cpuUsPerReq: number;
  p99: number;
  errors: string | undefined;
}

function figures(cells: Cell[], scenario: string, proxy: string): Figures | undefined {
  const mine = cells.filter((c) => c.scenario === scenario && c.proxy === proxy);
  if (mine.length === 0) return undefined;
  const ok = mine.filter((c) => c.wrk && c.wrk.requests > 0);
  return {
    rps: median(ok.map((c) => c.wrk!.requestsPerSecond)),
    cpuUsPerReq: median(
      ok.filter((c) => c.cpuSeconds !== undefined).map((c) => (c.cpuSeconds! * 1e6) / c.wrk!.requests),
    ),
    p99: median(ok.map((c) => c.wrk!.latencyMs.p99)),
    errors: mine.find((c) => c.error)?.error,
  };
}

const n0 = (x: number): string => (Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : 'n/a');
const f1 = (x: number): string => (Number.isFinite(x) ? x.toFixed(1) : 'n/a');
const f2 = (x: number): string => (Number.isFinite(x) ? x.toFixed(2) : 'n/a');

async function main(): Promise<void> {
  const { values: v } = parseArgs({
    options: {
      workers: { type: 'string', default: '2' },
      duration: { type: 'string', default: '10s' },
      rounds: { type: 'string', default: '1' },
      scenarios: { type: 'string', default: 'keepalive,headers,close,tcp' },
      out: { type: 'string' },
      json: { type: 'string' },
    },
  });
  const workers = Number(v.workers);
  if (!Number.isInteger(workers) || workers < 2 || workers > 64)
    throw new Error('--workers: an integer from 2 to 64');
  const dir = mkdtempSync(join(tmpdir(), 'bascule-bench-workers-'));
  try {
    const common = [
      '--duration',
      v.duration!,
      '--rounds',
      v.rounds!,
      '--scenarios',
      v.scenarios!,
      '--no-direct',
    ];
    const one = join(dir, 'one.json');
    const many = join(dir, 'many.json');
    process.stderr.write(`[bench workers] run 1/2: Bascule --workers 1\n`);
    await runBench([...common, '--workers', '1', '--proxies', 'bascule', '--json', one]);
    process.stderr.write(`[bench workers] run 2/2: --workers ${workers} for Bascule, HAProxy and nginx\n`);
    await runBench([
      ...common,
      '--workers',
      String(workers),
      '--proxies',
      'haproxy,nginx,bascule',
      '--json',
      many,
    ]);
    const a = JSON.parse(readFileSync(one, 'utf8')) as RunJson;
    const b = JSON.parse(readFileSync(many, 'utf8')) as RunJson;
    const out: string[] = [];
    const env = b.environment;
    out.push(
      `## Workers — ${env.date}`,
      '',
      `- Machine: ${env.nproc} CPUs; wrk (${b.options.threads} threads, ${b.options.connections} connections), the upstream nginx and the proxy share them, nothing pinned.`,
      `- Bascule ${env.bascule} on Node.js ${env.node}; HAProxy ${env.haproxy}.`,
      `- Run 1: Bascule \`--workers 1\`. Run 2, right after: Bascule \`--workers ${workers}\`, HAProxy \`nbthread ${workers}\`, nginx \`worker_processes ${workers}\`. ${b.options.durationSeconds} s per cell, ${v.rounds} round(s), medians.`,
      `- scaling = req/s with ${workers} workers ÷ req/s with 1. CPU/req: user+system CPU of the proxy's process tree (primary and workers) ÷ requests.`,
      '',
    );
    const rows: unknown[] = [];
    for (const s of v.scenarios!.split(',')) {
      const b1 = figures(a.cells, s, 'bascule');
      const bn = figures(b.cells, s, 'bascule');
      const hp = figures(b.cells, s, 'haproxy');
      const ng = figures(b.cells, s, 'nginx');
      out.push(
        `### ${s}`,
        '',
        '| proxy | req/s | CPU µs/req | p99 ms | req/s vs HAProxy |',
        '| --- | ---: | ---: | ---: | ---: |',
      );
      const line = (label: string, f: Figures | undefined): void => {
        if (!f) return;
        if (f.errors) return void out.push(`| ${label} | failed: ${f.errors} | | | |`);
        out.push(
          `| ${label} | ${n0(f.rps)} | ${f1(f.cpuUsPerReq)} | ${f2(f.p99)} | ${hp ? f2(f.rps / hp.rps) : 'n/a'} |`,
        );
      };
      line(`HAProxy nbthread ${workers}`, hp);
      line(`nginx worker_processes ${workers}`, ng);
      line(`Bascule --workers ${workers}`, bn);
      line('Bascule --workers 1', b1);
      const scaling = b1 && bn ? bn.rps / b1.rps : NaN;
      out.push(
        '',
        `Scaling 1 → ${workers} workers: **×${f2(scaling)}** req/s; CPU per request ${b1 && bn ? `${f1(b1.cpuUsPerReq)} → ${f1(bn.cpuUsPerReq)} µs` : 'n/a'}.`,
        '',
      );
      rows.push({ scenario: s, workers, bascule1: b1, basculeN: bn, haproxy: hp, nginx: ng, scaling });
    }
    const md = out.join('\n');
    process.stdout.write(md + '\n');
    if (v.out) writeFileSync(v.out, md + '\n');
    if (v.json) writeFileSync(v.json, JSON.stringify({ one: a, many: b, rows }, null, 2) + '\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  process.stderr.write(`bench workers: ${(err as Error).message}\n`);
  process.exitCode = 1;
});
