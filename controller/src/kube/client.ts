// Kubernetes client setup shared by the kube source, the status writer and leader election.
// Configuration comes from, in order: an explicit kubeconfig file, the in-cluster service
// account (KUBERNETES_SERVICE_HOST), or the usual defaults (KUBECONFIG, ~/.kube/config).
import { KubeConfig } from '@kubernetes/client-node';

export interface KubeClientOptions {
  /** Path of a kubeconfig file; otherwise in-cluster, then KUBECONFIG / ~/.kube/config. */
  kubeconfig?: string;
  /** Context of the kubeconfig to use (its current context when unset). */
  context?: string;
}

export function loadKubeConfig(opts: KubeClientOptions = {}): KubeConfig {
  const kc = new KubeConfig();
  if (opts.kubeconfig) kc.loadFromFile(opts.kubeconfig);
  else if (process.env.KUBERNETES_SERVICE_HOST && !process.env.KUBECONFIG) kc.loadFromCluster();
  else kc.loadFromDefault();
  if (opts.context) kc.setCurrentContext(opts.context);
  const cluster = kc.getCurrentCluster();
  if (!cluster) {
    throw new Error(
      opts.kubeconfig
        ? `kubeconfig ${opts.kubeconfig} has no current cluster`
        : 'no Kubernetes configuration found: not in a cluster, and neither --kubeconfig, KUBECONFIG nor ~/.kube/config is usable',
    );
  }
  return kc;
}

/** The API server this configuration talks to (for logs; never includes credentials). */
export function serverOf(kc: KubeConfig): string {
  const server = kc.getCurrentCluster()?.server ?? '';
  try {
    const u = new URL(server);
    return `${u.protocol}//${u.host}`;
  } catch {
    return server;
  }
}

/** HTTP status of an error from client-node (ApiException.code, or a watch error's statusCode). */
export function httpStatusOf(err: unknown): number | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const e = err as { code?: unknown; statusCode?: unknown };
  if (typeof e.code === 'number') return e.code;
  if (typeof e.statusCode === 'number') return e.statusCode;
  return undefined;
}

/**
 * A one-line description of a client-node error: the API server's Status message when there is
 * one (it names the resource and the reason), the error message otherwise. Never includes
 * request bodies, so secret material cannot leak into logs.
 */
export function describeKubeError(err: unknown): string {
  const status = httpStatusOf(err);
  const body = (err as { body?: unknown } | null)?.body;
  let message: string | undefined;
  if (typeof body === 'string') {
    try {
      const parsed = JSON.parse(body) as { message?: unknown };
      if (typeof parsed.message === 'string') message = parsed.message;
    } catch {
      // not JSON
    }
  } else if (
    typeof body === 'object' &&
    body !== null &&
    typeof (body as { message?: unknown }).message === 'string'
  ) {
    message = (body as { message: string }).message;
  }
  message ??= err instanceof Error ? err.message : String(err);
  // client-node's ApiException message embeds the whole response (headers included): keep it short.
  message = message.split('\n')[0]!.slice(0, 500);
  return status !== undefined ? `HTTP ${status}: ${message}` : message;
}
