// The full `bascule` command line (commander), loaded by main.ts for every command except a
// `bascule dataplane` whose arguments dataplane-argv.ts reads on its own.
// Each command loads its own code when it runs (dynamic imports in the actions): a dataplane
// process then never loads the controller, the sources, the compiler or the importer, which
// would be most of its heap (bench/history/2026-12-02-dataplane-memory.md, "Where an idle dataplane's memory goes").
import { hostname } from 'node:os';
import { join } from 'node:path';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { usableCpus } from '#dataplane/workers/cpu-count';
import { DEFAULT_DRAIN_TIMEOUT_MS } from '#dataplane/drain';
import { formatDuration } from '#protocol/duration';
import { createLogger } from '../log.js';
import { dataplaneCommand, type DataplaneCommandOptions } from './dataplane-command.js';
import { parseDrainTimeout, parseWorkerCount } from './option-values.js';
import { parseAddress } from './parse-address.js';
import { io, runUntilSignal } from './run-until-signal.js';
import { readTokens } from './token.js';

/** An option value parsed by `parse`, its error reported by commander after the option's name. */
const argParser =
  <T>(parse: (v: string) => T) =>
  (v: string): T => {
    try {
      return parse(v);
    } catch (err) {
      throw new InvalidArgumentError((err as Error).message);
    }
  };

/** --drain-timeout: the bound of a graceful stop (HAProxy's hard-stop-after). */
function drainTimeoutOption(): Option {
  return new Option(
    '--drain-timeout <duration>',
    'on SIGTERM/SIGINT: stop accepting, let requests in flight finish and close idle connections, cutting what is still open after this long',
  )
    .env('BASCULE_DRAIN_TIMEOUT')
    .argParser(argParser(parseDrainTimeout))
    .default(DEFAULT_DRAIN_TIMEOUT_MS, formatDuration(DEFAULT_DRAIN_TIMEOUT_MS));
}

/** --workers N: event loops serving traffic (default: the CPUs this process may use). */
function workersOption(): Option {
  return new Option(
    '--workers <n>',
    'worker processes serving traffic, sharing every listener (default: CPUs this process may use, cgroup quota aware; 1 serves in this process)',
  )
    .env('BASCULE_WORKERS')
    .argParser(argParser(parseWorkerCount))
    .default(usableCpus(), 'usable CPUs');
}

/** What the commands run; tests replace the dataplane's to see the options it would get. */
export interface ProgramActions {
  dataplane(o: DataplaneCommandOptions): Promise<void>;
}

