// Golden tests for `bascule import`: fixtures/<case>/haproxy.cfg → expected.yaml (stdout) and
// expected.stderr (what was reported), and the YAML must pass the controller's validation.
// Regenerate with UPDATE_GOLDEN=1 and review the diff.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { importHaproxy } from '#importer/import-command';
import { checkGolden } from '../support/golden.js';
import { FIXTURES, fixtureCases, validateYaml } from './helpers.js';

describe('import golden: haproxy.cfg → Bascule YAML', () => {
  const cases = fixtureCases();
  it('has the realistic fixtures the issue asks for', () => {
    expect(cases).to.include.members([
      'listen-webfarm',
      'path-routing',
      'https-redirect',
      'tcp-mode',
      'rate-limit',
      'legacy-1x',
    ]);
  });
  for (const name of cases) {
    it(`${name}: imports to expected.yaml and expected.stderr, and the YAML validates`, async () => {
      const dir = join(FIXTURES, name);
      const out = importHaproxy(readFileSync(join(dir, 'haproxy.cfg'), 'utf8'), 'haproxy.cfg');
      expect(out.result.report.errors, 'import errors').to.deep.equal([]);
      checkGolden(join(dir, 'expected.yaml'), out.yaml);
      checkGolden(join(dir, 'expected.stderr'), `${out.stderr.join('\n')}\n`);
      expect(await validateYaml(out.yaml), 'bascule validate problems').to.deep.equal([]);
      // Every reported line is also a comment in the YAML, next to a resource or at the top.
      for (const m of out.result.report.messages)
        expect(out.yaml).to.contain(`# haproxy.cfg:${m.line}: ${m.severity}: `);
    });
  }
});
