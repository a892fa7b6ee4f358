// Health checks run once per dataplane (in the primary) and every worker follows the verdicts;
// passive observations of both workers count together; runtime overrides reach every worker;
// stats and metrics add up the workers' traffic.
import { expect } from 'chai';
import { makeSnapshot } from '#protocol/canonical';
import { body, eventually, freePort, frontend, get, server } from '../../unit/dataplane/helpers.js';
import { breakable, policy, withHealth, type Breakable } from '../health/helpers.js';
import { backend } from '../../unit/dataplane/helpers.js';
import {
  perWorkerRequests,
  sample,
  untilEveryWorkerSees,
  untilEveryWorkerServed,
  workersDataplane,
  type WorkersDataplane,
} from './support.js';

/** `n` requests on fresh connections (so both workers take some), tallied by answer. */
async function tally(port: number, n: number): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  const replies = await Promise.all(
    Array.from({ length: n }, () => get(port, '/').then((r) => `${r.status} ${r.body}`)),
  );
  for (const r of replies) out[r] = (out[r] ?? 0) + 1;
  return out;
}

describe('workers: health, overrides and stats across 2 worker processes', function () {
  this.timeout(90_000);
  let a: Breakable;
  let b: Breakable;
  let w: WorkersDataplane;
  let port: number;

  before(async () => {
    [a, b] = await Promise.all([breakable('a'), breakable('b')]);
    port = await freePort();
    w = await workersDataplane();
  });
  after(async () => {
    await w?.dp.close();
    await Promise.all([a.close(), b.close()]);
  });
  // Each test breaks the backends its own way: a failed one must not leave them broken for the next.
  afterEach(async () => {
    await Promise.all([a.set('ok'), b.set('ok')]);
  });

  it('active checks run once per dataplane; a verdict reaches both workers', async () => {
    // A check timeout far above the interval: a check of a healthy server answered late (a loaded
    // machine) must not take it out; a broken one answers 500 at once.
    const hp = policy({
      intervalMs: 100,
      fastIntervalMs: 100,
      downIntervalMs: 100,
      timeoutMs: 2000,
      rise: 2,
      fall: 2,
    });
    const snap = makeSnapshot(
      body(
        [frontend('fe', port, { defaultBackend: 'web' })],
        [withHealth(backend('web', [server('a', a.port), server('b', b.port)]), hp)],
      ),
    );
    expect(await w.dp.applySnapshot(snap)).to.include({ ok: true });
    // The primary's checker counts what it runs; the server counts what reaches it. One checker:
    // the two agree (but for one check in flight at either end) and its cadence holds them to one
    // check per 100 ms at most. A second checker (one per worker) would reach the server uncounted
    // here. Counted until 10 checks ran, however long a loaded machine takes.
    const counted = () => w.dp.health().servers.find((s) => s.server === 'a')!.counters.checks;
    const [countedBefore, servedBefore, startedAt] = [counted(), a.checks, Date.now()];
    await eventually(() => counted() - countedBefore >= 10, 20_000, 20);
    const [ran, served, elapsed] = [
      counted() - countedBefore,
      a.checks - servedBefore,
      Date.now() - startedAt,
    ];
    expect(served - ran, `${served} checks reached a, ${ran} counted`).to.be.within(-1, 1);
    expect(served, `${served} checks in ${elapsed} ms`).to.be.at.most(Math.floor(elapsed / 100) + 3);
    await a.set('status-500');
    await eventually(() => w.dp.health().servers.find((s) => s.server === 'a')?.state === 'down', 5000);
    // The verdict reaches each worker over IPC: its own document shows when it has.
    await untilEveryWorkerSees(w, 'web', 'a', false);
    // Every new connection, whichever worker accepts it, avoids a.
    const served2 = await untilEveryWorkerServed(w, async () => {
      expect(await tally(port, 40)).to.deep.equal({ '200 b': 40 });
    });
    expect(
      served2.every((n) => n > 0),
      `both workers answered: ${served2.join(' / ')}`,
    ).to.equal(true);
    await a.set('ok');
    await eventually(() => w.dp.health().servers.find((s) => s.server === 'a')?.state === 'up', 5000);
    await untilEveryWorkerSees(w, 'web', 'a', true);
    const after = await tally(port, 40);
    expect(after['200 a'] ?? 0).to.be.greaterThan(0);
  });

  it('passive errors seen by both workers count together', async () => {
    // Active checks every 10 min, the first at a random point of that (a passed check would clear
    // the count: `checks: 0` below says none ran); passive: 6 consecutive errors mark it down.
    const hp = policy({
      intervalMs: 600_000,
      fastIntervalMs: 600_000,
      downIntervalMs: 600_000,
      passive: { observe: 'layer7', consecutiveErrors: 6, onError: 'mark-down' },
    });
    const snap = makeSnapshot(
      body(
        [frontend('fe2', port, { defaultBackend: 'solo' })],
        [withHealth(backend('solo', [server('a', a.port)]), hp)],
      ),
    );
    expect(await w.dp.applySnapshot(snap)).to.include({ ok: true });
    await a.set('traffic-500');
    const view = () => w.dp.health().servers.find((s) => s.backend === 'solo')!;
    const before = await perWorkerRequests(w);
    // Three failures on each worker: neither reached 6 alone, together they did. A worker tells the
    // primary what its traffic saw after answering (one IPC hop): the primary may not have counted
    // a failure when its answer arrives here, so the next request waits until it has. Then the
    // requests sent are the ones the verdict took.
    for (let sent = 1; sent <= 12 && view().state !== 'down'; sent++) {
      await get(port, '/');
      await eventually(() => view().state === 'down' || view().counters.passiveErrors >= sent, 5000);
    }
    const after = await perWorkerRequests(w);
    const delta = after.map((n, i) => n - before[i]!);
    console.log(`      failures per worker before the verdict: ${delta.join(' / ')}`);
    expect(view().state).to.equal('down');
    expect(delta.reduce((x, y) => x + y, 0)).to.equal(6);
    expect(view().reason).to.match(/6 consecutive errors/);
    expect(view().counters).to.include({ checks: 0, passiveErrors: 6, passiveTriggers: 1 });
  });

  it('a runtime override from the admin API reaches every worker', async () => {
    const snap = makeSnapshot(
      body(
        [frontend('fe3', port, { defaultBackend: 'default/web' })],
        [backend('default/web', [server('a', a.port), server('b', b.port)])],
      ),
    );
    expect(await w.dp.applySnapshot(snap)).to.include({ ok: true });
    const put = await fetch(`${w.admin}/runtime/servers/default/web/a`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ state: 'maintenance', reason: 'test' }),
    });
    expect(put.status).to.equal(200);
    // One IPC hop to each worker: polled, not a fixed pause a loaded machine can outlast.
    const onlyB = await eventually(async () => {
      const t = await tally(port, 40);
      return t['200 b'] === 40 ? t : undefined;
    }, 5000).catch(() => tally(port, 40));
    expect(onlyB).to.deep.equal({ '200 b': 40 });
    // Both workers serve under the override, every answer from b.
    const served = await untilEveryWorkerServed(w, async () => {
      expect(await tally(port, 20)).to.deep.equal({ '200 b': 20 });
    });
    expect(
      served.every((n) => n > 0),
      `both workers answered: ${served.join(' / ')}`,
    ).to.equal(true);
    const del = await fetch(`${w.admin}/runtime/servers/default/web/a`, { method: 'DELETE' });
    expect(del.status).to.equal(200);
    const back = await eventually(async () => ((await tally(port, 40))['200 a'] ?? 0) > 0, 5000).catch(
      () => false,
    );
    expect(back, 'server a serves again once the override is deleted').to.equal(true);
  });

  it('stats and metrics are the sum of the workers (per-worker detail on request)', async () => {
    const fresh = await freePort();
    const snap = makeSnapshot(
      body(
        [frontend('count', fresh, { defaultBackend: 'counted' })],
        [backend('counted', [server('b', b.port)])],
      ),
    );
    expect(await w.dp.applySnapshot(snap)).to.include({ ok: true });
    await tally(fresh, 30);
    const [total, one, two] = await Promise.all([w.stats(), w.worker(1), w.worker(2)]);
    const fe = (d: typeof total) => d.frontends.find((f) => f.id === 'count')!;
    expect(fe(one).requests + fe(two).requests).to.equal(30);
    expect(fe(total).requests).to.equal(30);
    expect(fe(total).responses['2xx']).to.equal(30);
    const be = total.backends.find((x) => x.id === 'counted')!;
    expect(be.servers.find((s) => s.name === 'b')!.sessions).to.equal(30);
    expect(total.workers!.map((x) => x.id)).to.deep.equal([1, 2]);
    const metrics = await w.metrics();
    expect(sample(metrics, 'bascule_frontend_http_requests_total{frontend="count",code="2xx"}')).to.equal(30);
    expect(sample(metrics, 'bascule_server_sessions_total{backend="counted",server="b"}')).to.equal(30);
    // Dataplane-level series appear once, not once per process.
    expect(sample(metrics, 'bascule_server_up{backend="counted",server="b"}')).to.equal(1);
    expect(sample(metrics, 'bascule_workers{state="ready"}')).to.equal(2);
    const m1 = await w.metrics(1);
    expect(sample(m1, 'bascule_frontend_http_requests_total{frontend="count",code="2xx"}')).to.equal(
      fe(one).requests,
    );
    const csv = await (await fetch(`${w.admin}/stats;csv`)).text();
    expect(csv.split('\n').find((l) => l.startsWith('frontend,count,'))).to.include(',30,');
    expect((await fetch(`${w.admin}/stats;json?worker=3`)).status).to.equal(404);
    const page = await (await fetch(`${w.admin}/stats`)).text();
    expect(page).to.include('data-worker="1"').and.to.include('data-worker="2"');
    expect(page).to.match(/data-frontend="count"[\s\S]*?<td class="n">30<\/td>/);
  });
});
