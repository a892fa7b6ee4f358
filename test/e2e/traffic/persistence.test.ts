// Persistence modes with a real cookie jar (curl -c/-b) and real backends: cookie insert
// (indirect, nocache, attributes), rewrite, prefix; source stickiness; redispatch when the
// sticky server goes down.
import { expect } from 'chai';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { BackendSnap } from '#protocol/snapshot';
import {
  HOST,
  backend,
  curl,
  frontend,
  get,
  harness,
  server,
  startBackend,
  type Harness,
} from './support.js';

type Cookie = NonNullable<NonNullable<BackendSnap['persistence']>['cookie']>;

/** A backend that sets its own session cookie and reports the Cookie header it received. */
async function appBackend(name: string): Promise<{ port: number; seen: string[]; close(): Promise<void> }> {
  const seen: string[] = [];
  const srv = http.createServer((req, res) => {
    seen.push(req.headers.cookie ?? '');
    const setCookie = new URL(req.url ?? '/', 'http://x').searchParams.get('set');
    res.writeHead(200, {
      'content-type': 'text/plain',
      ...(setCookie ? { 'set-cookie': `${setCookie}; Path=/` } : {}),
    });
    res.end(name);
  });
  await new Promise<void>((r) => srv.listen(0, HOST, r));
  return {
    port: (srv.address() as { port: number }).port,
    seen,
    close: () =>
      new Promise<void>((r) => {
        srv.closeAllConnections();
        srv.close(() => r());
      }),
  };
}

