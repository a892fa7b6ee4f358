// The CEL site walk skips the parts of a schema without rules and makes a site's path only when
// asked: it must still find exactly the sites, in the order and with the paths, of a walk of
// every node (the diagnostics' fields and their order depend on it).
import { expect } from 'chai';
import { KINDS } from '#api/v1alpha1';
import { celSites, forEachCelSite } from '#controller/validate/schema-walk';

/** The walk as it was: every node, a path string for each. */
function* everyNode(
  schema: any,
  value: any,
  path: string,
): Generator<{ path: string; value: any; rules: unknown[] }> {
  if (value === undefined || value === null || !schema) return;
  const rules = schema['x-kubernetes-validations'];
  if (rules && typeof value === 'object') yield { path, value, rules };
  if (schema.type === 'object' && schema.properties && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, sub] of Object.entries<any>(schema.properties))
      if (value[k] !== undefined) yield* everyNode(sub, value[k], `${path}.${k}`);
  } else if (schema.type === 'array' && Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) yield* everyNode(schema.items, value[i], `${path}[${i}]`);
  }
}

const specOf = (kind: string) =>
  (KINDS as readonly { kind: string; spec: unknown }[]).find((k) => k.kind === kind)!.spec;

const frontends: unknown[] = [
  { bind: { port: 80 }, mode: 'http', rules: [] },
  {
    bind: { port: 443, address: '0.0.0.0' },
    mode: 'http',
    tls: { certificates: [{ secretName: 'a' }, { secretName: 'b' }] },
    rules: Array.from({ length: 12 }, (_, i) => ({
      name: `r${i}`,
      match: {
        host: `h${i}.example.com`,
        path: i % 3 === 0 ? { exact: `/x${i}` } : { prefix: `/p${i}/` },
        ...(i % 4 === 1
          ? {
              headers: [
                { name: 'x', value: 'y' },
                { name: 'z', regex: '^a' },
              ],
            }
          : {}),
        ...(i % 5 === 2 ? { queryParams: [{ name: 'q', value: '1' }] } : {}),
      },
      backend: `b${i}`,
    })),
    defaultBackend: 'b0',
  },
  // Shapes the rules refuse (both kinds of path, a header with neither value): sites all the same.
  {
    bind: { port: 80 },
    mode: 'http',
    rules: [{ name: 'bad', match: { path: { exact: '/', prefix: '/' }, headers: [{ name: 'h' }] } }],
  },
  { bind: { port: 80 }, mode: 'tcp', rules: [null, { name: 'n' }], tls: null },
];
const backends: unknown[] = [
  { mode: 'http', servers: [{ name: 's', address: '127.0.0.1', port: 80 }] },
  {
    mode: 'http',
    balance: { algorithm: 'consistentHash', hashOn: 'header' },
    persistence: { cookie: { name: 'c' } },
    tls: { clientCertificate: { secretName: 'c' }, verify: true },
    servers: [],
  },
  { mode: 'tcp', balance: {}, persistence: null },
];

describe('CEL site walk', () => {
  for (const [kind, values] of [
    ['Frontend', frontends],
    ['Backend', backends],
    ['HealthPolicy', [{}, { interval: '1s' }]],
  ] as const) {
    it(`finds the sites of every node's walk, in its order and with its paths (${kind})`, () => {
      const schema = specOf(kind);
      let compared = 0;
      for (const value of values) {
        const expected = [...everyNode(schema, value, 'spec')];
        const found: { path: string; value: unknown; rules: unknown[] }[] = [];
        forEachCelSite(schema, value, 'spec', (v, rules, path) =>
          found.push({ path: path(), value: v, rules }),
        );
        expect(found).to.deep.equal(expected);
        expect([...celSites(schema, value, 'spec')]).to.deep.equal(expected);
        // The values are the very objects of the spec, not copies.
        found.forEach((site, i) => expect(site.value).to.equal(expected[i]!.value));
        compared += expected.length;
      }
      if (kind !== 'HealthPolicy') expect(compared, 'sites compared').to.be.greaterThan(values.length);
    });
  }
});
