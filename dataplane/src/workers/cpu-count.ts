// How many CPUs this process may use: the default number of workers. A container's CPU limit
// is a CFS quota, invisible to os.availableParallelism() (which counts the CPUs of the
// affinity mask, i.e. usually the whole node), so the quota is read from the cgroup first:
//   cgroup v2: /sys/fs/cgroup/cpu.max            "<quota> <period>" or "max <period>"
//   cgroup v1: /sys/fs/cgroup/cpu/cpu.cfs_quota_us and cpu.cfs_period_us (quota -1: none)
// A fractional quota rounds up (1.5 CPUs → 2 workers): HAProxy and nginx "auto" do the same
// with the CPUs they see, and a worker that is throttled part of the time still helps.
import os from 'node:os';

// node:fs is taken with process.getBuiltinModule, not imported: on Node.js 22+ an ES module import
// of it reads every export, and its `promises` getter loads fs/promises and the REPL's readline
// (docs/memory.md, "What a process does not load").
const { readFileSync } = process.getBuiltinModule('node:fs');

export interface CpuSources {
  readFile?: (path: string) => string | undefined;
  availableParallelism?: () => number;
}

const readOrUndefined = (path: string): string | undefined => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
};

/** CPUs granted by a cgroup quota, or undefined when there is none (or it cannot be read). */
export function cgroupCpuLimit(
  readFile: (path: string) => string | undefined = readOrUndefined,
): number | undefined {
  const v2 = readFile('/sys/fs/cgroup/cpu.max')?.trim().split(/\s+/);
  if (v2 && v2.length === 2) {
    const [quota, period] = v2;
    if (quota === 'max') return undefined;
    return ratio(Number(quota), Number(period));
  }
  const quota = Number(readFile('/sys/fs/cgroup/cpu/cpu.cfs_quota_us')?.trim());
  const period = Number(readFile('/sys/fs/cgroup/cpu/cpu.cfs_period_us')?.trim());
  if (!Number.isFinite(quota) || quota <= 0) return undefined;
  return ratio(quota, period);
}

function ratio(quota: number, period: number): number | undefined {
  if (!Number.isFinite(quota) || !Number.isFinite(period) || quota <= 0 || period <= 0) return undefined;
  return quota / period;
}

/** The default worker count: the cgroup quota (rounded up) capped by the usable CPUs. */
export function usableCpus(src: CpuSources = {}): number {
  const parallelism = Math.max(1, (src.availableParallelism ?? os.availableParallelism)());
  const limit = cgroupCpuLimit(src.readFile ?? readOrUndefined);
  if (limit === undefined) return parallelism;
  return Math.max(1, Math.min(parallelism, Math.ceil(limit - 1e-9)));
}
