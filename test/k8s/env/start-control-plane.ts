/**
 * Manual helper: start a throwaway control plane and keep it running until
 * Ctrl-C.   npx tsx test/k8s/env/start-control-plane.ts [--verbose]
 *
 * Made for fault experiments: it prints both PIDs (kill -9, kill -STOP, kill -CONT them by
 * hand), reports when a process dies instead of exiting, keeps its directory (certificates,
 * etcd data, kubeconfigs) and, when you type `restart`, starts every dead process again with
 * its identical command line. The directory is removed only on Ctrl-C.
 */
import { createInterface } from 'node:readline';
import {
  CONTROLLER_USER,
  createUserKubeconfig,
  startControlPlane,
  type ControlPlaneProcess,
} from './control-plane.js';

const cp = await startControlPlane({ verbose: process.argv.includes('--verbose') });
const controllerKubeconfig = await createUserKubeconfig(cp, { user: CONTROLLER_USER });
const procs = [cp.etcd, cp.apiserver];

process.stdout.write(
  [
    `control plane ready: ${cp.server}`,
    `  admin kubeconfig:              ${cp.kubeconfigPath}`,
    `  ${CONTROLLER_USER} kubeconfig: ${controllerKubeconfig} (no RBAC grants)`,
    `  binaries:                      ${cp.binDir}`,
    `  logs:                          ${cp.dir}/{etcd,kube-apiserver}.log`,
    ...procs.map((p) => `  ${`${p.name} pid:`.padEnd(31)}${p.pid}`),
    '',
    `  export KUBECONFIG=${cp.kubeconfigPath} PATH=${cp.binDir}:$PATH`,
    '',
    'Type `restart` to start dead processes again (same command line), Ctrl-C to stop.',
    '',
  ].join('\n'),
);

function watchDeath(p: ControlPlaneProcess): void {
  const pid = p.pid;
  void p.exited().then(() => {
    if (stopping) return;
    process.stdout.write(
      `${p.name} (pid ${pid}) exited: ${p.exitInfo}; ${cp.dir} is kept. Type \`restart\`.\n`,
    );
  });
}
for (const p of procs) watchDeath(p);

let stopping = false;
const input = createInterface({ input: process.stdin });
input.on('line', (line) => {
  if (line.trim() !== 'restart') return;
  // etcd first: the API server needs it to become ready.
  void (async () => {
    for (const p of procs) {
      if (p.running) continue;
      try {
        await p.start();
        watchDeath(p);
        process.stdout.write(`${p.name} restarted: pid ${p.pid}\n`);
      } catch (err) {
        process.stdout.write(`${p.name} did not come back: ${(err as Error).message}\n`);
      }
    }
  })();
});

// Keep running while the children are dead: stdin may be closed (no TTY), and nothing else
// holds the event loop then.
const keepAlive = setInterval(() => {}, 1 << 30);

const shutdown = (): void => {
  if (stopping) return;
  stopping = true;
  process.stdout.write('stopping...\n');
  clearInterval(keepAlive);
  input.close();
  cp.stop().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
};
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
