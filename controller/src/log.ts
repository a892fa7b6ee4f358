// The logger of the bascule processes (controller, dataplane, standalone): JSON lines on stdout, level from BASCULE_LOG_LEVEL (default info).
import type { Logger, LoggerOptions } from 'pino';
import { pinoIsoTime } from '#dataplane/iso-time';
// pino loaded with require (dataplane/src/log.ts says why).
import { pino } from '#dataplane/log';

export type { Logger } from 'pino';

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
