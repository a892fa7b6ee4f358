// The logger of the bascule processes (controller, dataplane, standalone): JSON lines on stdout, level from BASCULE_LOG_LEVEL (default info).
import { createRequire } from 'node:module';
import type { Logger, LoggerOptions } from 'pino';
import { pinoIsoTime } from '#dataplane/iso-time';

export type { Logger } from 'pino';

// pino is loaded with require, not import: Node.js lexes every CommonJS module an ES module
// imports for its export names, and on Node.js 20 that lexer is a WebAssembly module compiled on
// V8's background threads, whose glibc arenas kept ~3 MiB of an idle dataplane resident
// (bench/history/2026-12-02-idle-rss.md). Every such import in the dataplane's start path goes,
// or the lexer still loads.
const { pino } = createRequire(import.meta.url)('pino') as typeof import('pino');

/** Paths pino blanks out even if a caller logs a whole object by mistake. */
const REDACT = [
  'token',
  'tokens',
  'authorization',
  'headers.authorization',
  'req.headers.authorization',
  'keyPem',
  'clientKeyPem',
  '*.keyPem',
  '*.clientKeyPem',
  '*.data',
];

const LEVELS = new Set(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

/** Which process writes the log: every line's `name` says it (bascule-controller, …). */
export type ProcessRole = 'controller' | 'dataplane' | 'standalone';

export function createLogger(opts: { level?: string; role?: ProcessRole } = {}): Logger {
  const requested = (opts.level ?? process.env.BASCULE_LOG_LEVEL ?? 'info').toLowerCase();
  const options: LoggerOptions = {
    name: `bascule-${opts.role ?? 'controller'}`,
    level: LEVELS.has(requested) ? requested : 'info',
    redact: { paths: REDACT, censor: '<redacted>' },
    base: { pid: process.pid },
    // pino's isoTime field, without the time-zone name lookup of toISOString (dataplane/src/iso-time.ts).
    timestamp: pinoIsoTime,
  };
  const logger = pino(options);
  if (!LEVELS.has(requested)) logger.warn({ requested }, 'unknown BASCULE_LOG_LEVEL, using info');
  return logger;
}

/** A logger that drops everything (tests, library use). */
export const silentLogger = (): Logger => pino({ level: 'silent' });
