/**
 * Manual helper: start a throwaway control plane and keep it running until
 * Ctrl-C.   npx tsx test/k8s/env/start-control-plane.ts [--verbose]
 */
import { CONTROLLER_USER, createUserKubeconfig, startControlPlane } from './control-plane.js';

const cp = await startControlPlane({ verbose: process.argv.includes('--verbose') });
const controllerKubeconfig = await createUserKubeconfig(cp, { user: CONTROLLER_USER });

process.stdout.write(
  [
    `control plane ready: ${cp.server}`,
    `  admin kubeconfig:              ${cp.kubeconfigPath}`,
    `  ${CONTROLLER_USER} kubeconfig: ${controllerKubeconfig} (no RBAC grants)`,
    `  binaries:                      ${cp.binDir}`,
    `  logs:                          ${cp.dir}/{etcd,kube-apiserver}.log`,
    '',
    `  export KUBECONFIG=${cp.kubeconfigPath} PATH=${cp.binDir}:$PATH`,
    '',
    'Ctrl-C to stop.',
    '',
  ].join('\n'),
);

let stopping = false;
const shutdown = (): void => {
  if (stopping) return;
  stopping = true;
  process.stdout.write('stopping...\n');
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
