// Passive checks on live traffic: a server answering 5xx is marked down after
// `consecutiveErrors`, by the traffic itself, long before its next active check; layer-4 connect
// errors on a TCP frontend do the same.
import { expect } from 'chai';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { refusedPort } from '../../support/ports.js';
import {
  backend,
  body,
  breakable,
  dataplane,
  freePort,
  frontend,
  get,
  HOST,
  policy,
  server,
  spread,
  withHealth,
  type Breakable,
  type TestDataplane,
} from './helpers.js';

describe('health e2e: passive checks', function () {
  this.timeout(60_000);
  let t: TestDataplane;
  const cleanups: Array<() => Promise<void>> = [];
  beforeEach(async () => {
    t = await dataplane();
  });
  afterEach(async () => {
    await t.close();
    for (const c of cleanups.splice(0)) await c();
  });

  it('layer7: 5xx on live traffic marks the server down after consecutiveErrors, before the next active check', async () => {
    const a: Breakable = await breakable('a');
    const b: Breakable = await breakable('b');
    cleanups.push(a.close, b.close);
    const port = await freePort();
    // Active checks every 10 min: none is due while the test runs (the first one is spread over it).
    const hp = policy({
      intervalMs: 600_000,
      fastIntervalMs: 600_000,
      downIntervalMs: 600_000,
      passive: { consecutiveErrors: 3, onError: 'mark-down', observe: 'layer7' },
    });
    const be = withHealth(backend('default/web', [server('a', a.port), server('b', b.port)]), hp);
    expect(
      (
        await t.dp.applySnapshot(
          body([frontend('default/web', port, { defaultBackend: 'default/web' })], [be]),
        )
      ).ok,
    ).to.equal(true);

    await a.set('traffic-500'); // /health still answers 200: only live traffic can tell
    const statuses: number[] = [];
    while (t.view('a')!.state === 'up' && statuses.length < 40) statuses.push((await get(port, '/')).status);
    const down = await t.transition('a', 'down');
    expect(down).to.include({ check: 'passive', from: 'up', to: 'down' });
    expect(down.reason).to.equal(
      'Health analyze: 3 consecutive errors, last one was: HTTP status 500 (on-error mark-down)',
    );
    expect(a.traffic, 'requests that reached a').to.equal(3);
    expect(statuses.filter((s) => s === 500)).to.have.length(3);
    // Detected by traffic alone: no active check failed (a's /health is fine).
    expect(t.view('a')!.counters).to.include({ failedChecks: 0, passiveTriggers: 1, down: 1 });

    // Down: b takes everything.
    expect(await spread(port, 10)).to.deep.equal({ b: 10 });
    expect(a.traffic).to.equal(3);
  });

  it('layer4: connect errors on a TCP frontend mark the server down (sessions are retried on the other)', async () => {
    const sockets = new Set<net.Socket>();
    const echo = net.createServer((s) => {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('data', (d) => s.write(`b:${d.toString()}`));
    });
    await new Promise<void>((r) => echo.listen(0, HOST, r));
    cleanups.push(
      () =>
        new Promise<void>((r) => {
          for (const s of sockets) s.destroy();
          echo.close(() => r());
        }),
    );
    const deadPort = await refusedPort(); // nothing listens, and nothing will: connection refused
    const port = await freePort();
    const hp = policy({
      http: undefined,
      intervalMs: 600_000,
      fastIntervalMs: 600_000,
      downIntervalMs: 600_000,
      initialState: 'up',
      passive: { consecutiveErrors: 2, onError: 'mark-down', observe: 'layer4' },
    });
    delete (hp as { http?: unknown }).http;
    const be = withHealth(
      backend('default/tcp', [server('dead', deadPort), server('b', (echo.address() as AddressInfo).port)], {
        mode: 'tcp',
      }),
      hp,
    );
    const fe = frontend('default/tcp', port, { mode: 'tcp', defaultBackend: 'default/tcp' });
    expect((await t.dp.applySnapshot(body([fe], [be]))).ok).to.equal(true);

    const session = () =>
      new Promise<string>((resolve, reject) => {
        const c = net.connect({ host: HOST, port }, () => c.write('hi'));
        c.once('data', (d) => {
          resolve(d.toString());
          c.destroy();
        });
        c.once('error', reject);
      });
    for (let i = 0; i < 6 && t.view('dead')!.state === 'up'; i++) expect(await session()).to.equal('b:hi');
    const down = await t.transition('dead', 'down');
    expect(down).to.include({ check: 'passive' });
    expect(down.reason).to.match(
      /^Health analyze: 2 consecutive errors, last one was: connect error ECONNREFUSED/,
    );
    expect(t.view('dead')!.counters).to.include({ passiveTriggers: 1 });
  });
});
