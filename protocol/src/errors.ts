// Stable error codes shown to operators. Listed in docs/errors.md; never renumber or reuse one.
export const ErrorCodes = {
  // control channel
  UNAUTHORIZED: 'BASCULE_E_UNAUTHORIZED',
  PROTOCOL: 'BASCULE_E_PROTOCOL',
  BAD_MESSAGE: 'BASCULE_E_BAD_MESSAGE',
  // snapshot apply (NACK reasons)
  SNAPSHOT_INVALID: 'BASCULE_E_SNAPSHOT_INVALID',
  SNAPSHOT_BUILD: 'BASCULE_E_SNAPSHOT_BUILD',
  LISTEN_FAILED: 'BASCULE_E_LISTEN_FAILED',
  WORKER_FAILED: 'BASCULE_E_WORKER_FAILED',
  SNAPSHOT_INCONSISTENT: 'BASCULE_E_SNAPSHOT_INCONSISTENT',
  // A delta that does not fit the dataplane's live snapshot (unknown base): it wants a full one.
  DELTA_BASE: 'BASCULE_E_DELTA_BASE',
  // A dataplane-local apply outcome, never sent: a newer snapshot replaced this one in the queue.
  SUPERSEDED: 'BASCULE_E_SUPERSEDED',
  // configuration input
  CONFIG_PARSE: 'BASCULE_E_CONFIG_PARSE',
  CONFIG_SCHEMA: 'BASCULE_E_CONFIG_SCHEMA',
  CONFIG_UNKNOWN_KIND: 'BASCULE_E_CONFIG_UNKNOWN_KIND',
  CONFIG_API_VERSION: 'BASCULE_E_CONFIG_API_VERSION',
  CONFIG_DUPLICATE: 'BASCULE_E_CONFIG_DUPLICATE',
  CONFIG_RULE: 'BASCULE_E_CONFIG_RULE',
  REF_NOT_FOUND: 'BASCULE_E_REF_NOT_FOUND',
  REF_INVALID: 'BASCULE_E_REF_INVALID',
  PORT_CONFLICT: 'BASCULE_E_PORT_CONFLICT',
  // shared listeners (several Frontends on one address:port)
  LISTENER_NOT_ALLOWED: 'BASCULE_E_LISTENER_NOT_ALLOWED',
  LISTENER_CONFLICT: 'BASCULE_E_LISTENER_CONFLICT',
  ROUTE_CONFLICT: 'BASCULE_E_ROUTE_CONFLICT',
  MODE_CONFLICT: 'BASCULE_E_MODE_CONFLICT',
  INVALID_REGEX: 'BASCULE_E_INVALID_REGEX',
  INVALID_CIDR: 'BASCULE_E_INVALID_CIDR',
  INVALID_DURATION: 'BASCULE_E_INVALID_DURATION',
  TLS_INVALID: 'BASCULE_E_TLS_INVALID',
} as const;

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

/** An error that carries a stable code (undici-style). */
export class BasculeError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'BasculeError';
    this.code = code;
  }
}

export const errorCodeOf = (err: unknown, fallback: ErrorCode): ErrorCode =>
  err instanceof BasculeError ? err.code : fallback;
