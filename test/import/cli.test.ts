// The operator CLI as a real process (the built bin/bascule.js): validate, compile, import.
// Needs `npm run build` first (npm test does it).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { BIN, ROOT } from '../support/process.js';
import { FIXTURES, fixtureCases } from './helpers.js';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function bascule(args: string[], cwd = ROOT): Run {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd,
    encoding: 'utf8',
    timeout: 30_000,
    env: { ...process.env, NO_COLOR: '1' },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** No JavaScript stack trace leaks to the operator. */
function noStack(r: Run): void {
  expect(r.stderr).not.to.match(/^\s+at .+\(.+:\d+:\d+\)$/m);
  expect(r.stderr).not.to.match(/node:internal|TypeError|ReferenceError/);
}

describe('CLI: bascule validate / compile / import', function () {
  this.timeout(60_000);
  let tmp: string;

  before(() => {
    if (!existsSync(join(ROOT, 'dist/importer/src/import-command.js'))) {
      throw new Error('dist/ has no import command: run `npm run build` before these tests');
    }
    tmp = mkdtempSync(join(tmpdir(), 'bascule-cli-'));
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  const write = (name: string, text: string) => {
    const f = join(tmp, name);
    mkdirSync(join(f, '..'), { recursive: true });
    writeFileSync(f, text);
    return f;
  };

  describe('validate', () => {
    it('accepts the imported fixtures (exit 0, a summary on stdout)', () => {
      // https-redirect names certificate files that do not exist on this machine; the golden
      // test validates it with the files stubbed.
      for (const c of fixtureCases().filter((x) => x !== 'https-redirect')) {
        const r = bascule(['validate', '-f', join(FIXTURES, c, 'expected.yaml')]);
        expect(r.code, `${c}: ${r.stderr}`).to.equal(0);
        expect(r.stdout).to.match(/^valid: \d+ frontends, \d+ backends, \d+ health policies\n$/);
      }
    });

    it('reports invalid YAML with file and line, exit 1, no stack trace', () => {
      const f = write(
        'bad-yaml.yaml',
        'apiVersion: bascule.dev/v1alpha1\nkind: Backend\nmetadata: {name: a}\nspec:\n  servers: [ {name: x, address: 1.2.3.4, port: 80}\n',
      );
      const r = bascule(['validate', '-f', f]);
      expect(r.code).to.equal(1);
      expect(r.stderr).to.match(/bad-yaml\.yaml:\d+:\d+: YAML syntax error: .* \(BASCULE_E_CONFIG_PARSE\)\n/);
      noStack(r);
    });

    it('reports unknown kinds and wrong apiVersions with file and line', () => {
      const f = write(
        'kinds.yaml',
        'apiVersion: bascule.dev/v1alpha1\nkind: Gateway\nmetadata: {name: g}\nspec: {}\n---\napiVersion: bascule.dev/v1beta1\nkind: Backend\nmetadata: {name: b}\nspec: {servers: []}\n',
      );
      const r = bascule(['validate', '-f', f]);
      expect(r.code).to.equal(1);
      expect(r.stderr).to.match(/kinds\.yaml:1: unknown kind "Gateway" .*\(BASCULE_E_CONFIG_UNKNOWN_KIND\)/);
      expect(r.stderr).to.match(
        /kinds\.yaml:6:1 Backend\/default\/b apiVersion: .*use bascule\.dev\/v1alpha1 \(BASCULE_E_CONFIG_API_VERSION\)/,
      );
      expect(r.stderr).to.match(/^2 problems found/m);
      noStack(r);
    });

    it('reports schema and reference problems as file:line:column (of the field) kind/namespace/name field: message (code)', () => {
      write(
        'dir/frontend.yaml',
        'apiVersion: bascule.dev/v1alpha1\nkind: Frontend\nmetadata: {name: f, namespace: shop}\nspec:\n  bind: {port: 80}\n  defaultBackend: missing\n---\napiVersion: bascule.dev/v1alpha1\nkind: Backend\nmetadata: {name: b, namespace: shop}\nspec:\n  servers: [{name: s, address: 10.0.0.1, port: 80}]\n  timeouts: {connect: 5x}\n',
      );
      const r = bascule(['validate', '-f', join(tmp, 'dir')]);
      expect(r.code).to.equal(1);
      expect(r.stderr).to.match(
        /frontend\.yaml:6:3 Frontend\/shop\/f spec\.defaultBackend: Backend "missing" not found .*\(BASCULE_E_REF_NOT_FOUND\)/,
      );
      expect(r.stderr).to.match(
        /frontend\.yaml:13:14 Backend\/shop\/b spec\.timeouts\.connect: invalid duration "5x".*\(BASCULE_E_INVALID_DURATION\)/,
      );
      noStack(r);
    });

    it('a missing path is a problem, not a crash', () => {
      const r = bascule(['validate', '-f', join(tmp, 'nope.yaml')]);
      expect(r.code).to.equal(1);
      expect(r.stderr).to.match(/nope\.yaml: cannot read: ENOENT \(BASCULE_E_CONFIG_PARSE\)/);
      noStack(r);
    });
  });

  describe('compile', () => {
    const input = join(FIXTURES, 'path-routing', 'expected.yaml');

    it('prints the snapshot as stable JSON', () => {
      const a = bascule(['compile', '-f', input]);
      const b = bascule(['compile', '-f', input]);
      expect(a.code, a.stderr).to.equal(0);
      expect(a.stdout).to.equal(b.stdout);
      const snap = JSON.parse(a.stdout) as Record<
        string,
        {
          version: string;
          body: { frontends: { id: string; rules: { name: string }[] }[]; backends: { id: string }[] };
        }
      >;
      expect(Object.keys(snap)).to.deep.equal(['default']);
      expect(snap.default!.version).to.match(/^[0-9a-f]{64}$/);
      expect(snap.default!.body.frontends.map((f) => f.id)).to.deep.equal(['default/www']);
      expect(snap.default!.body.frontends[0]!.rules.map((r) => r.name)).to.include.members([
        'deny',
        'api-servers',
        'static-servers',
      ]);
      expect(snap.default!.body.backends.map((x) => x.id)).to.deep.equal([
        'default/api-servers',
        'default/app-servers',
        'default/static-servers',
      ]);
      const one = bascule(['compile', '-f', input, '--group', 'default']);
      expect(JSON.parse(one.stdout)).to.deep.equal(snap.default);
    });

    it('--summary is readable', () => {
      const r = bascule(['compile', '-f', input, '--summary']);
      expect(r.code).to.equal(0);
      expect(r.stdout).to.match(/^group default {2}version [0-9a-f]{12}\n/);
      expect(r.stdout).to.contain('frontend default/www  http 0.0.0.0:8080');
      expect(r.stdout).to.contain('rule deny: path exact=/admin deny 403');
      expect(r.stdout).to.contain('backend default/app-servers  http roundrobin check http /health every 3s');
      expect(r.stdout).to.contain('server app3 10.0.3.12:8080 weight 1 maintenance');
    });

    it('an unknown group or an invalid input exits non-zero', () => {
      const r = bascule(['compile', '-f', input, '--group', 'edge']);
      expect(r.code).to.equal(1);
      expect(r.stderr).to.contain('no frontends in group edge');
      const bad = bascule(['compile', '-f', write('c.yaml', 'kind: [\n')]);
      expect(bad.code).to.equal(1);
      expect(bad.stderr).to.match(/c\.yaml:\d+:\d+: YAML syntax error/);
      noStack(bad);
    });
  });

  describe('import', () => {
    for (const c of fixtureCases()) {
      it(`${c}: stdout and stderr are the golden files`, () => {
        const r = bascule(['import', 'haproxy.cfg'], join(FIXTURES, c));
        expect(r.code, r.stderr).to.equal(0);
        expect(r.stdout).to.equal(readFileSync(join(FIXTURES, c, 'expected.yaml'), 'utf8'));
        expect(r.stderr).to.equal(readFileSync(join(FIXTURES, c, 'expected.stderr'), 'utf8'));
      });
    }

    it('its output passes bascule validate, in the namespace asked for', () => {
      const r = bascule(['import', join(FIXTURES, 'listen-webfarm', 'haproxy.cfg'), '--namespace', 'web']);
      expect(r.code).to.equal(0);
      const f = write('webfarm.yaml', r.stdout);
      const v = bascule(['validate', '-f', f]);
      expect(v.code, v.stderr).to.equal(0);
      expect(v.stdout).to.equal('valid: 1 frontends, 1 backends, 1 health policies\n');
      const snap = JSON.parse(bascule(['compile', '-f', f]).stdout);
      expect(snap.default.body.backends[0].id).to.equal('web/webfarm');
    });

    it('a bad haproxy.cfg line: file:line: message, exit 1, nothing on stdout, no stack trace', () => {
      const f = write(
        'bad/haproxy.cfg',
        'defaults\n  mode http\nfrontend www\n  bind :80\n  use_backend app if { path_beg /app\nbackend app\n  server a1 10.0.0.1:80 wieght 3\n',
      );
      const r = bascule(['import', f]);
      expect(r.code).to.equal(1);
      expect(r.stdout).to.equal('');
      expect(r.stderr).to.equal(
        `${f}:5: missing "}" in condition\n${f}:7: unknown server option "wieght"\n${f}: 2 errors; nothing was imported\n`,
      );
      noStack(r);
    });

    it('an unreadable file or a bad namespace is a clear message', () => {
      const missing = bascule(['import', join(tmp, 'none.cfg')]);
      expect(missing.code).to.equal(1);
      expect(missing.stderr).to.equal(`${join(tmp, 'none.cfg')}: cannot read: no such file\n`);
      const dir = bascule(['import', tmp]);
      expect(dir.code).to.equal(1);
      expect(dir.stderr).to.equal(`${tmp}: cannot read: is a directory\n`);
      const ns = bascule(['import', join(FIXTURES, 'tcp-mode', 'haproxy.cfg'), '--namespace', 'Bad_NS']);
      expect(ns.code).to.equal(2);
      expect(ns.stderr).to.match(/invalid namespace "Bad_NS"/);
      noStack(missing);
    });
  });
});
