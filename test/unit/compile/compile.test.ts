import { expect } from 'chai';
import { parseAllDocuments } from 'yaml';
import { runStages } from '#controller/pipeline/stages';
import type { CompileInput, SourcedResource } from '#controller/compile/types';
import { checkConsistency } from '#controller/snapshot/consistency';
import { canonicalJson, sha256Hex } from '#protocol/canonical';
import { parseDuration } from '#protocol/duration';

const resources = (text: string): SourcedResource[] => parseAllDocuments(text).map((d) => d.toJS());
const input = (text: string, extra: Partial<CompileInput> = {}): CompileInput => ({
  resources: resources(text),
  secrets: [],
  services: [],
  ...extra,
});

const BASE = `
apiVersion: bascule.dev/v1alpha1
kind: Frontend
metadata: {name: web}
spec: {bind: {port: 8080}, defaultBackend: web}
---
apiVersion: bascule.dev/v1alpha1
kind: Backend
metadata: {name: web}
spec: {servers: [{name: a, address: 10.0.0.1, port: 80}, {name: b, address: 10.0.0.2, port: 80}]}
`;

describe('compile', () => {
  it('is deterministic: same input, same bytes, whatever the input order', () => {
    const a = runStages(input(BASE));
    const b = runStages({ ...input(BASE), resources: resources(BASE).reverse() });
    expect(canonicalJson(a)).to.equal(canonicalJson(b));
  });

  it('addresses the snapshot by the digest of its body and deep-freezes it', () => {
    const snap = runStages(input(BASE)).snapshots.default!;
    const digest = (o: object): string => sha256Hex(canonicalJson(o));
    const b = snap.body;
    expect(snap.version).to.equal(
      digest({ ...b, frontends: b.frontends.map(digest), backends: b.backends.map(digest) }),
    );
    expect(Object.isFrozen(snap.body.frontends[0]!.bind)).to.equal(true);
    expect(Reflect.set(snap.body.frontends[0]!.bind, 'port', 1)).to.equal(false);
    expect(snap.body.frontends[0]!.bind.port).to.equal(8080);
  });

  it('applies schema defaults without mutating the input', () => {
    const inp = input(BASE);
    const before = JSON.stringify(inp);
    const snap = runStages(inp).snapshots.default!;
    expect(JSON.stringify(inp)).to.equal(before);
    expect(snap.body.frontends[0]!.bind.address).to.equal('0.0.0.0');
    expect(snap.body.frontends[0]!.mode).to.equal('http');
    expect(snap.body.backends[0]!.servers[0]!.weight).to.equal(1);
    expect(snap.body.backends[0]!.balance.algorithm).to.equal('roundrobin');
  });

  it('keeps the last accepted version serving when an edit is invalid', () => {
    const good = runStages(input(BASE));
    const broken = BASE.replace('port: 8080', 'port: 99999');
    const res = runStages(input(broken, { lastAccepted: resources(BASE) }));
    expect(res.snapshots.default!.version).to.equal(good.snapshots.default!.version);
    const fe = res.objects.find((o) => o.ref.kind === 'Frontend')!;
    expect(fe.accepted).to.equal(false);
    expect(fe.servingPrevious).to.equal(true);
    expect(fe.diagnostics[0]!.field).to.equal('spec.bind.port');
  });

  it('without a previous version, an invalid object is excluded and the others still compile', () => {
    const text = `${BASE}
---
apiVersion: bascule.dev/v1alpha1
kind: Frontend
metadata: {name: broken}
spec: {bind: {port: 8081}, defaultBackend: web, rules: [{name: x, backend: web, deny: {status: 403}}]}
`;
    const res = runStages(input(text));
    expect(res.snapshots.default!.body.frontends.map((f) => f.id)).to.deep.equal(['default/web']);
    const d = res.diagnostics.find((x) => x.object.name === 'broken')!;
    expect(d.field).to.equal('spec.rules[0]');
    expect(d.message).to.contain('exactly one of backend, redirect or deny');
  });

  it('produces snapshots that pass the consistency gate', () => {
    for (const snap of Object.values(runStages(input(BASE)).snapshots))
      expect(checkConsistency(snap.body)).to.deep.equal([]);
  });

  it('the gate catches a dangling reference', () => {
    const body = structuredClone(runStages(input(BASE)).snapshots.default!.body) as any;
    body.backends = [];
    expect(checkConsistency(body)[0]).to.contain('missing backend default/web');
  });
});

describe('parseDuration', () => {
  it('parses compound durations', () => {
    expect(parseDuration('1m30s')).to.equal(90_000);
    expect(parseDuration('250ms')).to.equal(250);
    expect(parseDuration('1.5s')).to.equal(1500);
    expect(() => parseDuration('5 s')).to.throw(/invalid duration/);
  });
});
