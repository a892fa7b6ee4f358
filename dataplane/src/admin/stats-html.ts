// The stats page, in the spirit of HAProxy's: one table per frontend and backend, a row per
// server coloured by state, refreshed by the browser every few seconds. Plain HTML and CSS, no
// script: it works in any browser, through any proxy, and under a strict CSP.
import type {
  BackendStats,
  FrontendStats,
  ServerStats,
  StatsDocument,
  WorkerSummary,
} from './stats-model.js';
import type { Codes } from '../metrics/stats.js';

/** Row colours (also in the legend); tests read them back from the rendered page. */
export const STATUS_COLOURS = {
  up: '#c0f0c0',
  backup: '#b8d4ff',
  down: '#ff9c9c',
  drain: '#ffd97a',
  maintenance: '#c8ae8c',
} as const;

export type RowStatus = keyof typeof STATUS_COLOURS;

const esc = (s: unknown): string => String(s ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function num(n: number | null | undefined): string {
  if (n === null || n === undefined) return '-';
  return n.toLocaleString('en-US');
}

function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = -1;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(1)} ${units[u]}`;
}

export function ago(isoTime: string | null, now: number): string {
  if (!isoTime) return '-';
  const s = Math.max(0, Math.round((now - Date.parse(isoTime)) / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  return `${Math.floor(s / 86400)}d${Math.floor((s % 86400) / 3600)}h`;
}

/** The row class of a server: its status, or "backup" for a backup server that is up. */
export function rowStatus(s: ServerStats): RowStatus {
  return s.status === 'up' && s.backup ? 'backup' : s.status;
}

const STATUS_TEXT: Record<RowStatus, string> = {
  up: 'UP',
  backup: 'UP (backup)',
  down: 'DOWN',
  drain: 'DRAIN',
  maintenance: 'MAINT',
};

const codeCells = (c: Codes): string =>
  (['1xx', '2xx', '3xx', '4xx', '5xx', 'other'] as const)
    .map((k) => `<td class="n">${num(c[k])}</td>`)
    .join('');

function checkCell(s: ServerStats): string {
  const c = s.check;
  if (!c) return '<td class="check">no check</td>';
  const result = c.lastResult === null ? 'pending' : c.lastResult;
  const detail = [c.lastReason, c.lastDurationMs !== null ? `${c.lastDurationMs} ms` : null]
    .filter(Boolean)
    .join(', ');
  return `<td class="check check-${esc(result)}" title="${esc(c.description)}"><b>${esc(result)}</b>${detail ? ` <span class="dim">${esc(detail)}</span>` : ''}<br><span class="dim">${esc(c.phase)} ${esc(c.health)}</span></td>`;
}

function serverRow(s: ServerStats, now: number): string {
  const st = rowStatus(s);
  const override = s.override
    ? `<td class="override" title="${esc(s.override.reason)}">${esc(s.override.state)} (runtime, ${esc(ago(s.override.since, now))} ago)</td>`
    : `<td class="override dim">${s.configuredState === 'ready' ? '-' : esc(`${s.configuredState} (config)`)}</td>`;
  const weight =
    s.weight === s.configuredWeight ? num(s.weight) : `${num(s.weight)}/${num(s.configuredWeight)}`;
  return `<tr class="server st-${st}" data-server="${esc(s.name)}" data-status="${esc(s.status)}" data-row-status="${st}">
<td class="name">${esc(s.name)}<br><span class="dim">${esc(s.address)}</span></td>
<td class="status"><b>${STATUS_TEXT[st]}</b></td>
<td class="n">${weight}</td>
<td class="n">${num(s.currentSessions)}</td><td class="n">${num(s.maxSessions)}</td><td class="n">${num(s.limit)}</td>
<td class="n">-</td>
<td class="n">${num(s.sessions)}</td>
<td class="n">${bytes(s.bytesIn)}</td><td class="n">${bytes(s.bytesOut)}</td>
${codeCells(s.responses)}
<td class="n">${num(s.errors.connection)}</td><td class="n">${num(s.errors.response)}</td>
<td class="n">${num(s.retries)}</td><td class="n">${num(s.redispatches)}</td>
${checkCell(s)}
<td class="when" title="${esc(s.transitionReason ?? '')}">${s.lastTransition ? `${esc(ago(s.lastTransition, now))} ago` : '-'}</td>
${override}
</tr>`;
}

function backendTable(b: BackendStats, now: number): string {
  const rows = b.servers.map((s) => serverRow(s, now)).join('\n');
  return `<table class="proxy backend" data-backend="${esc(b.id)}">
