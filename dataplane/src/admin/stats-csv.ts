// The stats as CSV (RFC 4180), for scripts: one line per frontend, server and backend, like
// HAProxy's `show stat` (type, proxy, server, then the counters).
import type { StatsDocument } from './stats-model.js';

export const CSV_COLUMNS = [
  'type',
  'proxy',
  'server',
  'status',
  'weight',
  'current_sessions',
  'max_sessions',
  'limit',
  'queue_current',
  'total',
  'bytes_in',
  'bytes_out',
  'responses_1xx',
  'responses_2xx',
  'responses_3xx',
  'responses_4xx',
  'responses_5xx',
  'responses_other',
  'connection_errors',
  'response_errors',
  'retries',
  'redispatches',
  'denied',
  'check_result',
  'check_reason',
  'last_transition',
  'admin_state',
  'runtime_override',
  'snapshot_version',
] as const;

type Row = Partial<Record<(typeof CSV_COLUMNS)[number], string | number | boolean | null>>;

function cell(v: string | number | boolean | null | undefined): string {
  if (v === null || v === undefined) return '';
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function renderStatsCsv(doc: StatsDocument): string {
  const version = doc.snapshot.version ?? '';
  const rows: Row[] = [];
  for (const f of doc.frontends) {
    rows.push({
      type: 'frontend',
      proxy: f.id,
      status: f.status,
      current_sessions: f.currentSessions,
      max_sessions: f.maxSessions,
      limit: f.limit,
      total: f.mode === 'http' ? f.requests : f.sessions,
      bytes_in: f.bytesIn,
      bytes_out: f.bytesOut,
      responses_1xx: f.responses['1xx'],
      responses_2xx: f.responses['2xx'],
      responses_3xx: f.responses['3xx'],
      responses_4xx: f.responses['4xx'],
      responses_5xx: f.responses['5xx'],
      responses_other: f.responses.other,
      denied: f.denied,
      snapshot_version: version,
    });
  }
  for (const b of doc.backends) {
    for (const s of b.servers) {
      rows.push({
        type: 'server',
        proxy: b.id,
        server: s.name,
        status: s.status === 'up' && s.backup ? 'backup' : s.status,
        weight: s.weight,
        current_sessions: s.currentSessions,
        max_sessions: s.maxSessions,
        limit: s.limit,
        total: s.sessions,
        bytes_in: s.bytesIn,
        bytes_out: s.bytesOut,
        responses_1xx: s.responses['1xx'],
        responses_2xx: s.responses['2xx'],
        responses_3xx: s.responses['3xx'],
        responses_4xx: s.responses['4xx'],
        responses_5xx: s.responses['5xx'],
        responses_other: s.responses.other,
        connection_errors: s.errors.connection,
        response_errors: s.errors.response,
        retries: s.retries,
        redispatches: s.redispatches,
        check_result: s.check ? (s.check.lastResult ?? 'pending') : 'none',
        check_reason: s.check?.lastReason ?? null,
        last_transition: s.lastTransition,
        admin_state: s.adminState,
        runtime_override: s.override !== null,
        snapshot_version: version,
      });
    }
    rows.push({
      type: 'backend',
      proxy: b.id,
      status: b.status,
      current_sessions: b.currentSessions,
      queue_current: b.queue.current,
      total: b.requests + b.sessions,
      bytes_in: b.bytesIn,
      bytes_out: b.bytesOut,
      responses_1xx: b.responses['1xx'],
      responses_2xx: b.responses['2xx'],
      responses_3xx: b.responses['3xx'],
      responses_4xx: b.responses['4xx'],
      responses_5xx: b.responses['5xx'],
      responses_other: b.responses.other,
      connection_errors: b.errors.connection,
      response_errors: b.errors.response,
      retries: b.retries,
      redispatches: b.redispatches,
      snapshot_version: version,
    });
  }
  const lines = [CSV_COLUMNS.join(','), ...rows.map((r) => CSV_COLUMNS.map((c) => cell(r[c])).join(','))];
  return `${lines.join('\r\n')}\r\n`;
}
