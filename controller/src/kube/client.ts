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

/** A non-2xx answer to a request this package made itself (the watch stream). */
export class KubeHttpError extends Error {
  readonly statusCode: number;
  /** The response body (a Status object, as JSON text), for describeKubeError. */
  readonly body: string;
  readonly headers: Record<string, string | string[] | undefined>;

  constructor(statusCode: number, body: string, headers: Record<string, string | string[] | undefined>) {
    super(`HTTP ${statusCode}`);
    this.name = 'KubeHttpError';
    this.statusCode = statusCode;
    this.body = body;
    this.headers = headers;
  }
}

/**
 * Why a list or watch failed, in the terms the informer's retry policy needs:
 * - `throttled`: 429 (API priority and fairness, or a watch cache still initialising);
 * - `expired`: 410 Gone, the resourceVersion was compacted away: relist;
 * - `unreachable`: no HTTP answer (connection refused or reset, DNS);
 * - `timeout`: the server accepted the connection but did not answer in time (frozen, overloaded);
 * - `forbidden`: 401/403 (RBAC or credentials);
 * - `server-error`: 5xx; `client-error`: other 4xx; `other`: anything else.
 * Bounded set: it is a metric label.
 */
export type KubeFailureReason =
  | 'throttled'
  | 'expired'
  | 'unreachable'
  | 'timeout'
  | 'forbidden'
  | 'server-error'
  | 'client-error'
  | 'other';

export interface KubeFailure {
  reason: KubeFailureReason;
  status: number | undefined;
  /** What the server asked for (Retry-After header, or a Status's details.retryAfterSeconds). */
  retryAfterMs: number | undefined;
  message: string;
}

const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNABORTED',
  'ERR_STREAM_PREMATURE_CLOSE',
]);
const TIMEOUT = new Set(['ETIMEDOUT', 'ESOCKETTIMEDOUT', 'UND_ERR_HEADERS_TIMEOUT', 'ABORT_ERR']);

/** Retry-After in milliseconds (delta-seconds or an HTTP date), or undefined. */
export function parseRetryAfter(value: unknown, now = Date.now()): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (typeof v !== 'string' || v.trim() === '') return undefined;
  if (/^\d+$/.test(v.trim())) return Number(v.trim()) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

function retryAfterOf(err: object): number | undefined {
  const headers = (err as { headers?: unknown }).headers;
  if (headers && typeof headers === 'object') {
    const h = headers as Record<string, unknown>;
    const fromHeader = parseRetryAfter(h['retry-after'] ?? h['Retry-After']);
    if (fromHeader !== undefined) return fromHeader;
  }
  // A Status (HTTP body or watch ERROR event) may carry details.retryAfterSeconds.
  let body = (err as { body?: unknown }).body;
  if (typeof body === 'string') {
    try {
      body = JSON.parse(body);
    } catch {
      return undefined;
    }
  }
  const seconds = (body as { details?: { retryAfterSeconds?: unknown } } | null)?.details?.retryAfterSeconds;
  return typeof seconds === 'number' && seconds >= 0 ? seconds * 1000 : undefined;
}

export function classifyKubeError(err: unknown): KubeFailure {
  const status = httpStatusOf(err);
  const message = describeKubeError(err);
  const retryAfterMs = typeof err === 'object' && err !== null ? retryAfterOf(err) : undefined;
  const code = (err as { code?: unknown } | null)?.code;
  const name = (err as { name?: unknown } | null)?.name;
  let reason: KubeFailureReason;
  if (status === 429) reason = 'throttled';
  else if (status === 410) reason = 'expired';
  else if (status === 401 || status === 403) reason = 'forbidden';
  else if (status !== undefined && status >= 500) reason = 'server-error';
  else if (status !== undefined && status >= 400) reason = 'client-error';
  else if (typeof code === 'string' && UNREACHABLE.has(code)) reason = 'unreachable';
  else if ((typeof code === 'string' && TIMEOUT.has(code)) || name === 'TimeoutError') reason = 'timeout';
  else if (/socket hang up|ECONNREFUSED|ECONNRESET/.test(message)) reason = 'unreachable';
  else reason = 'other';
  return { reason, status, retryAfterMs, message };
}
