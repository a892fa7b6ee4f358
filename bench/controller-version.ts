// CPU per version of the controller alone, at the churn scenario's size (bench/churn.ts: 100
// Frontends sharing two ports over 1,000 Backends): an in-memory source edits one object per
// round, alternating a Backend (one more server) and a Frontend (one more rule), and the figure
// is this process's CPU time from the edit to the status update that follows its compile — store
// build, validate, compile, consistency gate, publish, status. No traffic, no dataplane, no file
// parsing (bench/dir-rescan.ts measures the directory source): CPU time, not wall time, so the
// holdoffs' waits cost nothing and other load on the machine inflates it far less than it does
// the churn's latencies. A tool, not a test:
//   npx tsx --conditions=bascule-source bench/controller-version.ts [--routes 5000] [--rounds 200] [--first N]
// --first N also prints the first N versions one by one (kind, compile ms as the pipeline
// measures it, CPU ms): the warm-up, which the percentiles leave out. --no-idle-scavenge starts
// the controller without its idle-time young-generation collections (pipeline/idle-scavenge.ts;
// with no dataplane here, every publish is an idle moment). The first edit comes 1 s after the
// first publish.
import { once } from 'node:events';
import { startController } from '#controller/controller';
import { churnBackend, churnFrontend, type ChurnShape } from './churn-objects.js';
import type { SourcedResource } from '#controller/compile/types';
import { silentLogger } from '#controller/log';
import type { Source } from '#controller/sources/source';
import type { StoreFeed } from '#controller/store/feed';

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : (process.argv[i + 1] ?? fallback);
}
const ROUTES = Number(option('routes', '5000'));
const ROUNDS = Number(option('rounds', '200'));
const WARMUP = 20;
const FIRST = Number(option('first', '0'));
const IDLE_SCAVENGE = !process.argv.includes('--no-idle-scavenge');
const BACKENDS = 1000;
const FRONTENDS = 100;

const SHAPE: ChurnShape = {
  routes: ROUTES,
  backends: BACKENDS,
  frontends: FRONTENDS,
  namespace: 'churn',
  serverPort: 8000,
};
const backend = (b: number, servers: number): SourcedResource => churnBackend(SHAPE, b, servers);

const frontend = (f: number, edits: readonly number[]): SourcedResource =>
  churnFrontend(SHAPE, f, 20_000 + (f % 2), edits);

/** Objects held in memory, one store bucket each (as the Kubernetes source keeps them). */
class MemorySource implements Source {
  readonly name = 'memory';
  synced = false;
  private feed: StoreFeed | undefined;

  constructor(private readonly initial: SourcedResource[]) {}

  async start(feed: StoreFeed): Promise<void> {
    this.feed = feed;
    for (const r of this.initial) this.put(r);
    feed.trigger();
    await feed.flush();
    this.synced = true;
  }

  put(r: SourcedResource): void {
    const bucket = `${r.kind}/${r.metadata.namespace}/${r.metadata.name}`;
    if (this.feed!.store.set(bucket, [{ type: 'resource', resource: r }])) this.feed!.trigger();
  }

  async stop(): Promise<void> {}
}

const servers = new Array<number>(BACKENDS).fill(1);
const frontendEdits = Array.from({ length: FRONTENDS }, (): number[] => []);
const source = new MemorySource([
  ...Array.from({ length: BACKENDS }, (_, b) => backend(b, 1)),
  ...Array.from({ length: FRONTENDS }, (_, f) => frontend(f, [])),
]);
const controller = await startController({
  source,
  listen: { host: '127.0.0.1', port: 0 },
  tokens: ['controller-version-bench-token'],
  logger: silentLogger(),
  idleScavenge: IDLE_SCAVENGE,
});
try {
  await new Promise((r) => setTimeout(r, 1000));
  const cpu = { backend: [] as number[], frontend: [] as number[] };
  for (let k = 1; k <= ROUNDS + WARMUP; k++) {
    const n = Math.ceil(k / 2);
    const before = process.cpuUsage();
    const compiled = once(controller.events, 'compiled', { signal: AbortSignal.timeout(10_000) }) as Promise<
      [{ durationMs: number }]
    >;
    let kind: 'backend' | 'frontend';
    if (k % 2 === 1) {
      const b = 1 + ((n - 1) % (BACKENDS - 1));
      source.put(backend(b, ++servers[b]!));
      kind = 'backend';
    } else {
      const f = 1 + ((n - 1) % (FRONTENDS - 1));
      frontendEdits[f]!.push(k);
      source.put(frontend(f, frontendEdits[f]!));
      kind = 'frontend';
    }
    const [{ durationMs }] = await compiled;
    await once(controller.events, 'status', { signal: AbortSignal.timeout(10_000) });
    const used = process.cpuUsage(before);
    if (k <= FIRST)
      console.log(
        `version ${k} (${kind} edit): compile ${durationMs.toFixed(1)} ms, CPU ${((used.user + used.system) / 1000).toFixed(1)} ms`,
      );
    if (k > WARMUP) cpu[kind].push((used.user + used.system) / 1000);
  }
  const at = (xs: number[], p: number) => {
    const s = [...xs].sort((a, b) => a - b);
    return s[Math.min(s.length - 1, Math.floor(p * s.length))]!.toFixed(1);
  };
  const mean = (xs: number[]) => (xs.reduce((a, b) => a + b, 0) / xs.length).toFixed(1);
  for (const kind of ['backend', 'frontend'] as const)
    console.log(
      `${ROUTES} routes, ${kind} edit: controller CPU ms per version p50 ${at(cpu[kind], 0.5)}, p90 ${at(cpu[kind], 0.9)}, mean ${mean(cpu[kind])} (${cpu[kind].length} versions after ${WARMUP} of warm-up, Node.js ${process.version})`,
    );
} finally {
  await controller.close();
}
