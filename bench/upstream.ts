// What the single-proxy tools (profile.ts, idle-rss.ts) share: the benchmark's upstream (one nginx
// with two `server` blocks on free ports, bench/configs.ts upstreamNginxConf, started in `dir`) and
// the environment Bascule runs in (as in the image and bench/run.ts: no access log, warn logs).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { upstreamNginxConf, type Upstreams } from './configs.js';
import { freePort, start, type Running } from './procs.js';

export function basculeEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: 'production',
    BASCULE_LOG_LEVEL: 'warn',
    BASCULE_ACCESS_LOG: 'off',
  };
  delete env.NODE_OPTIONS;
  return env;
}

export async function startUpstream(dir: string): Promise<{ ports: Upstreams; running: Running }> {
  const ports = { a: await freePort(), b: await freePort() };
  writeFileSync(join(dir, 'upstream.conf'), upstreamNginxConf({ dir, ports, workers: 1, bodyBytes: 64 }));
  const running = start(
    'upstream',
    'nginx',
    ['-p', dir, '-c', join(dir, 'upstream.conf'), '-e', join(dir, 'error.log')],
    join(dir, 'upstream.log'),
  );
  return { ports, running };
}
