// `bascule quickstart`: two demo servers, Bascule in standalone mode in front of them, and a few
// requests that show the balancing. Then it keeps serving so you can curl it and edit the YAML.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { createLogger } from '../log.js';
import { startDemoBackends } from './demo-backends.js';
import { standaloneCommand } from './standalone-command.js';
import type { CommandIo } from './validate-command.js';

interface QuickstartOptions {
  dir: string;
  requests: number;
}

/** Reads the demo servers and the frontend address from the quickstart manifests. */
function readQuickstart(dir: string) {
  const docs = parseAllDocuments(readFileSync(join(dir, 'quickstart.yaml'), 'utf8')).map((d) => d.toJS());
  const fe = docs.find((d) => d?.kind === 'Frontend');
  const be = docs.find((d) => d?.kind === 'Backend');
  if (!fe || !be) throw new Error(`${dir}/quickstart.yaml needs a Frontend and a Backend`);
  return {
    url: `http://${fe.spec.bind.address ?? '127.0.0.1'}:${fe.spec.bind.port}/`,
    servers: (be.spec.servers as { name: string; address: string; port: number }[]).map((s) => ({
      name: s.name,
      host: s.address,
      port: s.port,
    })),
  };
}

export async function quickstartCommand(opts: QuickstartOptions, io: CommandIo) {
  const qs = readQuickstart(opts.dir);
  const demo = await startDemoBackends(qs.servers).catch((err) => {
    throw new Error(
      `cannot start the demo servers on ports ${qs.servers.map((s) => s.port).join(', ')}: ${(err as Error).message}`,
    );
  });
  const logger = createLogger({ level: process.env.BASCULE_LOG_LEVEL ?? 'warn', role: 'standalone' });
  const bascule = await standaloneCommand({
    dir: opts.dir,
    logger,
    admin: { host: '127.0.0.1', port: 9090 },
    dataplaneAdmin: { host: '127.0.0.1', port: 9091 },
  }).catch(async (err) => {
    await demo.close();
    throw err;
  });
  const close = async () => {
    await bascule.close();
    await demo.close();
  };
  // Wait until the first snapshot is live on the dataplane.
  const deadline = Date.now() + 10_000;
  while (!bascule.dataplane.currentVersion) {
    if (Date.now() > deadline) {
      await close();
      throw new Error('the dataplane did not receive a snapshot within 10s; see the log above');
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  io.out(
    `Bascule is balancing ${qs.url} over ${qs.servers.map((s) => `${s.name} (127.0.0.1:${s.port})`).join(' and ')}\n`,
  );
  for (let i = 1; i <= opts.requests; i++) {
    const res = await fetch(qs.url);
    const body = (await res.json()) as { server: string };
    io.out(`  request ${i}: ${res.status} served by ${body.server}\n`);
  }
  io.out(
    [
      '',
      `Try it:       curl ${qs.url}`,
      `Edit routing: ${join(opts.dir, 'quickstart.yaml')} (applied live, no restart)`,
      'Controller:   http://127.0.0.1:9090/dataplanes  http://127.0.0.1:9090/status',
      'Stats page:   http://127.0.0.1:9091/stats   (Prometheus: http://127.0.0.1:9091/metrics)',
      'Dataplane:    http://127.0.0.1:9091/status',
      'Stop with Ctrl-C.',
      '',
    ].join('\n'),
  );
  return { close };
}
