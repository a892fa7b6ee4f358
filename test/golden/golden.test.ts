// Golden tests: fixtures/<case>/input.yaml → snapshot.json and status.yaml.
// Regenerate with UPDATE_GOLDEN=1 (test/support/golden.ts), then review the diff.
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { expect } from 'chai';
import { stringify } from 'yaml';
import { loadInput } from '#controller/cli/load-files';
import { runStages } from '#controller/pipeline/stages';
import { checkConsistency } from '#controller/snapshot/consistency';
import { acceptedCondition, resolvedRefsCondition } from '#controller/status/compute';
import { refKey } from '#controller/validate/diagnostic';
import { checkGolden } from '../support/golden.js';

const FIXTURES = join(import.meta.dirname, 'fixtures');
// Certificates in fixtures are checked against this instant, so expiry is deterministic.
const NOW = Date.parse('2026-06-01T00:00:00Z');

describe('golden: compile fixtures', () => {
  for (const name of readdirSync(FIXTURES).sort()) {
    it(name, async () => {
      const dir = join(FIXTURES, name);
      const input = await loadInput([join(dir, 'input.yaml')]);
      const result = runStages({ ...input, now: NOW });
      for (const snap of Object.values(result.snapshots))
        expect(checkConsistency(snap.body)).to.deep.equal([]);
      const snapshots = Object.fromEntries(
        Object.entries(result.snapshots).map(([g, s]) => [g, { version: s.version, body: s.body }]),
      );
      checkGolden(join(dir, 'snapshot.json'), `${JSON.stringify(snapshots, null, 2)}\n`);
      const rel = (f?: string) => (f ? relative(dir, f) : undefined);
      const status = {
        objects: result.objects.map((o) => ({
          object: refKey(o.ref),
          // A False condition shows its reason, as kubectl would.
          accepted: o.accepted || `False: ${acceptedCondition(o).reason}`,
          resolvedRefs: o.resolvedRefs || `False: ${resolvedRefsCondition(o).reason}`,
          groups: o.groups,
          ...(o.servingPrevious ? { servingPrevious: true } : {}),
          diagnostics: o.diagnostics.map((d) => `${d.field || '-'}: ${d.message} (${d.code})`),
        })),
        fileDiagnostics: result.diagnostics
          .filter((d) => d.object.kind === 'File')
          .map((d) => `${rel(d.file)}:${d.line ?? '-'}: ${d.message} (${d.code})`),
      };
      checkGolden(join(dir, 'status.yaml'), stringify(status, { lineWidth: 0 }));
    });
  }
});
