// Shared plumbing of the Kubernetes tests: one real control plane per test file, the CRDs
// applied from crds/, the controller user bound to the RBAC we ship, and bascule processes.
import { mkdtemp, rm, writeFile, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import {
  CONTROLLER_USER,
  createUserKubeconfig,
  kubectl,
  startControlPlane,
  type ControlPlane,
  type ControlPlaneOptions,
  type RunResult,
} from '../env/control-plane.js';
import { freePort } from '../../support/ports.js';
import { getJson, ROOT, runBascule, waitFor, type Proc } from '../../support/process.js';

export { CONTROLLER_USER, kubectl, type ControlPlane, type RunResult };
export const TOKEN = 'k8s-test-token-0123456789abcdefghij';
export const HOSTS_PRELOAD = join(ROOT, 'test/k8s/support/hosts-preload.mjs');

export interface Cluster {
  cp: ControlPlane;
  /** Temp dir for token files, state dirs, rendered manifests. */
  dir: string;
  tokenFile: string;
  /** Kubeconfig of the unprivileged controller user (bound to our RBAC by bindControllerRbac). */
  controllerKubeconfig: string;
  procs: Proc[];
  stop(): Promise<void>;
}

/** Control plane + CRDs (Established) + a token file. */
export async function startCluster(opts: ControlPlaneOptions = {}): Promise<Cluster> {
  const cp = await startControlPlane(opts);
  const dir = await mkdtemp(join(tmpdir(), 'bascule-k8s-'));
  const tokenFile = join(dir, 'token');
  await writeFile(tokenFile, `${TOKEN}\n`, { mode: 0o600 });
  const cluster: Cluster = {
    cp,
    dir,
    tokenFile,
    controllerKubeconfig: await createUserKubeconfig(cp, { user: CONTROLLER_USER }),
    procs: [],
    async stop() {
      await Promise.all(cluster.procs.map((p) => p.kill('SIGKILL')));
      await cp.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
  try {
    await must(cp, ['apply', '-f', join(ROOT, 'crds')]);
    await must(cp, [
      'wait',
      '--for=condition=Established',
      '--timeout=60s',
      'crd/frontends.bascule.dev',
      'crd/backends.bascule.dev',
      'crd/healthpolicies.bascule.dev',
    ]);
  } catch (err) {
    await cluster.stop();
    throw err;
  }
  return cluster;
}

/** kubectl that must succeed. */
export async function must(cp: ControlPlane, args: string[], input?: string): Promise<string> {
  const r = await kubectl(cp, args, input !== undefined ? { input } : {});
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
  return r.stdout;
}

export async function apply(cp: ControlPlane, yaml: string): Promise<string> {
  return must(cp, ['apply', '-f', '-'], yaml);
}

export async function getObject<T = any>(
  cp: ControlPlane,
  kind: string,
  name: string,
  namespace: string,
): Promise<T | null> {
  const r = await kubectl(cp, ['get', kind, name, '-n', namespace, '-o', 'json', '--show-managed-fields']);
  if (r.code !== 0) {
    if (/NotFound/.test(r.stderr)) return null;
    throw new Error(`kubectl get ${kind} ${name}: ${r.stderr}`);
  }
  return JSON.parse(r.stdout) as T;
}

export function condition(
  obj: any,
  type: string,
): { status: string; reason: string; message: string; observedGeneration?: number } | undefined {
  return obj?.status?.conditions?.find((c: { type: string }) => c.type === type);
}

/** Waits until an object's status is written for its current generation and Programmed=True. */
export async function waitProgrammed(
  cp: ControlPlane,
  kind: string,
  name: string,
  namespace: string,
  what: string,
): Promise<void> {
  await waitFor(
    what,
    async () => {
      const o = await getObject(cp, kind, name, namespace);
      return (
        o?.status?.observedGeneration === o?.metadata?.generation &&
        condition(o, 'Programmed')?.status === 'True'
      );
    },
    20_000,
    200,
  );
}

/**
 * Binds the ClusterRole and the leases Role of a rendered manifest set (kustomize or Helm) to
 * the unprivileged test user, so the controller runs with exactly the permissions we ship.
 */
export async function bindControllerRbac(
  cp: ControlPlane,
  manifests: string,
  leaseNamespace: string,
): Promise<void> {
  const docs = parseAllDocuments(manifests)
    .map((d) => d.toJS() as any)
    .filter(Boolean);
  const clusterRole = docs.find((d) => d.kind === 'ClusterRole');
  const leaseRole = docs.find((d) => d.kind === 'Role' && /leases/.test(JSON.stringify(d.rules)));
  if (!clusterRole || !leaseRole) throw new Error('rendered manifests have no ClusterRole and leases Role');
  const subject = { apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: CONTROLLER_USER };
  const items = [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: leaseNamespace } },
    { ...clusterRole, metadata: { name: 'test-bascule-controller' } },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'test-bascule-controller' },
      roleRef: {
        apiGroup: 'rbac.authorization.k8s.io',
        kind: 'ClusterRole',
        name: 'test-bascule-controller',
      },
      subjects: [subject],
    },
    { ...leaseRole, metadata: { name: 'test-bascule-leases', namespace: leaseNamespace } },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'test-bascule-leases', namespace: leaseNamespace },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'test-bascule-leases' },
      subjects: [subject],
    },
  ];
  await apply(cp, JSON.stringify({ apiVersion: 'v1', kind: 'List', items }));
}

