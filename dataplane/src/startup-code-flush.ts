// Start-up's compiled code given back once start-up is over (docs/memory.md, "Start-up code").
//
// V8 keeps the bytecode of every function that has run, with its metadata (source positions,
// scope infos, feedback) and any Sparkplug (baseline) code, until its bytecode aging finds the
// function old: six major GCs without a run, which an idle process never reaches. Much of what a
// dataplane runs at start-up never runs again: the bundle's module bodies, the command line, the
// built-in modules' set-up (node:crypto's), the first snapshot's validation and build. On
// Node.js 26 that is ~2 MiB of an idle dataplane's ~8 MiB of V8 heap.
//
// Once start-up is over (a snapshot is live and the control channel has connected), and only if
// the process has not served a request or session yet, one collection runs with V8's
// --stress-flush-code (every function's bytecode counts as old) and --flush-baseline-code; both
// are unset again at once. A function that runs again later is compiled again from its source,
// as at its first run (V8's lazy compilation): the first requests compile what they need, as in
// any new process. It runs once per process and never after traffic: a flush once requests have
// been served takes the request path's code too, and the connection path (which runs once per
// connection, too seldom to get baseline code) then ran cold again after every idle period — 8 ms
// for the first request after idle instead of 2–4 (bench/history/2026-12-03-idle-rss-node26-5.md).
//
// From then on V8's bytecode aging is off (--no-flush-bytecode, read at every GC): what is
// compiled after start-up, the request and connection paths among it, keeps its bytecode through
// idle periods. Without it, code that start-up had run often enough to get baseline code (which
// aging does not flush: Node's stream, Buffer and socket internals) is flushed here, compiled
// again by the first requests as bytecode only, and left to V8's aging, which could take it again
// during a later idle period and make the next request compile it once more; with aging off the
// flush cannot make a request after idle slower than it was without it
// (bench/history/2026-12-04-idle-rss-node26-6.md). The price: code that ran once after start-up
// keeps its bytecode for the process's life, bounded by the code there is, not by traffic.
//
// V8's gc() is the process's own when --expose-gc is on its command line (the image's
// ENTRYPOINT: dataplane/Dockerfile). Otherwise it is reached through --expose-gc set for one new
// context (unset again at once), as the controller's idle scavenge does; making that context
// loads node:vm and runs code of the node binary an idle process otherwise never runs (the
// inspector's bookkeeping of a new context among it): two 64 KiB blocks of the binary's pages
// (~0.13 MiB) stay resident for it on Node.js 26 (bench/history/2026-12-04-idle-rss-node26-7.md).
// The collection is V8's last-resort one (it compacts and gives the emptied pages back: after a
// plain major GC the freed pages stayed committed). Node.js 20's V8 (11.3) flushes nothing in such
// a collection, so it is not run there. A --no-flush-bytecode on the command line turns it off; a
// --flush-bytecode there keeps aging on after it; a --stress-flush-code or --flush-baseline-code
// there is left set.
import v8 from 'node:v8';
import type { Logger } from 'pino';

/** The first V8 major version whose gc() flushes code under --stress-flush-code (Node.js 22: 12.4). */
export const CODE_FLUSH_MIN_V8 = 12;

/**
 * One collection that drops every function's compiled code (but TurboFan's), then bytecode aging
 * turned off; synchronous.
 */
export type CodeFlush = () => void;

/** V8's gc(), installed in this context by --expose-gc on the command line. */
function ownGc(): unknown {
  const gc = (globalThis as { gc?: unknown }).gc;
  return typeof gc === 'function' ? gc : undefined;
}

/** V8's gc() of a context made while --expose-gc is set. */
function gcFromNewContext(): unknown {
  // node:vm is taken here, not imported: an idle dataplane loads it for this call only.
  const vm = process.getBuiltinModule('node:vm');
  v8.setFlagsFromString('--expose-gc');
  try {
    return vm.runInNewContext('typeof gc === "function" ? gc : undefined');
  } finally {
    v8.setFlagsFromString('--no-expose-gc');
  }
}

