// What one relayed request costs each proxy, split the way the kernel sees it: user and system
// CPU time, system calls by kind, TCP segments; HAProxy (nbthread 1) and one or more Bascule
// builds in the same run, cells alternated. compare-builds.ts gives CPU per request as one
// figure; this tells whether a difference is in user space (the proxy's own code) or in the
// kernel (more or other system calls, more segments), which a total alone cannot.
//
//   npx tsx bench/relay-cost.ts [--scenario tcp] [--rounds 4] [--duration 5] \
//       --build main=/work/wt/base/bin/bascule.js --build now=bin/bascule.js [--no-syscalls] [--sched]
//       [--kernel-split]
//
// Setup as compare-builds.ts (bench/configs.ts: the benchmark's upstream, HAProxy's and Bascule's
// configurations; `bascule standalone --workers 1`; wrk 2 threads, 50 connections; a 2 s warm-up
// each). Per cell:
// - user and system CPU µs per request of the proxy's process tree (/proc/PID/stat utime, stime);
// - system calls per request of that tree (`perf stat` on the syscalls:sys_enter_* tracepoints
//   of the calls a relay makes, attached for the cell; needs perf and tracefs access, else
//   skipped: --no-syscalls skips it anyway);
// - TCP segments in and out per request (/proc/net/snmp Tcp InSegs/OutSegs): machine-wide,
//   so wrk's and the upstream's segments are in it too and anything else running adds to it;
//   equal workloads give equal figures, so read it as a comparison only;
// - context switches per request of the proxy's threads (/proc/PID/task/TID/status): `preempted`
//   (involuntary: switched out while runnable) and `slept` (voluntary: waiting in epoll), and the
//   CPU µs per request of threads other than each process's main thread (Node's platform
//   workers and libuv's pool; HAProxy nbthread 1 has none);
// - with --sched, one second of the scheduler's tracepoints machine-wide in the middle of the cell
//   (`perf record -e sched:sched_switch,sched:sched_wakeup -a`): per request, the wake-ups the
//   proxy made on its own CPU and on the other, and the preemptions of the proxy by the task that
//   took its CPU (wrk, the upstream, others). On this machine the CPU time of a request is not
//   only the proxy's code: a wake-up of a peer on the proxy's CPU usually preempts the proxy at once
//   (two context switches, and the peer handles one message then sleeps again), so the per-request
//   figure moves with how often that happens (bench/history/2026-12-05-tcp-relay-4.md);
// - with --kernel-split, one second of on-CPU samples of the proxy (`perf record -g -e cpu-clock`,
//   from 1 s into the cell), each charged by its call chain to user space, the read and write
//   system calls, epoll, context switches, wake-ups, softirq work done in the proxy's context (the
//   loopback delivery of what it wrote: the kernel's tick accounting charges that to no process,
//   so it is not in the user/system figures above) or other kernel work: µs per request of each.
// At the end the median of each figure per proxy, and each build's user and system µs per request
// minus the first build's in the same round. Nothing is asserted: it is a tool.
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { SCENARIOS, basculeYaml, haproxyCfg, type ScenarioId } from './configs.js';
import {
  cellOrder,
  freePort,
  killAll,
  listening,
  loadAverage,
  parseBuilds,
  processTree,
  start,
} from './procs.js';
import { basculeEnv, startUpstream } from './upstream.js';
import { runWrk, writeWrkScript } from './wrk.js';
import { SPLIT_KINDS, perfFor, recordSched, recordSplit } from './sched-split.js';

/** The system calls a relay makes per request or per connection (HAProxy's and libuv's names). */
const SYSCALLS = [
  'read',
  'write',
  'recvfrom',
  'sendto',
  'readv',
  'writev',
  'epoll_wait',
  'epoll_pwait',
  'epoll_ctl',
  'accept4',
  'connect',
  'close',
  'shutdown',
];

const CLK_TCK = 100; // USER_HZ

interface Target {
  name: string;
  port: number;
  pid: number;
}