export async function kustomizeRbac(): Promise<string> {
  return readFile(join(ROOT, 'manifests/kustomize/base/rbac.yaml'), 'utf8');
}

/** A bascule process with the command line it was started with (restarts reuse it as is). */
export interface Restartable {
  proc: Proc;
  args: string[];
  env: Record<string, string>;
}

export interface ControllerProc extends Restartable {
  admin: string;
  channel: string;
  name: string;
}

/** Starts the process again with its identical command line and environment (it must be dead). */
export function respawn(cluster: Cluster, p: Restartable): void {
  if (p.proc.child.exitCode === null && p.proc.child.signalCode === null)
    throw new Error(`pid ${p.proc.child.pid} is still running`);
  p.proc = runBascule(p.args, p.env);
  cluster.procs.push(p.proc);
}

export async function startControllerProc(
  cluster: Cluster,
  name: string,
  extraArgs: string[] = [],
  env: Record<string, string> = {},
): Promise<ControllerProc> {
  const [listen, admin] = [await freePort(), await freePort()];
  const args = [
    'controller',
    '--source=kube',
    `--kubeconfig=${cluster.controllerKubeconfig}`,
    `--token-file=${cluster.tokenFile}`,
    `--listen=127.0.0.1:${listen}`,
    `--admin=127.0.0.1:${admin}`,
    ...extraArgs,
  ];
  const proc = runBascule(args, env);
  cluster.procs.push(proc);
  const c = {
    proc,
    args,
    env,
    admin: `http://127.0.0.1:${admin}`,
    channel: `ws://127.0.0.1:${listen}`,
    name,
  };
  await waitControllerReady(c);
  return c;
}

export async function waitControllerReady(c: ControllerProc, timeoutMs = 60_000): Promise<void> {
  await waitFor(
    `controller ${c.name} ready`,
    async () => {
      if (c.proc.child.exitCode !== null)
        throw new Error(`controller ${c.name} exited:\n${c.proc.output().slice(-3000)}`);
      return (await fetch(`${c.admin}/readyz`)).ok;
    },
    timeoutMs,
    100,
  ).catch((err) => {
    throw new Error(
      `${(err as Error).message}\n--- controller ${c.name} output ---\n${c.proc.output().slice(-4000)}`,
    );
  });
}

export interface DataplaneProc extends Restartable {
  admin: string;
  nodeId: string;
  group: string;
}

export async function startDataplaneProc(
  cluster: Cluster,
  nodeId: string,
  group: string,
  controllers: string[],
): Promise<DataplaneProc> {
  const admin = await freePort();
  const args = [
    'dataplane',
    `--controller=${controllers.join(',')}`,
    `--token-file=${cluster.tokenFile}`,
    `--group=${group}`,
    `--node-id=${nodeId}`,
    `--admin=127.0.0.1:${admin}`,
    `--state-dir=${join(cluster.dir, `state-${nodeId}`)}`,
  ];
  const env = { NODE_OPTIONS: `--import=${HOSTS_PRELOAD}` };
  const proc = runBascule(args, env);
  cluster.procs.push(proc);
  return { proc, args, env, admin: `http://127.0.0.1:${admin}`, nodeId, group };
}

/** The version a dataplane serves (its admin /status). */
export async function dataplaneVersion(dp: DataplaneProc): Promise<string | null> {
  const s = await getJson<{ version: string | null }>(`${dp.admin}/status`);
  return s.version;
}

/** GET through a frontend; returns the body (the test backends answer with their name). */
export async function hit(
  port: number,
  path = '/',
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { headers, signal: AbortSignal.timeout(5000) });
  return { status: res.status, body: (await res.text()).trim() };
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export { freePort, getJson, waitFor, ROOT };
