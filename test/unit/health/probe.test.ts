// One active check against real sockets on 127.0.0.1: every failure mode is one failed result
// with a clear reason, and nothing waits longer than the check timeout.
import { expect } from 'chai';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { compileExpect } from '#dataplane/health/expect';
import { runCheck, type CheckResult, type CheckSpec } from '#dataplane/health/probe';
import type { HealthSnap } from '#protocol/snapshot';
import { freePort, HOST } from '../dataplane/helpers.js';

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

async function httpServer(
  handler: Handler,
): Promise<{ port: number; seen: http.IncomingMessage[]; close(): Promise<void> }> {
  const seen: http.IncomingMessage[] = [];
  const server = http.createServer((req, res) => {
    seen.push(req);
    handler(req, res);
  });
  await new Promise<void>((r) => server.listen(0, HOST, r));
  return {
    port: (server.address() as AddressInfo).port,
    seen,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

const httpSpec = (over: Partial<NonNullable<HealthSnap['http']>> = {}, timeoutMs = 300): CheckSpec => {
  const h: NonNullable<HealthSnap['http']> = {
    method: 'GET',
    path: '/health',
    headers: [],
    expect: { statusRange: '200-399' },
    ...over,
  };
  return { timeoutMs, http: h, expect: compileExpect(h.expect) };
};

const check = (port: number, spec: CheckSpec): Promise<CheckResult> =>
  new Promise((resolve) => runCheck({ address: HOST, port }, spec, resolve));

describe('health probe (one active check)', function () {
  this.timeout(10_000);
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0)) await c();
  });
  const serve = async (h: Handler) => {
    const s = await httpServer(h);
    cleanups.push(s.close);
    return s;
  };

  it('TCP: a listening port passes, a refused one fails with a Layer4 reason', async () => {
    const srv = net.createServer((s) => s.destroy());
    await new Promise<void>((r) => srv.listen(0, HOST, r));
    cleanups.push(() => new Promise((r) => srv.close(() => r())));
    const ok = await check((srv.address() as AddressInfo).port, { timeoutMs: 500 });
    expect(ok).to.include({ ok: true, layer: 4, reason: 'Layer4 check passed' });
    const refused = await check(await freePort(), { timeoutMs: 500 });
    expect(refused).to.include({ ok: false, layer: 4 });
    expect(refused.reason).to.equal('Layer4 connection problem: ECONNREFUSED');
  });

  it('HTTP: sends method, path, Host and extra headers; a 2xx passes', async () => {
    const s = await serve((_req, res) => res.end('ok'));
    const r = await check(
      s.port,
      httpSpec({
        method: 'HEAD',
        path: '/ready?x=1',
        host: 'api.example.com',
        headers: [{ name: 'X-Check', value: 'yes' }],
      }),
    );
    expect(r).to.include({ ok: true, layer: 7, status: 200 });
    expect(r.reason).to.equal('Layer7 check passed: 200');
    const req = s.seen[0]!;
    expect(req.method).to.equal('HEAD');
    expect(req.url).to.equal('/ready?x=1');
    expect(req.headers.host).to.equal('api.example.com');
    expect(req.headers['x-check']).to.equal('yes');
    expect(req.headers['user-agent']).to.equal('bascule-health-check');
  });

  it('HTTP: the Host header defaults to the server address', async () => {
    const s = await serve((_req, res) => res.end('ok'));
    await check(s.port, httpSpec());
    expect(s.seen[0]!.headers.host).to.equal(`${HOST}:${s.port}`);
  });

  it('HTTP: a wrong status fails with "Layer7 wrong status"', async () => {
    const s = await serve((_req, res) => res.writeHead(500).end('boom'));
    const r = await check(s.port, httpSpec());
    expect(r).to.include({ ok: false, layer: 7, status: 500 });
    expect(r.reason).to.equal('Layer7 wrong status 500 (expected 200-399)');
  });

  it('HTTP: a missing body string fails; a present one passes', async () => {
    const s = await serve((req, res) => res.end(req.url === '/good' ? 'all healthy here' : 'degraded'));
    const bad = await check(
      s.port,
      httpSpec({ expect: { statusRange: '200-399', bodyContains: 'healthy' } }),
    );
    expect(bad).to.include({ ok: false, layer: 7 });
    expect(bad.reason).to.equal('Layer7 invalid response: body does not contain "healthy"');
    const good = await check(
      s.port,
      httpSpec({ path: '/good', expect: { statusRange: '200-399', bodyContains: 'healthy' } }),
    );
    expect(good.ok).to.equal(true);
  });

  it('HTTP: reads at most 16 KiB of body, even from a server that never stops', async () => {
    const s = await serve((req, res) => {
      res.writeHead(200);
      if (req.url === '/late') res.write('x'.repeat(20_000) + 'healthy');
      else res.write('healthy' + 'x'.repeat(20_000));
      const t = setInterval(() => res.write('y'.repeat(1024)), 5); // endless body
      res.on('close', () => clearInterval(t));
    });
    const early = await check(
      s.port,
      httpSpec({ expect: { statusRange: '200-399', bodyContains: 'healthy' } }, 2000),
    );
    expect(early.ok).to.equal(true);
    const late = await check(
      s.port,
      httpSpec({ path: '/late', expect: { statusRange: '200-399', bodyContains: 'healthy' } }, 2000),
    );
    expect(late.ok).to.equal(false);
    expect(late.reason).to.match(/body does not contain/);
  });

  it('HTTP: a hanging server fails with "Layer7 timeout" after the timeout', async () => {
    const s = await serve(() => {}); // never answers
    const started = Date.now();
    const r = await check(s.port, httpSpec({}, 150));
    expect(r).to.include({ ok: false, layer: 7 });
    expect(r.reason).to.equal('Layer7 timeout: no complete answer within 150ms');
    expect(Date.now() - started).to.be.at.least(140);
  });

  it('HTTP: a refused connection fails with "Layer4 connection problem"', async () => {
    const r = await check(await freePort(), httpSpec());
    expect(r).to.include({ ok: false, layer: 4 });
    expect(r.reason).to.equal('Layer4 connection problem: ECONNREFUSED');
  });

  it('HTTP: a connection closed without an answer fails with "Layer7 invalid response"', async () => {
    const srv = net.createServer((sock) => sock.once('data', () => sock.destroy()));
    await new Promise<void>((r) => srv.listen(0, HOST, r));
    cleanups.push(() => new Promise((r) => srv.close(() => r())));
    const r = await check((srv.address() as AddressInfo).port, httpSpec());
    expect(r).to.include({ ok: false, layer: 7 });
    expect(r.reason).to.match(/^Layer7 invalid response: /);
  });

  // The dataplane's own event loop may stall longer than a check's timeout (a large apply on a
  // loaded machine). The answer then waits in the socket while the timer has expired; Node runs
  // expired timers before those reads, so a plain timer failed a healthy server. Each check here
  // is started from a setImmediate callback, so the next phase with work is the timers phase:
  // without the stall allowance the timeout always wins.
  const stalledCheck = (port: number, spec: CheckSpec, stallMs: number): Promise<CheckResult> =>
    new Promise((resolve) =>
      setImmediate(() => {
        runCheck({ address: HOST, port }, spec, resolve);
        const until = performance.now() + stallMs;
        while (performance.now() < until); // the event loop stalls, the kernel connects meanwhile
      }),
    );

  it('TCP: a stall of this process longer than the timeout does not fail a listening port', async () => {
    const srv = net.createServer((sock) => sock.end());
    await new Promise<void>((r) => srv.listen(0, HOST, r));
    cleanups.push(() => new Promise((r) => srv.close(() => r())));
    const r = await stalledCheck((srv.address() as AddressInfo).port, { timeoutMs: 50 }, 250);
    expect(r).to.include({ ok: true, layer: 4 });
  });

  it('HTTP: a stall longer than the timeout does not fail a server that answers', async () => {
    const s = await serve((_req, res) => res.end('ok'));
    const r = await stalledCheck(s.port, httpSpec({}, 300), 700);
    expect(r).to.include({ ok: true, layer: 7, status: 200 });
  });

  it('HTTP: after a stall a hanging server still fails with "Layer7 timeout", within twice the timeout', async () => {
    const s = await serve(() => {}); // never answers
    const started = performance.now();
    const r = await stalledCheck(s.port, httpSpec({}, 150), 400);
    expect(r).to.include({ ok: false, layer: 7 });
    expect(r.reason).to.equal('Layer7 timeout: no complete answer within 150ms');
    expect(s.seen).to.have.length(1); // the request was sent: the allowance let it be
    expect(performance.now() - started).to.be.below(10_000); // bounded, not a speed figure
  });

  it('cancelling a check never calls back', async () => {
    const s = await serve(() => {});
    let called = false;
    const cancel = runCheck({ address: HOST, port: s.port }, httpSpec({}, 100), () => (called = true));
    cancel();
    await new Promise((r) => setTimeout(r, 200));
    expect(called).to.equal(false);
  });
});
