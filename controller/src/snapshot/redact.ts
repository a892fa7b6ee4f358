// Private keys travel inside snapshots; anything printed (CLI, admin endpoints) goes through here.
const SECRET_FIELDS = new Set(['keyPem', 'clientKeyPem']);
export const REDACTED = '<redacted>';

export function redactSnapshotBody<T>(value: T): T {
  if (Array.isArray(value)) return value.map(redactSnapshotBody) as T;
  if (!value || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>).map(([k, v]) => [
      k,
      SECRET_FIELDS.has(k) ? REDACTED : redactSnapshotBody(v),
    ]),
  ) as T;
}
