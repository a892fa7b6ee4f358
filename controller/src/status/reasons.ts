// The `reason` of a False Accepted or ResolvedRefs condition names the specific cause (as
// Contour and Envoy Gateway do), so `kubectl get -o wide` and alerts can tell a port conflict
// from a missing Backend without parsing messages. One reason per stable error code, listed
// beside the codes in docs/errors.md; a missing reference also names what is missing.
import { ErrorCodes, type ErrorCode } from '#protocol/errors';
import type { Diagnostic } from '../validate/diagnostic.js';

export const REASONS: Record<ErrorCode, string> = {
  [ErrorCodes.UNAUTHORIZED]: 'Unauthorized',
  [ErrorCodes.PROTOCOL]: 'ProtocolError',
  [ErrorCodes.BAD_MESSAGE]: 'BadMessage',
  [ErrorCodes.SNAPSHOT_INVALID]: 'InvalidSnapshot',
  [ErrorCodes.SNAPSHOT_BUILD]: 'BuildFailed',
  [ErrorCodes.LISTEN_FAILED]: 'ListenFailed',
  [ErrorCodes.SNAPSHOT_INCONSISTENT]: 'Inconsistent',
  [ErrorCodes.DELTA_BASE]: 'DeltaBaseMismatch',
  [ErrorCodes.SUPERSEDED]: 'Superseded',
  [ErrorCodes.WORKER_FAILED]: 'WorkerFailed',
  [ErrorCodes.CONFIG_PARSE]: 'ParseError',
  [ErrorCodes.CONFIG_SCHEMA]: 'InvalidSpec',
  [ErrorCodes.CONFIG_UNKNOWN_KIND]: 'UnknownKind',
  [ErrorCodes.CONFIG_API_VERSION]: 'UnsupportedAPIVersion',
  [ErrorCodes.CONFIG_DUPLICATE]: 'Duplicate',
  [ErrorCodes.CONFIG_RULE]: 'InvalidRule',
  [ErrorCodes.REF_NOT_FOUND]: 'RefNotFound',
  [ErrorCodes.REF_INVALID]: 'InvalidRef',
  [ErrorCodes.PORT_CONFLICT]: 'PortConflict',
  [ErrorCodes.LISTENER_NOT_ALLOWED]: 'NotAllowedByListener',
  [ErrorCodes.LISTENER_CONFLICT]: 'ListenerConflict',
  [ErrorCodes.ROUTE_CONFLICT]: 'Conflicted',
  [ErrorCodes.MODE_CONFLICT]: 'ModeConflict',
  [ErrorCodes.INVALID_REGEX]: 'InvalidRegex',
  [ErrorCodes.INVALID_CIDR]: 'InvalidCIDR',
  [ErrorCodes.INVALID_DURATION]: 'InvalidDuration',
  [ErrorCodes.TLS_INVALID]: 'InvalidCertificate',
};

/**
 * The kind a reference field names, by the field's last segment. The v1alpha1 field names are
 * fixed, so this is part of the API: backend/defaultBackend name a Backend, and so on.
 */
const REFERENCED_KIND: [RegExp, string][] = [
  [/(^|\.)(backend|defaultBackend)$/, 'Backend'],
  [/(^|\.)healthPolicy$/, 'HealthPolicy'],
  [/(^|\.)(secretName|caSecretName)$/, 'Secret'],
  [/(^|\.)service\.name$/, 'Service'],
];

/** The reason for one diagnostic: `BackendNotFound`, `PortConflict`, `InvalidCertificate`... */
export function reasonOf(d: Pick<Diagnostic, 'code' | 'field'>): string {
  if (d.code === ErrorCodes.REF_NOT_FOUND) {
    const field = d.field.replace(/\[\d+\]/g, '');
    const kind = REFERENCED_KIND.find(([re]) => re.test(field))?.[1];
    if (kind) return `${kind}NotFound`;
  }
  return REASONS[d.code];
}
