// The ahead-of-time validators (#protocol/validators, generated code) against ajv compiling the
// same schemas at run time with the same options: on a corpus of valid messages (the golden
// snapshots and one of each channel message) and their mutants (wrong types, missing required
// fields, extra properties, out-of-range numbers, strings and arrays over their bounds, unknown
// literals), both give the same verdict and the same errors, first one included. The generated
// code refers to FrontendSnap and BackendSnap from SnapshotBody instead of repeating them
// (validators-codegen.ts, withRefs): there ajv's `schemaPath` of an error inside them is relative
// to the referenced schema, so the reference's is rewritten the same way before comparing.
// The same holds for the minified copy of that code the dataplane's bundles read
// (dist/bundle/validators.json, written by bin/bundle.mjs).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { MAX_DELTA_OBJECTS } from '#protocol/delta';
import { MAX_LISTENER_HOSTS, type SnapshotBody } from '#protocol/snapshot';
import {
  validateBackendSnap,
  validateControllerMessage,
  validateDataplaneMessage,
  validateFrontendSnap,
  validateSnapshotBody,
} from '#protocol/validators';
import { AJV_OPTIONS, VALIDATED_SCHEMAS } from '#protocol/validators-codegen';
import { ROOT } from '../../support/process.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Path = Array<string | number>;
const DELETE = Symbol('delete');

const GENERATED: Record<keyof typeof VALIDATED_SCHEMAS, ValidateFunction> = {
  SnapshotBody: validateSnapshotBody,
  FrontendSnap: validateFrontendSnap,
  BackendSnap: validateBackendSnap,
  DataplaneMessage: validateDataplaneMessage,
  ControllerEnvelope: validateControllerMessage,
};

/** The bundles' validators: bin/bundle.mjs's minified copy of the generated code, made into functions as protocol/src/validators.ts does. */
function bundledValidators(): Record<keyof typeof VALIDATED_SCHEMAS, ValidateFunction> {
  const doc = JSON.parse(readFileSync(join(ROOT, 'dist/bundle/validators.json'), 'utf8')) as {
    source: string;
  };
  const made = new Function(doc.source)() as Record<string, ValidateFunction>;
  const generated = JSON.parse(
    readFileSync(join(ROOT, 'protocol/src/generated/validators.json'), 'utf8'),
  ) as { source: string };
  // Minified: the bundles' copy is not the generated text itself.
  expect(doc.source.length).to.be.lessThan(generated.source.length * 0.8);
  return {
    SnapshotBody: made.SnapshotBody!,
    FrontendSnap: made.FrontendSnap!,
    BackendSnap: made.BackendSnap!,
    DataplaneMessage: made.DataplaneMessage!,
    ControllerEnvelope: made.ControllerEnvelope!,
  };
}

/** Longer than any array bound of the contract (listener hosts, delta objects). */
const OVER_LONG_ARRAY = Math.max(MAX_LISTENER_HOSTS, MAX_DELTA_OBJECTS) + 1;

/** What `node` may be replaced with; over-long arrays only where checking them stays cheap. */
function replacements(node: Json, overLongArrays: boolean): Array<Json | typeof DELETE> {
  // One character longer: a string at its bound becomes one over it; a literal, an unknown one.
  if (typeof node === 'string') return [1, '', `${node}x`, 'x'.repeat(300)];
  if (typeof node === 'number') return ['1', -1, 0.5, 2 ** 53 + 2];
  if (typeof node === 'boolean') return ['true', 0, null];
  if (node === null) return [0, {}];
  if (Array.isArray(node)) {
    const out: Json[] = [{}, null, [...node, ...node]];
    const primitive = node.every((x) => typeof x !== 'object' || x === null);
    if (overLongArrays || primitive) out.push(new Array<Json>(OVER_LONG_ARRAY).fill(node[0] ?? 'x'));
    return out;
  }
  return [[], null, 'object', { ...node, unexpected: 1 }];
}

