// What an exact, shared per-client limit would cost with worker processes: every accepted
// connection (connectionLimit.perSource) or request (rateLimit) would have to ask one owner of
// the counters — the primary — and wait for its answer before going on. This measures that
// round trip over the cluster IPC channel Bascule's workers use, and the primary's CPU per
// round trip (it would serialize every worker's hot path), with 1 and 2 workers asking at once.
//
//   npx tsx bench/ipc-roundtrip.ts [--messages 20000] [--concurrency 16]
//
// Numbers are printed, never asserted; see docs/workers.md ("What is per worker").
import cluster from 'node:cluster';
import { parseArgs } from 'node:util';

interface Ask {
  t: 'ask';
  id: number;
  key: string;
}

if (cluster.isPrimary) {
  const { values: v } = parseArgs({
    options: {
      messages: { type: 'string', default: '20000' },
      concurrency: { type: 'string', default: '16' },
    },
  });
  const messages = Number(v.messages);
  const concurrency = Number(v.concurrency);
  const counters = new Map<string, number>();
  const runWith = async (workers: number): Promise<void> => {
    const forks = Array.from({ length: workers }, () =>
      cluster.fork({
        IPC_MESSAGES: String(Math.floor(messages / workers)),
        IPC_CONCURRENCY: String(concurrency),
      }),
    );
    for (const w of forks)
      w.on('message', (m: Ask) => {
        if (m?.t !== 'ask') return;
        const n = (counters.get(m.key) ?? 0) + 1; // the shared counter: one map, one owner
        counters.set(m.key, n);
        w.send({ t: 'answer', id: m.id, allowed: n % 1000 !== 0 });
      });
    const cpu0 = process.cpuUsage();
    const results = await Promise.all(
      forks.map(
        (w) =>
          new Promise<{ p50: number; p99: number; perSecond: number }>((resolve) =>
            w.on('message', (m: { t: string; p50: number; p99: number; perSecond: number }) => {
              if (m.t === 'done') resolve(m);
            }),
          ),
      ),
    );
    const cpu = process.cpuUsage(cpu0);
    const total = Math.floor(messages / workers) * workers;
    for (const w of forks) w.kill();
    const line = results
      .map((r) => `p50 ${r.p50.toFixed(1)} µs, p99 ${r.p99.toFixed(1)} µs, ${Math.round(r.perSecond)}/s`)
      .join(' | ');
    console.log(
      `${workers} worker(s) asking, ${concurrency} in flight each: ${line}; primary CPU ${((cpu.user + cpu.system) / total).toFixed(1)} µs per round trip`,
    );
  };
  await runWith(1);
  await runWith(2);
} else {
  const total = Number(process.env.IPC_MESSAGES);
  const concurrency = Number(process.env.IPC_CONCURRENCY);
  const pending = new Map<number, (t: number) => void>();
  process.on('message', (m: { t: string; id: number }) => {
    if (m.t === 'answer') pending.get(m.id)?.(performance.now());
  });
  let next = 0;
  const samples: number[] = [];
  const started = performance.now();
  const lane = async (): Promise<void> => {
    while (next < total) {
      const id = next++;
      const t0 = performance.now();
      const t1 = await new Promise<number>((r) => {
        pending.set(id, r);
        process.send!({ t: 'ask', id, key: `10.0.${id % 256}.${id % 7}` } satisfies Ask);
      });
      pending.delete(id);
      samples.push((t1 - t0) * 1000);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  const seconds = (performance.now() - started) / 1000;
  samples.sort((a, b) => a - b);
  const pct = (p: number): number => samples[Math.min(samples.length - 1, Math.floor(p * samples.length))]!;
  process.send!({ t: 'done', p50: pct(0.5), p99: pct(0.99), perSecond: total / seconds });
}
