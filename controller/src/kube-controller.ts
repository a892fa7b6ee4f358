// Wiring of `bascule controller --source kube`: the Kubernetes source, the status writer on
// the status subresource, and (with --leader-elect) Lease-based leader election plus the
// replica reports that let the leader count every replica's dataplanes.
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { startController, type Controller } from './controller.js';
import { LeaderElector } from './leader/lease-elector.js';
import { ReplicaReports } from './leader/replica-reports.js';
import type { Logger } from './log.js';
import { KubeSource } from './sources/kube-source.js';
import { KubeStatusWriter } from './status/kube-status-writer.js';
import { loadKubeConfig, serverOf } from './kube/client.js';

export interface LeaderElectionSettings {
  leaseName: string;
  leaseNamespace: string;
  identity: string;
  /** The Pod running this replica: its report Lease is garbage-collected with it. */
  owner?: { name: string; uid: string };
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
}

export interface KubeControllerOptions {
  kubeconfig?: string;
  /** Empty: all namespaces. */
  namespaces: string[];
  listen: { host: string; port: number };
  admin: { host: string; port: number } | null;
  tokens: string[];
  tls?: { cert: string; key: string };
  logger: Logger;
  leaderElection?: LeaderElectionSettings;
  /** Tests shorten these. */
  watchTimeoutSeconds?: number;
  statusResyncMs?: number;
}

export interface KubeController {
  controller: Controller;
  elector: LeaderElector | null;
  close(): Promise<void>;
}

const SA_NAMESPACE_FILE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';

/** The namespace this process runs in: POD_NAMESPACE, the service account's, or undefined. */
export function ownNamespace(): string | undefined {
  if (process.env.POD_NAMESPACE) return process.env.POD_NAMESPACE;
  try {
    return readFileSync(SA_NAMESPACE_FILE, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

/** A replica identity: the pod name when known, else host name plus a random suffix. */
export function defaultIdentity(): string {
  return process.env.POD_NAME || `${hostname()}_${randomBytes(4).toString('hex')}`;
}

export async function startKubeController(o: KubeControllerOptions): Promise<KubeController> {
  const log = o.logger;
  const kubeConfig = loadKubeConfig(o.kubeconfig ? { kubeconfig: o.kubeconfig } : {});
  log.info(
    { server: serverOf(kubeConfig), namespaces: o.namespaces.length ? o.namespaces : 'all' },
    'using the Kubernetes API',
  );

  const source = new KubeSource({
    kubeConfig,
    namespaces: o.namespaces,
    logger: log,
    ...(o.watchTimeoutSeconds !== undefined ? { watchTimeoutSeconds: o.watchTimeoutSeconds } : {}),
    // A measuring aid (bench/churn.ts): each watch event's resourceVersion and arrival, logged
    // once a second. Not a flag of the CLI: nothing but a measurement needs it.
    logArrivals: process.env.BASCULE_KUBE_LOG_ARRIVALS === '1',
  });
  const le = o.leaderElection;
  const writer = new KubeStatusWriter({
    kubeConfig,
    live: (ref) => source.liveObject(ref),
    active: !le,
    logger: log,
  });

  let elector: LeaderElector | null = null;
  let replicas: ReplicaReports | null = null;
  if (le) {
    elector = new LeaderElector({
      kubeConfig,
      namespace: le.leaseNamespace,
      name: le.leaseName,
      identity: le.identity,
      leaseDurationMs: le.leaseDurationMs,
      renewDeadlineMs: le.renewDeadlineMs,
      retryPeriodMs: le.retryPeriodMs,
      logger: log,
    });
    elector.on('started', () => writer.setActive(true));
    elector.on('stopped', () => writer.setActive(false));
    replicas = new ReplicaReports({
      kubeConfig,
      namespace: le.leaseNamespace,
      leaseName: le.leaseName,
      identity: le.identity,
      leaseDurationMs: le.leaseDurationMs,
      logger: log,
      ...(le.owner ? { owner: le.owner } : {}),
      ...(o.watchTimeoutSeconds !== undefined ? { watchTimeoutSeconds: o.watchTimeoutSeconds } : {}),
    });
    // Campaign while the informers sync: by the first compile, the leader is usually known.
    elector.start();
    replicas.start();
  }

  const stopLeadership = async () => {
    // Release first, so another replica takes over status writing at once.
    await elector?.stop();
    await replicas?.stop();
  };

  let controller: Controller;
  try {
    controller = await startController({
      source,
      listen: o.listen,
      admin: o.admin,
      tokens: o.tokens,
      logger: log,
      statusWriter: writer,
      statusResyncMs: o.statusResyncMs ?? 60_000,
      ...(replicas ? { replicas } : {}),
      ...(o.tls ? { tls: o.tls } : {}),
    });
  } catch (err) {
    await stopLeadership();
    writer.close();
    throw err;
  }
  return {
    controller,
    elector,
    close: async () => {
      await stopLeadership();
      await controller.close();
      // Statuses still waiting for their write are dropped: the next start (or the next leader)
      // compares every object's status with the live one and writes what differs.
      writer.close();
    },
  };
}
