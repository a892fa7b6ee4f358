import { expect } from 'chai';
import { ErrorCodes } from '#protocol/errors';
import type { ObjectReport } from '#controller/compile/types';
import type { DataplaneInfo } from '#controller/publish/types';
import {
  computeStatus,
  SettledSignatures,
  signedContext,
  type GroupState,
  type StatusContext,
} from '#controller/status/compute';
import type { Condition } from '#controller/status/conditions';
import { HealthAggregator } from '#controller/status/health-aggregator';
import { backendById, STATUS_MAX_DELAY_MS, StatusLoop } from '#controller/status/status-loop';
import { OBJECTS_BETWEEN_YIELDS, STALE_BACKLOG, StatusTracker } from '#controller/status/tracker';
import type { ControllerEvents } from '#controller/events';
import { silentLogger } from '#controller/log';
import type { Snapshot } from '#protocol/snapshot';
import { EventEmitter, once } from 'node:events';
import { reasonOf, REASONS } from '#controller/status/reasons';
import { MemoryStatusWriter } from '#controller/status/writer';
import type { Diagnostic } from '#controller/validate/diagnostic';
import { backend } from './helpers.js';

const V1 = 'ab12cd34ef56' + '0'.repeat(52);
const V0 = 'ffeeddccbbaa' + '0'.repeat(52);
const T0 = new Date('2025-01-01T00:00:00Z');
const T1 = new Date('2025-01-01T00:05:00Z');

const report = (over: Partial<ObjectReport> = {}): ObjectReport => ({
  ref: { kind: 'Frontend', namespace: 'default', name: 'web' },
  generation: 3,
  accepted: true,
  resolvedRefs: true,
  groups: ['default'],
  diagnostics: [],
  ...over,
});

const dp = (
  nodeId: string,
  appliedVersion: string | null,
  over: Partial<DataplaneInfo> = {},
): DataplaneInfo => ({
  nodeId,
  group: 'default',
  remoteAddress: '127.0.0.1:1',
  connectedSince: T0.toISOString(),
  appliedVersion,
  pendingVersion: null,
  lastAck: null,
  lastNack: null,
  ...over,
});

const ctx = (groups: Record<string, GroupState>): StatusContext => ({
  group: (name) => groups[name] ?? { version: null, dataplanes: [] },
});

const diag = (
  field: string,
  message: string,
  code: Diagnostic['code'],
  condition: Diagnostic['condition'],
): Diagnostic => ({
  object: { kind: 'Frontend', namespace: 'default', name: 'web' },
  field,
  message,
  code,
  condition,
});

const cond = (conditions: Condition[] | undefined, type: string) => conditions!.find((c) => c.type === type)!;

describe('status: a backend of a published snapshot by id', () => {
  const snap = (id: string) => ({ id }) as unknown as Parameters<typeof backendById>[0][number];
  it('finds every id of a list in id order, and nothing for an id not in it', () => {
    const list = Array.from({ length: 1000 }, (_, i) => snap(`ns/b${String(i).padStart(4, '0')}`));
    for (const b of list) expect(backendById(list, b.id)).to.equal(b);
    for (const id of ['', 'ns/a', 'ns/b0000x', 'ns/b1000', 'zz'])
      expect(backendById(list, id)).to.equal(undefined);
    expect(backendById([], 'ns/b')).to.equal(undefined);
  });
  it('still finds an id in a list that is not in id order (searched from end to end)', () => {
    const list = ['ns/c', 'ns/a', 'ns/d', 'ns/b'].map(snap);
    for (const b of list) expect(backendById(list, b.id)).to.equal(b);
    expect(backendById(list, 'ns/e')).to.equal(undefined);
  });
});