export function buildProgram(actions: ProgramActions = { dataplane: dataplaneCommand }): Command {
  const program = new Command('bascule')
    .description('Kubernetes-native L4/L7 load balancer: declarative control plane, hot-swapping dataplanes')
    .showHelpAfterError()
    .exitOverride();

  program
    .command('controller')
    .description('compile Frontend/Backend/HealthPolicy resources and push snapshots to dataplanes')
    .addOption(
      new Option('--source <source>', 'where resources come from').choices(['dir', 'kube']).default('dir'),
    )
    .option('--dir <path>', 'directory of YAML manifests (source dir)')
    .option('--listen <addr>', 'control channel address', '0.0.0.0:7443')
    .option('--admin <addr>', 'admin endpoint address', '127.0.0.1:9090')
    .requiredOption('--token-file <file>', 'file with the channel bearer token(s), one per line')
    .option('--tls-cert <file>', 'serve the channel over wss:// with this certificate')
    .option('--tls-key <file>', 'private key for --tls-cert')
    .option('--namespace <ns>', 'source kube: watch only these namespaces (comma-separated; default all)')
    .option(
      '--kubeconfig <file>',
      'source kube: kubeconfig (default in-cluster, then KUBECONFIG or ~/.kube/config)',
    )
    .option('--leader-elect', 'source kube: run several replicas; a Lease decides which one writes status')
    .option('--lease-name <name>', 'leader election Lease name', 'bascule-controller')
    .option('--lease-namespace <ns>', 'leader election Lease namespace (default: own namespace)')
    .option('--pod-name <name>', 'identity of this replica (default $POD_NAME, else host name + random)')
    .option('--lease-duration <d>', 'leader election: lease validity', '15s')
    .option('--renew-deadline <d>', 'leader election: step down when not renewed within', '10s')
    .option('--retry-period <d>', 'leader election: time between attempts', '2s')
    .action(async (o) => {
      const { readFileSync } = await import('node:fs');
      const { boundHeapGrowth } = await import('./heap-growth.js');
      boundHeapGrowth();
      if (o.source === 'kube') {
        const { startKubeController, ownNamespace, defaultIdentity } = await import('../kube-controller.js');
        const { parseDuration } = await import('#protocol/duration');
        const logger = createLogger();
        const namespaces = String(o.namespace ?? '')
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean);
        const identity = o.podName ?? defaultIdentity();
        const podUid = process.env.POD_UID;
        const kube = await startKubeController({
          namespaces,
          listen: parseAddress(o.listen, '0.0.0.0'),
          admin: parseAddress(o.admin, '127.0.0.1'),
          tokens: readTokens(o.tokenFile),
          logger,
          ...(o.kubeconfig ? { kubeconfig: o.kubeconfig } : {}),
          ...(o.tlsCert
            ? { tls: { cert: readFileSync(o.tlsCert, 'utf8'), key: readFileSync(o.tlsKey, 'utf8') } }
            : {}),
          ...(o.leaderElect
            ? {
                leaderElection: {
                  leaseName: o.leaseName,
                  leaseNamespace: o.leaseNamespace ?? ownNamespace() ?? namespaces[0] ?? 'default',
                  identity,
                  ...(podUid && o.podName === undefined && process.env.POD_NAME
                    ? { owner: { name: identity, uid: podUid } }
                    : {}),
                  leaseDurationMs: parseDuration(o.leaseDuration),
                  renewDeadlineMs: parseDuration(o.renewDeadline),
                  retryPeriodMs: parseDuration(o.retryPeriod),
                },
              }
            : {}),
        });
        logger.info(
          { channel: kube.controller.channelUrl, admin: kube.controller.adminUrl, identity },
          'controller started',
        );
        runUntilSignal(() => kube.close());
        return;
      }
      if (!o.dir) throw new Error('--dir is required with --source dir');
      const { DirSource } = await import('../sources/dir-source.js');
      const { startController } = await import('../controller.js');
      const logger = createLogger();
      const source = new DirSource({ dir: o.dir, logger });
      const controller = await startController({
        source,
        listen: parseAddress(o.listen, '0.0.0.0'),
        admin: parseAddress(o.admin, '127.0.0.1'),
        tokens: readTokens(o.tokenFile),
        logger,
        ...(o.tlsCert
          ? { tls: { cert: readFileSync(o.tlsCert, 'utf8'), key: readFileSync(o.tlsKey, 'utf8') } }
          : {}),
      });
      logger.info({ channel: controller.channelUrl, admin: controller.adminUrl }, 'controller started');
      runUntilSignal(() => controller.close());
    });

  program
    .command('dataplane')
    .description('serve traffic from the snapshots a controller pushes')
    .requiredOption(
      '--controller <url>',
      'controller channel URL, e.g. ws://bascule-controller:7443; several (comma-separated) to fail over between replicas',
    )
    .requiredOption('--token-file <file>', 'file with the channel bearer token')
    .option('--group <group>', 'dataplane group', 'default')
    .option('--node-id <id>', 'unique name of this dataplane', hostname())
    .option('--state-dir <dir>', 'where the last good snapshot is kept across restarts')
    .option('--admin <addr>', 'admin endpoint address', '127.0.0.1:9091')
    .option('--ca-file <file>', 'CA that signed the controller certificate (wss://)')
    .option('--bind-address <ip>', "listen on this address instead of each frontend's bind.address")
    .addOption(workersOption())
    .addOption(drainTimeoutOption())
    .action((o: DataplaneCommandOptions) => actions.dataplane(o));

  program
    .command('standalone')
    .description('controller and dataplane in one process, resources from a directory (no cluster needed)')
    .requiredOption('--dir <path>', 'directory of YAML manifests')
    .option('--group <group>', 'dataplane group to serve', 'default')
    .option('--admin <addr>', 'controller admin endpoint', '127.0.0.1:9090')
    .option('--dataplane-admin <addr>', 'dataplane admin endpoint', '127.0.0.1:9091')
    .option('--state-dir <dir>', 'where the last good snapshot is kept across restarts')
    .addOption(workersOption())
    .addOption(drainTimeoutOption())
    .action(async (o) => {
      // The process runs a controller and a dataplane: both want the same bound.
      const { boundHeapGrowth, DATAPLANE_HEAP_GROWING_PERCENT } = await import('#dataplane/heap-growth');
      boundHeapGrowth(DATAPLANE_HEAP_GROWING_PERCENT);
      const { standaloneCommand } = await import('./standalone-command.js');
      const handle = await standaloneCommand({
        workers: o.workers,
        dir: o.dir,
        group: o.group,
        admin: parseAddress(o.admin, '127.0.0.1'),
        dataplaneAdmin: parseAddress(o.dataplaneAdmin, '127.0.0.1'),
        ...(o.stateDir ? { stateDir: o.stateDir } : {}),
      });
      runUntilSignal(
        () => handle.close(),
        () => handle.drain(o.drainTimeout),
      );
    });

  program
    .command('quickstart')
    .description('run the quickstart: two demo servers and Bascule balancing between them')
    .option(
      '--dir <path>',
      'quickstart manifests',
      join(import.meta.dirname, '../../../../manifests/examples/quickstart'),
    )
    .option('--requests <n>', 'requests to send to show the balancing', '6')
    .option('--exit', 'exit after the demo requests instead of serving on')
    .action(async (o) => {
      const { quickstartCommand } = await import('./quickstart-command.js');
      const handle = await quickstartCommand({ dir: o.dir, requests: Number(o.requests) }, io);
      if (o.exit) {
        await handle.close();
        return;
      }
      runUntilSignal(() => handle.close());
    });

  program
    .command('status')
    .description('show dataplanes, versions, last ACK/NACK, object conditions and runtime overrides')
    .option(
      '--admin <url>',
      'controller admin endpoint (default $BASCULE_ADMIN_URL or http://127.0.0.1:9090)',
    )
    .option('--json', 'print the raw document (GET /overview)')
    .option('--wide', 'do not cut long messages')
    .action(async (o) => {
      const { statusCommand } = await import('./status-command.js');
      process.exitCode = await statusCommand({ admin: o.admin, json: o.json, wide: o.wide }, io);
    });

  program
    .command('validate')
    .description('check manifests with the same schema and semantic checks as the controller')
    .requiredOption('-f, --file <paths...>', 'files or directories')
    .action(async (o) => {
      const { validateCommand } = await import('./validate-command.js');
      process.exitCode = await validateCommand(o.file, io);
    });

  program
    .command('compile')
    .description('print the snapshot that would be pushed to the dataplanes')
    .requiredOption('-f, --file <paths...>', 'files or directories')
    .option('--group <group>', 'only this dataplane group')
    .option('--summary', 'readable summary instead of JSON')
    .action(async (o) => {
      const { compileCommand } = await import('./compile-command.js');
      process.exitCode = await compileCommand(o.file, { group: o.group, summary: o.summary }, io);
    });

  program
    .command('import')
    .description(
      'convert an haproxy.cfg into Bascule resources (YAML on stdout; what cannot be converted is listed on stderr)',
    )
    .argument('<file>', 'HAProxy configuration file')
    .option('-n, --namespace <namespace>', 'namespace of the generated resources')
    .action(async (file: string, o) => {
      const { importCommand } = await import('#importer/import-command');
      process.exitCode = await importCommand(file, { namespace: o.namespace }, io);
    });

  return program;
}

/** Runs the command `argv` names (process.argv: node, script, command, …) on the full command line. */
export async function runProgram(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exitCode = err.exitCode;
      return;
    }
    throw err;
  }
}
