// Debian's HAProxy as a reference implementation in tests (.ci/run installs it). A missing binary
// fails the test loudly: these comparisons are never skipped.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export function findHaproxy(): string {
  const dirs = [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/usr/local/sbin', '/sbin'];
  for (const d of dirs) if (d && existsSync(path.join(d, 'haproxy'))) return path.join(d, 'haproxy');
  throw new Error('HAProxy is not installed: this test compares Bascule with it (CI installs it in .ci/run)');
}

export interface Haproxy {
  readonly process: ChildProcess;
  /** What HAProxy printed so far. */
  output(): string;
  stop(): Promise<void>;
}

/** Starts `haproxy -db` on `config` and waits until `readyPort` (one of its binds) accepts. */
export async function startHaproxy(
  config: string[],
  readyPort: number,
  timeoutMs = 10_000,
): Promise<Haproxy> {
  const bin = findHaproxy();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bascule-haproxy-'));
  const file = path.join(dir, 'haproxy.cfg');
  writeFileSync(file, `${config.join('\n')}\n`);
  let log = '';
  const child = spawn(bin, ['-f', file, '-db'], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`haproxy exited: ${log}`);
    }
    const up = await new Promise<boolean>((resolve) => {
      const s = net.connect(readyPort, '127.0.0.1', () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (up) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`haproxy did not listen on ${readyPort} in time: ${log}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { process: child, output: () => log, stop };
}
