// V8 heap settings a dataplane process sets on itself at start-up, in the image or not: the old
// generation's growth bound and, where V8 has it, memory saver mode.
//
// Growth: V8 sizes the next major GC from an adaptive growing factor that reaches 4 on a machine
// with memory to spare: under config churn, where every applied version leaves a build's worth of
// garbage, a process with ~30 MiB live let its heap reach several times that before collecting
// it, RSS that looked like a leak and was garbage (bench/README.md, "Dataplane memory"). The
// flag is read at every GC, so setting it at start-up (v8.setFlagsFromString) takes effect
// without a command-line flag: `bascule dataplane` gets it outside the image too. A
// --heap-growing-percent given on the command line wins (Node refuses it in NODE_OPTIONS).
//
// Memory saver mode (V8 13.6+, Node.js 24 and 26): V8 keeps its heap small at the cost of some GC
// work. An idle dataplane's young generation stays at its minimum (0.25 MiB committed instead of
// 1–3.75 MiB, which V8 otherwise never gave back while idle) and its old generation is compacted:
// an idle dataplane on Node.js 26 was ~3 MiB smaller, keep-alive CPU per request the same within
// the spread between rounds (bench/history/2026-12-03-idle-rss-node26-2.md); on Node.js 24 56.4 →
// 52.4 MiB (bench/history/2026-12-03-idle-rss-node26-3.md). V8 reads it at every GC, so it too is
// set at run time; the V8 of Node.js 20 (11.3) and 22 (12.4) does not know the flag (it would
// print "unrecognized flag"), so it is set only from V8 13 on.
import v8 from 'node:v8';

/**
 * The dataplane's bound (docs/memory.md): a major GC at 2× the live heap. Measured under churn,
 * keep-alive load and 64 MiB transfers; 50 (1.5×) doubled the CPU of a large transfer.
 */
export const DATAPLANE_HEAP_GROWING_PERCENT = 100;

/** Sets --heap-growing-percent unless the process was given one; true if it set it. */
export function boundHeapGrowth(percent: number): boolean {
  if (process.execArgv.some((a) => /^--heap[-_]growing[-_]percent/.test(a))) return false;
  v8.setFlagsFromString(`--heap-growing-percent=${percent}`);
  return true;
}

/** The first V8 major version with --memory-saver-mode (Node.js 24.22.3: V8 13.6; Node.js 22: 12.4, without). */
export const MEMORY_SAVER_MIN_V8 = 13;

/**
 * Turns V8's memory saver mode on where V8 has it (`v8Version`: this process's), unless the
 * command line (`execArgv`: this process's, which workers inherit) says either way
 * (--memory-saver-mode, --no-memory-saver-mode); true if it set it.
 */
export function enableMemorySaver(v8Version = process.versions.v8, execArgv = process.execArgv): boolean {
  if (execArgv.some((a) => /^--(no[-_])?memory[-_]saver[-_]mode/.test(a))) return false;
  if (Number.parseInt(v8Version, 10) < MEMORY_SAVER_MIN_V8) return false;
  v8.setFlagsFromString('--memory-saver-mode');
  return true;
}
