// The pipeline's stages and memory: validate runs per object (and once per frozen object across
// runs), the last accepted version lives in one place, and what it keeps or forgets.
import { expect } from 'chai';
import { EventEmitter } from 'node:events';
import { parseAllDocuments } from 'yaml';
import type { Snapshot } from '#protocol/snapshot';
import { deepFreeze } from '#protocol/canonical';
import type { CompileInput, SourcedResource } from '#controller/compile/types';
import type { ControllerEvents } from '#controller/events';
import { silentLogger } from '#controller/log';
import { acceptedVersions, nextAcceptedVersions } from '#controller/pipeline/accepted-versions';
import { Pipeline, type SnapshotPublisher } from '#controller/pipeline/pipeline';
import { runStages } from '#controller/pipeline/stages';
import { validateResource, type ValidatedObject } from '#controller/validate/validate';

const resources = (text: string): SourcedResource[] =>
  parseAllDocuments(text).map((d) => deepFreeze(d.toJS() as SourcedResource));
const input = (rs: SourcedResource[]): CompileInput => ({ resources: rs, secrets: [], services: [] });

const frontend = (name: string, port: number | string) => `
apiVersion: bascule.dev/v1alpha1
kind: Frontend
metadata: {name: ${name}}
spec: {bind: {port: ${port}}, defaultBackend: web}
`;
const BACKEND = `
apiVersion: bascule.dev/v1alpha1
kind: Backend
metadata: {name: web}
spec: {servers: [{name: a, address: 10.0.0.1, port: 80}]}
`;

/** Keeps what was published, as the snapshot server does. */
class MemoryPublisher implements SnapshotPublisher {
  live: Record<string, Snapshot> = {};
  publishes = 0;
  snapshots() {
    return { ...this.live };
  }
  publish(snapshots: Readonly<Record<string, Snapshot>>, opts: { hold?: Iterable<string> } = {}) {
    const held = new Set(opts.hold ?? []);
    const next: Record<string, Snapshot> = { ...snapshots };
    for (const g of held) if (this.live[g]) next[g] = this.live[g]!;
    this.live = next;
    this.publishes++;
  }
}

describe('pipeline', () => {
  it('validates each object once per run, the stand-in version included', () => {
    const good = resources(`${frontend('web', 8080)}---${BACKEND}`);
    const broken = resources(`${frontend('web', 99999)}---${BACKEND}`);
    const seen: string[] = [];
    const counting = (r: SourcedResource): ValidatedObject => {
      seen.push(`${r.kind}/${r.metadata.name}:${JSON.stringify(r.spec).includes('99999') ? 'new' : 'old'}`);
      return validateResource(r);
    };
    const result = runStages({ ...input(broken), lastAccepted: good }, counting);
    expect(seen).to.deep.equal(['Frontend/web:new', 'Backend/web:old', 'Frontend/web:old']);
    const fe = result.objects.find((o) => o.ref.kind === 'Frontend')!;
    expect(fe).to.include({ accepted: false, servingPrevious: true });
    expect(result.snapshots.default!.body.frontends[0]!.bind.port).to.equal(8080);
  });

  it('remembers what was accepted, keeps it through a rejected edit, forgets deleted objects', () => {
    const v1 = resources(`${frontend('a', 8080)}---${frontend('b', 8081)}---${BACKEND}`);
    const r1 = runStages(input(v1));
    const m1 = nextAcceptedVersions(new Map(), v1, r1.objects);
    expect([...m1.keys()].sort()).to.deep.equal([
      'Backend/default/web',
      'Frontend/default/a',
      'Frontend/default/b',
    ]);

    // b now conflicts with a on port 8080 and loses (compile rejects it): its last accepted
    // version stays remembered, the rejected one is not.
    const v2 = resources(`${frontend('a', 8080)}---${frontend('b', 8080)}---${BACKEND}`);
    const r2 = runStages({ ...input(v2), lastAccepted: [...m1.values()] });
    expect(r2.objects.find((o) => o.ref.name === 'b' && o.ref.kind === 'Frontend')!.accepted).to.equal(false);
    const m2 = nextAcceptedVersions(m1, v2, r2.objects);
    expect(m2.get('Frontend/default/b')).to.equal(m1.get('Frontend/default/b'));

    // b deleted: forgotten, so a broken b later has nothing to fall back to.
    const v3 = resources(`${frontend('a', 8080)}---${BACKEND}`);
    const m3 = nextAcceptedVersions(m2, v3, runStages(input(v3)).objects);
    expect(m3.has('Frontend/default/b')).to.equal(false);
    const v4 = resources(`${frontend('a', 8080)}---${frontend('b', 'x')}---${BACKEND}`);
    const r4 = runStages({ ...input(v4), lastAccepted: [...m3.values()] });
    const b4 = r4.objects.find((o) => o.ref.name === 'b' && o.ref.kind === 'Frontend')!;
    expect(b4.accepted).to.equal(false);
    expect(b4.servingPrevious).to.equal(undefined);
    expect(acceptedVersions(v4).size).to.equal(3);
  });

  it('runs the stages, publishes only what changed, and reuses validation of unchanged objects', () => {
    const publisher = new MemoryPublisher();
    const events = new EventEmitter<ControllerEvents>();
    const validations = new Map<SourcedResource, ValidatedObject[]>();
    const pipeline = new Pipeline({
      publisher,
      events,
      logger: silentLogger(),
      clock: () => new Date(0),
      stages: (inp, validate) =>
        runStages(inp, (r) => {
          const v = validate(r);
          validations.set(r, [...(validations.get(r) ?? []), v]);
          return v;
        }),
    });
    const published: string[][] = [];
    events.on('compiled', (e) => published.push(e.published));

    const v1 = resources(`${frontend('web', 8080)}---${BACKEND}`);
    pipeline.run(input(v1));
    const version = publisher.live.default!.version;
    pipeline.run(input(v1));
    expect(published).to.deep.equal([['default'], []]);
    expect(publisher.publishes).to.equal(1);
    expect([...validations.values()].map((vs) => vs.length)).to.deep.equal([2, 2]);
    for (const [, vs] of validations) expect(vs[0]).to.equal(vs[1]); // the same result object

    // An invalid edit: the last accepted version keeps serving; nothing is published.
    const broken = [resources(frontend('web', 99999))[0]!, v1[1]!];
    pipeline.run(input(broken));
    expect(publisher.live.default!.version).to.equal(version);
    expect(pipeline.lastResult!.objects.find((o) => o.ref.kind === 'Frontend')!.servingPrevious).to.equal(
      true,
    );
    expect(published.at(-1)).to.deep.equal([]);
  });
});
