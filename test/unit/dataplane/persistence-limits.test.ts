// Pure parts of persistence and limits: cookie header transforms (HAProxy cookie modes), the
// source stick table, the per-client rate limiter, bounded tables, and the backend wait queue.
import { expect } from 'chai';
import { createBalancer } from '#dataplane/balance/index';
import { ConnectionCounter } from '#dataplane/limits/connections';
import { LruMap } from '#dataplane/limits/lru';
import { RateLimiter } from '#dataplane/limits/rate-limit';
import {
  editRequestCookies,
  editResponseCookies,
  findRequestCookie,
  insertedCookie,
  serverIdOf,
  type CookieConfig,
} from '#dataplane/persistence/cookie';
import { StickTable } from '#dataplane/persistence/stick-table';
import { BackendRuntime, ServerRuntime, type AcquireResult } from '#dataplane/runtime/backend';
import { BackendState, ServerState, serverKey } from '#dataplane/runtime/state';
import type { HeaderList } from '#dataplane/router/types';
import type { BackendSnap, ServerSnap } from '#protocol/snapshot';
import { backend, quietLogger, server, sleep } from './helpers.js';

const cfg = (c: Partial<CookieConfig> = {}): CookieConfig => ({
  name: 'SRV',
  mode: 'insert',
  indirect: false,
  nocache: false,
  httpOnly: false,
  secure: false,
  path: '/',
  ...c,
});

const get = (h: HeaderList, name: string): string[] =>
  h.filter(([n]) => n.toLowerCase() === name).map(([, v]) => v);

describe('dataplane/persistence: cookies', () => {
  const req: HeaderList = [
    ['Host', 'x'],
    ['Cookie', 'a=1; SRV=s1; b=2'],
  ];

  it('finds the persistence cookie and the server it names in each mode', () => {
    expect(findRequestCookie(req, 'SRV')).to.equal('s1');
    expect(findRequestCookie(req, 'srv')).to.equal(undefined);
    expect(serverIdOf(cfg(), 's1')).to.equal('s1');
    expect(serverIdOf(cfg({ mode: 'prefix' }), 's1~abc~d')).to.equal('s1');
    expect(serverIdOf(cfg({ mode: 'prefix' }), 'abc')).to.equal('abc');
  });

  it('insert: the server sees the cookie unless indirect; indirect removes it', () => {
    expect(editRequestCookies(cfg(), req)).to.equal(req);
    expect(get(editRequestCookies(cfg({ indirect: true }), req), 'cookie')).to.deep.equal(['a=1; b=2']);
    const only: HeaderList = [['Cookie', 'SRV=s1']];
    expect(editRequestCookies(cfg({ indirect: true }), only)).to.deep.equal([]);
  });

  it("insert: sets a cookie when the request was not direct, removing the server's own", () => {
    const res: HeaderList = [
      ['Set-Cookie', 'SRV=app; Path=/x'],
      ['Set-Cookie', 'other=1'],
    ];
    const out = editResponseCookies(
      cfg({ httpOnly: true, secure: true, sameSite: 'Lax', maxAgeMs: 3_600_000, domain: 'example.com' }),
      res,
      {
        serverCookie: 's1',
        direct: false,
      },
    );
    expect(get(out, 'set-cookie')).to.deep.equal([
      'other=1',
      'SRV=s1; Path=/; Domain=example.com; Max-Age=3600; HttpOnly; Secure; SameSite=Lax',
    ]);
    // Direct: nothing inserted (and the server's own copy still removed).
    expect(
      get(editResponseCookies(cfg(), res, { serverCookie: 's1', direct: true }), 'set-cookie'),
    ).to.deep.equal(['other=1']);
    expect(insertedCookie(cfg(), 'b')).to.equal('SRV=b; Path=/');
  });

  it('nocache adds Cache-Control: private only when a cookie is set', () => {
    const c = cfg({ nocache: true });
    expect(
      get(editResponseCookies(c, [], { serverCookie: 's1', direct: false }), 'cache-control'),
    ).to.deep.equal(['private']);
    expect(editResponseCookies(c, [['X', '1']], { serverCookie: 's1', direct: true })).to.deep.equal([
      ['X', '1'],
    ]);
  });

  it("rewrite: the server's cookie value becomes the server id; the request is untouched", () => {
    const c = cfg({ mode: 'rewrite' });
    expect(editRequestCookies(c, req)).to.equal(req);
    const out = editResponseCookies(c, [['Set-Cookie', 'SRV=anything; Path=/; HttpOnly']], {
      serverCookie: 's2',
      direct: false,
    });
    expect(get(out, 'set-cookie')).to.deep.equal(['SRV=s2; Path=/; HttpOnly']);
    // No cookie from the server: nothing is added (the application decides).
    expect(
      get(editResponseCookies(c, [], { serverCookie: 's2', direct: false }), 'set-cookie'),
    ).to.deep.equal([]);
  });

  it('prefix: "srv~" is prepended in responses and stripped from requests', () => {
    const c = cfg({ name: 'JSESSIONID', mode: 'prefix' });
    const out = editResponseCookies(c, [['Set-Cookie', 'JSESSIONID=abc123; Path=/']], {
      serverCookie: 's1',
      direct: false,
    });
    expect(get(out, 'set-cookie')).to.deep.equal(['JSESSIONID=s1~abc123; Path=/']);
    const back = editRequestCookies(c, [['Cookie', 'x=1; JSESSIONID=s1~abc123']]);
    expect(back).to.deep.equal([['Cookie', 'x=1; JSESSIONID=abc123']]);
    // indirect on a direct request removes the server's update (HAProxy's documented caveat).
    const ind = editResponseCookies(
      cfg({ name: 'JSESSIONID', mode: 'prefix', indirect: true }),
      [['Set-Cookie', 'JSESSIONID=new']],
      { serverCookie: 's1', direct: true },
    );
    expect(get(ind, 'set-cookie')).to.deep.equal([]);
  });
});

