// `bascule status`: what the controller knows, from its admin endpoint (GET /overview):
// the snapshot of each group, every dataplane (version applied, last ACK/NACK and its error,
// connected since), each object's conditions, runtime overrides and stray diagnostics.
import { shortVersion } from '#protocol/canonical';
import type { Overview, OverviewObject } from '../admin/overview.js';
import type { CommandIo } from './validate-command.js';

export interface StatusCommandOptions {
  /** Controller admin URL or host:port (default http://127.0.0.1:9090, or $BASCULE_ADMIN_URL). */
  admin?: string;
  json?: boolean;
  /** Full condition messages instead of one cut line. */
  wide?: boolean;
  timeoutMs?: number;
  now?: () => Date;
}

export function adminBaseUrl(admin: string | undefined): string {
  const raw = (admin ?? process.env.BASCULE_ADMIN_URL ?? 'http://127.0.0.1:9090').trim();
  const withScheme = /^https?:\/\//i.test(raw) ? raw : `http://${raw}`;
  return withScheme.replace(/\/+$/, '');
}

export function ago(iso: string | null | undefined, now: Date): string {
  if (!iso) return '-';
  const s = Math.max(0, Math.round((now.getTime() - Date.parse(iso)) / 1000));
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s ago`;
  if (s < 86400)
    return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m ago`;
  return `${Math.floor(s / 86400)}d${Math.floor((s % 86400) / 3600)}h ago`;
}

/** Left-aligned columns, two spaces apart; the last column is never padded. */
export function table(header: string[], rows: string[][]): string {
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  return all
    .map((r) =>
      r
        .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

const cut = (s: string, n: number): string => (s.length > n ? `${s.slice(0, n - 1)}…` : s);
const oneLine = (s: string): string => s.replace(/\s+/g, ' ').trim();

function condition(o: OverviewObject, type: string): string {
  return o.conditions.find((c) => c.type === type)?.status ?? '-';
}

/** The message worth reading: the first condition that is not True, else Programmed's. */
function info(o: OverviewObject): string {
  const bad = o.conditions.find((c) => c.status !== 'True');
  const c = bad ?? o.conditions.find((x) => x.type === 'Programmed');
  const parts = [c ? `${bad ? `${c.type} ${c.reason}: ` : ''}${c.message}` : ''];
  if (o.healthyServers !== undefined) parts.push(`healthy ${o.healthyServers}`);
  return parts.filter(Boolean).join('; ');
}

export function renderOverview(o: Overview, base: string, opts: { wide?: boolean; now?: Date } = {}): string {
  const now = opts.now ?? new Date(o.generatedAt);
  const width = opts.wide ? Number.POSITIVE_INFINITY : 100;
  const out: string[] = [];
  out.push(`Controller ${base}  ${o.ready ? 'ready' : `NOT READY: ${o.notReadyReason}`}`);

  out.push('', 'SNAPSHOTS');
  out.push(
    o.snapshots.length === 0
      ? '  none published yet'
      : table(
          ['GROUP', 'VERSION', 'FRONTENDS', 'BACKENDS', 'SERVERS'],
          o.snapshots.map((s) => [
            s.group,
            shortVersion(s.version),
            String(s.frontends),
            String(s.backends),
            String(s.servers),
          ]),
        ),
  );

  out.push('', 'DATAPLANES');
  out.push(
    o.dataplanes.length === 0
      ? '  none connected'
      : table(
          ['NODE', 'GROUP', 'APPLIED', 'STATE', 'LAST ACK', 'CONNECTED SINCE', 'LAST NACK'],
          o.dataplanes.map((d) => [
            d.nodeId,
            d.group,
            shortVersion(d.appliedVersion),
            d.state,
            d.lastAck ? `${shortVersion(d.lastAck.version)} ${ago(d.lastAck.at, now)}` : '-',
            `${d.connectedSince} (${ago(d.connectedSince, now)})`,
            d.lastNack
              ? cut(
                  oneLine(
                    `${shortVersion(d.lastNack.version)} ${ago(d.lastNack.at, now)}: ${d.lastNack.error.code}: ${d.lastNack.error.message}`,
                  ),
                  width,
                )
              : '-',
          ]),
        ),
  );

  out.push('', 'OBJECTS');
  out.push(
    o.objects.length === 0
      ? '  none'
      : table(
          ['KIND', 'NAME', 'ACCEPTED', 'RESOLVEDREFS', 'PROGRAMMED', 'INFO'],
          o.objects.map((x) => [
            x.kind,
            `${x.namespace}/${x.name}`,
            condition(x, 'Accepted'),
            condition(x, 'ResolvedRefs'),
            condition(x, 'Programmed'),
            cut(oneLine(info(x)), width),
          ]),
        ),
  );

  if (o.overrides.length > 0) {
    out.push('', 'RUNTIME OVERRIDES (ephemeral: set through a dataplane admin API, lost when it restarts)');
    out.push(
      table(
        ['NODE', 'BACKEND', 'SERVER', 'STATE', 'SINCE', 'REASON'],
        o.overrides.map((r) => [
          r.nodeId,
          r.backend,
          `${r.server} (${r.address})`,
          r.state,
          ago(r.since, now),
          cut(oneLine(r.reason), width),
        ]),
      ),
    );
  }

  if (o.diagnostics.length > 0) {
    out.push('', 'DIAGNOSTICS (not attached to an object)');
    for (const d of o.diagnostics)
      out.push(`  ${cut(oneLine(d), opts.wide ? Number.POSITIVE_INFINITY : 160)}`);
  }
  return `${out.join('\n')}\n`;
}

/** Exit status: 0 when the controller answered, 1 when it could not be reached or read. */
export async function statusCommand(opts: StatusCommandOptions, io: CommandIo): Promise<number> {
  const base = adminBaseUrl(opts.admin);
  let overview: Overview;
  try {
    const res = await fetch(`${base}/overview`, {
      headers: { accept: 'application/json' },
      signal: AbortSignal.timeout(opts.timeoutMs ?? 5000),
    });
    if (!res.ok) {
      io.err(`bascule status: ${base}/overview answered ${res.status} ${res.statusText}\n`);
      return 1;
    }
    overview = (await res.json()) as Overview;
  } catch (err) {
    const e = err as Error & { cause?: { code?: string; message?: string } };
    const why = e.cause?.code ?? e.cause?.message ?? e.message;
    io.err(
      `bascule status: cannot reach the controller admin endpoint at ${base} (${why}); set --admin or BASCULE_ADMIN_URL\n`,
    );
    return 1;
  }
  if (opts.json) io.out(`${JSON.stringify(overview, null, 2)}\n`);
  else
    io.out(
      renderOverview(overview, base, {
        ...(opts.wide ? { wide: true } : {}),
        ...(opts.now ? { now: opts.now() } : {}),
      }),
    );
  return 0;
}
