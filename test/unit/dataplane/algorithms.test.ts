// Every balancing algorithm against its documented behaviour (HAProxy "balance" semantics),
// through BackendRuntime so tiers, capacity and exclusions apply as in the proxy.
import { expect } from 'chai';
import { hash32 } from '#dataplane/balance/hash';
import { hashKeyOf } from '#dataplane/balance/hashed';
import { createBalancer } from '#dataplane/balance/index';
import { HashRing } from '#dataplane/balance/ring';
import { BackendRuntime, ServerRuntime } from '#dataplane/runtime/backend';
import { BackendState, ServerState, serverKey } from '#dataplane/runtime/state';
import type { BackendSnap, ServerSnap } from '#protocol/snapshot';
import { backend, quietLogger, server } from './helpers.js';

type Balance = BackendSnap['balance'];

/** A backend runtime; `states` lets two builds share server state, as across a swap. */
function build(
  servers: ServerSnap[],
  balance: Partial<Balance> = {},
  extra: Partial<BackendSnap> = {},
  states = new Map<string, ServerState>(),
): BackendRuntime {
  const snap = backend('default/b', servers, {
    balance: { algorithm: 'roundrobin', hashType: 'map-based', ...balance },
    ...extra,
  });
  const rts = servers.map((s) => {
    const key = serverKey(snap.id, s);
    if (!states.has(key)) states.set(key, new ServerState(key));
    return new ServerRuntime(key, snap.id, s, states.get(key)!, true);
  });
  const members = rts.map((s) => ({ name: s.name, key: s.key, weight: s.staticWeight }));
  return new BackendRuntime(
    snap,
    rts,
    createBalancer(snap, quietLogger(), members),
    new BackendState(snap.id),
  );
}

const names = (n: number, prefix = 's'): ServerSnap[] =>
  Array.from({ length: n }, (_, i) => server(`${prefix}${i}`, 1000 + i));

function tally(
  b: BackendRuntime,
  n: number,
  ctx: (i: number) => object = () => ({}),
): Record<string, number> {
  const counts: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const s = b.pick(ctx(i));
    const k = s ? s.name : 'none';
    counts[k] = (counts[k] ?? 0) + 1;
  }
  return counts;
}

