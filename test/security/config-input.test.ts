// Hostile configuration input: every manifest bound (size, objects, nesting, string length,
// alias expansion), non-JSON YAML values, and broken multi-document files get a diagnostic that
// names file:line:column, the object and the field; a directory source keeps serving the last
// good content meanwhile.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { ErrorCodes } from '#protocol/errors';
import { loadInput } from '#controller/cli/load-files';
import { runStages } from '#controller/pipeline/stages';
import { DirSource } from '#controller/sources/dir-source';
import { StoreFeed } from '#controller/store/feed';
import { MANIFEST_LIMITS, parseManifestFile } from '#controller/sources/parse-file';
import { formatDiagnostic, type Diagnostic } from '#controller/validate/diagnostic';

const API = 'apiVersion: bascule.dev/v1alpha1';
const backend = (name: string, extra = '') =>
  `${API}\nkind: Backend\nmetadata: {name: ${name}}\nspec:\n  servers:\n    - {name: s1, address: 10.0.0.1, port: 80}\n${extra}`;

/** The one-line form operators see, with the file's base name. */
const lines = (ds: readonly Diagnostic[]) =>
  ds.map((d) => formatDiagnostic({ ...d, file: path.basename(d.file ?? '') }));

function failure(text: string, limits = MANIFEST_LIMITS): string[] {
  const parsed = parseManifestFile(text, '/etc/bascule/f.yaml', limits);
  expect(parsed.ok, 'the file must fail').to.equal(false);
  return lines(parsed.diagnostics);
}

