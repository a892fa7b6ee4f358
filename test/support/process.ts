// Runs `bascule` as a real child process (the built CLI), capturing its output for assertions.
import { spawn, type ChildProcess } from 'node:child_process';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from './wait.js';

export const ROOT = join(import.meta.dirname, '../..');
export const BIN = join(ROOT, 'bin/bascule.js');
/** The images' Node.js (26), as .ci/install-node-reuseport.sh installs it. */
export const IMAGE_NODE = join(
  process.env.BASCULE_NODE_CACHE ?? join(homedir(), '.cache/bascule-node'),
  process.env.BASCULE_REUSEPORT_NODE_VERSION ?? '26.10.0',
  'bin/node',
);

export interface Proc {
  child: ChildProcess;
  output: () => string;
  /** Resolves with the exit code (or signal) once the process is gone. */
  exited: Promise<number | string>;
  kill(signal?: NodeJS.Signals): Promise<number | string>;
}

/**
 * `nodeArgs`: Node.js options before the CLI (e.g. `--import` of a test probe); `node`: another
 * Node.js binary than this one; `bin`: another launcher than the repository's (a copied tree).
 */
export function runBascule(
  args: string[],
  env: Record<string, string> = {},
  nodeArgs: string[] = [],
  node = process.execPath,
  bin = BIN,
): Proc {
  const child = spawn(node, [...nodeArgs, bin, ...args], {
    cwd: ROOT,
    env: { ...process.env, BASCULE_LOG_LEVEL: process.env.BASCULE_LOG_LEVEL ?? 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, sig) => resolve(code ?? sig ?? -1)),
  );
  return {
    child,
    output: () => out,
    exited,
    async kill(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill(signal);
        const t = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(t);
      }
      return exited;
    },
  };
}

export { waitFor } from './wait.js';

/** `--name value` pairs, in order. */
function options(values: Record<string, string>): string[] {
  return Object.entries(values).flatMap(([name, value]) => [`--${name}`, value]);
}

/** `bascule controller` on a manifest directory, its channel on 127.0.0.1:channel. */
export function controllerArgs(manifests: string, channel: number, tokenFile: string): string[] {
  return [
    'controller',
    ...options({
      dir: manifests,
      listen: `127.0.0.1:${channel}`,
      admin: '127.0.0.1:0',
      'token-file': tokenFile,
    }),
  ];
}

/** `bascule dataplane --workers N` fed by the controller on 127.0.0.1:channel. */
export function dataplaneArgs(channel: number, tokenFile: string, admin: number, workers = 1): string[] {
  const controller = `ws://127.0.0.1:${channel}`;
  return [
    'dataplane',
    ...options({
      controller,
      'token-file': tokenFile,
      admin: `127.0.0.1:${admin}`,
      workers: String(workers),
    }),
  ];
}

/** Waits for a dataplane's admin /readyz; a timeout's error carries the given processes' output. */
export async function waitDataplaneReady(
  adminPort: number,
  procs: Array<Proc | undefined>,
  ms = 30_000,
): Promise<void> {
  await waitFor(
    'dataplane ready',
    async () => (await fetch(`http://127.0.0.1:${adminPort}/readyz`)).ok,
    ms,
  ).catch((err: Error) => {
    throw new Error([err.message, ...procs.map((p) => p?.output() ?? '')].join('\n'));
  });
}

export async function getJson<T = any>(url: string): Promise<T> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url} → ${res.status}`);
  return (await res.json()) as T;
}