describe('dataplane/balance: algorithms', () => {
  it('roundrobin: weights 1/2/3 give exactly 100/200/300 of 600, and react to weight changes at once', () => {
    const b = build([
      server('a', 1, { weight: 1 }),
      server('b', 2, { weight: 2 }),
      server('c', 3, { weight: 3 }),
    ]);
    expect(tally(b, 600)).to.deep.equal({ a: 100, b: 200, c: 300 });
  });

  it('static-rr: same turns from configured weights, ignoring the effective weight', () => {
    const b = build([server('a', 1, { weight: 1 }), server('b', 2, { weight: 3 })], {
      algorithm: 'static-rr',
    });
    // An effective weight that differs (slow start) does not move static-rr.
    Object.defineProperty(b.servers[1]!, 'weight', { get: () => 1 });
    expect(tally(b, 400)).to.deep.equal({ a: 100, b: 300 });
    const rr = build([server('a', 1, { weight: 1 }), server('b', 2, { weight: 3 })]);
    Object.defineProperty(rr.servers[1]!, 'weight', { get: () => 1 });
    expect(tally(rr, 400)).to.deep.equal({ a: 200, b: 200 });
  });

  it('leastconn: the fewest in-flight per weight wins; equal loads take turns', () => {
    const b = build([server('a', 1), server('b', 2)], { algorithm: 'leastconn' });
    const [a] = b.servers;
    for (let i = 0; i < 5; i++) b.begin(a!); // a holds 5 slow requests
    const picks: string[] = [];
    for (let i = 0; i < 4; i++) {
      const s = b.pick({})!;
      picks.push(s.name);
      b.begin(s);
    }
    expect(picks).to.deep.equal(['b', 'b', 'b', 'b']); // a stays the most loaded
    b.begin(b.servers[1]!); // 5 vs 5: equal loads, a was picked least recently
    expect(b.pick({})!.name).to.equal('a');
    // Equal loads rotate: with nothing in flight every server is used in turn.
    const eq = build([server('a', 1), server('b', 2), server('c', 3)], { algorithm: 'leastconn' });
    expect([0, 1, 2, 3, 4, 5].map(() => eq.pick({})!.name)).to.deep.equal(['a', 'b', 'c', 'a', 'b', 'c']);
    // Weighted: (active + 1) / weight.
    const w = build([server('a', 1), server('c', 3, { weight: 2 })], { algorithm: 'leastconn' });
    expect(w.pick({})!.name).to.equal('c'); // 1/2 < 1/1
    w.begin(w.servers[1]!);
    w.begin(w.servers[1]!);
    expect(w.pick({})!.name).to.equal('a'); // 3/2 > 1/1
  });

  it('first: fills servers in order up to maxConnections', () => {
    const b = build(
      [server('a', 1, { maxConnections: 2 }), server('b', 2, { maxConnections: 2 }), server('c', 3)],
      { algorithm: 'first' },
    );
    const order: string[] = [];
    for (let i = 0; i < 5; i++) {
      const s = b.pick({})!;
      order.push(s.name);
      b.begin(s);
    }
    expect(order).to.deep.equal(['a', 'a', 'b', 'b', 'c']);
    b.end(b.servers[0]!);
    expect(b.pick({})!.name).to.equal('a');
  });

  it('random: power of two choices respects weights and avoids the loaded server', () => {
    const b = build([server('a', 1, { weight: 1 }), server('b', 2, { weight: 3 })], { algorithm: 'random' });
    const got = tally(b, 4000);
    // With equal (zero) load, p2c keeps the better of two weighted draws: b wins most.
    expect(got.b! / 4000).to.be.within(0.7, 0.99);
    const c = build([server('a', 1), server('b', 2), server('c', 3)], { algorithm: 'random' });
    for (let i = 0; i < 50; i++) c.begin(c.servers[0]!);
    const loaded = tally(c, 3000);
    // "a" is chosen only when both draws land on it (1/9 of the time).
    expect((loaded.a ?? 0) / 3000).to.be.below(0.2);
  });

  for (const hashType of ['map-based', 'consistent'] as const) {
    it(`source (${hashType}): a client always reaches the same server; clients spread over all`, () => {
      const b = build(names(4), { algorithm: 'source', hashType });
      const ctx = (i: number) => ({ sourceAddress: `10.0.${i >> 8}.${i & 255}` });
      const first = Array.from({ length: 400 }, (_, i) => b.pick(ctx(i))!.name);
      const again = Array.from({ length: 400 }, (_, i) => b.pick(ctx(i))!.name);
      expect(again).to.deep.equal(first);
      const counts = first.reduce<Record<string, number>>((m, n) => ({ ...m, [n]: (m[n] ?? 0) + 1 }), {});
      expect(Object.keys(counts)).to.have.length(4);
      for (const n of Object.values(counts)) expect(n).to.be.within(50, 160);
    });
  }

  it('map-based hashing follows weights', () => {
    const b = build([server('a', 1, { weight: 1 }), server('b', 2, { weight: 3 })], { algorithm: 'uri' });
    const got = tally(b, 4000, (i) => ({ path: `/item/${i}` }));
    expect(got.b! / 4000).to.be.within(0.7, 0.8);
  });

  it('consistent hashing: removing one of N servers moves only its keys (≈1/N)', () => {
    const N = 5;
    const keys = Array.from({ length: 5000 }, (_, i) => `/obj/${i}`);
    const states = new Map<string, ServerState>();
    const all = build(names(N), { algorithm: 'uri', hashType: 'consistent' }, {}, states);
    const before = keys.map((k) => all.pick({ path: k })!.name);
    // The server is removed from the configuration (a new build)…
    const fewer = build(
      names(N).filter((s) => s.name !== 's2'),
      { algorithm: 'uri', hashType: 'consistent' },
      {},
      states,
    );
    const after = keys.map((k) => fewer.pick({ path: k })!.name);
    const moved = keys.filter((_, i) => before[i] !== after[i]).length / keys.length;
    const owned = before.filter((n) => n === 's2').length / keys.length;
    expect(moved).to.equal(owned); // only s2's keys moved
    expect(moved).to.be.at.most(1 / N + 0.05);
    // …or goes into maintenance/down in the same build: the same keys move.
    const down = build(
      names(N).map((s) => (s.name === 's2' ? { ...s, state: 'maintenance' as const } : s)),
      { algorithm: 'uri', hashType: 'consistent' },
    );
    const afterDown = keys.map((k) => down.pick({ path: k })!.name);
    expect(afterDown).to.deep.equal(after);
    // Map-based, by contrast, moves most keys.
    const mb = build(names(N), { algorithm: 'uri' });
    const mbFewer = build(
      names(N).filter((s) => s.name !== 's2'),
      { algorithm: 'uri' },
    );
    const mbMoved = keys.filter((k) => mb.pick({ path: k })!.name !== mbFewer.pick({ path: k })!.name).length;
    expect(mbMoved / keys.length).to.be.above(0.5);
  });

  it('consistent hashing: adding a server only takes keys, in proportion to weight', () => {
    const keys = Array.from({ length: 5000 }, (_, i) => `user-${i}`);
    const four = build(names(4), { algorithm: 'header', hashKey: 'X-User', hashType: 'consistent' });
    const five = build([...names(4), server('big', 2000, { weight: 2 })], {
      algorithm: 'header',
      hashKey: 'X-User',
      hashType: 'consistent',
    });
    let moved = 0;
    for (const k of keys) {
      const a = four.pick({ headers: { 'x-user': k } })!.name;
      const b = five.pick({ headers: { 'x-user': k } })!.name;
      if (a !== b) {
        moved++;
        expect(b).to.equal('big');
      }
    }
    expect(moved / keys.length).to.be.within(2 / 6 - 0.07, 2 / 6 + 0.07);
  });

  it('the ring is deterministic and places points by server name', () => {
    const members = [
      { name: 'a', key: 'ka', weight: 1 },
      { name: 'b', key: 'kb', weight: 2 },
    ];
    const r1 = new HashRing(members);
    const r2 = new HashRing([...members].reverse());
    expect(r1.size).to.equal(300);
    for (let i = 0; i < 200; i++) {
      const h = hash32(`k${i}`);
      expect(r1.lookup(h, () => true)).to.equal(r2.lookup(h, () => true));
    }
    expect(hash32('hello')).to.equal(hash32('hello'));
    expect(hash32('hello')).to.not.equal(hash32('hellp'));
  });

  it('url-param and header hash their key, and fall back to round robin without one', () => {
    const up = build(names(3), { algorithm: 'url-param', hashKey: 'user' });
    const one = new Set(Array.from({ length: 20 }, () => up.pick({ query: 'x=1&user=42' })!.name));
    expect(one.size).to.equal(1);
    expect(tally(up, 6, () => ({ query: 'x=1' }))).to.deep.equal({ s0: 2, s1: 2, s2: 2 });
    const hd = build(names(3), { algorithm: 'header', hashKey: 'X-Tenant' });
    expect(
      new Set(Array.from({ length: 20 }, () => hd.pick({ headers: { 'x-tenant': 'acme' } })!.name)).size,
    ).to.equal(1);
    expect(tally(hd, 6, () => ({ headers: {} }))).to.deep.equal({ s0: 2, s1: 2, s2: 2 });
    expect(hashKeyOf('uri', undefined, { path: '/a', query: 'b=1' })).to.equal('/a');
    expect(hashKeyOf('url-param', 'u', { query: 'u=' })).to.equal(undefined);
    expect(hashKeyOf('header', 'h', { headers: { h: '  ' } })).to.equal(undefined);
  });

  it('hashing sends a key to its server even when it is full (the request waits for it)', () => {
    const b = build([server('a', 1, { maxConnections: 1 }), server('b', 2, { maxConnections: 1 })], {
      algorithm: 'source',
      hashType: 'consistent',
    });
    let target: ServerRuntime | undefined;
    let client = '';
    for (let i = 0; !target; i++) {
      client = `192.0.2.${i}`;
      if (b.pick({ sourceAddress: client })?.name === 'a') target = b.servers[0];
    }
    b.begin(target!);
    expect(b.pick({ sourceAddress: client })).to.equal(undefined); // no free slot on its server
    const got: string[] = [];
    b.acquire({ ctx: { sourceAddress: client } }, (r) =>
      got.push(r.ok ? `${r.server.name}${r.queued ? ' (queued)' : ''}` : r.reason),
    );
    expect(got).to.deep.equal([]);
    b.end(target!);
    expect(got).to.deep.equal(['a (queued)']);
  });
});
