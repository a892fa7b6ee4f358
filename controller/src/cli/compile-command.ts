// `bascule compile -f PATH... [--group G] [--summary]`: shows exactly what would be pushed.
import { formatDuration } from '#protocol/duration';
import type { Snapshot, SnapshotBody } from '#protocol/snapshot';
import { runStages } from '../pipeline/stages.js';
import { redactSnapshotBody } from '../snapshot/redact.js';
import { loadInput } from './load-files.js';
import { formatProblem, type CommandIo } from './validate-command.js';

export interface CompileOptions {
  group?: string;
  summary?: boolean;
}

export function summarize(snap: Snapshot): string {
  const b: Readonly<SnapshotBody> = snap.body;
  const lines = [`group ${b.group}  version ${snap.version.slice(0, 12)}`];
  for (const f of b.frontends) {
    const joins = f.listener && f.listener.owner !== f.id ? `  (shares ${f.listener.owner}'s listener)` : '';
    lines.push(
      `  frontend ${f.id}  ${f.mode} ${f.bind.address}:${f.bind.port}${f.tls ? ' tls' : ''}${joins}`,
    );
    for (const r of f.rules) {
      const m = r.match;
      const conds = [
        m.host && `host=${m.host}`,
        m.path &&
          `path ${Object.entries(m.path)
            .map(([k, v]) => `${k}=${v}`)
            .join('')}`,
        m.methods && `methods=${m.methods.join(',')}`,
        m.headers && `headers(${m.headers.length})`,
        m.queryParams && `query(${m.queryParams.length})`,
        m.sourceCIDRs && `src=${m.sourceCIDRs.join(',')}`,
        m.sni && `sni=${m.sni.join(',')}`,
      ]
        .filter(Boolean)
        .join(' ');
      const a = r.action;
      const action =
        a.type === 'backend'
          ? `→ ${a.backend}`
          : a.type === 'redirect'
            ? `redirect ${a.code}${a.scheme ? ` scheme ${a.scheme}` : ''}${a.host ? ` host ${a.host}` : ''}`
            : `deny ${a.status}`;
      lines.push(`    rule ${r.name}: ${conds || 'always'} ${action}`);
    }
    lines.push(`    default → ${f.defaultBackend ?? '(404)'}`);
  }
  for (const be of b.backends) {
    lines.push(
      `  backend ${be.id}  ${be.mode} ${be.balance.algorithm}${be.health ? ` check ${be.health.http ? `http ${be.health.http.path}` : 'tcp'} every ${formatDuration(be.health.intervalMs)}` : ''}`,
    );
    for (const s of be.servers) {
      lines.push(
        `    server ${s.name} ${s.address}:${s.port} weight ${s.weight}${s.backup ? ' backup' : ''}${s.state !== 'ready' ? ` ${s.state}` : ''}`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}

export async function compileCommand(paths: string[], opts: CompileOptions, io: CommandIo): Promise<number> {
  const input = await loadInput(paths);
  const result = runStages({ ...input, now: Date.now() });
  for (const d of result.diagnostics) io.err(`${formatProblem(d)}\n`);
  const groups = Object.keys(result.snapshots)
    .sort()
    .filter((g) => !opts.group || g === opts.group);
  if (opts.group && groups.length === 0) {
    io.err(`no frontends in group ${opts.group}\n`);
    return 1;
  }
  if (opts.summary) {
    for (const g of groups) io.out(summarize(result.snapshots[g]!));
  } else {
    const out = Object.fromEntries(
      groups.map((g) => [
        g,
        { version: result.snapshots[g]!.version, body: redactSnapshotBody(result.snapshots[g]!.body) },
      ]),
    );
    io.out(`${JSON.stringify(opts.group ? out[opts.group] : out, null, 2)}\n`);
  }
  return result.diagnostics.length > 0 ? 1 : 0;
}
