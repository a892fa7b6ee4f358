// What the single-proxy tools (profile.ts, idle-rss.ts) share: the benchmark's upstream (one nginx
// with two `server` blocks on free ports, bench/configs.ts upstreamNginxConf, started in `dir`) and
// the environment Bascule runs in (as in the image and bench/run.ts: no access log, warn logs).
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIG_BODY_BYTES, upstreamNginxConf, type Upstreams } from './configs.js';
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

/**
 * Starts the upstream in `dir`. With `bigFile` (the bigbody scenario) it first writes that file
 * (BIG_BODY_BYTES), served at /big and uploaded by bench/transfers.ts.
 */
export async function startUpstream(
  dir: string,
  opts: { bigFile?: string } = {},
): Promise<{ ports: Upstreams; running: Running }> {
  const ports = { a: await freePort(), b: await freePort() };
  if (opts.bigFile) {
    writeFileSync(opts.bigFile, Buffer.alloc(BIG_BODY_BYTES, 0x61), { mode: 0o644 });
    chmodSync(dir, 0o711); // nginx workers (an unprivileged user) read it through the temp dir
  }
  writeFileSync(
    join(dir, 'upstream.conf'),
    upstreamNginxConf({
      dir,
      ports,
      workers: 1,
      bodyBytes: 64,
      ...(opts.bigFile ? { bigFile: opts.bigFile } : {}),
    }),
  );
  const running = start(
    'upstream',
    'nginx',
    ['-p', dir, '-c', join(dir, 'upstream.conf'), '-e', join(dir, 'error.log')],
    join(dir, 'upstream.log'),
  );
  return { ports, running };
}