<caption><span class="kind">backend</span> <b>${esc(b.id)}</b> <span class="dim">${esc(b.mode)}, ${esc(b.algorithm)}</span>
<span class="badge ${b.status === 'UP' ? 'ok' : 'bad'}">${b.status}</span>${b.unavailableReason ? ` <span class="dim">${esc(b.unavailableReason)}</span>` : ''}</caption>
<thead>
<tr><th rowspan="2">Server</th><th rowspan="2">Status</th><th rowspan="2">Weight</th><th colspan="3">Sessions</th><th rowspan="2">Queue</th><th rowspan="2">Total</th><th colspan="2">Bytes</th><th colspan="6">Responses</th><th colspan="2">Errors</th><th colspan="2">Warnings</th><th rowspan="2">Last check</th><th rowspan="2">Last change</th><th rowspan="2">Admin state</th></tr>
<tr><th>Cur</th><th>Max</th><th>Limit</th><th>In</th><th>Out</th><th>1xx</th><th>2xx</th><th>3xx</th><th>4xx</th><th>5xx</th><th>other</th><th>Conn</th><th>Resp</th><th>Retr</th><th>Redis</th></tr>
</thead>
<tbody>
${rows || '<tr><td colspan="24" class="dim">no servers</td></tr>'}
</tbody>
<tfoot>
<tr class="total"><td class="name">Backend</td><td class="status"><b>${b.status}</b><br><span class="dim">${b.activeServers} active, ${b.backupServers} backup</span></td><td></td>
<td class="n">${num(b.currentSessions)}</td><td></td><td></td>
<td class="n" title="current / total / limit">${num(b.queue.current)} / ${num(b.queue.total)}${b.queue.limit !== null ? ` / ${num(b.queue.limit)}` : ''}</td>
<td class="n">${num(b.requests + b.sessions)}</td>
<td class="n">${bytes(b.bytesIn)}</td><td class="n">${bytes(b.bytesOut)}</td>
${codeCells(b.responses)}
<td class="n">${num(b.errors.connection)}</td><td class="n">${num(b.errors.response)}</td>
<td class="n">${num(b.retries)}</td><td class="n">${num(b.redispatches)}</td>
<td colspan="3" class="dim">${b.noServer > 0 ? `${num(b.noServer)} answered without a server` : ''}</td></tr>
</tfoot>
</table>`;
}

function frontendTable(f: FrontendStats): string {
  return `<table class="proxy frontend" data-frontend="${esc(f.id)}">
<caption><span class="kind">frontend</span> <b>${esc(f.id)}</b> <span class="dim">${esc(f.mode)} on ${esc(f.bind)}${f.defaultBackend ? `, default backend ${esc(f.defaultBackend)}` : ''}</span> <span class="badge ok">${f.status}</span></caption>
<thead>
<tr><th colspan="1">Connections</th><th colspan="3">Sessions</th><th rowspan="2">${f.mode === 'http' ? 'Requests' : 'Sessions'}</th><th colspan="2">Bytes</th><th colspan="6">Responses</th><th rowspan="2">Denied</th><th rowspan="2">Client aborts</th></tr>
<tr><th>Cur</th><th>Cur</th><th>Max</th><th>Limit</th><th>In</th><th>Out</th><th>1xx</th><th>2xx</th><th>3xx</th><th>4xx</th><th>5xx</th><th>other</th></tr>
</thead>
<tbody><tr class="total">
<td class="n">${num(f.currentConnections)}</td>
<td class="n">${num(f.currentSessions)}</td><td class="n">${num(f.maxSessions)}</td><td class="n">${num(f.limit)}</td>
<td class="n">${num(f.mode === 'http' ? f.requests : f.sessions)}</td>
<td class="n">${bytes(f.bytesIn)}</td><td class="n">${bytes(f.bytesOut)}</td>
${codeCells(f.responses)}
<td class="n">${num(f.denied)}</td><td class="n">${num(f.clientAborts)}</td>
</tr></tbody>
</table>`;
}

/** Multi-worker dataplanes: one row per worker slot; the tables below add all of them up. */
function workersTable(workers: readonly WorkerSummary[], now: number): string {
  const rows = workers
    .map(
      (
        w,
      ) => `<tr data-worker="${w.id}"><td>${w.id}</td><td class="n">${esc(w.pid ?? '-')}</td><td>${esc(w.state)}</td>
<td title="${esc(w.version ?? '')}">${esc(w.version ? w.version.slice(0, 12) : '-')}</td><td class="n">${num(w.connections)}</td><td class="n">${num(w.requests)}</td>
<td class="n">${num(w.restarts)}</td><td>${w.lastExit ? `${esc(w.lastExit.signal ?? `code ${w.lastExit.code}`)} ${esc(ago(w.lastExit.at, now))} ago` : '-'}</td>
<td><a href="stats?worker=${w.id}">own stats</a> · <a href="metrics?worker=${w.id}">metrics</a></td></tr>`,
    )
    .join('\n');
  return `<table class="proxy workers">
