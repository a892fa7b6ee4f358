// How long the thread that runs the pipeline was on a CPU and how long it was ready to run but
// not running, from Linux's per-thread scheduler counters (/proc/thread-self/schedstat: run
// time and run-queue wait, in ns; the kernel brings the calling thread's run time up to date on
// each read). On a machine whose cores are shared, an edit's batch can take ten times its
// median with no more work in it: the thread waited for a CPU. The "snapshots published" line
// carries both for the batch (batch start → publish), so a slow version says which it was. One
// open file, read with pread (~3 µs); where the file cannot be opened (not Linux, no procfs),
// nothing is measured and nothing is tried again.
import { closeSync, openSync, readSync } from 'node:fs';
import type { BatchClock, ThreadClock } from '../store/feed.js';

/** The first two fields of a schedstat text ("run wait slices"); undefined if malformed. */
export function parseSchedstat(text: string): ThreadClock | undefined {
  const m = /^(\d{1,20}) (\d{1,20}) /.exec(text);
  if (!m) return undefined;
  const runNs = Number(m[1]);
  const waitNs = Number(m[2]);
  return Number.isFinite(runNs) && Number.isFinite(waitNs) ? { runNs, waitNs } : undefined;
}

/**
 * Reads one thread's counters: the thread that makes the first read (the file opened then names
 * that thread, whatever thread reads it later). `path` is for tests.
 */
export class ThreadClockReader {
  private fd: number | undefined;
  private failed = false;
  private readonly buf = Buffer.alloc(128);

  constructor(private readonly path = '/proc/thread-self/schedstat') {}

  /** The counters now, or undefined where they cannot be read. */
  read(): ThreadClock | undefined {
    if (this.failed) return undefined;
    try {
      this.fd ??= openSync(this.path, 'r');
      const n = readSync(this.fd, this.buf, 0, this.buf.length, 0);
      const clock = parseSchedstat(this.buf.toString('latin1', 0, n));
      if (!clock) this.fail();
      return clock;
    } catch {
      this.fail();
      return undefined;
    }
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  private fail(): void {
    this.failed = true;
    this.close();
  }
}

/** A clock for the store feed and the pipeline: this reader's thread, and the process's CPU. */
export function batchClock(reader: ThreadClockReader): () => BatchClock {
  return () => ({ thread: reader.read(), cpu: process.cpuUsage() });
}
