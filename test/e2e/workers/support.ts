// A dataplane with two worker processes (real cluster workers, shared listeners on 127.0.0.1),
// and what the tests ask it: each worker's own stats, the aggregate, the metrics.
import { startDataplane, type Dataplane, type DataplaneOptions } from '#dataplane/dataplane';
import type { StatsDocument } from '#dataplane/admin/stats-model';
import { quietLogger, sleep } from '../../unit/dataplane/helpers.js';
import type { KeepAliveLoad } from '../../support/keep-alive-load.js';

export interface WorkersDataplane {
  dp: Dataplane;
  admin: string;
  /** One worker's own stats document (`/stats;json?worker=N`). */
  worker(n: number): Promise<StatsDocument>;
  /** The whole dataplane's (`/stats;json`). */
  stats(): Promise<StatsDocument>;
  metrics(worker?: number): Promise<string>;
}

export async function workersDataplane(extra: Partial<DataplaneOptions> = {}): Promise<WorkersDataplane> {
  const dp = await startDataplane({
    group: 'default',
    nodeId: 'dp-workers',
    workers: 2,
    logger: quietLogger(),
    admin: { host: '127.0.0.1', port: 0 },
    ...extra,
  });
  const admin = dp.adminUrl!;
  const json = async <T>(path: string): Promise<T> => {
    const res = await fetch(`${admin}${path}`);
    if (!res.ok) throw new Error(`${path} → ${res.status}`);
    return (await res.json()) as T;
  };
  return {
    dp,
    admin,
    worker: (n) => json(`/stats;json?worker=${n}`),
    stats: () => json('/stats;json'),
    metrics: async (worker) => (await fetch(`${admin}/metrics${worker ? `?worker=${worker}` : ''}`)).text(),
  };
}

/** The value of one Prometheus series (exact label set), or undefined. */
export function sample(exposition: string, series: string): number | undefined {
  const line = exposition.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

/** Requests each worker handled, from its own document. */
export async function perWorkerRequests(w: WorkersDataplane): Promise<number[]> {
  const docs = await Promise.all([w.worker(1), w.worker(2)]);
  return docs.map((d) => d.frontends.reduce((n, f) => n + f.requests + f.sessions, 0));
}

/**
 * Waits until every worker's own stats document shows `server` of `backend` up (or down): a verdict
 * or an override is in the primary first and reaches each worker over IPC.
 */
export async function untilEveryWorkerSees(
  w: WorkersDataplane,
  backend: string,
  server: string,
  up: boolean,
  ms = 15_000,
): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    const docs = await Promise.all([w.worker(1), w.worker(2)]);
    const seen = docs.map(
      (d) => d.backends.find((b) => b.id === backend)?.servers.find((s) => s.name === server)?.up,
    );
    if (seen.every((u) => u === up)) return;
    if (Date.now() > deadline)
      throw new Error(`${backend}/${server} ${up ? 'up' : 'down'} in every worker: ${seen.join(' / ')}`);
    await sleep(25);
  }
}

/**
 * Runs `batch` (which checks its own answers) until every worker has served some of the requests
 * made from here on, or `ms` have passed; returns what each worker served meanwhile. Workers
 * accept from one shared socket (Node 20): on a loaded machine one of them can win every accept
 * of a batch. The counters reach the primary over IPC, so they are polled too.
 */
export async function untilEveryWorkerServed(
  w: WorkersDataplane,
  batch: () => Promise<void>,
  ms = 15_000,
): Promise<number[]> {
  const base = await perWorkerRequests(w);
  for (const deadline = Date.now() + ms; ;) {
    await batch();
    const served = (await perWorkerRequests(w)).map((n, i) => n - base[i]!);
    if (served.every((n) => n > 0) || Date.now() > deadline) return served;
    await sleep(100);
  }
}

/**
 * Starts `start()` (a keep-alive load) and, while some worker has served none of its requests
 * after `settleMs`, starts it again (new connections, accepted anew), up to `attempts` loads in
 * all. Returns one load whose `stop()` stops them all and adds up what they saw. Whether every
 * worker got load is left for the caller to assert, from the per-worker counters.
 */
export async function untilEveryWorkerLoaded(
  w: WorkersDataplane,
  start: () => KeepAliveLoad,
  { attempts = 6, settleMs = 300 }: { attempts?: number; settleMs?: number } = {},
): Promise<KeepAliveLoad> {
  const base = await perWorkerRequests(w);
  const loads = [start()];
  for (;;) {
    await sleep(settleMs);
    const served = (await perWorkerRequests(w)).map((n, i) => n - base[i]!);
    if (served.every((n) => n > 0) || loads.length >= attempts) break;
    loads.push(start());
  }
  return {
    async stop() {
      const seen = await Promise.all(loads.map((l) => l.stop()));
      return {
        ok: seen.reduce((n, s) => n + s.ok, 0),
        failures: seen.flatMap((s) => s.failures),
      };
    },
  };
}