/** User and system CPU seconds of the process and its descendants. */
function cpuSplit(pid: number): { user: number; system: number } {
  let user = 0;
  let system = 0;
  for (const p of processTree(pid)) {
    try {
      const s = readFileSync(`/proc/${p}/stat`, 'utf8');
      const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
      user += Number(f[11]);
      system += Number(f[12]);
    } catch {
      /* exited between listing and reading */
    }
  }
  return { user: user / CLK_TCK, system: system / CLK_TCK };
}

/**
 * Context switches (voluntary, involuntary) of every thread of the process tree, and the CPU
 * seconds of the threads that are not their process's main thread.
 */
function threadSplit(pid: number): { slept: number; preempted: number; otherThreads: number } {
  let slept = 0;
  let preempted = 0;
  let ticks = 0;
  for (const p of processTree(pid)) {
    let tids: string[];
    try {
      tids = readdirSync(`/proc/${p}/task`);
    } catch {
      continue; // exited
    }
    for (const t of tids) {
      try {
        const status = readFileSync(`/proc/${p}/task/${t}/status`, 'utf8');
        slept += Number(/^voluntary_ctxt_switches:\s+(\d+)/m.exec(status)?.[1] ?? 0);
        preempted += Number(/^nonvoluntary_ctxt_switches:\s+(\d+)/m.exec(status)?.[1] ?? 0);
        if (t === String(p)) continue;
        const st = readFileSync(`/proc/${p}/task/${t}/stat`, 'utf8');
        const f = st.slice(st.lastIndexOf(')') + 2).split(' ');
        ticks += Number(f[11]) + Number(f[12]);
      } catch {
        /* exited between listing and reading */
      }
    }
  }
  return { slept, preempted, otherThreads: ticks / CLK_TCK };
}

/** The thread ids of the process tree of `pid`. */
function threadIds(pid: number): Set<string> {
  const out = new Set<string>();
  for (const p of processTree(pid)) {
    try {
      for (const t of readdirSync(`/proc/${p}/task`)) out.add(t);
    } catch {
      /* exited */
    }
  }
  return out;
}

/** Tcp InSegs and OutSegs of the whole machine. */
function segments(): { in: number; out: number } {
  const lines = readFileSync('/proc/net/snmp', 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('Tcp:'));
  const names = lines[0]!.split(/\s+/);
  const values = lines[1]!.split(/\s+/).map(Number);
  return { in: values[names.indexOf('InSegs')]!, out: values[names.indexOf('OutSegs')]! };
}

