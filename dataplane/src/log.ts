// The dataplane logger: JSON lines on stdout, level from BASCULE_LOG_LEVEL (default info).
import { createRequire } from 'node:module';
import type { Logger } from 'pino';

export type { Logger } from 'pino';

// Loaded with require, not import (controller/src/log.ts says why).
const { pino } = createRequire(import.meta.url)('pino') as typeof import('pino');

/** `name` says which process wrote a line (a worker takes its primary's: bascule-standalone, …). */
export function createLogger(bindings: Record<string, unknown> = {}, name = 'bascule-dataplane'): Logger {
  return pino({
    name,
    level: process.env.BASCULE_LOG_LEVEL ?? 'info',
    base: { component: 'dataplane', ...bindings },
    // Belt and braces: the token is never passed to the logger, but redact it if it ever is.
    redact: {
      paths: [
        'token',
        '*.token',
        'headers.authorization',
        '*.headers.authorization',
        // TLS private keys (snapshot fields) are never logged; redact them if one ever is.
        'keyPem',
        '*.keyPem',
        'clientKeyPem',
        '*.clientKeyPem',
      ],
      censor: '[redacted]',
    },
  });
}

/** A logger that drops everything (tests, embedded use). */
export const silentLogger = (): Logger => pino({ level: 'silent' });