describe('status: signatures kept across updates (SettledSignatures)', () => {
  // A made-up group whose dataplanes move forward, go back (a restart at an older version),
  // NACK, come and go, and whose latest snapshot fails the gate now and then: at every update
  // the kept signatures must be exactly the ones made afresh, for every since-version.
  it('give the same signature as one made afresh, over random updates of a group', () => {
    const versions = Array.from({ length: 24 }, (_, i) => i.toString(16).padStart(2, '0').repeat(32));
    let seed = 7;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    let kept = 0;
    for (let run = 0; run < 20; run++) {
      const settled = new SettledSignatures();
      const published = new Map<string, number>();
      let latest = 0;
      published.set(versions[0]!, 0);
      let dps = [dp('a', versions[0]!), dp('b', versions[0]!)];
      let inconsistent = false;
      for (let update = 0; update < 60; update++) {
        const r = rand(10);
        if (r < 3 && latest < versions.length - 1) published.set(versions[++latest]!, latest);
        else if (r < 6) {
          const i = rand(dps.length || 1);
          if (dps[i]) dps[i] = dp(dps[i]!.nodeId, versions[rand(latest + 1)]!);
        } else if (r === 6) dps = dps.length > 1 ? dps.slice(1) : [...dps, dp(`n${update}`, null)];
        else if (r === 7 && dps[0])
          dps[0] = dp(dps[0].nodeId, dps[0].appliedVersion, {
            lastNack: {
              version: versions[latest]!,
              at: T0.toISOString(),
              error: { code: ErrorCodes.SNAPSHOT_INCONSISTENT, message: 'no' },
            },
          } as Partial<DataplaneInfo>);
        else if (r === 8) inconsistent = !inconsistent;
        const g: GroupState = {
          version: versions[latest]!,
          dataplanes: [...dps],
          inconsistent,
          order: (v) => published.get(v),
        };
        const withKept = signedContext(ctx({ default: g }), 0, settled);
        const fresh = signedContext(ctx({ default: g }), 0);
        for (let s = 0; s <= latest; s++) {
          const since = new Map([['default', versions[s]!]]);
          const a = withKept.signature!(report(), since);
          expect(a, `run ${run} update ${update} since ${s}`).to.equal(fresh.signature!(report(), since));
        }
        expect(withKept.signature!(report(), new Map())).to.equal(fresh.signature!(report(), new Map()));
        // A second context of the same update finds the kept ones (the same string object).
        const again = signedContext(ctx({ default: g }), 0, settled);
        for (let s = 0; s <= latest; s++) {
          const since = new Map([['default', versions[s]!]]);
          if (again.signature!(report(), since) === withKept.signature!(report(), since)) kept++;
        }
      }
    }
    expect(kept, 'signatures found kept').to.be.greaterThan(100);
  });
});

