// Steady keep-alive load for hot-swap tests: `loops` request loops on an undici Pool, each
// bounded (20k requests at most), counting the answers `expected` accepts and keeping every
// other outcome (status and body, or the error) as a failure.
import { Pool } from 'undici';

export interface KeepAliveLoad {
  /** Stops the loops and closes the pool; resolves with what they saw. */
  stop(): Promise<{ ok: number; failures: string[] }>;
}

export function keepAliveLoad(
  origin: string,
  opts: { connections: number; loops: number; expected: (status: number, body: string) => boolean },
): KeepAliveLoad {
  const pool = new Pool(origin, { connections: opts.connections, pipelining: 1 });
  let ok = 0;
  const failures: string[] = [];
  let running = true;
  const loop = async (): Promise<void> => {
    for (let n = 0; running && n < 20_000; n++) {
      try {
        const res = await pool.request({ path: '/', method: 'GET' });
        const body = await res.body.text();
        if (opts.expected(res.statusCode, body)) ok++;
        else failures.push(`${res.statusCode} ${body}`);
      } catch (err) {
        failures.push((err as Error).message);
      }
    }
  };
  const loops = Array.from({ length: opts.loops }, loop);
  return {
    async stop() {
      running = false;
      await Promise.all(loops);
      await pool.close();
      return { ok, failures };
    },
  };
}
