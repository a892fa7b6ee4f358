// Per-request routing cost at 10 vs 5,000 (and 20,000) rules: the indexed lookup beside the
// ordered linear scan it replaced. A tool, not a test:
//   npx tsx --conditions=bascule-source bench/router-lookup.ts
// Rule i matches host h<i mod hosts>.example.com and path prefix /svc<i>/ (hosts = rules / 50,
// at least 1), a realistic shape for many teams' hostnames on one listener. Requests cycle
// through every rule in a shuffled order (so neither the first nor the last rule is favoured),
// 1 in 8 of them mismatching (falling through to the default backend). The figure is CPU
// nanoseconds (user + system of this process, so other load on the machine does not inflate it)
// per route() call, median of 7 rounds of ~0.5 s of CPU each.
import { compileRouter } from '#dataplane/router/router';
import type { RequestHead } from '#dataplane/router/types';
import type { FrontendSnap, RuleSnap } from '#protocol/snapshot';

const SIZES = process.argv.includes('--quick') ? [10, 5_000] : [10, 5_000, 20_000];
const ROUNDS = 5;
const ROUND_MS = 300;

function frontendWith(count: number): FrontendSnap {
  const hosts = Math.max(1, Math.floor(count / 50));
  const rules: RuleSnap[] = [];
  for (let i = 0; i < count; i++)
    rules.push({
      name: `r${i}`,
      match: { host: `h${i % hosts}.example.com`, path: { prefix: `/svc${i}/` } },
      action: { type: 'backend', backend: `default/b${i}` },
    });
  const noEdits = { add: [], set: [], remove: [] };
  return {
    id: 'default/fe',
    namespace: 'default',
    name: 'fe',
    mode: 'http',
    bind: { address: '127.0.0.1', port: 8080 },
    forwardFor: false,
    via: false,
    timeouts: { client: 30_000, httpRequest: 5_000, keepAlive: 5_000 },
    rules,
    defaultBackend: 'default/fallback',
    requestHeaders: noEdits,
    responseHeaders: noEdits,
  };
}

function requestsFor(count: number, shape: 'hot' | 'spread'): RequestHead[] {
  const hosts = Math.max(1, Math.floor(count / 50));
  const heads: RequestHead[] = [];
  const n = 20_000; // the same request set size at every rule count: equal cache pressure from the heads
  let seed = 42;
  const rnd = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
  for (let k = 0; k < n; k++) {
    const i = shape === 'spread' ? Math.floor(rnd() * count) : Math.floor(((k % 10) * (count - 1)) / 9);
    const miss = k % 8 === 7;
    heads.push({
      method: 'GET',
      path: miss ? `/other${i}/page` : `/svc${i}/items/42`,
      query: '',
      host: `h${i % hosts}.example.com`,
      headers: {},
      sourceAddress: '127.0.0.1',
      scheme: 'http',
      localPort: 8080,
    });
  }
  return heads;
}

function cpuMicros(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

function nsPerRoute(route: (h: RequestHead) => unknown, heads: RequestHead[]): number {
  const samples: number[] = [];
  let sink = 0;
  for (let r = 0; r < ROUNDS; r++) {
    let calls = 0;
    const start = cpuMicros();
    let now = start;
    while (now - start < ROUND_MS * 1000) {
      for (const h of heads) if (route(h) !== undefined) sink++;
      calls += heads.length;
      now = cpuMicros();
    }
    samples.push(((now - start) * 1000) / calls);
  }
  if (sink === 0) throw new Error('no route decision was produced');
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)]!;
}

const rows: string[] = [];
for (const lookup of ['index', 'linear'] as const) {
  for (const shape of ['hot', 'spread'] as const) {
    let base: number | undefined;
    for (const size of SIZES) {
      // The linear scan at 20,000 rules takes minutes to say what 5,000 already shows.
      if (lookup === 'linear' && size > 5_000) continue;
      const router = compileRouter(frontendWith(size), { lookup });
      const ns = nsPerRoute((h) => router.route(h), requestsFor(size, shape));
      base ??= ns;
      const count = size.toLocaleString('en-US');
      rows.push(`| ${lookup} | ${shape} | ${count} | ${ns.toFixed(0)} | ${(ns / base).toFixed(2)}× |`);
      process.stderr.write(`${lookup} ${shape} ${size}: ${ns.toFixed(0)} ns\n`);
    }
  }
}
console.log(`Node.js ${process.version}, ${ROUNDS} rounds × ${ROUND_MS} ms of CPU, median\n`);
console.log('| lookup | traffic | rules | CPU ns / route() | vs 10 rules |');
console.log('| --- | --- | ---: | ---: | ---: |');
for (const r of rows) console.log(r);
