// The dataplane's apply of one version, in process, at the churn scenario's size (bench/churn.ts:
// 5,000 routes in 100 Frontends sharing two ports, over 1,000 Backends): the full snapshot is
// applied once, then N deltas, alternating a Backend edit (one more server, the others in
// maintenance) and a Frontend edit (one more rule), each as the control channel gets it — the
// frame's text parsed and schema-checked, then handed to the Applier over the Engine, with the
// health manager synced on each swap and the snapshot persisted to a state directory, as in a
// `bascule dataplane --state-dir`. No controller, no socket between them, no traffic: what is
// timed is this process's work from the frame to the ACK, which other load on the machine
// inflates far less than the churn's end-to-end latencies.
//
// The snapshots come from the controller's own compile (runStages with its memo) and the deltas
// from diffBodies, as the controller's snapshot server sends them; none of that is timed.
//
// A tool, not a test:
//   npm run build && npx tsx bench/dataplane-apply.ts [--routes 5000] [--backends 1000]
//        [--deltas 200] [--warmup 40] [--interval-ms 100] [--cpu-prof FILE] [--top 30] [--no-persist]
//        [--first N] [--heap-prof]
// Per kind: frame → ACK ready ("ack"), and frame → its follow-up work done ("settled": what the
// apply left to run after the ACK in the same turn of the loop: the log line, the start of a
// persist write), p50/p90/p99/max in ms; GC pauses over the measured deltas (count, total, max);
// what each delta allocated in the young generation (a scavenge comes every few MB: the churn's
// traffic allocates most of them). --cpu-prof FILE writes a V8 CPU profile of the measured deltas
// only (open it in Chrome DevTools or speedscope). --first N prints the first N deltas' frame →
// ACK one by one (before the warm-up ends: the delta path's first runs). --heap-prof prints the
// bytes allocated per delta by function (sampled every 256 bytes: the timings of that run are
// several times the usual ones, read only its allocation table).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PerformanceObserver } from 'node:perf_hooks';
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { CompileMemo } from '#controller/compile/memo';
import { churnBackend, churnFrontend, type ChurnShape } from './churn-objects.js';
import type { SourcedResource } from '#controller/compile/types';
import { runStages } from '#controller/pipeline/stages';
import { Applier, replyFor, type ApplyInput } from '#dataplane/agent/apply';
import { persistSnapshot } from '#dataplane/agent/persist';
import { HealthManager } from '#dataplane/health/manager';
import { pino } from '#dataplane/log';
import { Engine } from '#dataplane/serving/engine';
import { diffBodies } from '#protocol/delta';
import type { ControllerMessage } from '#protocol/messages';
import type { Snapshot } from '#protocol/snapshot';
import { validateControllerMessage } from '#protocol/validators';

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : (process.argv[i + 1] ?? fallback);
}
const ROUTES = Number(option('routes', '5000'));
const BACKENDS = Number(option('backends', '1000'));
const FRONTENDS = 100;
const DELTAS = Number(option('deltas', '200'));
const WARMUP = Number(option('warmup', '40'));
const CPU_PROF = process.argv.includes('--cpu-prof') ? option('cpu-prof', 'dataplane-apply.cpuprofile') : '';
const PERSIST = !process.argv.includes('--no-persist');
const INTERVAL_MS = Number(option('interval-ms', '100'));
const TOP = Number(option('top', '30'));
const FIRST = Number(option('first', '0'));
const HEAP_PROF = process.argv.includes('--heap-prof');

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as { port: number };
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

const SHAPE: ChurnShape = { routes: ROUTES, backends: BACKENDS, frontends: FRONTENDS, serverPort: 9 };
const backend = (b: number, servers: number): SourcedResource => churnBackend(SHAPE, b, servers);

const frontend = (f: number, ports: readonly number[], edits: readonly number[]): SourcedResource =>
  churnFrontend(SHAPE, f, ports[f % ports.length]!, edits);

const pct = (xs: number[], p: number): string => {
  if (xs.length === 0) return '-';
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!.toFixed(2);
};
const row = (name: string, xs: number[]): string =>
  `| ${name} | ${xs.length} | ${pct(xs, 50)} | ${pct(xs, 90)} | ${pct(xs, 99)} | ${pct(xs, 100)} |`;

interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number } }>;
  samples: number[];
  timeDeltas: number[];
}

/** Self time by function (idle left out), the hottest `top`. */
function summarize(p: CpuProfile, top: number): string {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const fns = new Map<string, number>();
  let busy = 0;
  for (let i = 0; i < p.samples.length; i++) {
    const { functionName, url, lineNumber } = byId.get(p.samples[i]!)!.callFrame;
    if (functionName === '(idle)') continue;
    const us = p.timeDeltas[i] ?? 0;
    busy += us;
    const file = url.replace(/^.*\/(dataplane|controller|protocol|node_modules)\//, '$1/');
    const key = `${functionName || '(anonymous)'} ${file}:${lineNumber + 1}`;
    fns.set(key, (fns.get(key) ?? 0) + us);
  }
  const lines = [
    `busy ${(busy / 1000).toFixed(0)} ms sampled`,
    '',
    '| self ms | % | function |',
    '| ---: | ---: | --- |',
  ];
  for (const [f, us] of [...fns].sort((x, y) => y[1] - x[1]).slice(0, top))
    lines.push(`| ${(us / 1000).toFixed(1)} | ${((100 * us) / busy).toFixed(1)} | \`${f}\` |`);
  return lines.join('\n');
}

interface SamplingHeapNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: SamplingHeapNode[];
}
interface SamplingHeapProfile {
  head: SamplingHeapNode;
}

