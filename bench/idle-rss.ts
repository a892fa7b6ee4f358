// Idle RSS of a dataplane process alone (the production topology: the controller runs elsewhere),
// with one event loop and with N workers (primary + workers summed), serving the benchmark's
// keep-alive configuration. A tool, not a test:
//
//   npm run build && npx tsx bench/idle-rss.ts [--workers 2] [--settle 5] [--node-args='--flag …']
//
// The dataplane runs with the Node.js flags of the dataplane image's ENTRYPOINT (workers inherit
// them), unless --node-args gives others ('--node-args=' for none: Node's defaults).
// Starts `bascule controller` on a directory and `bascule dataplane --workers 1` (then
// `--workers N`) against it, waits until the dataplane reports ready (a snapshot is live), lets it
// settle, then prints VmRSS of its process tree, before and after 2,000 requests through it
// (the RSS a dataplane keeps once it has served). Nothing is asserted.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { SCENARIOS, basculeYaml } from './configs.js';
import { dataplaneImageNodeArgs } from './image-node-args.js';
import { freePort, killAll, loadAverage, processTree, sample, start } from './procs.js';
import { basculeEnv, startUpstream } from './upstream.js';

const ROOT = join(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin/bascule.js');
/** Each process of the tree: VmRSS = RssAnon (heap, stacks, malloc) + RssFile (the node binary's pages) + RssShmem. */
function perProcess(pid: number): string {
  return processTree(pid)
    .map((p) => {
      try {
        const status = readFileSync(`/proc/${p}/status`, 'utf8');
        const kib = (k: string): string =>
          (Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0) / 1024).toFixed(1);
        return `${kib('VmRSS')} (anon ${kib('RssAnon')}, file ${kib('RssFile')})`;
      } catch {
        return 'exited';
      }
    })
    .join(' + ');
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, ms: number, ok: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      if (await ok()) return;
    } catch {
      /* not yet */
    }
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await sleep(100);
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      workers: { type: 'string', default: '2' },
      settle: { type: 'string', default: '5' },
      // Node.js/V8 flags for the dataplane process (workers inherit them); default: the image's.
      'node-args': { type: 'string' },
    },
  });
  const nodeArgs = (values['node-args'] ?? dataplaneImageNodeArgs().join(' ')).split(/\s+/).filter(Boolean);
  const dir = mkdtempSync(join(tmpdir(), 'bascule-idle-rss-'));
  process.on('exit', killAll);
  try {
    const { ports: upstreams, running: up } = await startUpstream(dir);
    const port = await freePort();
    const manifests = join(dir, 'manifests');
    mkdirSync(manifests);
    writeFileSync(
      join(manifests, 'bench.yaml'),
      basculeYaml({ port, upstreams, scenario: SCENARIOS.find((s) => s.id === 'keepalive')! }),
    );
    writeFileSync(join(dir, 'token'), 'idle-rss-bench-token-0123456789abcdef\n');
    const env = basculeEnv();
    const channel = await freePort();
    const controller = start(
      'controller',
      process.execPath,
      [
        BIN,
        'controller',
        '--dir',
        manifests,
        '--listen',
        `127.0.0.1:${channel}`,
        '--admin',
        '127.0.0.1:0',
        '--token-file',
        join(dir, 'token'),
      ],
      join(dir, 'controller.log'),
      env,
    );
    const rows: string[] = [];
    for (const workers of [1, Number(values.workers)]) {
      const admin = await freePort();
      const dp = start(
        'dataplane',
        process.execPath,
        [
          ...nodeArgs,
          BIN,
          'dataplane',
          '--controller',
          `ws://127.0.0.1:${channel}`,
          '--token-file',
          join(dir, 'token'),
          '--admin',
          `127.0.0.1:${admin}`,
          '--workers',
          String(workers),
        ],
        join(dir, `dataplane-${workers}.log`),
        env,
      );
      await until(
        'dataplane ready',
        30_000,
        async () => (await fetch(`http://127.0.0.1:${admin}/readyz`)).ok,
      );
      await until('dataplane serving', 30_000, async () => (await fetch(`http://127.0.0.1:${port}/`)).ok);
      await sleep(Number(values.settle) * 1000);
      const idle = sample(dp.pid);
      const idleSplit = perProcess(dp.pid);
      for (let i = 0; i < 2000; i += 50)
        await Promise.all(
          Array.from({ length: 50 }, async () => (await fetch(`http://127.0.0.1:${port}/`)).arrayBuffer()),
        );
      await sleep(Number(values.settle) * 1000);
      const served = sample(dp.pid);
      const servedSplit = perProcess(dp.pid);
      const mib = (kib: number): string => (kib / 1024).toFixed(1);
      rows.push(
        `| ${workers} | ${idle.processes} | ${mib(idle.rssKiB)} | ${mib(served.rssKiB)} | ${loadAverage()[0].toFixed(2)} | ${idleSplit} | ${servedSplit} |`,
      );
      await dp.stop();
    }
    await controller.stop();
    await up.stop();
    process.stdout.write(
      [
        `node flags: ${nodeArgs.join(' ') || '(none)'}`,
        '',
        '| --workers | processes | RSS MiB idle (snapshot live) | RSS MiB idle after 2,000 requests | load1 | idle, per process (primary first) | after requests, per process |',
        '| ---: | ---: | ---: | ---: | ---: | --- | --- |',
        ...rows,
        '',
      ].join('\n'),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
