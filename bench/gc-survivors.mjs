// Loaded into a Node.js process under test (`node --import=./bench/gc-survivors.mjs ...`, or
// BENCH_DATAPLANE_NODE_ARGS=--import=$PWD/bench/gc-survivors.mjs with bench/run.ts): after
// GC_SURVIVORS_AFTER_MS (5000) it runs V8's sampling heap profiler for GC_SURVIVORS_FOR_MS (3000)
// keeping only what no scavenge collected (includeObjectsCollectedByMinorGC false, ...ByMajorGC
// true), then prints the allocation sites by bytes to stderr and writes the profile to
// GC_SURVIVORS_OUT (default: survivors-PID.heapprofile in the working directory). Objects there
// lived through scavenges: what makes the old generation grow, and mark-compacts come. A tool.
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';

const after = Number(process.env.GC_SURVIVORS_AFTER_MS ?? 5000);
const span = Number(process.env.GC_SURVIVORS_FOR_MS ?? 3000);
const out = process.env.GC_SURVIVORS_OUT ?? `survivors-${process.pid}.heapprofile`;

function summary(profile, top = 15) {
  const bySite = new Map();
  let total = 0;
  const walk = (node) => {
    const f = node.callFrame;
    const site = `${f.functionName || '(anonymous)'} ${f.url.replace(/^.*\/(dist|node_modules)\//, '')}:${f.lineNumber + 1}`;
    if (node.selfSize > 0) {
      total += node.selfSize;
      bySite.set(site, (bySite.get(site) ?? 0) + node.selfSize);
    }
    for (const c of node.children) walk(c);
  };
  walk(profile.head);
  const rows = [...bySite].sort((a, b) => b[1] - a[1]).slice(0, top);
  return [
    `gc-survivors: ${(total / 1e6).toFixed(1)} MB over ${span} ms`,
    ...rows.map(([s, b]) => `  ${(b / 1e6).toFixed(2)} MB  ${s}`),
  ].join('\n');
}

const session = new Session();
session.connect();
setTimeout(() => {
  session.post('HeapProfiler.enable');
  session.post('HeapProfiler.startSampling', {
    samplingInterval: 1024,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: false,
  });
  setTimeout(() => {
    session.post('HeapProfiler.stopSampling', (err, r) => {
      if (err) return process.stderr.write(`gc-survivors: ${err.message}\n`);
      writeFileSync(out, JSON.stringify(r.profile));
      process.stderr.write(`${summary(r.profile)}\n  profile: ${out}\n`);
    });
  }, span).unref();
}, after).unref();