/** `perf stat` on the syscall tracepoints of `pids` for `seconds`; counts by call, or undefined. */
async function countSyscalls(
  pids: number[],
  seconds: number,
  out: string,
): Promise<Map<string, number> | undefined> {
  const events = SYSCALLS.map((c) => `syscalls:sys_enter_${c}`).join(',');
  const code = await perfFor(['stat', '-x', ',', '-e', events, '-p', pids.join(',')], out, seconds);
  if (code !== 0) return undefined;
  const counts = new Map<string, number>();
  for (const line of readFileSync(out, 'utf8').split('\n')) {
    const f = line.split(',');
    const m = /syscalls:sys_enter_(\w+)/.exec(f[2] ?? '');
    if (m && /^\d+$/.test(f[0] ?? '')) counts.set(m[1]!, Number(f[0]));
  }
  return counts;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      scenario: { type: 'string', default: 'tcp' },
      rounds: { type: 'string', default: '4' },
      duration: { type: 'string', default: '5' },
      build: { type: 'string', multiple: true },
      node: { type: 'string' },
      'no-syscalls': { type: 'boolean', default: false },
      sched: { type: 'boolean', default: false },
      'kernel-split': { type: 'boolean', default: false },
    },
  });
  const s = SCENARIOS.find((x) => x.id === (values.scenario as ScenarioId));
  if (!s || s.transfers) throw new Error('--scenario: keepalive, headers, close or tcp');
  const builds = parseBuilds(values.build);
  const seconds = Number(values.duration);
  const dir = mkdtempSync(join(tmpdir(), 'bascule-relay-cost-'));
  process.on('exit', killAll);
  try {
    const { ports: upstreams } = await startUpstream(dir);
    const script = writeWrkScript(dir);
    const targets: Target[] = [];
    const hport = await freePort();
    writeFileSync(join(dir, 'haproxy.cfg'), haproxyCfg({ port: hport, upstreams, scenario: s, threads: 1 }));
    const h = start('haproxy', 'haproxy', ['-f', join(dir, 'haproxy.cfg')], join(dir, 'haproxy.log'));
    targets.push({ name: 'haproxy', port: hport, pid: h.pid });
    for (const b of builds) {
      const port = await freePort();
      const manifests = join(dir, `manifests-${b.name}`);
      mkdirSync(manifests);
      writeFileSync(join(manifests, 'bench.yaml'), basculeYaml({ port, upstreams, scenario: s }));
      const args = [b.bin, 'standalone', '--workers', '1', '--dir', manifests];
      args.push('--admin', '127.0.0.1:0', '--dataplane-admin', '127.0.0.1:0');
      const p = start(
        b.name,
        values.node ?? process.execPath,
        args,
        join(dir, `${b.name}.log`),
        basculeEnv(),
      );
      targets.push({ name: b.name, port, pid: p.pid });
    }
    await listening(upstreams.a, 10_000);
    for (const t of targets) await listening(t.port, 30_000, t.pid);
    const wrk = (t: Target, durationSeconds: number) =>
      runWrk({
        url: `http://127.0.0.1:${t.port}/`,
        threads: 2,
        connections: 50,
        durationSeconds,
        script,
        connectionClose: s.connectionClose,
      });
    for (const t of targets) await wrk(t, 2); // warm-up (the JIT of the Node.js ones)
    const figures = new Map<string, Map<string, number[]>>();
    const push = (t: string, k: string, v: number): void => {
      const m = figures.get(t) ?? figures.set(t, new Map()).get(t)!;
      (m.get(k) ?? m.set(k, []).get(k)!).push(v);
    };
    let syscalls = !values['no-syscalls'];
    let sched = values.sched === true;
    let kernelSplit = values['kernel-split'] === true;
    for (let r = 0; r < Number(values.rounds); r++) {
      for (const t of cellOrder(targets, r)) {
        const load = loadAverage()[0];
        const pids = processTree(t.pid);
        const cpu0 = cpuSplit(t.pid);
        const thr0 = threadSplit(t.pid);
        const seg0 = segments();
        // perf attaches for the wrk run plus a margin: counts are per request of what it saw.
        const counted = syscalls
          ? countSyscalls(pids, seconds + 1, join(dir, `perf-${t.name}.txt`))
          : undefined;
        // One second of the scheduler's tracepoints before the cell's last second, and one second of
        // on-CPU samples from 1 s in (cells of 4 s or more keep the two apart).
        const tids = threadIds(t.pid);
        const after = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
        const scheduled = sched
          ? after(Math.max(0, (seconds - 2) * 1000)).then(() =>
              recordSched(tids, 1, join(dir, `sched-${t.name}.data`)),
            )
          : undefined;
        const splitting = kernelSplit
          ? after(1000).then(() => recordSplit(pids, 1, join(dir, `split-${t.name}.data`)))
          : undefined;
        const { result } = await wrk(t, seconds);
        const seg1 = segments();
        const cpu1 = cpuSplit(t.pid);
        const thr1 = threadSplit(t.pid);
        const calls = await counted;
        const traced = await scheduled;
        const split = await splitting;
        if (kernelSplit && split === undefined) {
          kernelSplit = false;
          process.stdout.write('perf record -g failed: no kernel split\n');
        }
        if (sched && traced === undefined) {
          sched = false;
          process.stdout.write('perf record on sched tracepoints failed: scheduler figures not taken\n');
        }
        if (syscalls && calls === undefined) {
          syscalls = false;
          process.stdout.write('perf stat on syscall tracepoints failed: system calls not counted\n');
        }
        const n = result.requests;
        const user = ((cpu1.user - cpu0.user) * 1e6) / n;
        const system = ((cpu1.system - cpu0.system) * 1e6) / n;
        push(t.name, 'req/s', n / result.durationSeconds);
        push(t.name, 'user µs', user);
        push(t.name, 'system µs', system);
        push(t.name, 'segments in', (seg1.in - seg0.in) / n);
        push(t.name, 'segments out', (seg1.out - seg0.out) / n);
        const preempted = (thr1.preempted - thr0.preempted) / n;
        const slept = (thr1.slept - thr0.slept) / n;
        const otherThreads = ((thr1.otherThreads - thr0.otherThreads) * 1e6) / n;
        push(t.name, 'preempted', preempted);
        push(t.name, 'slept', slept);
        push(t.name, 'other threads µs', otherThreads);
        let schedText = '';
        // Requests in a traced second: the cell's rate.
        const tracedRequests = n / result.durationSeconds;
        if (split) {
          const parts: string[] = [];
          for (const k of SPLIT_KINDS) {
            const us = ((split.get(k) ?? 0) * 1e6) / tracedRequests;
            push(t.name, `on-CPU ${k} µs`, us);
            parts.push(`${k} ${us.toFixed(2)}`);
          }
          schedText += `, on-CPU µs per request: ${parts.join(', ')}`;
        }
        if (traced) {
          const c = traced;
          const by = [...c.preemptedBy].sort((a, b) => b[1] - a[1]);
          const total = by.reduce((a, [, k]) => a + k, 0);
          push(t.name, 'wake-ups own CPU', c.wakeSame / tracedRequests);
          push(t.name, 'wake-ups other CPU', c.wakeOther / tracedRequests);
          push(t.name, 'preempted (traced)', total / tracedRequests);
          schedText +=
            `, traced: wake-ups per request own CPU ${(c.wakeSame / tracedRequests).toFixed(3)}, other ${(c.wakeOther / tracedRequests).toFixed(3)}, ` +
            `preempted ${(total / tracedRequests).toFixed(3)} (${by
              .slice(0, 4)
              .map(([who, k]) => `${who} ${(k / tracedRequests).toFixed(3)}`)
              .join(', ')})`;
        }
        const callText: string[] = [];
        for (const [c, k] of calls ?? []) {
          if (k === 0) continue;
          push(t.name, c, k / n);
          callText.push(`${c} ${(k / n).toFixed(2)}`);
        }
        const errors = Object.values(result.errors).reduce((a, b) => a + b, 0);
        process.stdout.write(
          `${s.id} round ${r + 1} ${t.name}: ${Math.round(n / result.durationSeconds)} req/s, user ${user.toFixed(2)} + system ${system.toFixed(2)} µs/request, ` +
            `segments in ${((seg1.in - seg0.in) / n).toFixed(2)} out ${((seg1.out - seg0.out) / n).toFixed(2)}, ` +
            `context switches per request: preempted ${preempted.toFixed(3)}, slept ${slept.toFixed(3)}; other threads ${otherThreads.toFixed(3)} µs` +
            `${callText.length ? `, calls/request: ${callText.join(', ')}` : ''}${schedText}, ${errors} errors, load1 ${load.toFixed(2)}\n`,
        );
      }
    }
    for (const t of targets) {
      const m = figures.get(t.name)!;
      const parts = [...m].map(
        ([k, v]) =>
          `${k} ${k === 'req/s' ? Math.round(median(v)) : median(v).toFixed(k.endsWith('µs') ? 2 : 3)}`,
      );
      process.stdout.write(`${s.id} ${t.name} medians: ${parts.join(', ')}\n`);
    }
    // Round by round against HAProxy, and against the first build: cells of a round see about the
    // same load.
    const first = builds[0]!.name;
    const pairs: [string, string][] = [
      ...builds.map((b): [string, string] => [b.name, 'haproxy']),
      ...builds.slice(1).map((b): [string, string] => [b.name, first]),
    ];
    for (const [name, ref] of pairs) {
      for (const k of ['user µs', 'system µs', 'preempted']) {
        const a = figures.get(ref)!.get(k)!;
        const d = figures
          .get(name)!
          .get(k)!
          .map((v, i) => v - a[i]!);
        const digits = k.endsWith('µs') ? 2 : 3;
        process.stdout.write(
          `${s.id} ${name} − ${ref}, ${k}/request per round: ${d.map((x) => x.toFixed(digits)).join(' ')}; median ${median(d).toFixed(digits)}\n`,
        );
      }
    }
  } finally {
    killAll();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
