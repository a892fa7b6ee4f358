// The access log: one line per HTTP request, WebSocket tunnel or TCP session, plus one per
// health-check transition. JSON lines through pino (the default), or HAProxy-like text.
// Configured by options or, for the CLI, by environment:
//   BASCULE_ACCESS_LOG       json (default) | text | off
//   BASCULE_ACCESS_LOG_FILE  a file of its own (default: JSON lines join the dataplane's log
//                            stream on stdout, marked "log":"access"; text goes to stdout)
import type { DestinationStream, Logger } from 'pino';
import type { TrafficRecord } from '../types/traffic.js';
import { accessJson, accessText, healthJson, healthText, type HealthTransitionLine } from './format.js';
import { pinoIsoTime } from '../iso-time.js';
import { pino } from '../log.js';

export type AccessLogFormat = 'json' | 'text' | 'off';

export interface AccessLogOptions {
  format?: AccessLogFormat;
  /**
   * 'stdout', a file path, or any object with write(line) (tests, custom shipping). Default: the
   * dataplane's own logger for JSON (same stream, with its nodeId/group), stdout for text.
   */
  destination?: string | { write(chunk: string): unknown };
  /**
   * The worker that served the traffic (multi-worker dataplanes, workers/): JSON lines get a
   * `worker` field, text lines end with `worker=N`. Lines through the dataplane's own logger carry
   * it already (the worker's logger is bound to it).
   */
  worker?: number;
}

export interface AccessLog {
  readonly format: AccessLogFormat;
  request(r: TrafficRecord): void;
  health(h: HealthTransitionLine): void;
  /** Flush buffered lines (shutdown). */
  close(): void;
}

export function accessLogOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): AccessLogOptions {
  const raw = (env.BASCULE_ACCESS_LOG ?? '').trim().toLowerCase();
  const format: AccessLogFormat | undefined =
    raw === '' ? undefined : raw === 'json' || raw === 'text' || raw === 'off' ? raw : undefined;
  if (raw !== '' && format === undefined)
    throw new Error(`BASCULE_ACCESS_LOG must be json, text or off (got ${JSON.stringify(raw)})`);
  const file = env.BASCULE_ACCESS_LOG_FILE?.trim();
  return { ...(format ? { format } : {}), ...(file ? { destination: file } : {}) };
}

const NOOP: AccessLog = { format: 'off', request() {}, health() {}, close() {} };

export function createAccessLog(opts: AccessLogOptions = {}, parent?: Logger): AccessLog {
  const format = opts.format ?? 'json';
  if (format === 'off') return NOOP;
  if (format === 'json' && opts.destination === undefined && parent) {
    const logger = parent.child({ log: 'access' });
    const health = parent.child({ log: 'health' });
    return {
      format,
      request: (r) => logger.info(accessJson(r)),
      health: (h) => health.info(healthJson(h)),
      close: () => {},
    };
  }
  const d = opts.destination ?? 'stdout';
  let flush: (() => void) | undefined;
  let stream: DestinationStream;
  if (typeof d === 'string') {
    const boom = pino.destination({ dest: d === 'stdout' ? 1 : d, sync: false, mkdir: d !== 'stdout' });
    stream = boom;
    flush = () => {
      try {
        boom.flushSync();
      } catch {
        // not ready yet or already closed: nothing buffered to lose
      }
    };
  } else stream = d as DestinationStream;

  if (format === 'text') {
    const suffix = opts.worker !== undefined ? ` worker=${opts.worker}` : '';
    return {
      format,
      request: (r) => void stream.write(`${accessText(r)}${suffix}\n`),
      health: (h) => void stream.write(`${healthText(h)}\n`),
      close: () => flush?.(),
    };
  }
  // One pino per line kind: the kind ("log") comes first on every line, then the time.
  const make = (kind: string): Logger =>
    pino(
      {
        base: opts.worker !== undefined ? { worker: opts.worker } : null,
        timestamp: pinoIsoTime,
        formatters: { level: () => ({ log: kind }) },
      },
      stream,
    );
  const logger = make('access');
  const health = make('health');
  return {
    format,
    request: (r) => logger.info(accessJson(r)),
    health: (h) => health.info(healthJson(h)),
    close: () => flush?.(),
  };
}