function withChange(root: Json, path: Path, value: Json | typeof DELETE): Json {
  if (path.length === 0) return value === DELETE ? null : value;
  const copy = structuredClone(root);
  let parent = copy as Record<string | number, Json>;
  for (const step of path.slice(0, -1)) parent = parent[step] as Record<string | number, Json>;
  const last = path[path.length - 1]!;
  if (value === DELETE) delete parent[last];
  else parent[last] = value;
  return copy;
}

/** Every mutant of `root`: each node replaced (see replacements) and each object key removed. */
function mutants(root: Json, overLongArrays = false): Json[] {
  const out: Json[] = [];
  const visit = (node: Json, path: Path): void => {
    for (const r of replacements(node, overLongArrays)) out.push(withChange(root, path, r));
    if (Array.isArray(node)) node.forEach((child, i) => visit(child, [...path, i]));
    else if (node !== null && typeof node === 'object')
      for (const [key, child] of Object.entries(node)) {
        out.push(withChange(root, [...path, key], DELETE));
        visit(child, [...path, key]);
      }
  };
  visit(root, []);
  return out;
}

function goldenBodies(): SnapshotBody[] {
  const dir = join(ROOT, 'test/golden/fixtures');
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const file = JSON.parse(readFileSync(join(dir, name, 'snapshot.json'), 'utf8')) as Record<
        string,
        { body: SnapshotBody }
      >;
      return Object.values(file).map((s) => s.body);
    });
}

const server = { backend: 'default/web', server: 's1', address: '127.0.0.1:8080', since: 1_700_000_000_000 };
const DATAPLANE_MESSAGES: Json[] = [
  { type: 'hello', nodeId: 'node-a', group: 'default', lastAppliedVersion: null, protocolVersion: 1 },
  {
    type: 'hello',
    nodeId: 'n'.repeat(253),
    group: 'g'.repeat(63),
    lastAppliedVersion: 'v1',
    protocolVersion: 1,
  },
  { type: 'ack', version: 'v1', nonce: 'n1' },
  {
    type: 'nack',
    version: null,
    nonce: 'n2',
    rejectedVersion: 'v2',
    error: { code: 'E_BUILD', message: 'bad' },
  },
  { type: 'heartbeat', ts: 1 },
  { type: 'health', full: true, servers: [{ ...server, state: 'up', reason: 'L7OK' }] },
  { type: 'overrides', servers: [{ ...server, state: 'drain', reason: 'maintenance window' }] },
];

