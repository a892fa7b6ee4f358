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

type Responses = Record<'1xx' | '2xx' | '3xx' | '4xx' | '5xx' | 'other', number>;

const responseColumns = (x: { responses: Responses }): Row => ({
  responses_1xx: x.responses['1xx'],
  responses_2xx: x.responses['2xx'],
  responses_3xx: x.responses['3xx'],
  responses_4xx: x.responses['4xx'],
  responses_5xx: x.responses['5xx'],
  responses_other: x.responses.other,
});

const errorColumns = (x: {
  errors: { connection: number; response: number };
  retries: number;
  redispatches: number;
}): Row => ({
  connection_errors: x.errors.connection,
  response_errors: x.errors.response,
  retries: x.retries,
  redispatches: x.redispatches,
});

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
      ...responseColumns(f),
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
        ...responseColumns(s),
        ...errorColumns(s),
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
      ...responseColumns(b),
      ...errorColumns(b),
      snapshot_version: version,
    });
  }
  const lines = [CSV_COLUMNS.join(','), ...rows.map((r) => CSV_COLUMNS.map((c) => cell(r[c])).join(','))];
  return `${lines.join('\r\n')}\r\n`;
}