describe('e2e/traffic: persistence', function () {
  this.timeout(60_000);
  let apps: Awaited<ReturnType<typeof appBackend>>[];
  let h: Harness;
  let dir: string;
  let jar: string;

  before(async () => {
    apps = await Promise.all(['app0', 'app1', 'app2'].map((n) => appBackend(n)));
  });
  after(async () => {
    await Promise.all(apps.map((a) => a.close()));
  });
  beforeEach(async () => {
    h = await harness();
    dir = await mkdtemp(path.join(os.tmpdir(), 'bascule-jar-'));
    jar = path.join(dir, 'jar.txt');
    for (const a of apps) a.seen.length = 0;
  });
  afterEach(async () => {
    await h.close();
    await rm(dir, { recursive: true, force: true });
  });

  const cookie = (c: Partial<Cookie>): Cookie => ({
    name: 'SRV',
    mode: 'insert',
    indirect: false,
    nocache: false,
    httpOnly: false,
    secure: false,
    path: '/',
    ...c,
  });
  const servers = (states: Array<'ready' | 'drain' | 'maintenance'> = ['ready', 'ready', 'ready']) =>
    apps.map((a, i) => server(`app${i}`, a.port, { cookie: `c${i}`, state: states[i]! }));
  const apply = (persistence: BackendSnap['persistence'], srv = servers()) =>
    h.apply(
      [frontend('default/fe', h.port, { defaultBackend: 'default/web' })],
      [backend('default/web', srv, { persistence })],
    );
  const url = (p = '/') => `http://${HOST}:${h.port}${p}`;
  const session = (p = '/') => curl(['-c', jar, '-b', jar, url(p)]);

  it('insert + indirect + nocache: one Set-Cookie, then the same server; the app never sees the cookie', async () => {
    await apply({
      cookie: cookie({ indirect: true, nocache: true, httpOnly: true, sameSite: 'Lax', maxAgeMs: 600_000 }),
    });
    const first = await session();
    expect(first.status).to.equal(200);
    const setCookie = /^set-cookie: (.*)$/im.exec(first.headers)?.[1]?.trim();
    expect(setCookie).to.match(/^SRV=c\d; Path=\/; Max-Age=600; HttpOnly; SameSite=Lax$/);
    expect(first.headers).to.match(/^cache-control: private$/im);
    const owner = first.body;
    for (let i = 0; i < 6; i++) {
      const r = await session();
      expect(r.body).to.equal(owner);
      expect(r.headers).to.not.match(/set-cookie/i); // indirect: a valid cookie is not re-sent
      expect(r.headers).to.not.match(/cache-control: private/i);
    }
    expect(await readFile(jar, 'utf8')).to.contain('\tSRV\tc');
    for (const a of apps) for (const c of a.seen) expect(c).to.not.contain('SRV=');
    // Without the jar, clients are still balanced across servers.
    const fresh = new Set(await Promise.all([1, 2, 3].map(async () => (await get(h.port)).body)));
    expect(fresh.size).to.equal(3);
  });

  it('insert without indirect: the app sees the cookie; a server going down redispatches and re-sets it', async () => {
    await apply({ cookie: cookie({}) });
    const owner = (await session()).body;
    const idx = Number(owner.slice(3));
    expect((await session()).body).to.equal(owner);
    expect(apps[idx]!.seen.at(-1)).to.equal(`SRV=c${idx}`);
    // The owner goes into maintenance (or down): the client is redispatched and re-stuck.
    const states: Array<'ready' | 'maintenance'> = ['ready', 'ready', 'ready'];
    states[idx] = 'maintenance';
    await apply({ cookie: cookie({}) }, servers(states));
    const moved = await session();
    expect(moved.status).to.equal(200);
    expect(moved.body).to.not.equal(owner);
    expect(moved.headers).to.match(new RegExp(`^set-cookie: SRV=c${moved.body.slice(3)}; Path=/`, 'im'));
    for (let i = 0; i < 3; i++) expect((await session()).body).to.equal(moved.body);
  });

  it('drain keeps persistent clients, new clients go elsewhere', async () => {
    await apply({ cookie: cookie({}) });
    const owner = (await session()).body;
    const idx = Number(owner.slice(3));
    const states: Array<'ready' | 'drain'> = ['ready', 'ready', 'ready'];
    states[idx] = 'drain';
    await apply({ cookie: cookie({}) }, servers(states));
    for (let i = 0; i < 3; i++) expect((await session()).body).to.equal(owner);
    const others = await Promise.all([1, 2, 3, 4].map(async () => (await get(h.port)).body));
    expect(others).to.not.include(owner);
  });

  it("rewrite: the app's own cookie carries the server id; the request goes back to it", async () => {
    await apply({ cookie: cookie({ mode: 'rewrite' }) });
    // Until the app sets the cookie, there is no persistence.
    const first = await session('/login?set=SRV=session42');
    const idx = Number(first.body.slice(3));
    expect(first.headers).to.match(new RegExp(`^set-cookie: SRV=c${idx}; Path=/$`, 'im'));
    for (let i = 0; i < 4; i++) expect((await session()).body).to.equal(first.body);
    expect(apps[idx]!.seen.at(-1)).to.equal(`SRV=c${idx}`);
  });

  it("prefix: the app's session cookie is prefixed with the server id, which it never sees", async () => {
    await apply({ cookie: cookie({ name: 'JSESSIONID', mode: 'prefix' }) });
    const first = await session('/login?set=JSESSIONID=abc123');
    const idx = Number(first.body.slice(3));
    expect(first.headers).to.match(new RegExp(`^set-cookie: JSESSIONID=c${idx}~abc123; Path=/$`, 'im'));
    for (let i = 0; i < 4; i++) expect((await session()).body).to.equal(first.body);
    expect(apps[idx]!.seen.at(-1)).to.equal('JSESSIONID=abc123');
  });

  it('source: a client address sticks to one server, across a swap, until its server goes away', async () => {
    await apply({ source: { expireMs: 60_000 } });
    const first = (await get(h.port)).body;
    for (let i = 0; i < 5; i++) expect((await get(h.port)).body).to.equal(first);
    // A swap that changes nothing about the servers keeps the table.
    await h.apply(
      [frontend('default/fe', h.port, { defaultBackend: 'default/web', via: true })],
      [backend('default/web', servers(), { persistence: { source: { expireMs: 60_000 } } })],
    );
    expect((await get(h.port)).body).to.equal(first);
    const idx = Number(first.slice(3));
    const states: Array<'ready' | 'maintenance'> = ['ready', 'ready', 'ready'];
    states[idx] = 'maintenance';
    await apply({ source: { expireMs: 60_000 } }, servers(states));
    const next = (await get(h.port)).body;
    expect(next).to.not.equal(first);
    for (let i = 0; i < 3; i++) expect((await get(h.port)).body).to.equal(next);
  });

  it('a sticky client whose server stops answering is redispatched on the spot (no error)', async () => {
    const extra = await startBackend('doomed');
    const srv = [
      server('doomed', extra.port, { cookie: 'd' }),
      server('app1', apps[1]!.port, { cookie: 'c1' }),
    ];
    await apply({ cookie: cookie({}) }, srv);
    let r = await session();
    while (r.body !== 'doomed') {
      await rm(jar, { force: true });
      r = await session();
    }
    await extra.close(); // connection refused from now on
    const after = await session();
    expect(after.status).to.equal(200);
    expect(after.body).to.equal('app1');
    expect(after.headers).to.match(/^set-cookie: SRV=c1; Path=\/$/im);
    expect((await session()).body).to.equal('app1');
  });
});
