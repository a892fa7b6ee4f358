// Controller side of TLS: certificates checked at compile time, the last good certificate of a
// Secret kept serving while its new content is bad, and private keys never printed.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { parseAllDocuments } from 'yaml';
import { compileCommand } from '#controller/cli/compile-command';
import { runStages } from '#controller/pipeline/stages';
import type { CompileInput, CompileResult, SecretData, SourcedResource } from '#controller/compile/types';
import { redactSnapshotBody } from '#controller/snapshot/redact';
import { TestCa, strayKey, type Pem } from './certs.js';

const ROOT = join(import.meta.dirname, '../../..');
const resources = (text: string): SourcedResource[] => parseAllDocuments(text).map((d) => d.toJS());

const MANIFESTS = `
apiVersion: bascule.dev/v1alpha1
kind: Frontend
metadata: {name: shop}
spec:
  bind: {port: 8443}
  tls: {certificates: [{secretName: shop-tls}], alpn: [h2, http/1.1]}
  defaultBackend: web
---
apiVersion: bascule.dev/v1alpha1
kind: Frontend
metadata: {name: other}
spec:
  bind: {port: 9443}
  tls: {certificates: [{secretName: other-tls}]}
  defaultBackend: web
---
apiVersion: bascule.dev/v1alpha1
kind: Backend
metadata: {name: web}
spec:
  servers: [{name: a, address: 10.0.0.1, port: 443}]
  tls: {sni: web.internal, clientCertificate: {secretName: client-tls}}
`;

const secret = (name: string, pem: { cert: string; key?: string }): SecretData => ({
  namespace: 'default',
  name,
  type: 'kubernetes.io/tls',
  data: { 'tls.crt': pem.cert, ...(pem.key !== undefined ? { 'tls.key': pem.key } : {}) },
});

