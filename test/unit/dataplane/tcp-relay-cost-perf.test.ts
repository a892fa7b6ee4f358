// bench/sched-split.ts reads perf script's text for bench/relay-cost.ts: the proxy's wake-ups
// and preemptions from the scheduler's tracepoints, and its on-CPU samples by kernel path.
// Checked here on perf's own output format, without perf.
import { expect } from 'chai';
import { SPLIT_KINDS, schedCounts, splitSamples } from '../../../bench/sched-split.js';

describe('bench relay-cost: reading perf script output', () => {
  it('counts the proxy threads’ wake-ups by CPU and their preemptions by who took the CPU', () => {
    const text = [
      // The proxy (12082) wakes wrk on its own CPU and is switched out still runnable.
      '12082 [000] sched:sched_wakeup: comm=wrk pid=15195 prio=120 target_cpu=000',
      '12082 [000] sched:sched_switch: prev_comm=node prev_pid=12082 prev_prio=120 prev_state=R ==> next_comm=wrk next_pid=15195 next_prio=120',
      // wrk sleeps: not the proxy's switch.
      '15195 [000] sched:sched_switch: prev_comm=wrk prev_pid=15195 prev_prio=120 prev_state=S ==> next_comm=node next_pid=12082 next_prio=120',
      // A wake-up on the other CPU, a preemption by a kernel thread (R+: preempted), a sleep.
      '12082 [000] sched:sched_wakeup: comm=nginx pid=12081 prio=120 target_cpu=001',
      '12082 [000] sched:sched_switch: prev_comm=node prev_pid=12082 prev_prio=120 prev_state=R+ ==> next_comm=ksoftirqd/0 next_pid=16 next_prio=120',
      '12082 [000] sched:sched_switch: prev_comm=node prev_pid=12082 prev_prio=120 prev_state=S ==> next_comm=swapper/0 next_pid=0 next_prio=120',
      // Another process's wake-up and preemption: not counted.
      '15195 [001] sched:sched_wakeup: comm=node pid=12082 prio=120 target_cpu=001',
      '12081 [001] sched:sched_switch: prev_comm=nginx prev_pid=12081 prev_prio=120 prev_state=R ==> next_comm=node next_pid=12082 next_prio=120',
      // A second thread of the proxy (a worker) preempted by wrk.
      '12085 [001] sched:sched_switch: prev_comm=node prev_pid=12085 prev_prio=120 prev_state=R ==> next_comm=wrk next_pid=15194 next_prio=120',
      'not a perf line',
    ].join('\n');
    const c = schedCounts(text, new Set(['12082', '12085']));
    expect(c.wakeSame).to.equal(1);
    expect(c.wakeOther).to.equal(1);
    expect([...c.preemptedBy].sort()).to.deep.equal([
      ['ksoftirqd', 1],
      ['wrk', 2],
    ]);
  });

  it('charges each sample to user space or the kernel path of its call chain', () => {
    const block = (...frames: string[]): string =>
      frames.map((f) => `\t    ffffffff81000000 ${f}`).join('\n');
    const text = [
      '',
      block('Builtins_JSEntry (/usr/bin/node)', 'uv__io_poll (/usr/bin/node)'),
      block(
        '_copy_to_iter ([kernel.kallsyms])',
        'tcp_recvmsg ([kernel.kallsyms])',
        'ksys_read ([kernel.kallsyms])',
        'read (/usr/lib/x86_64-linux-gnu/libc.so.6)',
      ),
      // Softirq work under a write is the softirq's, not the write's.
      block(
        'tcp_v4_rcv ([kernel.kallsyms])',
        'net_rx_action ([kernel.kallsyms])',
        'handle_softirqs ([kernel.kallsyms])',
        'ksys_write ([kernel.kallsyms])',
      ),
      block('tcp_sendmsg_locked ([kernel.kallsyms])', 'ksys_write ([kernel.kallsyms])'),
      block(
        'finish_task_switch.isra.0 ([kernel.kallsyms])',
        '__schedule ([kernel.kallsyms])',
        'ksys_write ([kernel.kallsyms])',
      ),
      block('ep_poll ([kernel.kallsyms])', 'do_epoll_wait ([kernel.kallsyms])'),
      block('__sys_recvfrom ([kernel.kallsyms])'),
      block('do_syscall_64 ([kernel.kallsyms])'),
      '',
    ].join('\n\n');
    const split = splitSamples(text, 1000);
    const ms = (k: string): number => Math.round((split.get(k) ?? 0) * 1000);
    expect(ms('user')).to.equal(1);
    expect(ms('read')).to.equal(2);
    expect(ms('softirq')).to.equal(1);
    expect(ms('write')).to.equal(1);
    expect(ms('switch')).to.equal(1);
    expect(ms('epoll')).to.equal(1);
    expect(ms('other kernel')).to.equal(1);
    expect([...split.keys()].every((k) => SPLIT_KINDS.includes(k))).to.equal(true);
  });
});
