// CPU cost of the directory source noticing one edited Backend among the churn scenario's
// 1,100 manifest files (1,000 Backends, 100 Frontends × 50 rules): the work between a file
// write and the compile input handed to the controller. A tool, not a test:
//   npx tsx --conditions=bascule-source bench/dir-rescan.ts
// Each round rewrites one Backend file (a server added) and waits for the change the watcher
// reports (the path a real edit takes: fs.watch → holdoff → walk → read the named file →
// input); the figure is the CPU time of this process per round, so other load does not inflate
// it (the holdoff's idle wait costs none).
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DirSource } from '#controller/sources/dir-source';
import { StoreFeed } from '#controller/store/feed';

const BACKENDS = 1000;
const FRONTENDS = 100;
const RULES = 50;
const ROUNDS = 40;

const backend = (b: number, servers: number): string =>
  `apiVersion: bascule.dev/v1alpha1\nkind: Backend\nmetadata: {name: b${b}}\nspec:\n  servers:\n` +
  Array.from({ length: servers }, (_, s) => `    - {name: s${s}, address: 127.0.0.1, port: 8080}\n`).join('');
const frontend = (f: number): string =>
  `apiVersion: bascule.dev/v1alpha1\nkind: Frontend\nmetadata: {name: f${f}}\nspec:\n  bind: {port: ${20000 + f}}\n  rules:\n` +
  Array.from({ length: RULES }, (_, r) => {
    const i = f * RULES + r;
    return `    - {name: r${i}, match: {host: h${i % 100}.example.com, path: {prefix: /svc${i}/}}, backend: b${i % BACKENDS}}\n`;
  }).join('');

// The source's watchers do not keep the process alive (persistent: false); this does.
const keepAlive = setInterval(() => {}, 1000);
const dir = mkdtempSync(join(tmpdir(), 'bascule-dir-rescan-'));
try {
  for (let b = 0; b < BACKENDS; b++) writeFileSync(join(dir, `b${b}.yaml`), backend(b, 1));
  for (let f = 0; f < FRONTENDS; f++) writeFileSync(join(dir, `f${f}.yaml`), frontend(f));
  const feed = new StoreFeed();
  const source = new DirSource({ dir, rescanMs: 0 });
  feed.setMaxListeners(ROUNDS + 10);
  await source.start(feed);
  let changes = 0;
  feed.on('change', () => changes++);
  const samples: number[] = [];
  for (let k = 1; k <= ROUNDS; k++) {
    const before = process.cpuUsage();
    const changed = once(feed, 'change', { signal: AbortSignal.timeout(10_000) });
    writeFileSync(join(dir, `b${k}.yaml`), backend(k, 2));
    await changed;
    await new Promise((r) => setTimeout(r, 50)); // let a late duplicate watch event pass
    const used = process.cpuUsage(before);
    samples.push((used.user + used.system) / 1000);
  }
  await source.stop();
  await feed.close();
  if (changes !== ROUNDS) throw new Error(`expected ${ROUNDS} changes, saw ${changes}`);
  samples.sort((a, b) => a - b);
  const at = (p: number) => samples[Math.min(samples.length - 1, Math.floor(p * samples.length))]!;
  console.log(
    `one edited file among ${BACKENDS + FRONTENDS}: CPU ms per rescan p50 ${at(0.5).toFixed(1)}, p90 ${at(0.9).toFixed(1)} (${ROUNDS} rounds, Node.js ${process.version})`,
  );
} finally {
  clearInterval(keepAlive);
  rmSync(dir, { recursive: true, force: true });
}