describe('tls: compile', function () {
  this.timeout(60_000);
  let ca: TestCa;
  let shop: Pem, shop2: Pem, other: Pem, client: Pem, expired: Pem;
  const NOW = Date.now();

  before(() => {
    ca = new TestCa();
    shop = ca.issue({ dns: ['shop.example.test'] });
    shop2 = ca.issue({ dns: ['shop.example.test'] });
    other = ca.issue({ dns: ['other.example.test'] });
    client = ca.issue({ client: true, cn: 'lb' });
    expired = ca.issue({ dns: ['shop.example.test'], start: '20200101000000Z', end: '20210101000000Z' });
  });
  after(() => ca?.cleanup());

  const input = (shopSecret: SecretData | undefined, extra: Partial<CompileInput> = {}): CompileInput => ({
    resources: resources(MANIFESTS),
    secrets: [...(shopSecret ? [shopSecret] : []), secret('other-tls', other), secret('client-tls', client)],
    services: [],
    now: NOW,
    ...extra,
  });
  const shopFe = (r: CompileResult) =>
    r.snapshots.default?.body.frontends.find((f) => f.id === 'default/shop');
  const report = (r: CompileResult, name: string) => r.objects.find((o) => o.ref.name === name)!;

  it('compiles certificates with the names they serve, and reports every one it used', () => {
    const r = runStages(input(secret('shop-tls', shop)));
    const fe = shopFe(r)!;
    expect(fe.tls!.certificates).to.deep.equal([
      { name: 'shop-tls', certPem: shop.cert, keyPem: shop.key, serverNames: ['shop.example.test'] },
    ]);
    expect(Object.keys(r.certificates!)).to.deep.equal([
      'default/client-tls',
      'default/other-tls',
      'default/shop-tls',
    ]);
    expect(r.snapshots.default!.body.backends[0]!.tls).to.deep.include({
      clientCertPem: client.cert,
      clientKeyPem: client.key,
      sni: 'web.internal',
    });
  });

  for (const [what, bad, message] of [
    ['expired', () => secret('shop-tls', expired), /expired on/],
    ['key mismatch', () => secret('shop-tls', { cert: shop2.cert, key: strayKey(ca.dir) }), /does not match/],
    [
      'malformed PEM',
      () =>
        secret('shop-tls', {
          cert: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n',
          key: shop.key,
        }),
      /not valid PEM/,
    ],
    ['missing Secret', () => undefined, /not found/],
    ['a Secret without tls.key', () => secret('shop-tls', { cert: shop2.cert }), /must have keys/],
  ] as const) {
    it(`${what}: the previous certificate keeps serving, with a clear condition; other frontends are unaffected`, () => {
      const good = runStages(input(secret('shop-tls', shop)));
      const r = runStages(input(bad(), { lastGoodCertificates: good.certificates! }));
      expect(shopFe(r)!.tls!.certificates[0]!.certPem).to.equal(shop.cert);
      expect(
        r.snapshots.default!.body.frontends.find((f) => f.id === 'default/other')!.tls!.certificates[0]!
          .certPem,
      ).to.equal(other.cert);
      const rep = report(r, 'shop');
      expect(rep.accepted).to.equal(true);
      expect(rep.resolvedRefs).to.equal(false);
      expect(rep.diagnostics).to.have.length(1);
      expect(rep.diagnostics[0]!.message).to.match(message);
      expect(rep.diagnostics[0]!.message).to.match(
        /the previous certificate of "shop-tls" \(valid until .*\) keeps serving/,
      );
      expect(report(r, 'other').diagnostics).to.deep.equal([]);
      // It stays the last good one for the next compile, until a good certificate arrives.
      expect(r.certificates!['default/shop-tls']!.certPem).to.equal(shop.cert);
      const fixed = runStages(input(secret('shop-tls', shop2), { lastGoodCertificates: r.certificates! }));
      expect(shopFe(fixed)!.tls!.certificates[0]!.certPem).to.equal(shop2.cert);
      expect(report(fixed, 'shop').diagnostics).to.deep.equal([]);
    });
  }

  it('without a previous certificate, a frontend left with none is not served (the others are)', () => {
    const r = runStages(input(secret('shop-tls', expired)));
    expect(shopFe(r)).to.equal(undefined);
    const rep = report(r, 'shop');
    expect(rep.accepted).to.equal(false);
    expect(rep.diagnostics.map((d) => d.message).join('\n')).to.match(
      /expired on[\s\S]*no usable certificate/,
    );
    expect(r.snapshots.default!.body.frontends.map((f) => f.id)).to.deep.equal(['default/other']);
  });

  it('a previous certificate that has expired since is not kept', () => {
    const good = runStages(input(secret('shop-tls', shop)));
    const later = NOW + 40 * 86_400_000; // the test leaves are valid 30 days
    const r = runStages(
      input(secret('shop-tls', expired), { lastGoodCertificates: good.certificates!, now: later }),
    );
    expect(shopFe(r)).to.equal(undefined);
  });

  it('a backend client certificate gets the same checks and fallback', () => {
    const good = runStages(input(secret('shop-tls', shop)));
    const bad: CompileInput = {
      ...input(secret('shop-tls', shop)),
      secrets: [secret('shop-tls', shop), secret('other-tls', other), secret('client-tls', expired)],
    };
    const r = runStages({ ...bad, lastGoodCertificates: good.certificates! });
    expect(r.snapshots.default!.body.backends[0]!.tls!.clientCertPem).to.equal(client.cert);
    expect(report(r, 'web').diagnostics[0]!.message).to.match(/expired on .*keeps serving/);
    const none = runStages(bad);
    expect(none.snapshots.default!.body.backends[0]!.tls!.clientCertPem).to.equal(undefined);
  });

  it('bascule compile prints no private key (keys redacted), and the logger redacts them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bascule-compile-'));
    try {
      writeFileSync(join(ca.dir, 'shop.crt'), shop.cert);
      writeFileSync(join(ca.dir, 'shop.key'), shop.key);
      writeFileSync(
        join(dir, 'site.yaml'),
        MANIFESTS.replace(
          '{secretName: shop-tls}',
          `{certFile: ${join(ca.dir, 'shop.crt')}, keyFile: ${join(ca.dir, 'shop.key')}}`,
        ) +
          `---\napiVersion: v1\nkind: Secret\nmetadata: {name: other-tls}\ntype: kubernetes.io/tls\nstringData:\n  tls.crt: ${JSON.stringify(other.cert)}\n  tls.key: ${JSON.stringify(other.key)}\n` +
          `---\napiVersion: v1\nkind: Secret\nmetadata: {name: client-tls}\ntype: kubernetes.io/tls\nstringData:\n  tls.crt: ${JSON.stringify(client.cert)}\n  tls.key: ${JSON.stringify(client.key)}\n`,
      );
      let out = '';
      let err = '';
      const code = await compileCommand(
        [dir],
        {},
        { out: (s) => void (out += s), err: (s) => void (err += s) },
      );
      expect(err).to.equal('');
      expect(code).to.equal(0);
      expect(out).to.not.contain('PRIVATE KEY');
      const doc = JSON.parse(out).default;
      const fes = doc.body.frontends;
      expect(fes.map((f: any) => f.tls.certificates[0].keyPem)).to.deep.equal(['<redacted>', '<redacted>']);
      expect(fes.find((f: any) => f.id === 'default/shop').tls.certificates[0].certPem).to.equal(shop.cert);
      expect(doc.body.backends[0].tls.clientKeyPem).to.equal('<redacted>');
      let summary = '';
      await compileCommand([dir], { summary: true }, { out: (s) => void (summary += s), err: () => {} });
      expect(summary).to.not.contain('PRIVATE KEY');
      // The snapshot redaction is deep, whatever the nesting.
      expect(
        JSON.stringify(redactSnapshotBody({ a: [{ b: { keyPem: shop.key, clientKeyPem: client.key } }] })),
      ).to.not.contain('PRIVATE');
      // Both loggers blank key fields even if an object carrying one is ever logged.
      const script = [
        "import { createLogger as c } from './controller/src/log.ts';",
        "import { createLogger as d } from './dataplane/src/log.ts';",
        "const k = '-----BEGIN PRIVATE KEY-----secret';",
        "c().warn({ cert: { keyPem: k }, keyPem: k, backend: { clientKeyPem: k } }, 'controller');",
        "d().warn({ cert: { keyPem: k }, keyPem: k, backend: { clientKeyPem: k } }, 'dataplane');",
      ].join('\n');
      const logged = execFileSync(
        process.execPath,
        ['--import', 'tsx', '--conditions=bascule-source', '--input-type=module', '-e', script],
        { cwd: ROOT, encoding: 'utf8', env: { ...process.env, BASCULE_LOG_LEVEL: 'info' } },
      );
      expect(logged).to.contain('"msg":"controller"');
      expect(logged).to.contain('"msg":"dataplane"');
      expect(logged).to.not.contain('PRIVATE KEY');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
