// The dataplane logger: JSON lines on stdout, level from BASCULE_LOG_LEVEL (default info).
import { createRequire } from 'node:module';
import type { Logger } from 'pino';

export type { Logger } from 'pino';

// pino is loaded with require, not import: Node.js lexes every CommonJS module an ES module
// imports for its export names, and on Node.js 20 that lexer is a WebAssembly module compiled on
// V8's background threads, whose glibc arenas kept ~3 MiB of an idle dataplane resident
// (bench/history/2026-12-02-idle-rss.md). Every such import in the dataplane's start path goes,
// or the lexer still loads. The access log and the controller's logger take it from here.
export const { pino } = createRequire(import.meta.url)('pino') as typeof import('pino');

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
