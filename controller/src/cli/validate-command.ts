// `bascule validate -f PATH...`: the controller's schema and semantic checks, for CI and pre-commit hooks.
import { relative } from 'node:path';
import { runStages } from '../pipeline/stages.js';
import { formatDiagnostic, type Diagnostic } from '../validate/diagnostic.js';
import { loadInput } from './load-files.js';

export interface CommandIo {
  out: (s: string) => void;
  err: (s: string) => void;
}

export const relativeFile = (d: Diagnostic): Diagnostic =>
  d.file ? { ...d, file: relative(process.cwd(), d.file) || d.file } : d;

export function formatProblem(d: Diagnostic): string {
  return formatDiagnostic(relativeFile(d));
}

/** Returns the exit code: 0 only when every object is valid and every reference resolves. */
export async function validateCommand(paths: string[], io: CommandIo): Promise<number> {
  const input = await loadInput(paths);
  const result = runStages({ ...input, now: Date.now() });
  const problems = [...result.diagnostics].sort(
    (a, b) => (a.file ?? '').localeCompare(b.file ?? '') || (a.line ?? 0) - (b.line ?? 0),
  );
  for (const d of problems) io.err(`${formatProblem(d)}\n`);
  const counts = { Frontend: 0, Backend: 0, HealthPolicy: 0 } as Record<string, number>;
  for (const r of input.resources) counts[r.kind] = (counts[r.kind] ?? 0) + 1;
  const summary = `${counts.Frontend} frontends, ${counts.Backend} backends, ${counts.HealthPolicy} health policies`;
  if (problems.length > 0) {
    io.err(`${problems.length} problem${problems.length === 1 ? '' : 's'} found (${summary})\n`);
    return 1;
  }
  io.out(`valid: ${summary}\n`);
  return 0;
}