<caption><span class="kind">workers</span> <b>${workers.length}</b> <span class="dim">event loops sharing every listener; the tables below are their sum</span></caption>
<thead><tr><th>Worker</th><th>Pid</th><th>State</th><th>Snapshot</th><th>Connections</th><th>Requests</th><th>Restarts</th><th>Last exit</th><th></th></tr></thead>
<tbody>${rows}</tbody>
</table>`;
}

const CSS = `
body{font:13px/1.35 system-ui,-apple-system,"Segoe UI",sans-serif;margin:16px;color:#222;background:#fafafa}
h1{font-size:18px;margin:0 0 4px}
.meta{margin:0 0 12px;color:#444}
.meta b{color:#111}
.dim{color:#666;font-size:11px}
table.proxy{border-collapse:collapse;margin:0 0 18px;background:#fff;min-width:60%}
caption{text-align:left;padding:4px 0;font-size:14px}
.kind{display:inline-block;background:#335;color:#fff;border-radius:3px;padding:0 5px;font-size:11px;text-transform:uppercase}
th,td{border:1px solid #bbb;padding:2px 6px;vertical-align:top}
th{background:#dde3ea;font-weight:600;font-size:12px}
td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
tr.total td{background:#eef0f4;font-weight:500}
.badge{border-radius:3px;padding:0 6px;font-size:11px;font-weight:700}
.badge.ok{background:#2e8b3e;color:#fff}
.badge.bad{background:#c0392b;color:#fff}
${(Object.keys(STATUS_COLOURS) as RowStatus[]).map((k) => `tr.st-${k} td{background:${STATUS_COLOURS[k]}}`).join('\n')}
.legend span{display:inline-block;padding:1px 8px;margin-right:6px;border:1px solid #999}
.check-failed b{color:#a00}
.check-passed b{color:#060}
.override{white-space:nowrap}
a{color:#1a4f9c}
`;

export function renderStatsPage(doc: StatsDocument, opts: { refreshSeconds: number }): string {
  const now = Date.parse(doc.generatedAt);
  const snap = doc.snapshot;
  const ctl = doc.controller;
  const controller =
    ctl === null
      ? 'none (local snapshots only)'
      : ctl.connected
        ? `connected${ctl.url ? ` to ${esc(ctl.url)}` : ''}`
        : `<b style="color:#a00">disconnected</b>${ctl.url ? ` from ${esc(ctl.url)}` : ''}`;
  const refresh =
    opts.refreshSeconds > 0 ? `<meta http-equiv="refresh" content="${opts.refreshSeconds}">` : '';
  const legend = (Object.keys(STATUS_COLOURS) as RowStatus[])
    .map((k) => `<span style="background:${STATUS_COLOURS[k]}">${STATUS_TEXT[k]}</span>`)
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">${refresh}
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Bascule stats — ${esc(doc.dataplane.nodeId)}</title>
<style>${CSS}</style></head>
<body>
<h1>Bascule dataplane <span id="node">${esc(doc.dataplane.nodeId)}</span> <span class="dim">group ${esc(doc.dataplane.group)}, pid ${doc.dataplane.pid}, up ${esc(ago(new Date(now - doc.dataplane.uptimeSeconds * 1000).toISOString(), now))}</span></h1>
<p class="meta">Snapshot <b id="snapshot-version" title="${esc(snap.version ?? '')}">${esc(snap.shortVersion)}</b>
${snap.appliedAt ? `applied <span id="snapshot-age" data-age-seconds="${snap.ageSeconds}">${esc(ago(snap.appliedAt, now))} ago</span> <span class="dim">(${esc(snap.appliedAt)})</span>` : '<span id="snapshot-age">not applied yet</span>'}
· controller ${controller}
· generated ${esc(doc.generatedAt)}${opts.refreshSeconds > 0 ? ` · refresh every ${opts.refreshSeconds}s` : ''}
· <a href="stats;json">JSON</a> · <a href="stats;csv">CSV</a> · <a href="metrics">metrics</a></p>
<p class="legend">${legend}</p>
${doc.workers ? workersTable(doc.workers, now) : ''}
${doc.frontends.map(frontendTable).join('\n')}
${doc.backends.map((b) => backendTable(b, now)).join('\n')}
${doc.frontends.length + doc.backends.length === 0 ? '<p>No snapshot applied yet: nothing to show.</p>' : ''}
<p class="dim">Runtime overrides (Admin state "runtime") are ephemeral: they live in this dataplane process only and are lost when it restarts. The declarative state is <code>spec.servers[].state</code> on the Backend.</p>
</body></html>
`;
}
