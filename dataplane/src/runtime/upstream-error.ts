// How an upstream exchange failed decides the answer: connect failures are retried elsewhere and
// end in 503 (HAProxy semantics), a silent server is 504, anything else after connecting is 502.
export type FailureKind = 'connect' | 'timeout' | 'protocol';

export class UpstreamError extends Error {
  constructor(
    readonly kind: FailureKind,
    message: string,
    readonly code?: string,
  ) {
    super(message);
    this.name = 'UpstreamError';
  }
}

export const connectTimeout = (ms: number): UpstreamError =>
  new UpstreamError('connect', `connect timeout after ${ms}ms`, 'ETIMEDOUT');

export const serverTimeout = (ms: number): UpstreamError =>
  new UpstreamError('timeout', `no data from server for ${ms}ms`, 'ETIMEDOUT');

/** Normalizes any error raised by an upstream request. `connected` says whether TCP was up. */
export function classify(err: unknown, connected: boolean): UpstreamError {
  if (err instanceof UpstreamError) return err;
  const e = err as NodeJS.ErrnoException;
  const code = typeof e?.code === 'string' ? e.code : undefined;
  const message = code ?? (e instanceof Error ? e.message : String(err));
  return new UpstreamError(connected ? 'protocol' : 'connect', message, code);
}

const STALE_REUSE = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED']);

/** A pooled keep-alive socket that the server had already closed: safe to replay. */
export const isStaleReuse = (e: UpstreamError): boolean => e.code !== undefined && STALE_REUSE.has(e.code);
