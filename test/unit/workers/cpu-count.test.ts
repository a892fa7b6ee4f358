// The default worker count: cgroup v2 and v1 CPU quotas, capped by the usable CPUs.
import { expect } from 'chai';
import { cgroupCpuLimit, usableCpus } from '#dataplane/workers/cpu-count';
import { reusePortSupported } from '#dataplane/workers/listen-sharing';

const files =
  (m: Record<string, string>) =>
  (p: string): string | undefined =>
    m[p];

describe('workers: default count from the CPU quota', () => {
  it('reads a cgroup v2 quota and rounds a fraction up', () => {
    expect(cgroupCpuLimit(files({ '/sys/fs/cgroup/cpu.max': '150000 100000\n' }))).to.equal(1.5);
    expect(
      usableCpus({
        readFile: files({ '/sys/fs/cgroup/cpu.max': '150000 100000\n' }),
        availableParallelism: () => 8,
      }),
    ).to.equal(2);
    expect(
      usableCpus({
        readFile: files({ '/sys/fs/cgroup/cpu.max': '400000 100000' }),
        availableParallelism: () => 8,
      }),
    ).to.equal(4);
  });

  it('never exceeds the CPUs the process may run on, and never goes below 1', () => {
    expect(
      usableCpus({
        readFile: files({ '/sys/fs/cgroup/cpu.max': '1600000 100000' }),
        availableParallelism: () => 2,
      }),
    ).to.equal(2);
    expect(
      usableCpus({
        readFile: files({ '/sys/fs/cgroup/cpu.max': '10000 100000' }),
        availableParallelism: () => 8,
      }),
    ).to.equal(1);
  });

  it('"max" (v2) or -1 (v1) means no quota: the usable CPUs', () => {
    expect(
      usableCpus({
        readFile: files({ '/sys/fs/cgroup/cpu.max': 'max 100000' }),
        availableParallelism: () => 6,
      }),
    ).to.equal(6);
    const v1none = files({
      '/sys/fs/cgroup/cpu/cpu.cfs_quota_us': '-1',
      '/sys/fs/cgroup/cpu/cpu.cfs_period_us': '100000',
    });
    expect(usableCpus({ readFile: v1none, availableParallelism: () => 3 })).to.equal(3);
  });

  it('reads a cgroup v1 quota', () => {
    const v1 = files({
      '/sys/fs/cgroup/cpu/cpu.cfs_quota_us': '300000\n',
      '/sys/fs/cgroup/cpu/cpu.cfs_period_us': '100000\n',
    });
    expect(usableCpus({ readFile: v1, availableParallelism: () => 16 })).to.equal(3);
  });

  it('without any cgroup file: os.availableParallelism()', () => {
    expect(usableCpus({ readFile: () => undefined, availableParallelism: () => 5 })).to.equal(5);
    expect(cgroupCpuLimit(files({ '/sys/fs/cgroup/cpu.max': 'garbage' }))).to.equal(undefined);
  });

  it('SO_REUSEPORT listening is used where Node has it (22.12+, 23.1+, Linux)', () => {
    expect(reusePortSupported('20.19.0', 'linux')).to.equal(false);
    expect(reusePortSupported('22.11.0', 'linux')).to.equal(false);
    expect(reusePortSupported('22.12.0', 'linux')).to.equal(true);
    expect(reusePortSupported('23.0.0', 'linux')).to.equal(false);
    expect(reusePortSupported('26.10.0', 'linux')).to.equal(true);
    expect(reusePortSupported('26.10.0', 'darwin')).to.equal(false);
  });
});
