// V8's old generation collected once it is (1 + percent/100)× its live data, instead of up to 4×.
//
// V8 sizes the next major GC from an adaptive growing factor that reaches 4 on a machine with
// memory to spare: under config churn, where every applied version leaves a build's worth of
// garbage, a process with ~30 MiB live let its heap reach several times that before collecting
// it, RSS that looked like a leak and was garbage (bench/README.md, "Dataplane memory"). The
// flag is read at every GC, so setting it at start-up (v8.setFlagsFromString) takes effect
// without a command-line flag: `bascule dataplane` gets it outside the image too. A
// --heap-growing-percent given on the command line wins (Node refuses it in NODE_OPTIONS).
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
