// What bench/relay-cost.ts reads from perf besides system-call counts: the scheduler's wake-ups
// and preemptions of the proxy (--sched) and its on-CPU time split by kernel path
// (--kernel-split). Recording needs perf (and tracefs for the tracepoints); the readers of perf
// script's text are separate so that they can be checked without it
// (test/unit/dataplane/tcp-relay-cost-perf.test.ts).
import { spawn } from 'node:child_process';

/** Runs perf with `args`; its standard output when `capture`. */
function runPerf(args: string[], capture: boolean): Promise<{ code: number | null; stdout: string }> {
  return new Promise((r) => {
    const p = spawn('perf', args, { stdio: ['ignore', capture ? 'pipe' : 'ignore', 'ignore'] });
    let stdout = '';
    p.stdout?.setEncoding('latin1').on('data', (d: string) => (stdout += d));
    p.on('error', () => r({ code: null, stdout }));
    p.on('close', (code) => r({ code, stdout }));
  });
}

export interface SchedCounts {
  /** Wake-ups the proxy made of a task placed on the proxy's own CPU, and on another CPU. */
  wakeSame: number;
  wakeOther: number;
  /** Switches away from a proxy thread that was still runnable, by the command that took over. */
  preemptedBy: Map<string, number>;
}

/**
 * Reads `perf script -F tid,cpu,event,trace` of sched_switch and sched_wakeup for the threads
 * `tids`: a wake-up counts when a proxy thread made it (on the CPU it ran on: the target CPU is
 * the same or another), a preemption when a proxy thread was switched out still runnable
 * (prev_state R or R+), by the command that took the CPU ("ksoftirqd/1" counts as "ksoftirqd").
 */
export function schedCounts(text: string, tids: Set<string>): SchedCounts {
  const counts: SchedCounts = { wakeSame: 0, wakeOther: 0, preemptedBy: new Map() };
  for (const line of text.split('\n')) {
    const head = /^\s*(\d+)\s+\[(\d+)\]\s+sched:(sched_\w+):\s*(.*)$/.exec(line);
    if (!head) continue;
    const [, tid, cpu, event, trace] = head as unknown as [string, string, string, string, string];
    if (event === 'sched_wakeup') {
      if (!tids.has(tid)) continue;
      const target = /target_cpu=(\d+)/.exec(trace)?.[1];
      if (target === undefined) continue;
      if (Number(target) === Number(cpu)) counts.wakeSame++;
      else counts.wakeOther++;
    } else if (event === 'sched_switch') {
      const m = /prev_pid=(\d+) .*prev_state=(\S+) ==> next_comm=(.+?) next_pid=/.exec(trace);
      if (!m || !tids.has(m[1]!) || !m[2]!.startsWith('R')) continue;
      const who = m[3]!.replace(/[/:-].*$/, '');
      counts.preemptedBy.set(who, (counts.preemptedBy.get(who) ?? 0) + 1);
    }
  }
  return counts;
}

/** The kinds a kernel sample is charged to, by the first match in its call chain. */
const SPLIT: [string, RegExp][] = [
  ['softirq', /\b(handle_softirqs|__do_softirq|do_softirq|net_rx_action)\b/],
  ['switch', /\b(__schedule|finish_task_switch[.\w]*)\b/],
  ['wake-up', /\btry_to_wake_up\b/],
  ['epoll', /\b(do_epoll_wait|ep_poll)\b/],
  ['read', /\b(ksys_read|__sys_recvfrom|do_readv)\b/],
  ['write', /\b(ksys_write|__sys_sendto|do_writev)\b/],
];

/** Every kind splitSamples reports, in the order printed. */
export const SPLIT_KINDS = ['user', ...SPLIT.map(([kind]) => kind), 'other kernel'];

/**
 * Reads `perf script -F ip,sym,dso` of call-chain samples taken at `hz`: each sample (a block of
 * frames, the sampled one first) is "user" where the sampled frame is not the kernel's, else the
 * first SPLIT kind found in its chain, else "other kernel"; seconds per kind.
 */
export function splitSamples(text: string, hz: number): Map<string, number> {
  const split = new Map<string, number>();
  for (const block of text.split(/\n\s*\n/)) {
    const frames = block.split('\n').filter((l) => l.trim() !== '');
    if (frames.length === 0) continue;
    let kind = 'user';
    if (frames[0]!.includes('[kernel.kallsyms]')) {
      const chain = frames.join(' ');
      kind = SPLIT.find(([, re]) => re.test(chain))?.[0] ?? 'other kernel';
    }
    split.set(kind, (split.get(kind) ?? 0) + 1 / hz);
  }
  return split;
}

/** `perf ARGS -o OUT -- sleep SECONDS`: perf records or counts for that long; its exit code. */
export async function perfFor(args: string[], out: string, seconds: number): Promise<number | null> {
  return (await runPerf([...args, '-o', out, '--', 'sleep', String(seconds)], false)).code;
}

/**
 * `perf record` of the scheduler's switch and wake-up tracepoints on every CPU for `seconds`
 * (written to `out`), read back for the threads `tids`; undefined where perf or the tracepoints
 * are not available.
 */
export async function recordSched(
  tids: Set<string>,
  seconds: number,
  out: string,
): Promise<SchedCounts | undefined> {
  // 4 MiB per CPU: perf itself wakes up less often to write the events out.
  const events = 'sched:sched_switch,sched:sched_wakeup';
  if ((await perfFor(['record', '-q', '-a', '-m', '1024', '-e', events], out, seconds)) !== 0)
    return undefined;
  const script = await runPerf(['script', '-i', out, '-F', 'tid,cpu,event,trace'], true);
  return script.code === 0 ? schedCounts(script.stdout, tids) : undefined;
}

/**
 * On-CPU samples of `pids` for `seconds` (perf record -g, cpu-clock at 1,999 Hz, written to `out`),
 * by kind (splitSamples), in seconds; undefined where perf is not available.
 */
export async function recordSplit(
  pids: number[],
  seconds: number,
  out: string,
): Promise<Map<string, number> | undefined> {
  const hz = 1999;
  const args = ['record', '-q', '-g', '-e', 'cpu-clock', '-F', String(hz), '-p', pids.join(',')];
  if ((await perfFor(args, out, seconds)) !== 0) return undefined;
  const script = await runPerf(['script', '-i', out, '-F', 'ip,sym,dso'], true);
  return script.code === 0 ? splitSamples(script.stdout, hz) : undefined;
}
