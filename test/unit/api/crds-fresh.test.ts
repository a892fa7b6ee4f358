import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { parse } from 'yaml';
import { renderCrdBundle, renderCrdFiles } from '#api/crd';
import { KINDS } from '#api/v1alpha1';
import { CEL_TWINS } from '#controller/validate/cel-twins';
import { allCelRules } from '#controller/validate/schema-walk';

const root = join(import.meta.dirname, '../../..');

describe('CRDs', () => {
  it('crds/ matches the schema source (run `npm run gen:crds` when this fails)', () => {
    for (const [name, text] of Object.entries(renderCrdFiles())) {
      const onDisk = readFileSync(join(root, 'crds', name), 'utf8');
      expect(onDisk, `crds/${name} is stale`).to.equal(text);
    }
  });

  it('the Helm chart and the kustomize base carry the same CRDs (run `npm run gen:crds`)', () => {
    const chartDir = join(root, 'manifests/helm/bascule/crds');
    expect(readdirSync(chartDir).sort()).to.deep.equal(Object.keys(renderCrdFiles()).sort());
    for (const [name, text] of Object.entries(renderCrdFiles())) {
      expect(readFileSync(join(chartDir, name), 'utf8'), `chart crds/${name} is stale`).to.equal(text);
      expect(readFileSync(join(root, 'crds', name), 'utf8')).to.equal(text);
    }
    const bundle = readFileSync(join(root, 'manifests/kustomize/base/crds.yaml'), 'utf8');
    expect(bundle, 'manifests/kustomize/base/crds.yaml is stale').to.equal(renderCrdBundle());
  });

  it('every field has a description, so kubectl explain is useful', () => {
    const missing: string[] = [];
    const walk = (s: any, path: string) => {
      if (!s || typeof s !== 'object') return;
      if (path !== '' && !s.description && !path.endsWith('[]') && !path.endsWith('|')) missing.push(path);
      for (const [k, v] of Object.entries<any>(s.properties ?? {})) walk(v, `${path}.${k}`);
      if (s.items) walk(s.items, `${path}[]`);
    };
    for (const [name, text] of Object.entries(renderCrdFiles())) {
      const crd = parse(text);
      const schema = crd.spec.versions[0].schema.openAPIV3Schema;
      walk(schema.properties.spec, `${name}:spec`);
      walk(schema.properties.status, `${name}:status`);
    }
    expect(missing).to.deep.equal([]);
  });

  it('is structural: no additionalProperties:false beside properties', () => {
    for (const text of Object.values(renderCrdFiles()))
      expect(text).not.to.match(/additionalProperties: false/);
  });

  it('every CEL rule has a TypeScript twin used off-cluster', () => {
    const rules = new Set<string>();
    for (const k of KINDS) allCelRules(k.spec, rules);
    expect(rules.size).to.be.greaterThan(5);
    for (const r of rules) expect(CEL_TWINS, `missing twin for ${r}`).to.have.property(r);
  });

  it('has status subresource, short names and printer columns', () => {
    for (const text of Object.values(renderCrdFiles())) {
      const crd = parse(text);
      const v = crd.spec.versions[0];
      expect(v.subresources).to.deep.equal({ status: {} });
      expect(crd.spec.names.shortNames).to.have.length.greaterThan(0);
      expect(v.additionalPrinterColumns.map((c: any) => c.name)).to.include('Accepted');
    }
  });
});