function onCommandLine(execArgv: readonly string[], flag: string): boolean {
  const name = flag.replace(/[-_]/g, '[-_]');
  return execArgv.some((a) => new RegExp(`^--(no[-_])?${name}(=|$)`).test(a));
}

/**
 * The flush, or undefined where it does not apply: a V8 older than CODE_FLUSH_MIN_V8, a command
 * line with --no-flush-bytecode.
 */
export function codeFlushFunction(
  v8Version = process.versions.v8,
  execArgv: readonly string[] = process.execArgv,
): CodeFlush | undefined {
  if (Number.parseInt(v8Version, 10) < CODE_FLUSH_MIN_V8) return undefined;
  if (execArgv.some((a) => /^--no[-_]flush[-_]bytecode$/.test(a))) return undefined;
  // Flags the flush sets and then unsets, unless the command line set them either way.
  const flags = ['stress-flush-code', 'flush-baseline-code'].filter((f) => !onCommandLine(execArgv, f));
  const agingOffAfter = !onCommandLine(execArgv, 'flush-bytecode');
  return () => {
    const gc = ownGc() ?? gcFromNewContext();
    if (typeof gc !== 'function') return;
    for (const f of flags) v8.setFlagsFromString(`--${f}`);
    try {
      (gc as (o: { type: 'major'; flavor: 'last-resort' }) => void)({ type: 'major', flavor: 'last-resort' });
    } finally {
      for (const f of flags) v8.setFlagsFromString(`--no-${f}`);
    }
    if (agingOffAfter) v8.setFlagsFromString('--no-flush-bytecode');
  };
}

export interface StartupCodeFlushOptions {
  /** The flush (tests pass their own); undefined: none on this Node.js. */
  flush: CodeFlush | undefined;
  /** True once the process has served a request or session: then it never flushes. */
  served: () => boolean;
  /** Defers the flush past the current work (default setImmediate; tests run it at once). */
  defer?: (run: () => void) => void;
  /** Told when the flush ran: how long it took and V8's heap in use before and after (bytes). */
  flushed?: (report: { ms: number; heapBefore: number; heapAfter: number }) => void;
}

/**
 * Runs the flush once, when told start-up is over (`snapshotLive` and `channelConnected`, in
 * either order; without a control channel the first alone), unless the process has served by
 * then.
 */
export class StartupCodeFlush {
  private live = false;
  private connected: boolean;
  private done = false;
  /** Whether the flush ran (for tests and the log). */
  flushed = false;

  constructor(
    private readonly opts: StartupCodeFlushOptions,
    hasChannel: boolean,
  ) {
    this.connected = !hasChannel;
  }

  snapshotLive(): void {
    this.live = true;
    this.maybe();
  }

  channelConnected(): void {
    this.connected = true;
    this.maybe();
  }

  private maybe(): void {
    if (this.done || !this.live || !this.connected) return;
    this.done = true;
    const flush = this.opts.flush;
    if (!flush) return;
    (this.opts.defer ?? setImmediate)(() => {
      if (this.opts.served()) return;
      const heapBefore = v8.getHeapStatistics().used_heap_size;
      const started = process.hrtime.bigint();
      flush();
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      this.flushed = true;
      this.opts.flushed?.({ ms, heapBefore, heapAfter: v8.getHeapStatistics().used_heap_size });
    });
  }
}

/** Whether any frontend of this process has started a request or session. */
export function servedAny(
  frontends: Iterable<{ readonly requests: number; readonly sessions: number }>,
): boolean {
  for (const f of frontends) if (f.requests + f.sessions > 0) return true;
  return false;
}

const mib = (bytes: number): number => Math.round(bytes / 104857.6) / 10;

/** The flush's log line (a primary's or single process's, and each worker's). */
export function logFlushed(log: Logger): NonNullable<StartupCodeFlushOptions['flushed']> {
  return (r) =>
    log.info(
      { ms: Math.round(r.ms), heapMiB: [mib(r.heapBefore), mib(r.heapAfter)] },
      "start-up's compiled code flushed",
    );
}