describe('dataplane/persistence: stick table', () => {
  it('remembers, refreshes on use, expires idle entries and stays bounded', () => {
    const t = new StickTable(3);
    t.store('10.0.0.1', 'srv-a', 0, 1000);
    expect(t.lookup('10.0.0.1', 900, 1000)).to.equal('srv-a'); // refreshed to 1900
    expect(t.lookup('10.0.0.1', 1800, 1000)).to.equal('srv-a');
    expect(t.lookup('10.0.0.1', 2801, 1000)).to.equal(undefined);
    for (let i = 0; i < 10; i++) t.store(`10.0.1.${i}`, 'srv-b', 3000, 1000);
    expect(t.size).to.equal(3);
  });
});

describe('dataplane/limits', () => {
  it('rate limiter: exactly `requests` per period, then refusal with Retry-After', () => {
    const rl = new RateLimiter();
    const now = 1_000_000;
    for (let i = 0; i < 5; i++) expect(rl.hit('c', 5, 10_000, now + i)).to.deep.equal({ allowed: true });
    const refused = rl.hit('c', 5, 10_000, now + 10);
    expect(refused.allowed).to.equal(false);
    // The period ends in 10 s; the approximated window then needs 2 s more to slide.
    if (!refused.allowed) expect(refused.retryAfterSeconds).to.equal(12);
    expect(rl.hit('other', 5, 10_000, now + 10).allowed).to.equal(true); // per client
    // Sliding window: just after the period, the previous count still weighs in…
    expect(rl.hit('c', 5, 10_000, now + 10_100).allowed).to.equal(false);
    // …and once enough of it has slid out, requests pass again.
    expect(rl.hit('c', 5, 10_000, now + 12_100).allowed).to.equal(true);
    // Two quiet periods: a fresh allowance.
    for (let i = 0; i < 5; i++) expect(rl.hit('c', 5, 10_000, now + 40_000 + i).allowed).to.equal(true);
    expect(rl.hit('c', 5, 10_000, now + 40_010).allowed).to.equal(false);
  });

  it('rate limiter Retry-After is when a request would pass again', () => {
    const rl = new RateLimiter();
    for (let i = 0; i < 4; i++) rl.hit('c', 4, 4000, i);
    const r = rl.hit('c', 4, 4000, 1000);
    expect(r.allowed).to.equal(false);
    const wait = r.allowed ? 0 : r.retryAfterSeconds;
    expect(rl.hit('c', 4, 4000, 1000 + wait * 1000 - 600).allowed).to.equal(false);
    expect(rl.hit('c', 4, 4000, 1000 + wait * 1000).allowed).to.equal(true);
  });

  it('rate limiter memory is bounded whatever the number of clients', () => {
    const rl = new RateLimiter(1000);
    for (let i = 0; i < 20_000; i++) rl.hit(`10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`, 10, 1000, 0);
    expect(rl.size).to.be.at.most(1000);
  });

  it('LRU map evicts the least recently used; connection counter frees empty entries', () => {
    const m = new LruMap<string, number>(2);
    m.set('a', 1);
    m.set('b', 2);
    m.get('a');
    m.set('c', 3);
    expect([...m.entries()].map(([k]) => k)).to.deep.equal(['a', 'c']);
    const cc = new ConnectionCounter();
    expect(cc.tryAcquire('x', 2)).to.equal(true);
    expect(cc.tryAcquire('x', 2)).to.equal(true);
    expect(cc.tryAcquire('x', 2)).to.equal(false);
    cc.release('x');
    cc.release('x');
    expect(cc.clients).to.equal(0);
  });
});