/** Bytes allocated by function (sampled; objects a scavenge collected included), per delta, the largest `top`. */
function summarizeHeap(p: SamplingHeapProfile, top: number, deltas: number): string {
  const fns = new Map<string, number>();
  let all = 0;
  const nameOf = (n: SamplingHeapNode): string => {
    const { functionName, url, lineNumber } = n.callFrame;
    const file = url.replace(/^.*\/(dataplane|controller|protocol|node_modules)\//, '$1/');
    return `${functionName || '(anonymous)'} ${file}:${lineNumber + 1}`;
  };
  // Built-ins (no file) are named with their caller: "sort :0" says little alone.
  const walk = (n: SamplingHeapNode, caller: string): void => {
    const own = nameOf(n);
    const key = n.callFrame.url === '' && caller ? `${own} ← ${caller}` : own;
    fns.set(key, (fns.get(key) ?? 0) + n.selfSize);
    all += n.selfSize;
    for (const c of n.children) walk(c, n.callFrame.url === '' ? caller : own);
  };
  walk(p.head, '');
  const lines = [
    `allocated (sampled) ${(all / 1024 / deltas).toFixed(0)} KiB per delta`,
    '',
    '| KiB per delta | function |',
    '| ---: | --- |',
  ];
  for (const [f, b] of [...fns].sort((x, y) => y[1] - x[1]).slice(0, top))
    lines.push(`| ${(b / 1024 / deltas).toFixed(1)} | \`${f}\` |`);
  return lines.join('\n');
}

/**
 * Resolves after what the apply left for later in this turn of the loop (its setImmediate
 * callbacks: the log line, the start of a persist write, and their synchronous parts).
 */
const followUps = (): Promise<void> => new Promise((r) => setImmediate(r));

/** Bytes in use in the young generation (new space): what an apply allocates, while no scavenge runs. */
const youngUsed = (): number =>
  getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')?.space_used_size ?? 0;

async function main(): Promise<void> {
  const ports = [await freePort(), await freePort()];
  const servers = Array.from({ length: BACKENDS }, () => 1);
  const frontendEdits = Array.from({ length: FRONTENDS }, () => [] as number[]);
  const resources: SourcedResource[] = [
    ...servers.map((n, b) => backend(b, n)),
    ...frontendEdits.map((e, f) => frontend(f, ports, e)),
  ];
  let memo: CompileMemo | undefined = new CompileMemo();
  const compileNow = (): Snapshot => {
    const r = runStages({ resources: [...resources], secrets: [], services: [] }, undefined, memo);
    const groups = Object.values(r.snapshots);
    if (groups.length !== 1) throw new Error(`expected one group, got ${groups.length}`);
    return groups[0]!;
  };

  const stateDir = mkdtempSync(join(tmpdir(), 'bascule-dp-apply-'));
  // Logs go where the churn's go (a file), through pino's asynchronous destination.
  const log = pino({ level: 'info' }, pino.destination({ dest: join(stateDir, 'log.jsonl'), sync: false }));
  const health = new HealthManager({ log });
  const engine = new Engine(log, { onSwap: (rt) => health.sync(rt) });
  const applier = new Applier({
    engine,
    log,
    ...(PERSIST ? { persist: (s: Snapshot) => persistSnapshot(stateDir, s) } : {}),
  });

  /** The channel's path for one frame: parse, schema-check, apply, the reply it would send. */
  let nonce = 0;
  const receive = async (text: string): Promise<void> => {
    const receivedAt = performance.now();
    const msg = JSON.parse(text) as unknown;
    if (!(validateControllerMessage(msg) as boolean)) throw new Error('invalid frame');
    const m = msg as ControllerMessage;
    let input: ApplyInput & { version: string; nonce: string };
    if (m.type === 'snapshot') input = { version: m.version, nonce: m.nonce, body: m.body, receivedAt };
    else if (m.type === 'delta')
      input = {
        version: m.version,
        nonce: m.nonce,
        receivedAt,
        delta: {
          baseVersion: m.baseVersion,
          change: { group: m.group, frontends: m.frontends, backends: m.backends },
        },
      };
    else throw new Error(`unexpected ${m.type}`);
    const result = await applier.submit(input);
    const reply = replyFor(result, input, engine.version);
    if (reply?.type !== 'ack') throw new Error(`not ACKed: ${JSON.stringify(reply)}`);
    JSON.stringify(reply); // what the channel sends
  };

  // Every frame first (the controller's side), then the compile state is dropped: the dataplane
  // part runs in a heap that holds what a dataplane holds, and its GC is its own.
  const kinds = ['backend', 'frontend'] as const;
  const frames: Array<{ kind: (typeof kinds)[number]; text: string }> = [];
  let live = compileNow();
  const fullText = `{"type":"snapshot","version":${JSON.stringify(live.version)},"nonce":"n${nonce++}","body":${JSON.stringify(live.body)}}`;
  for (let k = 0; k < WARMUP + DELTAS; k++) {
    const kind = kinds[k % 2]!;
    // Neither b0 nor f0 (the churn's traffic route), as in bench/churn.ts.
    if (kind === 'backend') {
      const b = 1 + (k % (BACKENDS - 1));
      servers[b]!++;
      resources[b] = backend(b, servers[b]!);
    } else {
      const f = 1 + (k % (FRONTENDS - 1));
      frontendEdits[f]!.push(k);
      resources[BACKENDS + f] = frontend(f, ports, frontendEdits[f]!);
    }
    const next = compileNow();
    const d = diffBodies(live.body, next.body);
    if (!d) throw new Error('no delta');
    frames.push({
      kind,
      text: `{"type":"delta","version":${JSON.stringify(next.version)},"baseVersion":${JSON.stringify(live.version)},"nonce":"n${nonce++}",${JSON.stringify(d).slice(1, -1)}}`,
    });
    live = next;
  }
  resources.length = 0;
  memo = undefined;
  live = undefined as unknown as Snapshot;
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();

  const t0 = performance.now();
  await receive(fullText);
  const fullMs = performance.now() - t0;
  await applier.persisted();

  const ack = { backend: [] as number[], frontend: [] as number[] };
  const settled = { backend: [] as number[], frontend: [] as number[] };
  const bytes = { backend: 0, frontend: 0 };
  const allocated = { backend: [] as number[], frontend: [] as number[] };
  const gc: number[] = [];
  let measuring = false;
  const obs = new PerformanceObserver((list) => {
    if (measuring) for (const e of list.getEntries()) gc.push(e.duration);
  });
  obs.observe({ entryTypes: ['gc'] });
  let session: Session | undefined;
  let heapSession: Session | undefined;
  let heapSummary = '';
  let profileSummary = '';
  let cpuMs = 0;
  const firstOnes: string[] = [];

  for (const [k, { kind, text }] of frames.entries()) {
    if (k === WARMUP) {
      if (CPU_PROF) {
        session = new Session();
        session.connect();
        await session.post('Profiler.enable');
        await session.post('Profiler.setSamplingInterval', { interval: 100 });
        await session.post('Profiler.start');
      }
      if (HEAP_PROF) {
        heapSession = new Session();
        heapSession.connect();
        await heapSession.post('HeapProfiler.startSampling', {
          samplingInterval: 256,
          includeObjectsCollectedByMajorGC: true,
          includeObjectsCollectedByMinorGC: true,
        } as object);
      }
      measuring = true;
    }
    // One frame every --interval-ms, as the churn edits (the persist interval and the GC see
    // the same pace); the previous version's follow-up work is done by then.
    await new Promise((r) => setTimeout(r, INTERVAL_MS));
    const young0 = youngUsed();
    const cpu0 = process.cpuUsage();
    const start = performance.now();
    await receive(text);
    const acked = performance.now();
    await followUps();
    const done = performance.now();
    const c = process.cpuUsage(cpu0);
    const young = youngUsed() - young0;
    if (k < FIRST) firstOnes.push(`${kind} ${(acked - start).toFixed(2)}`);
    if (measuring) {
      cpuMs += (c.user + c.system) / 1000;
      ack[kind].push(acked - start);
      settled[kind].push(done - start);
      bytes[kind] += text.length;
      // A scavenge in between empties the young generation: that delta's figure is unknown.
      if (young >= 0) allocated[kind].push(young / 1024);
    }
  }
  measuring = false;
  if (heapSession) {
    const { profile } = (await heapSession.post('HeapProfiler.stopSampling')) as unknown as {
      profile: SamplingHeapProfile;
    };
    heapSummary = summarizeHeap(profile, TOP, DELTAS);
    heapSession.disconnect();
  }
  if (session) {
    const { profile } = await session.post('Profiler.stop');
    writeFileSync(CPU_PROF, JSON.stringify(profile));
    profileSummary = summarize(profile as unknown as CpuProfile, TOP);
    session.disconnect();
  }
  obs.disconnect();
  await applier.flushPersisted();
  health.close();
  engine.close();
  rmSync(stateDir, { recursive: true, force: true });

  const gcTotal = gc.reduce((a, b) => a + b, 0);
  const out = [
    `dataplane apply, ${new Date().toISOString()}, Node.js ${process.version}`,
    '',
    `${ROUTES} routes, ${BACKENDS} backends, ${FRONTENDS} frontends on 2 ports; full snapshot applied in ${fullMs.toFixed(1)} ms; ${DELTAS} deltas measured after ${WARMUP}; persistence ${PERSIST ? 'on' : 'off'}`,
    '',
    '| ms | n | p50 | p90 | p99 | max |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    row('Backend delta: frame → ACK', ack.backend),
    row('Backend delta: frame → follow-ups done', settled.backend),
    row('Frontend delta: frame → ACK', ack.frontend),
    row('Frontend delta: frame → follow-ups done', settled.frontend),
    '',
    `frame size: Backend ${Math.round(bytes.backend / Math.max(1, ack.backend.length))} B, Frontend ${Math.round(bytes.frontend / Math.max(1, ack.frontend.length))} B (mean)`,
    `young generation allocated from frame to follow-ups done, KiB p50 / p90 (deltas without a scavenge in between): Backend ${pct(allocated.backend, 50)} / ${pct(allocated.backend, 90)} (${allocated.backend.length}), Frontend ${pct(allocated.frontend, 50)} / ${pct(allocated.frontend, 90)} (${allocated.frontend.length})`,
    `process CPU from frame to follow-ups done: ${(cpuMs / DELTAS).toFixed(2)} ms per delta (mean; the persist writes between deltas not counted)`,
    `GC over the measured deltas: ${gc.length} pauses, ${gcTotal.toFixed(1)} ms in all, max ${Math.max(0, ...gc).toFixed(2)} ms`,
    ...(FIRST > 0 ? ['', `first ${FIRST} deltas, frame → ACK ms: ${firstOnes.join(', ')}`] : []),
    ...(HEAP_PROF ? ['', heapSummary] : []),
    ...(CPU_PROF ? ['', `CPU profile of the measured deltas: ${CPU_PROF}`, '', profileSummary] : []),
  ];
  process.stdout.write(`${out.join('\n')}\n`);
}

await main();
