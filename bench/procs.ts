// Child processes for the benchmark (proxies, upstream, wrk) and what /proc says about them.
// Every process started here is registered, so an interrupted run still stops them all.
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { resolve } from 'node:path';
import { connect, createServer } from 'node:net';

export interface Running {
  name: string;
  child: ChildProcess;
  pid: number;
  logFile: string;
  /** Resolves with the exit code (or signal) once the process is gone. */
  exited: Promise<number | string>;
  /** SIGTERM, then SIGKILL of its whole tree (killTree) after `graceMs`; resolves when the process is gone. */
  stop(graceMs?: number): Promise<void>;
}

/** Every child started here (proxies, upstream, wrk), until it exits. */
const live = new Set<ChildProcess>();

function track(child: ChildProcess): void {
  live.add(child);
  child.once('exit', () => live.delete(child));
}

/** SIGKILL whatever is still running, each with its whole tree (killTree). Synchronous: safe in an 'exit' handler. */
export function killAll(): void {
  for (const child of live) if (child.pid !== undefined) killTree(child.pid);
  live.clear();
}

/**
 * SIGKILLs `pid` and every process below it, none left behind. The tree is stopped first (SIGSTOP
 * from the top, read again until it holds no process not yet stopped) and only then killed:
 * killing children before their parent let a parent that replaces its children start new ones —
 * nginx's master forks a new worker for one that died, and that worker outlived the master killed
 * next, still listening (found orphaned after compare-builds runs). A stopped process forks no
 * more, and a child forked before its parent stopped is found by the next reading. Synchronous.
 */
export function killTree(pid: number): void {
  const seen = new Set<number>();
  for (let pass = 0; pass < 10; pass++) {
    const fresh = treeOf(pid).filter((p) => !seen.has(p));
    if (fresh.length === 0) break;
    for (const p of fresh) {
      seen.add(p);
      signal(p, 'SIGSTOP');
    }
    // A signal is queued at once but taken when its process next runs: wait (at most ~200 ms)
    // until each is stopped or gone before reading the tree again.
    for (const p of fresh) untilStopped(p, 200);
  }
  for (const p of seen) signal(p, 'SIGKILL');
}

function treeOf(pid: number): number[] {
  try {
    return processTree(pid);
  } catch {
    return [pid];
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    /* already gone */
  }
}

/** Blocks (at most `ms`, polling every millisecond) until `pid` is stopped (T), a zombie or gone. */
function untilStopped(pid: number, ms: number): void {
  const until = Date.now() + ms;
  for (;;) {
    let state: string;
    try {
      state = statFields(pid)[0]!;
    } catch {
      return;
    }
    if (state === 'T' || state === 't' || state === 'Z' || state === 'X') return;
    if (Date.now() >= until) return;
    Atomics.wait(SLEEP, 0, 0, 1);
  }
}

const SLEEP = new Int32Array(new SharedArrayBuffer(4));

/** Starts `cmd args`, stdout and stderr to `logFile` (nothing flows through this process). */
export function start(
  name: string,
  cmd: string,
  args: string[],
  logFile: string,
  env: NodeJS.ProcessEnv = process.env,
): Running {
  const fd = openSync(logFile, 'a');
  const child = spawn(cmd, args, { stdio: ['ignore', fd, fd], env });
  closeSync(fd);
  if (child.pid === undefined) throw new Error(`${name}: could not start ${cmd}`);
  track(child);
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, sig) => resolve(code ?? sig ?? -1));
    child.once('error', () => resolve(-1));
  });
  const r: Running = {
    name,
    child,
    pid: child.pid,
    logFile,
    exited,
    async stop(graceMs = 5000) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const t = setTimeout(() => killTree(child.pid!), graceMs);
        await exited;
        clearTimeout(t);
      }
    },
  };
  return r;
}

/** Runs a command to completion with a hard time limit; returns its output. */
export function run(
  cmd: string,
  args: string[],
  timeoutMs: number,
): Promise<{ code: number | string; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    track(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const t = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', (err) => {
      clearTimeout(t);
      resolve({ code: -1, stdout, stderr: stderr + String(err) });
    });
    child.once('close', (code, sig) => {
      clearTimeout(t);
      resolve({ code: code ?? sig ?? -1, stdout, stderr });
    });
  });
}

/** A free TCP port on 127.0.0.1 (bound and released; the window for a race is tiny). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** Resolves once `port` on 127.0.0.1 accepts connections (or throws after `ms`). */
/**
 * Throws unless a process of `pid`'s tree holds the socket listening on loopback `port`. A port
 * handed out by freePort() can be bound by another run's process before ours binds it (ours then
 * logs the failure and keeps running, as a dataplane does), and the run would measure that other
 * process's traffic against this one's CPU: a cell of ~0 µs per request, seen once.
 */
