// The Node.js flags and environment the dataplane image runs with, read from dataplane/Dockerfile:
// the flags between "node" and the launcher in its ENTRYPOINT, and the variables its runtime
// stage sets with ENV. Benchmarks that start `bascule dataplane` pass both, so they measure the
// process the image runs (workers inherit them). BENCH_DATAPLANE_NODE_ARGS and
// BENCH_DATAPLANE_ENV ("NAME=value …"), when set (even empty), replace them: to compare with other
// settings or with Node's and glibc's defaults.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

function dockerfile(): { file: string; text: string } {
  const file = join(import.meta.dirname, '..', 'dataplane', 'Dockerfile');
  return { file, text: readFileSync(file, 'utf8') };
}

export function dataplaneImageNodeArgs(): string[] {
  const override = process.env.BENCH_DATAPLANE_NODE_ARGS;
  if (override !== undefined) return override.split(/\s+/).filter(Boolean);
  return dockerfileNodeArgs();
}

/** The flags of the image's ENTRYPOINT, whatever BENCH_DATAPLANE_NODE_ARGS says (tests). */
export function dockerfileNodeArgs(): string[] {
  const { file, text } = dockerfile();
  const entrypoint = /^ENTRYPOINT (\[.*\])$/m.exec(text)?.[1];
  if (!entrypoint) throw new Error(`${file}: no ENTRYPOINT [...] line`);
  const argv = JSON.parse(entrypoint) as string[];
  const launcher = argv.findIndex((a) => a.endsWith('bin/bascule.js'));
  if (argv[0] !== 'node' || launcher < 0)
    throw new Error(`${file}: ENTRYPOINT is not ["node", …, "…/bin/bascule.js"]`);
  return argv.slice(1, launcher);
}

/** NAME=value pairs separated by spaces, as on an `ENV` line (no quoting: the image uses none). */
function assignments(text: string, where: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const pair of text.split(/\s+/).filter(Boolean)) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new Error(`${where}: "${pair}" is not NAME=value`);
    env[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return env;
}

export function dataplaneImageEnv(): Record<string, string> {
  const override = process.env.BENCH_DATAPLANE_ENV;
  if (override !== undefined) return assignments(override, 'BENCH_DATAPLANE_ENV');
  const { file, text } = dockerfile();
  // The runtime stage: what follows the last FROM.
  const runtime = text.slice(text.lastIndexOf('\nFROM '));
  const env: Record<string, string> = {};
  for (const m of runtime.matchAll(/^ENV (.+)$/gm)) Object.assign(env, assignments(m[1]!, file));
  return env;
}

/**
 * The environment a benchmark gives `bascule dataplane`: `base` with the image's ENV, and without
 * this machine's NODE_EXTRA_CA_CERTS (set here for an outbound proxy, not in the image: the extra
 * certificates, loaded at start-up, cost every Node.js process ~1.7 MiB of RSS).
 */
export function dataplaneProcessEnv(base: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base, ...dataplaneImageEnv() };
  delete env.NODE_EXTRA_CA_CERTS;
  return env;
}