describe('dataplane/runtime: backend queue', () => {
  function build(servers: ServerSnap[], extra: Partial<BackendSnap> = {}): BackendRuntime {
    const snap = backend('default/q', servers, extra);
    const rts = servers.map(
      (s) =>
        new ServerRuntime(serverKey(snap.id, s), snap.id, s, new ServerState(serverKey(snap.id, s)), true),
    );
    return new BackendRuntime(snap, rts, createBalancer(snap, quietLogger()), new BackendState(snap.id));
  }
  const timeouts = (queue: number) => ({ connect: 1000, server: 1000, queue, tunnel: 1000 });

  it('queues requests when every server is full and serves them in arrival order', () => {
    const b = build([server('a', 1, { maxConnections: 1 }), server('b', 2, { maxConnections: 1 })]);
    const got: string[] = [];
    const ask = (tag: string) =>
      b.acquire({ ctx: {} }, (r: AcquireResult) =>
        got.push(`${tag}:${r.ok ? r.server.name + (r.queued ? '*' : '') : r.reason}`),
      );
    ask('1');
    ask('2');
    ask('3');
    ask('4');
    expect(got).to.deep.equal(['1:a', '2:b']);
    expect(b.state.queue.length).to.equal(2);
    b.end(b.servers[1]!);
    expect(got).to.deep.equal(['1:a', '2:b', '3:b*']);
    b.end(b.servers[0]!);
    expect(got).to.deep.equal(['1:a', '2:b', '3:b*', '4:a*']);
  });

  it('maxQueue bounds the queue; timeouts.queue gives up; cancel leaves it', async () => {
    const b = build([server('a', 1, { maxConnections: 1 })], { maxQueue: 1, timeouts: timeouts(50) });
    const got: string[] = [];
    b.acquire({ ctx: {} }, (r) => got.push(r.ok ? 'ok' : r.reason));
    b.acquire({ ctx: {} }, (r) => got.push(r.ok ? 'ok' : r.reason));
    b.acquire({ ctx: {} }, (r) => got.push(r.ok ? 'ok' : r.reason));
    expect(got).to.deep.equal(['ok', 'queue-full']);
    await sleep(120);
    expect(got).to.deep.equal(['ok', 'queue-full', 'queue-timeout']);
    const cancel = b.acquire({ ctx: {} }, (r) => got.push(r.ok ? 'late' : r.reason));
    cancel();
    b.end(b.servers[0]!);
    expect(got).to.have.length(3);
    expect(b.state.queue.length).to.equal(0);
  });

  it('a persistent request waits for its own server; one whose server went away is redispatched', () => {
    const b = build([server('a', 1, { maxConnections: 1 }), server('b', 2, { maxConnections: 1 })]);
    const [a] = b.servers;
    b.begin(a!);
    const got: string[] = [];
    b.acquire({ ctx: {}, preferred: a }, (r) => got.push(r.ok ? r.server.name : r.reason));
    expect(got).to.deep.equal([]); // b is free, but the client is bound to a
    b.end(a!);
    expect(got).to.deep.equal(['a']);
    a!.state.up = false; // a goes down: its persistent clients are balanced elsewhere
    b.acquire({ ctx: {}, preferred: a }, (r) => got.push(r.ok ? r.server.name : r.reason));
    expect(got).to.deep.equal(['a', 'b']);
  });

  it('drain and weight 0 keep persistent clients; maintenance does not', () => {
    const b = build([
      server('d', 1, { state: 'drain' }),
      server('z', 2, { weight: 0 }),
      server('m', 3, { state: 'maintenance' }),
      server('r', 4),
    ]);
    const [d, z, m] = b.servers;
    const pickFor = (preferred: ServerRuntime) => {
      let name = '';
      b.acquire({ ctx: {}, preferred }, (r) => (name = r.ok ? r.server.name : r.reason));
      return name;
    };
    expect(pickFor(d!)).to.equal('d');
    expect(pickFor(z!)).to.equal('z');
    expect(pickFor(m!)).to.equal('r');
    expect(b.pick({})!.name).to.equal('r');
  });
});