export function assertListensOn(port: number, pid: number): void {
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue; // no IPv6
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      // local_address is HEXADDR:HEXPORT, st 0A is LISTEN, the inode is the tenth field.
      if (f.length > 9 && f[3] === '0A' && parseInt(f[1]!.split(':')[1]!, 16) === port) inodes.add(f[9]!);
    }
  }
  for (const p of processTree(pid)) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${p}/fd`);
    } catch {
      continue; // gone
    }
    for (const fd of fds) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${p}/fd/${fd}`));
        if (m && inodes.has(m[1]!)) return;
      } catch {
        /* closed meanwhile */
      }
    }
  }
  throw new Error(
    `port ${port} is not listened on by process ${pid} or its children (another process holds it)`,
  );
}

/** Waits until something accepts on loopback `port`; with `pid`, that it is that process (tree). */
export async function listening(port: number, ms: number, pid?: number): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    const ok = await new Promise<boolean>((r) => {
      const s = connect(port, '127.0.0.1', () => (s.destroy(), r(true)));
      s.on('error', () => r(false));
    });
    if (ok) {
      if (pid !== undefined) assertListensOn(port, pid);
      return;
    }
    if (Date.now() > until) throw new Error(`nothing listens on ${port} after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * The build-against-build tools' `--build NAME=PATH/bin/bascule.js` values (compare-builds.ts,
 * relay-cost.ts): at least one, each a name and a resolved path.
 */
export function parseBuilds(values: string[] | undefined): { name: string; bin: string }[] {
  const builds = (values ?? []).map((b) => {
    const at = b.indexOf('=');
    if (at <= 0) throw new Error(`--build NAME=PATH/bin/bascule.js, not ${b}`);
    return { name: b.slice(0, at), bin: resolve(b.slice(at + 1)) };
  });
  if (builds.length === 0) throw new Error('at least one --build NAME=PATH/bin/bascule.js');
  return builds;
}

/** The process and its descendants (nginx: master + workers). */
export function processTree(pid: number): number[] {
  const out = [pid];
  let children: number[];
  try {
    children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
  } catch {
    // Kernels without CONFIG_PROC_CHILDREN: scan /proc for the parent pid.
    children = [];
    for (const e of readdirSync('/proc')) {
      if (!/^\d+$/.test(e)) continue;
      try {
        if (statFields(Number(e))[1] === String(pid)) children.push(Number(e));
      } catch {
        /* gone */
      }
    }
  }
  for (const c of children) out.push(...processTree(c));
  return out;
}

/** Fields of /proc/PID/stat after the command name: [0] state, [1] ppid, ... [11] utime, [12] stime. */
function statFields(pid: number): string[] {
  const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return s.slice(s.lastIndexOf(')') + 2).split(' ');
}

const CLK_TCK = 100; // USER_HZ: 100 on every Linux architecture Node runs on.

export interface ProcSample {
  /** Sum of VmRSS over the process tree, KiB. */
  rssKiB: number;
  /** Sum of VmHWM (peak RSS) over the process tree, KiB. */
  hwmKiB: number;
  /** User + system CPU time of the tree (all threads), seconds. */
  cpuSeconds: number;
  processes: number;
}

/** RSS, peak RSS and CPU time of a process and its descendants, from /proc. */
export function sample(pid: number): ProcSample {
  let rssKiB = 0;
  let hwmKiB = 0;
  let ticks = 0;
  const pids = processTree(pid);
  for (const p of pids) {
    try {
      const status = readFileSync(`/proc/${p}/status`, 'utf8');
      rssKiB += Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? 0);
      hwmKiB += Number(/^VmHWM:\s+(\d+)/m.exec(status)?.[1] ?? 0);
      const f = statFields(p);
      ticks += Number(f[11]) + Number(f[12]);
    } catch {
      /* exited between listing and reading */
    }
  }
  return { rssKiB, hwmKiB, cpuSeconds: ticks / CLK_TCK, processes: pids.length };
}

export function loadAverage(): [number, number, number] {
  const [a, b, c] = readFileSync('/proc/loadavg', 'utf8').split(' ').map(Number);
  return [a ?? NaN, b ?? NaN, c ?? NaN];
}

/**
 * The order of the cells of round `round` (0-based): `targets` rotated by one place per round.
 * Every target then waits the same number of cells between two of its own (a reversed order left
 * the target at either end idle twice as long every other round: V8 shrinks an idle process's
 * young generation after ~16 s, and that build's next cells scavenged 2–2.5× as often — the
 * position, not the build; history/2026-12-05-headers-alloc.md), and over a number of rounds that
 * is a multiple of the count each target takes each position once.
 */
export function cellOrder<T>(targets: readonly T[], round: number): T[] {
  const k = round % targets.length;
  return [...targets.slice(k), ...targets.slice(0, k)];
}