describe("protocol: generated validators (and the bundles' minified copy) agree with ajv compiling the schemas at run time", function () {
  this.timeout(120_000);
  const ajv = new Ajv(AJV_OPTIONS);
  const bodies = goldenBodies();
  const frontends = bodies.flatMap((b) => b.frontends) as unknown as Json[];
  const backends = bodies.flatMap((b) => b.backends) as unknown as Json[];
  const keywords = new Set<string>();

  /** JSON pointers (as `#/…`) of the sub-schemas of `name` that are other validated schemas. */
  function referenced(name: keyof typeof VALIDATED_SCHEMAS): string[] {
    const others = new Set<unknown>(
      Object.entries(VALIDATED_SCHEMAS).flatMap(([n, s]) => (n === name ? [] : [s])),
    );
    const out: string[] = [];
    const visit = (node: unknown, at: string): void => {
      if (node === null || typeof node !== 'object') return;
      if (others.has(node)) return void out.push(at);
      for (const [k, v] of Object.entries(node)) visit(v, `${at}/${k}`);
    };
    visit(VALIDATED_SCHEMAS[name], '#');
    return out;
  }

  const bundled = bundledValidators();

  function agree(name: keyof typeof VALIDATED_SCHEMAS, valid: Json[], overLongArrays = false): void {
    agreeOne(name, GENERATED[name], valid, overLongArrays);
    agreeOne(name, bundled[name], valid, overLongArrays);
  }

  function agreeOne(
    name: keyof typeof VALIDATED_SCHEMAS,
    generated: ValidateFunction,
    valid: Json[],
    overLongArrays: boolean,
  ): void {
    const reference = ajv.compile(VALIDATED_SCHEMAS[name]);
    const corpus = [...valid, ...valid.flatMap((v) => mutants(v, overLongArrays)), null, 0, 'x', [], {}];
    const refs = referenced(name);
    if (name === 'SnapshotBody')
      expect(refs).to.deep.equal(['#/properties/frontends/items', '#/properties/backends/items']);
    const relative = (path: string): string => {
      const at = refs.find((r) => path === r || path.startsWith(`${r}/`));
      return at === undefined ? path : `#${path.slice(at.length)}`;
    };
    let rejected = 0;
    const pick = (errors: ErrorObject[] | null | undefined, path = (p: string) => p) =>
      (errors ?? []).map(({ instancePath, schemaPath, keyword, params, message }) => ({
        instancePath,
        schemaPath: path(schemaPath),
        keyword,
        params,
        message,
      }));
    for (const [i, data] of corpus.entries()) {
      const expected = reference(data);
      const actual = generated(data);
      // Described only on a failure: some cases hold arrays of 100,001 items.
      const describe = () => `${name} case ${i}: ${JSON.stringify(data).slice(0, 300)}`;
      if (i < valid.length && !expected) expect.fail(`not valid, ${describe()}`);
      if (actual !== expected) expect.fail(`verdict ${actual}, ajv says ${expected}: ${describe()}`);
      const want = pick(reference.errors, relative);
      const got = pick(generated.errors);
      if (JSON.stringify(got) !== JSON.stringify(want)) {
        expect(got[0], `first error, ${describe()}`).to.deep.equal(want[0]);
        expect(got, `errors, ${describe()}`).to.deep.equal(want);
      }
      for (const e of want) keywords.add(e.keyword);
      if (!expected) rejected++;
    }
    // Not a corpus of valid input only: most mutants are rejected.
    expect(rejected, `${name}: rejected cases`).to.be.greaterThan(corpus.length / 2);
  }

  it('SnapshotBody: the golden snapshots and their mutants', () => {
    expect(bodies.length).to.be.greaterThan(5);
    agree('SnapshotBody', bodies as unknown as Json[]);
  });

  it('FrontendSnap and BackendSnap: each golden object and its mutants (delta objects)', () => {
    expect(frontends.some((f) => (f as { listener?: unknown }).listener)).to.equal(true);
    agree('FrontendSnap', frontends);
    agree('BackendSnap', backends);
  });

  it('DataplaneMessage: one of each message and their mutants', () => {
    agree('DataplaneMessage', DATAPLANE_MESSAGES);
  });

  it('ControllerEnvelope: snapshot, delta, heartbeat and error messages and their mutants', () => {
    const body = { group: 'default', frontends: [], backends: [] };
    agree(
      'ControllerEnvelope',
      [
        { type: 'snapshot', version: 'v1', nonce: 'n1', body },
        {
          type: 'delta',
          version: 'v2',
          baseVersion: 'v1',
          nonce: 'n2',
          group: 'default',
          // Delta objects are opaque to the envelope (the applier checks them).
          frontends: { upsert: [{ id: 'default/web' }], remove: ['default/old'] },
          backends: { upsert: [{ id: 'default/web' }], remove: [] },
        },
        { type: 'heartbeat', ts: 2 },
        { type: 'error', error: { code: 'E_GROUP', message: 'no such group' } },
      ],
      true,
    );
  });

  it('the corpus reached every kind of check the contract makes', () => {
    for (const k of [
      'type',
      'required',
      'additionalProperties',
      'minimum',
      'minLength',
      'maxLength',
      'maxItems',
      'const',
      'anyOf',
    ])
      expect([...keywords], `an error of keyword ${k}`).to.include(k);
  });
});
