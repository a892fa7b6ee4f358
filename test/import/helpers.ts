// Shared by the import tests: fixture discovery and the controller's validation of a YAML text.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadInput } from '#controller/cli/load-files';
import { runStages } from '#controller/pipeline/stages';
import { formatDiagnostic } from '#controller/validate/diagnostic';

export const FIXTURES = join(import.meta.dirname, 'fixtures');
/** Stands in for every certificate file an imported config names (an HAProxy-style combined PEM). */
export const TEST_PEM = join(FIXTURES, 'https-redirect', 'example.com.pem');
const NOW = Date.parse('2030-01-01T00:00:00Z');

export const fixtureCases = (): string[] =>
  readdirSync(FIXTURES)
    .filter((n) => existsSync(join(FIXTURES, n, 'haproxy.cfg')))
    .sort();

/**
 * The controller's schema and semantic checks on a YAML text (what `bascule validate` runs),
 * with certificate files resolved the way the directory source does, from the test PEM.
 */
export async function validateYaml(yaml: string): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'bascule-import-'));
  try {
    const file = join(dir, 'imported.yaml');
    writeFileSync(file, yaml);
    // The imported certFile paths point at /etc/haproxy/...; serve the test PEM for each of them.
    const pem = readFileSync(TEST_PEM, 'utf8');
    const input = await loadInput([file], { readReferencedFile: async () => ({ text: pem }) });
    return runStages({ ...input, now: NOW }).diagnostics.map(formatDiagnostic);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
