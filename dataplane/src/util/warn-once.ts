// Warnings about unsupported snapshot features are logged once per process and key, not per swap.
import type { Logger } from 'pino';

const seen = new Set<string>();

export function warnOnce(log: Logger, key: string, fields: Record<string, unknown>, msg: string): void {
  if (seen.has(key)) return;
  seen.add(key);
  log.warn(fields, msg);
}
