// The Node.js flags the dataplane image runs with: those between "node" and the launcher in the
// ENTRYPOINT of dataplane/Dockerfile. Benchmarks that start `bascule dataplane` pass them, so
// they measure the process the image runs (workers inherit them). BENCH_DATAPLANE_NODE_ARGS, when
// set (even empty), replaces them: to compare with other flags or with Node's defaults.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export function dataplaneImageNodeArgs(): string[] {
  const override = process.env.BENCH_DATAPLANE_NODE_ARGS;
  if (override !== undefined) return override.split(/\s+/).filter(Boolean);
  const file = join(import.meta.dirname, '..', 'dataplane', 'Dockerfile');
  const entrypoint = /^ENTRYPOINT (\[.*\])$/m.exec(readFileSync(file, 'utf8'))?.[1];
  if (!entrypoint) throw new Error(`${file}: no ENTRYPOINT [...] line`);
  const argv = JSON.parse(entrypoint) as string[];
  const launcher = argv.findIndex((a) => a.endsWith('bin/bascule.js'));
  if (argv[0] !== 'node' || launcher < 0)
    throw new Error(`${file}: ENTRYPOINT is not ["node", …, "…/bin/bascule.js"]`);
  return argv.slice(1, launcher);
}
