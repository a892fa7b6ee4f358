import { expect } from 'chai';
import type { Candidate } from '#dataplane/balance/balancer';
import { createBalancer } from '#dataplane/balance/index';
import { SmoothRoundRobin } from '#dataplane/balance/round-robin';
import { BackendRuntime, ServerRuntime } from '#dataplane/runtime/backend';
import { BackendState, ServerState, serverKey } from '#dataplane/runtime/state';
import type { ServerSnap } from '#protocol/snapshot';
import { backend, capturingLogger, server } from './helpers.js';

interface TestCandidate extends Candidate {
  state: { active: number; rrCurrent: number; lastPick: number };
  max?: number;
}

function candidates(weights: number[]): TestCandidate[] {
  return weights.map((weight, i) => ({
    key: `s${i}`,
    weight,
    staticWeight: weight,
    state: { active: 0, rrCurrent: 0, lastPick: 0 },
    full(this: TestCandidate) {
      return this.max !== undefined && this.state.active >= this.max;
    },
  }));
}

function runtimeOf(servers: ServerSnap[], extra: Parameters<typeof backend>[2] = {}): BackendRuntime {
  const snap = backend('default/b', servers, extra);
  const rts = servers.map(
    (s) => new ServerRuntime(serverKey(snap.id, s), snap.id, s, new ServerState(serverKey(snap.id, s)), true),
  );
  return new BackendRuntime(snap, rts, new SmoothRoundRobin(), new BackendState(snap.id));
}

function tally(b: BackendRuntime, n: number): Record<string, number> {
  const counts: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const s = b.pick({});
    const k = s ? s.name : 'none';
    counts[k] = (counts[k] ?? 0) + 1;
  }
  return counts;
}

describe('dataplane/balance: smooth weighted round robin', () => {
  it('follows weights 1/2/3 exactly over 600 picks', () => {
    const rr = new SmoothRoundRobin();
    const cs = candidates([1, 2, 3]);
    const counts = [0, 0, 0];
    for (let i = 0; i < 600; i++) counts[cs.indexOf(rr.pick(cs)!)]!++;
    expect(counts).to.deep.equal([100, 200, 300]);
  });

  it('interleaves picks like nginx (5,1,1 → a a b a c a a)', () => {
    const rr = new SmoothRoundRobin();
    const cs = candidates([5, 1, 1]);
    const seq = Array.from({ length: 7 }, () => 'abc'[cs.indexOf(rr.pick(cs)!)]).join('');
    expect(seq).to.equal('aabacaa');
  });

  it('gives weight 0 no traffic and returns undefined when all are 0 or none given', () => {
    const rr = new SmoothRoundRobin();
    const cs = candidates([0, 1]);
    for (let i = 0; i < 10; i++) expect(rr.pick(cs)).to.equal(cs[1]);
    expect(rr.pick(candidates([0, 0]))).to.equal(undefined);
    expect(rr.pick([])).to.equal(undefined);
  });
});

describe('dataplane/balance: server selection in a backend', () => {
  it('alternates equally weighted servers', () => {
    const b = runtimeOf([server('a', 1), server('b', 2)]);
    expect([1, 2, 3, 4].map(() => b.pick({})!.name)).to.deep.equal(['a', 'b', 'a', 'b']);
  });

  it('skips weight 0, drain and maintenance servers', () => {
    const b = runtimeOf([
      server('a', 1, { weight: 0 }),
      server('b', 2, { state: 'drain' }),
      server('c', 3, { state: 'maintenance' }),
      server('d', 4),
    ]);
    expect(tally(b, 20)).to.deep.equal({ d: 20 });
  });

  it('uses a backup only when no regular server is available', () => {
    const withRegular = runtimeOf([server('a', 1), server('bk', 2, { backup: true })]);
    expect(tally(withRegular, 10)).to.deep.equal({ a: 10 });
    const regularDown = runtimeOf([
      server('a', 1, { state: 'maintenance' }),
      server('bk', 2, { backup: true }),
    ]);
    expect(tally(regularDown, 10)).to.deep.equal({ bk: 10 });
  });

  it('uses only the first backup unless allBackups is set', () => {
    const servers = [
      server('a', 1, { weight: 0 }),
      server('b1', 2, { backup: true }),
      server('b2', 3, { backup: true }),
    ];
    expect(tally(runtimeOf(servers), 10)).to.deep.equal({ b1: 10 });
    expect(tally(runtimeOf(servers, { allBackups: true }), 10)).to.deep.equal({ b1: 5, b2: 5 });
  });

  it('returns undefined when nothing is usable, and honours an exclusion set', () => {
    expect(runtimeOf([server('a', 1, { state: 'drain' })]).pick({})).to.equal(undefined);
    const b = runtimeOf([server('a', 1), server('b', 2)]);
    const a = b.servers[0]!;
    for (let i = 0; i < 4; i++) expect(b.pick({}, new Set([a]))!.name).to.equal('b');
  });

  it('treats a server at maxConnections as full', () => {
    const b = runtimeOf([server('a', 1, { maxConnections: 1 }), server('b', 2)]);
    b.begin(b.servers[0]!);
    expect(tally(b, 4)).to.deep.equal({ b: 4 });
    b.end(b.servers[0]!);
    expect(tally(b, 4)).to.deep.equal({ a: 2, b: 2 });
  });
});

describe('dataplane/balance: factory', () => {
  it('builds every algorithm, without warnings', () => {
    const cap = capturingLogger();
    const algorithms = [
      'roundrobin',
      'static-rr',
      'leastconn',
      'first',
      'source',
      'uri',
      'url-param',
      'header',
      'random',
    ] as const;
    for (const algorithm of algorithms) {
      const snap = backend('default/x', [], { balance: { algorithm, hashType: 'consistent', hashKey: 'k' } });
      expect(createBalancer(snap, cap.log).algorithm).to.equal(algorithm);
    }
    expect(cap.lines()).to.deep.equal([]);
    expect(createBalancer(backend('default/rr', []), cap.log)).to.be.instanceOf(SmoothRoundRobin);
  });
});
