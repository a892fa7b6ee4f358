// The JSON fast path for manifest files against the YAML path: on every generated document the
// two give the very same result (records with their origins, diagnostics), and the fast path
// is taken for the plain ones (else it would be a slow path that only looks fast).
import { expect } from 'chai';
import { parseJsonManifest } from '#controller/sources/json-manifest';
import { MANIFEST_LIMITS, parseManifestFile } from '#controller/sources/parse-file';

/** A small deterministic PRNG (mulberry32): the same documents on every run. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FILE = '/manifests/x.json';

function both(text: string) {
  return {
    fast: parseManifestFile(text, FILE),
    yaml: parseManifestFile(text, FILE, MANIFEST_LIMITS, { yamlOnly: true }),
  };
}

describe('manifest files: the JSON fast path', () => {
  const backend = (servers: object[], extra: object = {}) => ({
    apiVersion: 'bascule.dev/v1alpha1',
    kind: 'Backend',
    metadata: { name: 'web', namespace: 'shop' },
    spec: { mode: 'http', servers, ...extra },
  });

  it('gives the YAML path result, origins included, and is taken, for plain documents in any layout', () => {
    const r = rng(14);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
    const strings = ['a', 'web-01', 'é ü', 'tab\\t', 'q\\"x', 'slash\\/', 'nl\\n', '日本', '', '💡'];
    let taken = 0;
    for (let round = 0; round < 300; round++) {
      const servers = Array.from({ length: Math.floor(r() * 6) }, (_, s) => ({
        name: `s${s}`,
        address: `10.0.0.${s}`,
        port: pick([80, 8080, 0, 65535]),
        weight: pick([1, 100, 1.5, 1e2, -0]),
        backup: pick([true, false]),
        ...(r() < 0.3 ? { state: pick(['ready', 'drain', 'maintenance']) } : {}),
        ...(r() < 0.2 ? { cookie: JSON.parse(`"${pick(strings)}"`) as string } : {}),
      }));
      const doc = backend(
        servers,
        r() < 0.3 ? { balance: { algorithm: 'roundrobin' }, empty: {}, list: [] } : {},
      );
      const indent = pick([undefined, 0, 1, 2, 4, '\t']);
      let text = JSON.stringify(doc, null, indent);
      if (r() < 0.3) text = text.replace(/\n/g, '\r\n');
      if (r() < 0.3) text = `\n  ${text}\n\n`;
      if (r() < 0.2) text = text.replace(/:/g, ' : ').replace(/,/g, ' ,');
      const { fast, yaml } = both(text);
      expect(fast, text).to.deep.equal(yaml);
      if (parseJsonManifest(text, FILE, MANIFEST_LIMITS)) taken++;
    }
    // Only the documents the validate step diagnoses (a weight of 1.5, an unknown field) are
    // left to the YAML path.
    expect(taken, 'documents the fast path took').to.be.greaterThan(100);
    const plain = JSON.stringify(backend([{ name: 'a', address: '10.0.0.1', port: 80 }]), null, 2);
    expect(parseJsonManifest(plain, FILE, MANIFEST_LIMITS), 'a plain Backend').to.not.equal(undefined);
  });

  it('leaves to the YAML path (and then gives its result) what JSON.parse would take differently or a bound refuses', () => {
    const deep = (n: number): unknown => (n === 0 ? 1 : { x: deep(n - 1) });
    const cases: Record<string, string> = {
      'duplicate key':
        '{"apiVersion":"bascule.dev/v1alpha1","kind":"Backend","kind":"Backend","metadata":{"name":"a"},"spec":{"mode":"http"}}',
      'non-finite number':
        '{"apiVersion":"bascule.dev/v1alpha1","kind":"Backend","metadata":{"name":"a"},"spec":{"mode":"http","servers":[{"name":"a","address":"x","port":1e400}]}}',
      '\\u escape':
        '{"apiVersion":"bascule.dev/v1alpha1","kind":"Backend","metadata":{"name":"\\u0061"},"spec":{"mode":"http"}}',
      __proto__:
        '{"apiVersion":"bascule.dev/v1alpha1","kind":"Backend","metadata":{"name":"a","__proto__":{"x":1}},"spec":{"mode":"http"}}',
      'long key': `{"apiVersion":"bascule.dev/v1alpha1","kind":"Backend","metadata":{"name":"a"},"spec":{"mode":"http","${'k'.repeat(1100)}":1}}`,
      'long string': `{"apiVersion":"bascule.dev/v1alpha1","kind":"Backend","metadata":{"name":"${'n'.repeat(MANIFEST_LIMITS.maxStringLength + 1)}"},"spec":{}}`,
      'too deep': JSON.stringify({
        apiVersion: 'bascule.dev/v1alpha1',
        kind: 'Backend',
        metadata: { name: 'a' },
        spec: deep(40),
      }),
      'v1 List': JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [backend([])] }),
      'two documents': `${JSON.stringify(backend([]))}\n---\n${JSON.stringify(backend([]))}`,
      'a comment': `# generated\n${JSON.stringify(backend([]))}`,
      'trailing comma': '{"apiVersion":"bascule.dev/v1alpha1","kind":"Backend","metadata":{"name":"a"},}',
      'unknown kind': JSON.stringify({ ...backend([]), kind: 'Gateway' }),
      'no name': JSON.stringify({ ...backend([]), metadata: {} }),
      'a list': '[1,2]',
      'raw tab in a string':
        '{"apiVersion":"bascule.dev/v1alpha1","kind":"Backend","metadata":{"name":"a\tb"},"spec":{}}',
      'leading zero':
        '{"apiVersion":"bascule.dev/v1alpha1","kind":"Backend","metadata":{"name":"a"},"spec":{"n":01}}',
    };
    for (const [what, text] of Object.entries(cases)) {
      expect(parseJsonManifest(text, FILE, MANIFEST_LIMITS), what).to.equal(undefined);
      const { fast, yaml } = both(text);
      expect(fast, what).to.deep.equal(yaml);
    }
  });

  it('records the line and column of every field as the YAML path does', () => {
    const text =
      '{\n  "apiVersion": "bascule.dev/v1alpha1",\n  "kind": "Backend",\n  "metadata": {"name": "a"},\n  "spec": {"mode": "http", "servers": [\n    {"name": "s", "address": "10.0.0.1", "port": 80}\n  ]}\n}\n';
    const fast = parseJsonManifest(text, FILE, MANIFEST_LIMITS)!;
    expect(fast).to.not.equal(undefined);
    const rec = fast.records[0]!;
    expect(rec.type).to.equal('resource');
    const origin = (
      rec as { resource: { origin?: { line: number; fields: Record<string, [number, number]> } } }
    ).resource.origin!;
    expect(origin.line).to.equal(1);
    expect(origin.fields['spec.servers[0]']).to.deep.equal([6, 5]);
    expect(origin.fields['spec.servers[0].port']).to.deep.equal([6, 42]);
    expect(both(text).fast).to.deep.equal(both(text).yaml);
  });
});
