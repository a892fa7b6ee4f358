// timeout NAME VALUE (and the 1.x contimeout/clitimeout/srvtimeout): HAProxy's proxy timeouts
// → Frontend or Backend timeouts, or the HealthPolicy's check timeout.
import type { Directive } from './parse.js';
import { ConfigError } from './report.js';
import { isBackendSide, isFrontendSide, type Scope, type Settings, type TimeoutKey } from './settings.js';
import { parseTime } from './values.js';

const TIMEOUTS: Record<string, TimeoutKey | string> = {
  client: 'client',
  clitimeout: 'client',
  'http-request': 'httpRequest',
  'http-keep-alive': 'keepAlive',
  connect: 'connect',
  contimeout: 'connect',
  server: 'server',
  srvtimeout: 'server',
  queue: 'queue',
  tunnel: 'tunnel',
  check: 'check',
  'client-fin':
    'half-closed client connections have no separate timeout in Bascule (timeouts.client applies)',
  'server-fin':
    'half-closed server connections have no separate timeout in Bascule (timeouts.server applies)',
  tarpit: 'tarpit is not supported',
};
const FRONTEND_TIMEOUTS = new Set<TimeoutKey>(['client', 'httpRequest', 'keepAlive']);

export function applyTimeout(
  name: string,
  value: string | undefined,
  d: Directive,
  s: Settings,
  scope: Scope,
): void {
  const key = TIMEOUTS[name];
  if (key === undefined) throw new ConfigError(d.line, `timeout: unknown timeout "${name}"`);
  const anchors = [...scope.frontendAnchors, ...scope.backendAnchors];
  if (
    !['client', 'httpRequest', 'keepAlive', 'connect', 'server', 'queue', 'tunnel', 'check'].includes(key)
  ) {
    parseTime(value, d.line, `timeout ${name}`);
    scope.report.unsupported(d.line, d.text, key, anchors);
    return;
  }
  const t = parseTime(value, d.line, `timeout ${name}`);
  const k = key as TimeoutKey;
  if (FRONTEND_TIMEOUTS.has(k) && !isFrontendSide(scope.kind)) {
    scope.report.unsupported(
      d.line,
      d.text,
      'a client-side timeout has no effect in a backend section (HAProxy ignores it too)',
      scope.backendAnchors,
    );
    return;
  }
  if (!FRONTEND_TIMEOUTS.has(k) && !isBackendSide(scope.kind)) {
    scope.report.unsupported(
      d.line,
      d.text,
      'a server-side timeout has no effect in a frontend section (HAProxy ignores it too)',
      scope.frontendAnchors,
    );
    return;
  }
  if (t.rounded)
    scope.report.note(
      d.line,
      `${d.text}: rounded up to ${t.duration} (Bascule durations are whole milliseconds)`,
      anchors,
    );
  if (t.ms === 0) {
    scope.report.unsupported(
      d.line,
      d.text,
      'a zero timeout (wait forever) is not allowed; Bascule keeps its default',
      anchors,
    );
    return;
  }
  s.timeouts[k] = { value: t.duration, line: d.line };
}
