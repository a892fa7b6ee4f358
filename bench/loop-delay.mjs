// Loaded into a Node.js process under test (`node --import=./bench/loop-delay.mjs ...`, or
// BENCH_DATAPLANE_NODE_ARGS=--import=$PWD/bench/loop-delay.mjs with bench/run.ts): every 2 s it
// writes one line to stderr with the event loop's delay (perf_hooks.monitorEventLoopDelay at 1 ms
// resolution: p50/p99/p99.9/max in ms), the GC pauses of the window (count, total and longest ms,
// count per kind) and the process's CPU share. It separates a latency tail the loop itself causes
// (GC, long callbacks) from one that builds up outside JavaScript. A tool; nothing reads its output.
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';

const delay = monitorEventLoopDelay({ resolution: 1 });
delay.enable();
let gcCount = 0;
let gcMs = 0;
let gcMax = 0;
let kinds = {};
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    gcCount++;
    gcMs += e.duration;
    gcMax = Math.max(gcMax, e.duration);
    const kind = e.detail?.kind ?? 'unknown';
    kinds[kind] = (kinds[kind] ?? 0) + 1;
  }
}).observe({ entryTypes: ['gc'] });

const ms = (ns) => (ns / 1e6).toFixed(2);
let cpu = process.cpuUsage();
setInterval(() => {
  const used = process.cpuUsage(cpu);
  cpu = process.cpuUsage();
  process.stderr.write(
    `loop-delay p50=${ms(delay.percentile(50))} p99=${ms(delay.percentile(99))} ` +
      `p99.9=${ms(delay.percentile(99.9))} max=${ms(delay.max)} gc=${gcCount} ` +
      `gcMs=${gcMs.toFixed(1)} gcMax=${gcMax.toFixed(2)} kinds=${JSON.stringify(kinds)} ` +
      `cpu=${((used.user + used.system) / 2e4).toFixed(0)}%\n`,
  );
  delay.reset();
  gcCount = 0;
  gcMs = 0;
  gcMax = 0;
  kinds = {};
}, 2000).unref();
