// The bigbody scenario's load: large transfers with curl instead of wrk. For the given duration,
// `parallel` downloads of /big (the upstream's 64 MiB file) and `parallel` uploads of a 64 MiB
// file to /upload (read and discarded by the upstream) run at all times through the proxy; each
// transfer is one request on a fresh connection. Results come back in wrk's shape (requests =
// transfers, latency = transfer time) so the report treats every scenario alike.
import { run } from './procs.js';
import type { WrkResult } from './wrk.js';

export interface TransferOptions {
  /** http://127.0.0.1:<port> of the proxy. */
  base: string;
  /** Local file of `bytes` bytes, uploaded as each request body. */
  uploadFile: string;
  bytes: number;
  durationSeconds: number;
  parallel: number;
}

interface One {
  ok: boolean;
  ms: number;
  bytes: number;
}

/** One transfer; curl prints code, bytes down, bytes up and the total time. */
async function transfer(o: TransferOptions, upload: boolean): Promise<One> {
  const args = [
    '-s',
    '-o',
    '/dev/null',
    '-w',
    '%{http_code} %{size_download} %{size_upload} %{time_total}',
    ...(upload ? ['-T', o.uploadFile, `${o.base}/upload`] : [`${o.base}/big`]),
  ];
  const r = await run('curl', args, 120_000);
  const [code, down, up, secs] = r.stdout.trim().split(' ');
  const moved = Number(upload ? up : down);
  return { ok: r.code === 0 && code === '200' && moved === o.bytes, ms: Number(secs) * 1000, bytes: moved };
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export async function runTransfers(o: TransferOptions): Promise<WrkResult> {
  const started = performance.now();
  const deadline = started + o.durationSeconds * 1000;
  const done: One[] = [];
  const lane = async (upload: boolean): Promise<void> => {
    while (performance.now() < deadline) done.push(await transfer(o, upload));
  };
  await Promise.all(Array.from({ length: o.parallel * 2 }, (_, i) => lane(i % 2 === 1)));
  const seconds = (performance.now() - started) / 1000;
  const ms = done.map((d) => d.ms).sort((a, b) => a - b);
  const failed = done.filter((d) => !d.ok).length;
  return {
    requests: done.length,
    durationSeconds: seconds,
    requestsPerSecond: done.length / seconds,
    bytes: done.reduce((n, d) => n + d.bytes, 0),
    latencyMs: {
      mean: ms.reduce((a, b) => a + b, 0) / Math.max(1, ms.length),
      p50: percentile(ms, 50),
      p90: percentile(ms, 90),
      p99: percentile(ms, 99),
      max: ms.at(-1) ?? NaN,
    },
    errors: { connect: 0, read: 0, write: 0, status: failed, timeout: 0 },
  };
}
