// Per-client limits with 2 workers are enforced by each worker on the traffic it accepted
// (docs/workers.md, "What is per worker"): one keep-alive connection stays on one worker and gets
// exactly the limit; a client spreading connections gets at most the limit from each worker.
import { expect } from 'chai';
import http, { type ServerResponse } from 'node:http';
import { makeSnapshot } from '#protocol/canonical';
import {
  backend,
  body,
  eventually,
  freePort,
  frontend,
  get,
  server,
  startBackend,
  type TestBackend,
} from '../../unit/dataplane/helpers.js';
import { workersDataplane, type WorkersDataplane } from './support.js';

describe('workers: per-client limits with 2 worker processes', function () {
  this.timeout(60_000);
  let up: TestBackend;
  let w: WorkersDataplane;

  before(async () => {
    up = await startBackend('up');
    w = await workersDataplane();
  });
  after(async () => {
    await w?.dp.close();
    await up.close();
  });

  const per = async (id: string): Promise<Array<{ ok: number; limited: number }>> =>
    Promise.all(
      [1, 2].map(async (n) => {
        const f = (await w.worker(n)).frontends.find((x) => x.id === id);
        return { ok: f?.responses['2xx'] ?? 0, limited: f?.responses['4xx'] ?? 0 };
      }),
    );

  it('rateLimit: exactly the limit on one keep-alive connection; at most the limit per worker otherwise', async () => {
    const port = await freePort();
    const limit = 5;
    const rateLimit = { requests: limit, periodMs: 60_000, key: 'source' as const, status: 429 };
    const snap = makeSnapshot(
      body(
        [frontend('rl', port, { defaultBackend: 'be', rateLimit })],
        [backend('be', [server('up', up.port)])],
      ),
    );
    expect(await w.dp.applySnapshot(snap)).to.include({ ok: true });

    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const pinned: number[] = [];
    for (let i = 0; i < 12; i++) pinned.push((await get(port, '/', { agent })).status);
    agent.destroy();
    expect(pinned.filter((s) => s === 200)).to.have.length(limit);
    expect(pinned.slice(limit)).to.deep.equal(Array(12 - limit).fill(429));

    // Fresh connections from the same client: each worker allows `limit` in the period.
    const spread = await Promise.all(Array.from({ length: 40 }, () => get(port, '/').then((r) => r.status)));
    const allowed = pinned.filter((s) => s === 200).length + spread.filter((s) => s === 200).length;
    const workers = await per('rl');
    console.log(`      allowed per worker: ${workers.map((x) => x.ok).join(' / ')} (limit ${limit} each)`);
    for (const x of workers) expect(x.ok).to.be.at.most(limit);
    expect(allowed).to.equal(workers.reduce((n, x) => n + x.ok, 0));
    expect(allowed).to.be.within(limit, 2 * limit);
    expect(spread.every((s) => s === 200 || s === 429)).to.equal(true);
  });

  it('connectionLimit.perSource: at most perSource open connections per worker', async () => {
    const port = await freePort();
    const perSource = 2;
    const snap = makeSnapshot(
      body(
        [frontend('cl', port, { defaultBackend: 'be', connectionLimit: { perSource, status: 429 } })],
        [backend('be', [server('up', up.port)])],
      ),
    );
    expect(await w.dp.applySnapshot(snap)).to.include({ ok: true });
    // 8 connections at once, each let through held open at the server until all 8 were either let
    // through or refused: however slowly a loaded machine runs them, none closes early and makes
    // room for another.
    const held: ServerResponse[] = [];
    up.handler = (_req, res) => void held.push(res);
    let refused = 0;
    const pending = Array.from({ length: 8 }, () =>
      get(port, '/held').then((r) => {
        if (r.status !== 200) refused++;
        return r.status;
      }),
    );
    try {
      await eventually(() => held.length + refused === 8, 20_000, 20);
    } finally {
      up.handler = undefined;
      for (const res of held) res.writeHead(200, { 'content-type': 'text/plain' }).end('up\n');
    }
    const replies = await Promise.all(pending);
    const workers = await per('cl');
    console.log(
      `      served per worker: ${workers.map((x) => x.ok).join(' / ')} (perSource ${perSource} each)`,
    );
    for (const x of workers) expect(x.ok).to.be.at.most(perSource);
    const served = replies.filter((s) => s === 200).length;
    expect(served).to.be.within(perSource, 2 * perSource);
    expect(replies.filter((s) => s === 429)).to.have.length(8 - served);
  });
});