describe('security: configuration input', function () {
  this.timeout(30_000);

  describe('YAML values that are not JSON', () => {
    it('!!binary is a diagnostic naming file:line:column, object and field (not "Cannot freeze array buffer views")', () => {
      expect(
        failure(backend('bin').replace('address: 10.0.0.1', 'address: !!binary aGVsbG8=')),
      ).to.deep.equal([
        'f.yaml:6:18: Backend/default/bin: spec.servers[0].address: !!binary values are not supported: write a string (BASCULE_E_CONFIG_PARSE)',
      ]);
    });

    it('timestamps, sets, ordered maps, unknown tags and complex keys are refused too', () => {
      expect(failure(backend('t', '  slowStart: !!timestamp 2001-12-14\n'))[0]).to.match(
        /^f\.yaml:7:3: Backend\/default\/t: spec\.slowStart: !!timestamp values are not supported/,
      );
      expect(failure(backend('s', '  x: !!set {a}\n'))[0]).to.match(
        /^f\.yaml:7:3: .*spec\.x: !!set collections are not supported/,
      );
      expect(failure(backend('o', '  x: !!omap [{a: 1}]\n'))[0]).to.match(
        /spec\.x: !!omap collections are not supported/,
      );
      expect(failure(backend('u', '  x: !custom value\n'))[0]).to.match(
        /^f\.yaml:7:6: YAML: Unresolved tag: !custom/,
      );
      expect(failure(backend('k', '  ? [a, b]\n  : c\n'))[0]).to.match(
        /^f\.yaml:7:5: .*mapping keys must be plain strings/,
      );
    });

    it('through the CLI loader too, and nothing else in the file is lost from the report', async () => {
      const dir = await mkdtemp(path.join(tmpdir(), 'bascule-cfg-'));
      try {
        await writeFile(
          path.join(dir, 'a.yaml'),
          backend('bin').replace('address: 10.0.0.1', 'address: !!binary aGVsbG8='),
        );
        const input = await loadInput([dir]);
        const result = runStages({ ...input, now: 0 });
        expect(lines(result.diagnostics)).to.deep.equal([
          'a.yaml:6:18: Backend/default/bin: spec.servers[0].address: !!binary values are not supported: write a string (BASCULE_E_CONFIG_PARSE)',
        ]);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  });

  describe('multi-document files', () => {
    it('one structural error hides nothing: every other document is diagnosed on its own, at its fields', () => {
      const text = [
        backend('one').replace('port: 80', 'port: 99999'),
        '- just\n- a list\n',
        `${API}\nkind: Frontend\nmetadata: {name: fe}\nspec:\n  bind: {port: 8080}\n  defaultBackend: one\n  rules:\n    - name: r\n      match:\n        methodz: [GET]\n      backend: one\n`,
        backend('fine'),
      ].join('---\n');
      expect(failure(text)).to.deep.equal([
        'f.yaml:8: document is a list, expected an object with apiVersion and kind (BASCULE_E_CONFIG_PARSE)',
        'f.yaml:6:37: Backend/default/one spec.servers[0].port: must be <= 65535 (not applied: the file has errors) (BASCULE_E_CONFIG_SCHEMA)',
        'f.yaml:20:9: Frontend/default/fe spec.rules[0].match.methodz: unknown field (not applied: the file has errors) (BASCULE_E_CONFIG_SCHEMA)',
      ]);
    });

    it('a syntax error in one document is reported at its line and column; the others still are too', () => {
      const text = [
        backend('a').replace('port: 80}', 'port: 80'),
        backend('b', '  balance: {algorithm: fastest}\n'),
      ].join('---\n');
      const out = failure(text);
      expect(out[0]).to.match(/^f\.yaml:7:1: YAML syntax error: /);
      expect(out[1]).to.match(
        /^f\.yaml:14:13: Backend\/default\/b spec\.balance\.algorithm: must be one of .* \(not applied: the file has errors\)/,
      );
    });
  });

  describe('diagnostics point at the field, not the document', () => {
    it('unknown fields, wrong types, missing fields (at the parent) and semantic errors', async () => {
      const dir = await mkdtemp(path.join(tmpdir(), 'bascule-cfg-'));
      try {
        await writeFile(
          path.join(dir, 'a.yaml'),
          [
            `${API}\nkind: Backend\nmetadata: {name: a}\nspec:\n  servers:\n    - name: s1\n      address: 10.0.0.1\n      port: "80"\n      colour: blue\n    - name: s2\n      port: 81\n`,
            `${API}\nkind: Frontend\nmetadata: {name: f}\nspec:\n  bind: {port: 8080}\n  rules:\n    - name: r\n      match:\n        path:\n          regex: "(?=x)"\n      backend: a\n`,
          ].join('---\n'),
        );
        const result = runStages({ ...(await loadInput([dir])), now: 0 });
        expect(lines(result.diagnostics)).to.deep.equal([
          'a.yaml:9:7 Backend/default/a spec.servers[0].colour: unknown field (BASCULE_E_CONFIG_SCHEMA)',
          'a.yaml:8:7 Backend/default/a spec.servers[0].port: must be integer (BASCULE_E_CONFIG_SCHEMA)',
          'a.yaml:10:7 Backend/default/a spec.servers[1].address: required field is missing (BASCULE_E_CONFIG_SCHEMA)',
          'a.yaml:22:11 Frontend/default/f spec.rules[0].match.path.regex: invalid regular expression "(?=x)": lookahead assertions are not supported (RE2 syntax): invalid or unsupported Perl syntax: `(?=` (BASCULE_E_INVALID_REGEX)',
        ]);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  });

  describe('bounds', () => {
    it(`alias expansion: at most ${MANIFEST_LIMITS.maxAliasCount} ("billion laughs"), reported at the first alias`, () => {
      const bomb = ['  l0: &l0 [x, x, x, x, x, x, x, x, x, x]'];
      for (let i = 1; i < 9; i++)
        bomb.push(
          `  l${i}: &l${i} [${Array(10)
            .fill(`*l${i - 1}`)
            .join(', ')}]`,
        );
      const out = failure(backend('bomb', bomb.join('\n') + '\n'));
      expect(out).to.deep.equal([
        `f.yaml:8:12: Backend/default/bomb: cannot decode document: Excessive alias count indicates a resource exhaustion attack (at most ${MANIFEST_LIMITS.maxAliasCount} alias expansions) (BASCULE_E_CONFIG_PARSE)`,
      ]);
    });

    it(`nesting: at most ${MANIFEST_LIMITS.maxDepth} levels`, () => {
      const deep = `${'['.repeat(40)}${']'.repeat(40)}`;
      expect(failure(backend('deep', `  x: ${deep}\n`))).to.deep.equal([
        `f.yaml:7:${6 + MANIFEST_LIMITS.maxDepth - 2}: Backend/default/deep: spec.x${'[0]'.repeat(MANIFEST_LIMITS.maxDepth - 2)}: nested more than ${MANIFEST_LIMITS.maxDepth} levels deep (BASCULE_E_CONFIG_PARSE)`,
      ]);
      // Far deeper than any parser stack: still a diagnostic, never a crash.
      expect(failure(`x: ${'['.repeat(50_000)}${']'.repeat(50_000)}\n`)[0]).to.match(/^f\.yaml:1:\d+: /);
    });

    it(`strings: at most ${MANIFEST_LIMITS.maxStringLength} characters`, () => {
      const long = 'a'.repeat(MANIFEST_LIMITS.maxStringLength + 1);
      expect(failure(backend('long', `  x: ${long}\n`))).to.deep.equal([
        `f.yaml:7:3: Backend/default/long: spec.x: string of ${long.length} characters, more than the ${MANIFEST_LIMITS.maxStringLength} allowed (BASCULE_E_CONFIG_PARSE)`,
      ]);
    });

    it(`objects: at most ${MANIFEST_LIMITS.maxObjects} per file, reported at the first one too many`, () => {
      const docs = Array.from({ length: MANIFEST_LIMITS.maxObjects + 5 }, (_, i) => backend(`b${i}`));
      const out = failure(docs.join('---\n'));
      const line = MANIFEST_LIMITS.maxObjects * 7 + 1;
      expect(out[0]).to.equal(
        `f.yaml:${line}:1: more than ${MANIFEST_LIMITS.maxObjects} objects in one file (BASCULE_E_CONFIG_PARSE)`,
      );
    });

    it(`file size: at most ${MANIFEST_LIMITS.maxBytes} bytes (refused before parsing; the CLI before reading)`, async () => {
      const big = backend('big', `  # ${'x'.repeat(MANIFEST_LIMITS.maxBytes)}\n`);
      expect(failure(big)).to.deep.equal([
        `f.yaml: file is ${Buffer.byteLength(big)} bytes, more than the ${MANIFEST_LIMITS.maxBytes} allowed (BASCULE_E_CONFIG_PARSE)`,
      ]);
      const dir = await mkdtemp(path.join(tmpdir(), 'bascule-cfg-'));
      try {
        await writeFile(path.join(dir, 'big.yaml'), big);
        const input = await loadInput([dir]);
        expect(lines(input.sourceDiagnostics ?? [])).to.deep.equal([
          `big.yaml: file is ${Buffer.byteLength(big)} bytes, more than the ${MANIFEST_LIMITS.maxBytes} allowed (BASCULE_E_CONFIG_PARSE)`,
        ]);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  });

  describe('the directory source keeps serving the last good content', () => {
    it('through a !!binary value, an alias bomb, an oversized file, and back', async () => {
      const dir = await mkdtemp(path.join(tmpdir(), 'bascule-cfg-'));
      const feed = new StoreFeed();
      const source = new DirSource({ dir, rescanMs: 0, maxFileBytes: 64 * 1024 });
      try {
        const file = path.join(dir, 'a.yaml');
        await writeFile(file, `${backend('web')}---\n${backend('api')}`);
        await source.start(feed);
        const served = () =>
          feed.current().resources.map((r) => `${r.metadata.name} ${JSON.stringify(r.spec)}`);
        const good = served();
        expect(good).to.have.length(2);

        const bad = [
          `${backend('web').replace('address: 10.0.0.1', 'address: !!binary aGVsbG8=')}---\n${backend('api')}`,
          backend(
            'web',
            `  l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n  l1: [${Array(20).fill('*l0').join(', ')}]\n  l2: [${Array(200).fill('*l0').join(', ')}]\n`,
          ),
          backend('web', `  # ${'x'.repeat(70 * 1024)}\n`),
        ];
        const expected = [
          /a\.yaml:6:18: Backend\/default\/web: spec\.servers\[0\]\.address: !!binary/,
          /a\.yaml:8:\d+: Backend\/default\/web: cannot decode document/,
          /a\.yaml: file is \d+ bytes, more than the 65536 allowed/,
        ];
        for (const [i, text] of bad.entries()) {
          await writeFile(file, text);
          await source.rescanNow();
          expect(served(), `case ${i}`).to.deep.equal(good);
          const diags = lines(feed.current().sourceDiagnostics ?? []);
          expect(diags, `case ${i}`).to.have.length(1);
          expect(diags[0]).to.match(expected[i]!).and.to.contain(`(${ErrorCodes.CONFIG_PARSE})`);
        }

        await writeFile(file, backend('web'));
        await source.rescanNow();
        expect(served()).to.deep.equal([good[1]]);
        expect(feed.current().sourceDiagnostics).to.deep.equal([]);
      } finally {
        await source.stop();
        await feed.close();
        await rm(dir, { recursive: true, force: true });
      }
    });
  });
});
