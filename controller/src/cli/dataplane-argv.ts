// `bascule dataplane`'s own reading of its arguments, so a dataplane process starts without the
// full command line: commander (with node:child_process and node:dgram, which it loads) and the
// other commands' definitions are code a dataplane never runs (bench/history/2026-12-02-idle-rss.md).
// It understands exactly the options program.ts defines for the command, in the forms commander
// reads them ("--name value", "--name=value"), with the same environment variables and defaults.
// Anything else — help, an unknown or repeated option, a missing or bad value, a value starting
// with "-", an operand — returns undefined, and the full command line handles it (and prints
// what it prints today). test/unit/controller/dataplane-argv.test.ts holds both to the same result.
import { hostname } from 'node:os';
import { DEFAULT_DRAIN_TIMEOUT_MS } from '#dataplane/drain';
import { usableCpus } from '#dataplane/workers/cpu-count';
import type { DataplaneCommandOptions } from './dataplane-command.js';
import { parseDrainTimeout, parseWorkerCount } from './option-values.js';

type StringKey =
  'controller' | 'tokenFile' | 'group' | 'nodeId' | 'stateDir' | 'admin' | 'caFile' | 'bindAddress';

const OPTIONS: ReadonlyMap<string, StringKey | 'workers' | 'drainTimeout'> = new Map([
  ['--controller', 'controller'],
  ['--token-file', 'tokenFile'],
  ['--group', 'group'],
  ['--node-id', 'nodeId'],
  ['--state-dir', 'stateDir'],
  ['--admin', 'admin'],
  ['--ca-file', 'caFile'],
  ['--bind-address', 'bindAddress'],
  ['--workers', 'workers'],
  ['--drain-timeout', 'drainTimeout'],
] as const);

/** The value `parse` makes of `text`, or undefined if it throws (the full command line reports it). */
function valueOf<T>(text: string, parse: (v: string) => T): T | undefined {
  try {
    return parse(text);
  } catch {
    return undefined;
  }
}

/**
 * The options of `bascule dataplane ARGS` with `env`, as the full command line would parse them,
 * or undefined when the full command line must handle ARGS (the arguments after "dataplane").
 */
export function parseDataplaneArgv(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
): DataplaneCommandOptions | undefined {
  const given = new Map<string, string>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    const key = OPTIONS.get(name);
    if (key === undefined || given.has(key)) return undefined;
    const value = eq > 0 ? arg.slice(eq + 1) : args[++i];
    if (value === undefined || (eq < 0 && value.startsWith('-'))) return undefined;
    given.set(key, value);
  }
  const controller = given.get('controller');
  const tokenFile = given.get('tokenFile');
  if (controller === undefined || tokenFile === undefined) return undefined;

  const workersText = given.get('workers') ?? env.BASCULE_WORKERS;
  const workers = workersText === undefined ? usableCpus() : valueOf(workersText, parseWorkerCount);
  const drainText = given.get('drainTimeout') ?? env.BASCULE_DRAIN_TIMEOUT;
  const drainTimeout =
    drainText === undefined ? DEFAULT_DRAIN_TIMEOUT_MS : valueOf(drainText, parseDrainTimeout);
  if (workers === undefined || drainTimeout === undefined) return undefined;

  const options: DataplaneCommandOptions = {
    controller,
    tokenFile,
    group: given.get('group') ?? 'default',
    nodeId: given.get('nodeId') ?? hostname(),
    admin: given.get('admin') ?? '127.0.0.1:9091',
    workers,
    drainTimeout,
  };
  for (const key of ['stateDir', 'caFile', 'bindAddress'] as const) {
    const value = given.get(key);
    if (value !== undefined) options[key] = value;
  }
  return options;
}