describe('status', () => {
  describe('conditions', () => {
    it('is all True when accepted, resolved and every dataplane is at the version', () => {
      const s = computeStatus(
        report(),
        ctx({ default: { version: V1, dataplanes: [dp('a', V1), dp('b', V1)] } }),
        undefined,
        T0,
      );
      expect(s.observedGeneration).to.equal(3);
      expect(s.conditions!.map((c) => [c.type, c.status, c.reason])).to.deep.equal([
        ['Accepted', 'True', 'Accepted'],
        ['ResolvedRefs', 'True', 'ResolvedRefs'],
        ['Programmed', 'True', 'Programmed'],
      ]);
      expect(cond(s.conditions, 'Programmed').message).to.equal('2/2 dataplanes at version ab12cd34ef56');
      expect(
        s.conditions!.every((c) => c.observedGeneration === 3 && c.lastTransitionTime === T0.toISOString()),
      ).to.equal(true);
    });

    it('explains invalid objects and unresolved references with the fields, the reason naming the cause', () => {
      const r = report({
        accepted: false,
        resolvedRefs: false,
        groups: [],
        diagnostics: [
          diag(
            'spec.rules[0].match.path.regex',
            'invalid regular expression',
            ErrorCodes.INVALID_REGEX,
            'Accepted',
          ),
          diag(
            'spec.defaultBackend',
            'Backend default/nope not found',
            ErrorCodes.REF_NOT_FOUND,
            'ResolvedRefs',
          ),
        ],
      });
      const s = computeStatus(r, ctx({}), undefined, T0);
      expect(cond(s.conditions, 'Accepted')).to.include({
        status: 'False',
        reason: 'InvalidRegex',
        message: 'spec.rules[0].match.path.regex: invalid regular expression',
      });
      expect(cond(s.conditions, 'ResolvedRefs')).to.include({
        status: 'False',
        reason: 'BackendNotFound',
        message: 'spec.defaultBackend: Backend default/nope not found',
      });
      expect(cond(s.conditions, 'Programmed')).to.include({ status: 'False', reason: 'Invalid' });

      const invalidRef = report({
        resolvedRefs: false,
        diagnostics: [diag('spec.backend', 'mode mismatch', ErrorCodes.REF_INVALID, 'ResolvedRefs')],
      });
      expect(
        cond(computeStatus(invalidRef, ctx({}), undefined, T0).conditions, 'ResolvedRefs').reason,
      ).to.equal('InvalidRef');
    });

    it('has a reason for every error code, and names the kind a missing reference points at', () => {
      for (const code of Object.values(ErrorCodes)) expect(REASONS[code], code).to.match(/^[A-Z][A-Za-z]+$/);
      expect(new Set(Object.values(REASONS)).size).to.equal(Object.values(ErrorCodes).length);
      const missing = (field: string) => reasonOf({ code: ErrorCodes.REF_NOT_FOUND, field });
      expect(missing('spec.rules[3].backend')).to.equal('BackendNotFound');
      expect(missing('spec.healthPolicy')).to.equal('HealthPolicyNotFound');
      expect(missing('spec.tls.certificates[0].secretName')).to.equal('SecretNotFound');
      expect(missing('spec.tls.clientAuth.caSecretName')).to.equal('SecretNotFound');
      expect(missing('spec.service.name')).to.equal('ServiceNotFound');
      expect(missing('spec.somethingElse')).to.equal('RefNotFound');
      expect(reasonOf({ code: ErrorCodes.PORT_CONFLICT, field: 'spec.bind.port' })).to.equal('PortConflict');
      expect(reasonOf({ code: ErrorCodes.TLS_INVALID, field: 'spec.tls' })).to.equal('InvalidCertificate');
    });

    it('reports Programmed Unknown while dataplanes catch up or when none is connected', () => {
      const pending = computeStatus(
        report(),
        ctx({ default: { version: V1, dataplanes: [dp('a', V1), dp('b', V0)] } }),
        undefined,
        T0,
      );
      expect(cond(pending.conditions, 'Programmed')).to.include({
        status: 'Unknown',
        reason: 'Pending',
        message: '1/2 dataplanes at version ab12cd34ef56',
      });
      const none = computeStatus(report(), ctx({ default: { version: V1, dataplanes: [] } }), undefined, T0);
      expect(cond(none.conditions, 'Programmed')).to.include({ status: 'Unknown', reason: 'NoDataplanes' });
      const unpublished = computeStatus(report(), ctx({}), undefined, T0);
      expect(cond(unpublished.conditions, 'Programmed')).to.include({ status: 'Unknown', reason: 'Pending' });
    });

    it('reports a NACK with its error, and an inconsistent group', () => {
      const nacked = dp('b', V0, {
        lastNack: {
          version: V1,
          error: { code: 'BASCULE_E_LISTEN_FAILED', message: 'EADDRINUSE 0.0.0.0:80' },
          at: T0.toISOString(),
        },
      });
      const s = computeStatus(
        report(),
        ctx({ default: { version: V1, dataplanes: [dp('a', V1), nacked] } }),
        undefined,
        T0,
      );
      expect(cond(s.conditions, 'Programmed')).to.include({
        status: 'False',
        reason: 'Rejected',
        message: 'dataplane b rejected version ab12cd34ef56: BASCULE_E_LISTEN_FAILED: EADDRINUSE 0.0.0.0:80',
      });
      const bad = computeStatus(
        report(),
        ctx({ default: { version: V1, dataplanes: [dp('a', V1)], inconsistent: true } }),
        undefined,
        T0,
      );
      expect(cond(bad.conditions, 'Programmed')).to.include({ status: 'False', reason: 'Inconsistent' });
      expect(cond(bad.conditions, 'Programmed').message).to.contain(ErrorCodes.SNAPSHOT_INCONSISTENT);
    });

    it('takes the worst group for objects in several groups, and flags unreferenced ones', () => {
      const r = report({
        ref: { kind: 'Backend', namespace: 'default', name: 'web' },
        groups: ['default', 'edge'],
      });
      const s = computeStatus(
        r,
        ctx({ default: { version: V1, dataplanes: [dp('a', V1)] }, edge: { version: V1, dataplanes: [] } }),
        undefined,
        T0,
      );
      const p = cond(s.conditions, 'Programmed');
      expect(p).to.include({ status: 'Unknown', reason: 'NoDataplanes' });
      expect(p.message).to.equal(
        'group default: 1/1 dataplanes at version ab12cd34ef56; group edge: no dataplane of group edge is connected',
      );
      const unused = computeStatus(report({ ref: r.ref, groups: [] }), ctx({}), undefined, T0);
      expect(cond(unused.conditions, 'Programmed')).to.include({ status: 'False', reason: 'NotReferenced' });
    });

    it('moves lastTransitionTime only when a status flips', () => {
      const c1 = ctx({ default: { version: V1, dataplanes: [dp('a', V0)] } });
      const first = computeStatus(report(), c1, undefined, T0);
      // Same statuses, new message (different counts): times stay.
      const c2 = ctx({ default: { version: V1, dataplanes: [dp('a', V0), dp('b', V0)] } });
      const second = computeStatus(report(), c2, first, T1);
      expect(cond(second.conditions, 'Programmed').message).to.contain('0/2');
      expect(second.conditions!.map((c) => c.lastTransitionTime)).to.deep.equal(
        Array(3).fill(T0.toISOString()),
      );
      // Programmed flips to True: only its time moves.
      const third = computeStatus(
        report(),
        ctx({ default: { version: V1, dataplanes: [dp('a', V1)] } }),
        second,
        T1,
      );
      expect(cond(third.conditions, 'Programmed').lastTransitionTime).to.equal(T1.toISOString());
      expect(cond(third.conditions, 'Accepted').lastTransitionTime).to.equal(T0.toISOString());
    });

    it('keeps Programmed for the last accepted version while the new one is invalid', () => {
      const r = report({
        accepted: false,
        servingPrevious: true,
        diagnostics: [diag('spec.bind.port', 'must be <= 65535', ErrorCodes.CONFIG_SCHEMA, 'Accepted')],
      });
      const s = computeStatus(r, ctx({ default: { version: V1, dataplanes: [dp('a', V1)] } }), undefined, T0);
      expect(cond(s.conditions, 'Accepted').message).to.equal(
        'spec.bind.port: must be <= 65535 (the last accepted version keeps serving)',
      );
      expect(cond(s.conditions, 'Programmed')).to.include({ status: 'True', reason: 'Programmed' });
    });
  });

  describe('backend health', () => {
    it('aggregates per server across dataplanes', () => {
      const agg = new HealthAggregator();
      const be = {
        ...backend('web'),
        health: {
          policy: 'default/hp',
          intervalMs: 1,
          fastIntervalMs: 1,
          downIntervalMs: 1,
          timeoutMs: 1,
          rise: 1,
          fall: 1,
          initialState: 'up' as const,
        },
      };
      be.servers = [
        { ...be.servers[0]!, name: 'a', address: '10.0.0.1' },
        { ...be.servers[0]!, name: 'b', address: '10.0.0.2' },
        { ...be.servers[0]!, name: 'c', address: '10.0.0.3' },
        { ...be.servers[0]!, name: 'd', address: '10.0.0.4', state: 'drain' },
      ];
      const h = (server: string, state: 'up' | 'down') => ({
        backend: 'default/web',
        server,
        address: 'x',
        state,
        reason: '',
        since: 0,
      });
      agg.apply('n1', {
        type: 'health',
        full: true,
        servers: [h('a', 'up'), h('b', 'up'), h('c', 'down'), h('d', 'up')],
      });
      agg.apply('n2', {
        type: 'health',
        full: true,
        servers: [h('a', 'up'), h('b', 'down'), h('c', 'down'), h('d', 'up')],
      });
      agg.apply('n2', { type: 'health', full: false, servers: [h('b', 'up')] }); // a transition
      const sum = agg.summarize(be, ['n1', 'n2']);
      expect(sum.healthyServers).to.equal('3/4');
      expect(sum.servers).to.deep.equal([
        { name: 'a', address: '10.0.0.1:80', state: 'up', dataplanes: '2/2 up' },
        { name: 'b', address: '10.0.0.2:80', state: 'up', dataplanes: '2/2 up' },
        { name: 'c', address: '10.0.0.3:80', state: 'down', dataplanes: '0/2 up' },
        { name: 'd', address: '10.0.0.4:80', state: 'drain', dataplanes: '2/2 up' },
      ]);
      agg.apply('n2', { type: 'health', full: false, servers: [h('a', 'down')] });
      expect(agg.summarize(be, ['n1', 'n2']).servers[0]).to.include({ state: 'mixed', dataplanes: '1/2 up' });
      agg.dropNode('n2');
      expect(agg.summarize(be, ['n1']).servers[0]).to.include({ state: 'up', dataplanes: '1/1 up' });
      expect(agg.summarize(be, []).servers[0]).to.include({ state: 'unknown' });
    });

    it('treats servers of a backend without checks as up', () => {
      const sum = new HealthAggregator().summarize(backend('web'), ['n1']);
      expect(sum).to.deep.equal({
        healthyServers: '1/1',
        servers: [{ name: 's1', address: '10.0.0.1:80', state: 'up', dataplanes: 'not checked' }],
      });
    });
  });

  describe('tracker', () => {
    it('writes only changed statuses and forgets deleted objects', async () => {
      const writer = new MemoryStatusWriter();
      const tracker = new StatusTracker(writer);
      const a = report();
      const b = report({ ref: { kind: 'Backend', namespace: 'default', name: 'web' } });
      const c1 = ctx({ default: { version: V1, dataplanes: [dp('a', V0)] } });
      await tracker.update([a, b], c1, T0);
      expect(writer.writes).to.equal(2);
      await tracker.update([a, b], c1, T1);
      expect(writer.writes).to.equal(2);
      await tracker.update([a, b], ctx({ default: { version: V1, dataplanes: [dp('a', V1)] } }), T1);
      expect(writer.writes).to.equal(4);
      expect(cond(writer.get(a.ref)!.conditions, 'Programmed').status).to.equal('True');
      await tracker.update([a], c1, T1);
      expect(writer.get(b.ref)).to.equal(undefined);
      expect(tracker.get(b.ref)).to.equal(undefined);
      expect(tracker.all().map((s) => s.ref.name)).to.deep.equal(['web']);
    });

    it('close() ends an update before its next write (a rate-limited first update does not hold up a stop)', async () => {
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      const written: string[] = [];
      const tracker = new StatusTracker({
        async write(ref) {
          written.push(ref.name);
          await gate; // a write the API server has not answered yet
        },
      });
      const reports = Array.from({ length: 20 }, (_, i) =>
        report({ ref: { kind: 'Backend', namespace: 'default', name: `b${i}` } }),
      );
      const updating = tracker.update(
        reports,
        ctx({ default: { version: V1, dataplanes: [dp('a', V1)] } }),
        T0,
      );
      await Promise.resolve();
      expect(written).to.have.length(1);
      tracker.close();
      release();
      await updating;
      expect(written, 'no write after close()').to.have.length(1);
      expect(tracker.all(), 'statuses are still computed').to.have.length(20);
    });

    for (const signed of [false, true])
      it(`an edit of one object rewrites its status only: the others stay Programmed at the version that holds their form${signed ? ' (statuses not recomputed while their signature holds)' : ''}`, async () => {
        const V2 = '1234567890ab' + '0'.repeat(52);
        const writer = new MemoryStatusWriter();
        const tracker = new StatusTracker(writer);
        const order = new Map([
          [V1, 1],
          [V2, 2],
        ]);
        const at = (version: string, applied: string, over: Partial<DataplaneInfo> = {}) => {
          const c = ctx({
            default: { version, dataplanes: [dp('a', applied, over)], order: (v) => order.get(v) },
          });
          return signed ? signedContext(c, 0) : c;
        };
        const a = report({ generation: 1 });
        const b = report({ ref: { kind: 'Backend', namespace: 'default', name: 'web' }, generation: 1 });
        await tracker.update([a, b], at(V1, V1), T0);
        expect(writer.writes).to.equal(2);
        const programmed = (r: ObjectReport) => cond(writer.get(r.ref)!.conditions, 'Programmed');
        const aAtV1 = { status: 'True', message: '1/1 dataplanes at version ab12cd34ef56' };
        // V2 changes b only (its spec: a new generation); the dataplane has not ACKed V2.
        const b2 = { ...b, generation: 2 };
        await tracker.update([a, b2], at(V2, V1), T1);
        expect(writer.writes).to.equal(3); // b alone
        expect(programmed(a)).to.include(aAtV1);
        expect(programmed(b2)).to.include({
          status: 'Unknown',
          message: '0/1 dataplanes at version 1234567890ab',
        });
        const before = tracker.get(a.ref)!.status;
        await tracker.update([a, b2], at(V2, V2), T1);
        expect(writer.writes).to.equal(4); // b alone again
        // The ACK of V2 does not change what a's form is served by: with the signature, its status
        // is not even recomputed.
        if (signed) expect(tracker.get(a.ref)!.status).to.equal(before);
        expect(programmed(b2)).to.include({
          status: 'True',
          message: '1/1 dataplanes at version 1234567890ab',
        });
        expect(programmed(a)).to.include(aAtV1);
        // A dataplane that refuses V2 (and stays on V1) still serves a as it is: only b is Rejected.
        const nack = {
          lastNack: { version: V2, at: T1.toISOString(), error: { code: 'X', message: 'refused' } },
        } as Partial<DataplaneInfo>;
        await tracker.update([a, b2], at(V2, V1, nack), T1);
        expect(programmed(a).status).to.equal('True');
        expect(programmed(b2)).to.include({ status: 'False', reason: 'Rejected' });
      });

    it('the loop orders every version published, also those between two updates: a dataplane at one of them serves the unchanged objects', async () => {
      // Three versions published in a row (a stream of edits) before one coalesced update;
      // the dataplane is at the middle one, which no update saw as the latest.
      const versions = ['1'.repeat(64), '2'.repeat(64), '3'.repeat(64)];
      let current = 0;
      const snap = (): Snapshot =>
        ({
          version: versions[current]!,
          body: { group: 'default', frontends: [], backends: [] },
        }) as Snapshot;
      const writer = new MemoryStatusWriter();
      const events = new EventEmitter<ControllerEvents>();
      let applied = versions[0]!;
      let reports: ObjectReport[] = [report({ generation: 1 })];
      const loop = new StatusLoop({
        tracker: new StatusTracker(writer),
        health: new HealthAggregator(),
        published: { snapshots: () => ({ default: snap() }), versionOf: () => versions[current]! },
        dataplanes: () => [dp('a', applied)],
        reports: () => reports,
        inconsistent: () => false,
        events,
        clock: () => T0,
        logger: silentLogger(),
      });
      try {
        const updated = () => once(events, 'status');
        let done = updated();
        loop.trigger();
        await done;
        const programmed = () => cond(writer.get(reports[0]!.ref)!.conditions, 'Programmed');
        expect(programmed()).to.include({
          status: 'True',
          message: '1/1 dataplanes at version 111111111111',
        });
        const writes = writer.writes;
        // v2 and v3 change another object only; the dataplane reaches v2 before the update runs.
        reports = [reports[0]!, report({ ref: { kind: 'Backend', namespace: 'default', name: 'b' } })];
        done = updated();
        current = 1;
        loop.trigger();
        current = 2;
        loop.trigger();
        applied = versions[1]!;
        loop.trigger();
        await done;
        expect(programmed(), 'the unchanged Frontend is served at v2').to.include({
          status: 'True',
          message: '1/1 dataplanes at version 111111111111',
        });
        expect(writer.writes - writes, 'only the new object is written').to.equal(1);
      } finally {
        await loop.close();
      }
    });

    const cases: Array<[late: boolean, objects: number, title: string]> = [
      [
        true,
        STALE_BACKLOG + 36,
        'a change during a pass that has written for a while stops its writes: the next pass writes the new status, each object once',
      ],
      [
        false,
        STALE_BACKLOG + 36,
        'a change during a young pass does not stop it (under a stream of edits the writes keep up)',
      ],
      [true, 10, 'a change does not stop a pass that has a few statuses left to write'],
    ];
    for (const [late, objects, title] of cases)
      it(title, async () => {
        // A Kubernetes writer is rate-limited, so the first pass after a start takes a minute; the
        // dataplane ACKs meanwhile. The statuses computed before the ACK (Pending) must not all be
        // written and then all rewritten (Programmed). But a pass gives way only once it has
        // written for STATUS_MAX_DELAY_MS (the loop's clock): under a stream of edits a change
        // comes every ~100 ms, and passes that gave way at once fell behind the edits.
        const snap = {
          version: V1,
          body: { group: 'default', frontends: [], backends: [] },
        } as unknown as Snapshot;
        const memory = new MemoryStatusWriter();
        let held: (() => void) | undefined;
        let holding = true;
        const writer = {
          async write(ref: ObjectReport['ref'], status: Parameters<MemoryStatusWriter['write']>[1]) {
            if (holding) await new Promise<void>((r) => (held = r)); // the API server has not answered
            await memory.write(ref, status);
          },
        };
        const events = new EventEmitter<ControllerEvents>();
        let applied: string | null = null;
        let now = T0.getTime();
        const reports = Array.from({ length: objects }, (_, i) =>
          report({ ref: { kind: 'Backend', namespace: 'default', name: `b${i}` } }),
        );
        const loop = new StatusLoop({
          tracker: new StatusTracker(writer),
          health: new HealthAggregator(),
          published: { snapshots: () => ({ default: snap }), versionOf: () => V1 },
          dataplanes: () => [dp('a', applied)],
          reports: () => reports,
          inconsistent: () => false,
          events,
          clock: () => new Date(now),
          logger: silentLogger(),
        });
        try {
          const firstPass = once(events, 'status');
          loop.trigger();
          while (!held) await new Promise((r) => setTimeout(r, 5));
          // The first write is on its way; the dataplane ACKs V1.
          applied = V1;
          loop.trigger();
          if (late) now += STATUS_MAX_DELAY_MS;
          holding = false;
          held();
          await firstPass;
          await once(events, 'status');
          if (late && objects > STALE_BACKLOG)
            expect(memory.writes, 'one Pending write, then each object once, Programmed').to.equal(
              1 + objects,
            );
          else expect(memory.writes, 'each object Pending, then each Programmed').to.equal(2 * objects);
          for (const r of reports)
            expect(cond(memory.get(r.ref)!.conditions, 'Programmed'), r.ref.name).to.include({
              status: 'True',
            });
        } finally {
          await loop.close();
        }
      });

    it('a change of health reports recomputes the status of Backends only', async () => {
      const tracker = new StatusTracker(new MemoryStatusWriter());
      const fe = report({ generation: 1 });
      const be = report({ ref: { kind: 'Backend', namespace: 'default', name: 'web' }, generation: 1 });
      let groupReads = 0;
      const at = (generation: number) => {
        const c = ctx({ default: { version: V1, dataplanes: [dp('a', V1)] } });
        return signedContext(
          {
            ...c,
            group: (name) => {
              groupReads++;
              return c.group(name);
            },
          },
          generation,
        );
      };
      await tracker.update([fe, be], at(0), T0);
      groupReads = 0;
      await tracker.update([fe, be], at(1), T1);
      // One read for the signature both share, one for the Backend's recomputed Programmed;
      // a recomputed Frontend would read it once more.
      expect(groupReads).to.equal(2);
    });

    it('lets the event loop run during a pass over many objects', async () => {
      const tracker = new StatusTracker(new MemoryStatusWriter());
      const many = Array.from({ length: 3 * OBJECTS_BETWEEN_YIELDS }, (_, i) =>
        report({ ref: { kind: 'Backend', namespace: 'default', name: `b${i}` } }),
      );
      let done = false;
      let ranDuring = false;
      const updating = tracker.update(many, ctx({}), T0).then(() => (done = true));
      setImmediate(() => (ranDuring = !done));
      await updating;
      expect(ranDuring, 'a callback queued after the update began ran before it ended').to.equal(true);
      expect(tracker.all()).to.have.length(many.length);
    });

    it('lets the event loop run while it compares many statuses with what was written (re-check after invalidate)', async () => {
      // The writer answers at once, as a Kubernetes writer does when the live status is the
      // same: without a yield, the whole write loop is one task.
      let writes = 0;
      let armed = false;
      let ranAfter: number | undefined;
      const tracker = new StatusTracker({
        write: async () => {
          if (++writes === 1 && armed) setImmediate(() => (ranAfter = writes));
        },
      });
      const many = Array.from({ length: 3 * OBJECTS_BETWEEN_YIELDS }, (_, i) =>
        report({ ref: { kind: 'Backend', namespace: 'default', name: `b${i}` } }),
      );
      const c = ctx({});
      await tracker.update(many, c, T0);
      await new Promise((r) => setImmediate(r));
      tracker.invalidate();
      writes = 0;
      armed = true;
      await tracker.update(many, c, T0);
      expect(writes).to.equal(many.length);
      expect(ranAfter, 'a callback queued at the first write ran before the last one').to.be.below(
        many.length,
      );
    });

    it('retries a failed write on the next update', async () => {
      let fail = true;
      let writes = 0;
      const tracker = new StatusTracker({
        write: async () => {
          writes++;
          if (fail) throw new Error('apiserver down');
        },
      });
      const c = ctx({});
      await tracker.update([report()], c, T0);
      fail = false;
      await tracker.update([report()], c, T0);
      await tracker.update([report()], c, T0);
      expect(writes).to.equal(2);
    });
  });
});
