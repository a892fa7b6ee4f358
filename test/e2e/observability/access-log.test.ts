// Access logs: one structured line per request or session, with the fields an operator needs
// (client, frontend, backend/server, Tw/Tc/Tr/Ta, status, bytes, termination state, retries,
// snapshot version), for a proxied request, 503s, a retried request, a WebSocket session and a
// TCP session; health transitions in the same stream; no secret, cookie or query ever logged.
import { expect } from 'chai';
import http from 'node:http';
import net from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { startDataplane, type Dataplane } from '#dataplane/dataplane';
import { makeSnapshot, shortVersion } from '#protocol/canonical';
import type { Snapshot } from '#protocol/snapshot';
import { startBackend, startEchoServer, type TestBackend } from '../../support/backends.js';
import { freePort, refusedPort } from '../../support/ports.js';
import {
  HOST,
  backend,
  body,
  eventually,
  frontend,
  httpHealth,
  logCapture,
  quietLogger,
  request,
  server,
} from './helpers.js';

type Line = Record<string, unknown>;

async function wsEchoServer(): Promise<{ port: number; close(): Promise<void> }> {
  const srv = http.createServer((_req, res) => res.writeHead(426).end());
  const wss = new WebSocketServer({ server: srv });
  wss.on('connection', (ws) => ws.on('message', (m) => ws.send(`echo:${m.toString()}`)));
  await new Promise<void>((r) => srv.listen(0, HOST, r));
  return {
    port: (srv.address() as net.AddressInfo).port,
    close: () =>
      new Promise<void>((r) => {
        for (const c of wss.clients) c.terminate();
        wss.close();
        srv.closeAllConnections();
        srv.close(() => r());
      }),
  };
}

describe('observability: access log', function () {
  this.timeout(60_000);
  const backends: TestBackend[] = [];
  let echo: { port: number; close(): Promise<void> };
  let ws: { port: number; close(): Promise<void> };
  let dead: number;
  const json = logCapture();
  const text = logCapture();
  let dp: Dataplane;
  let dpText: Dataplane;
  let ports: { web: number; tcp: number; webText: number; tcpText: number };
  let snap: Snapshot;

  const build = (web: number, tcp: number, a: TestBackend, alive: TestBackend, sick: TestBackend) =>
    makeSnapshot(
      body(
        [
          frontend('default/web', web, {
            defaultBackend: 'default/web',
            rules: [
              {
                name: 'empty',
                match: { path: { prefix: '/empty/' } },
                action: { type: 'backend', backend: 'default/empty' },
              },
              {
                name: 'refused',
                match: { path: { prefix: '/refused/' } },
                action: { type: 'backend', backend: 'default/refused' },
              },
              {
                name: 'retry',
                match: { path: { prefix: '/retry/' } },
                action: { type: 'backend', backend: 'default/retry' },
              },
              {
                name: 'ws',
                match: { path: { prefix: '/ws' } },
                action: { type: 'backend', backend: 'default/ws' },
              },
              { name: 'deny', match: { path: { prefix: '/admin' } }, action: { type: 'deny', status: 403 } },
            ],
          }),
          frontend('default/tcp', tcp, { mode: 'tcp', defaultBackend: 'default/echo' }),
        ],
        [
          backend('default/web', [server('a', a.port)]),
          backend('default/empty', []),
          backend('default/refused', [server('dead', dead)], {
            retries: { attempts: 2, redispatch: true, onResponseTimeout: false },
          }),
          backend('default/retry', [server('dead', dead), server('alive', alive.port)], {
            balance: { algorithm: 'first', hashType: 'map-based' },
            retries: { attempts: 1, redispatch: true, onResponseTimeout: false },
          }),
          backend('default/ws', [server('ws', ws.port)]),
          backend('default/echo', [server('echo', echo.port)], { mode: 'tcp' }),
          backend('default/checked', [server('sick', sick.port)], { health: httpHealth() }),
        ],
      ),
    );

  before(async () => {
    const [a, alive, sick] = await Promise.all(['a', 'alive', 'sick'].map((n) => startBackend(n)));
    backends.push(a!, alive!, sick!);
    sick!.handler = (_req, res) => res.writeHead(500).end('broken\n');
    echo = await startEchoServer();
    ws = await wsEchoServer();
    dead = await refusedPort();
    ports = {
      web: await freePort(),
      tcp: await freePort(),
      webText: await freePort(),
      tcpText: await freePort(),
    };
    dp = await startDataplane({
      group: 'default',
      nodeId: 'dp-json',
      logger: quietLogger(),
      observability: { accessLog: { format: 'json', destination: json }, processMetrics: false },
    });
    dpText = await startDataplane({
      group: 'default',
      nodeId: 'dp-text',
      logger: quietLogger(),
      observability: { accessLog: { format: 'text', destination: text }, processMetrics: false },
    });
    snap = build(ports.web, ports.tcp, a!, alive!, sick!);
    expect((await dp.applySnapshot(snap)).ok).to.equal(true);
    expect((await dpText.applySnapshot(build(ports.webText, ports.tcpText, a!, alive!, sick!))).ok).to.equal(
      true,
    );
  });

  after(async () => {
    await dp?.close();
    await dpText?.close();
    await Promise.all([...backends.map((b) => b.close()), echo?.close(), ws?.close()]);
  });

  const access = (): Line[] => json.json().filter((l) => l.log === 'access');
  const find = (pred: (l: Line) => boolean): Promise<Line> => eventually(() => access().find(pred), 5000);

  it('logs a proxied request with every field, and nothing secret', async () => {
    const r = await request(ports.web, '/hello?token=s3cr3t-query', {
      headers: {
        cookie: 'session=c00kie-v4lue',
        authorization: 'Bearer t0ken-v4lue',
        'user-agent': 'probe/1.0',
      },
    });
    expect(r.status).to.equal(200);
    const l = await find((x) => x.path === '/hello');
    expect(l).to.include({
      type: 'http',
      clientAddress: '127.0.0.1',
      frontend: 'default/web',
      backend: 'default/web',
      server: 'a',
      serverAddress: `127.0.0.1:${backends[0]!.port}`,
      method: 'GET',
      path: '/hello',
      httpVersion: 'HTTP/1.1',
      status: 200,
      serverStatus: 200,
      Tw: 0,
      retries: 0,
      redispatches: 0,
      termination: '--',
      version: shortVersion(snap.version),
    });
    expect(l.clientPort).to.be.a('number').greaterThan(0);
    for (const t of ['Tc', 'Tr', 'Ta'] as const) expect(l[t], t).to.be.a('number').at.least(0);
    expect(l.Ta as number).to.be.at.least(l.Tr as number);
    expect(l.bytesIn).to.be.a('number').greaterThan(100); // the request head with its headers
    expect(l.bytesOut).to.be.a('number').greaterThan(50);
    expect(l.start).to.match(/^\d{4}-\d{2}-\d{2}T/);
    expect(l.time).to.match(/^\d{4}-\d{2}-\d{2}T/);
    const raw = json.lines().join('\n');
    for (const secret of ['s3cr3t', 'c00kie', 't0ken', 'token=', 'probe/1.0'])
      expect(raw).to.not.include(secret);
  });

  it('logs 503s: no server at all, and a server that refuses after retries', async () => {
    expect((await request(ports.web, '/empty/x')).status).to.equal(503);
    const none = await find((x) => x.path === '/empty/x');
    expect(none).to.include({
      status: 503,
      backend: 'default/empty',
      server: null,
      serverStatus: null,
      termination: 'SC',
      Tc: -1,
      Tr: -1,
      retries: 0,
    });

    expect((await request(ports.web, '/refused/x')).status).to.equal(503);
    const refused = await find((x) => x.path === '/refused/x');
    expect(refused).to.include({
      status: 503,
      backend: 'default/refused',
      server: 'dead',
      serverStatus: null,
      termination: 'SC',
      Tc: -1,
      Tr: -1,
      retries: 2,
      redispatches: 0,
    });
  });

  it('logs a retried request with its retries and redispatch', async () => {
    const r = await request(ports.web, '/retry/x');
    expect(r.status).to.equal(200);
    expect(r.body).to.equal('alive\n');
    const l = await find((x) => x.path === '/retry/x');
    expect(l).to.include({
      status: 200,
      serverStatus: 200,
      backend: 'default/retry',
      server: 'alive',
      retries: 1,
      redispatches: 1,
      termination: '--',
    });
    expect(l.Tc as number).to.be.at.least(0);
  });

  it('logs a local answer as the proxy’s (deny: PR)', async () => {
    expect((await request(ports.web, '/admin')).status).to.equal(403);
    const l = await find((x) => x.path === '/admin');
    expect(l).to.include({
      status: 403,
      backend: null,
      server: null,
      termination: 'PR',
      Tw: -1,
      Tc: -1,
      Tr: -1,
    });
  });

  it('logs a WebSocket session once it ends, with its bytes and duration', async () => {
    const client = new WebSocket(`ws://${HOST}:${ports.web}/ws/chat?room=s3cr3t`);
    await new Promise<void>((resolve, reject) => {
      client.once('open', () => resolve());
      client.once('error', reject);
    });
    const got = new Promise<string>((r) => client.once('message', (m) => r(m.toString())));
    client.send('hello');
    expect(await got).to.equal('echo:hello');
    await new Promise((r) => setTimeout(r, 30));
    expect(
      access().find((x) => x.type === 'websocket'),
      'not logged before it ends',
    ).to.equal(undefined);
    const closed = new Promise<void>((r) => client.once('close', () => r()));
    client.close(1000, 'bye');
    await closed;
    const l = await find((x) => x.type === 'websocket');
    expect(l).to.include({
      type: 'websocket',
      method: 'GET',
      path: '/ws/chat',
      status: 101,
      serverStatus: 101,
      frontend: 'default/web',
      backend: 'default/ws',
      server: 'ws',
      termination: '--',
      retries: 0,
      version: shortVersion(snap.version),
    });
    expect(l.Ta as number).to.be.at.least(30);
    expect(l.bytesIn as number).to.be.greaterThan(150); // handshake + frames
    expect(l.bytesOut as number).to.be.greaterThan(100);
    expect(JSON.stringify(l)).to.not.include('s3cr3t');
  });

  it('logs a TCP session with exact bytes', async () => {
    const payload = 'ping-1234';
    const received = await new Promise<number>((resolve, reject) => {
      const s = net.connect(ports.tcp, HOST);
      let n = 0;
      s.on('data', (c: Buffer) => {
        n += c.length;
        if (n >= payload.length) s.end();
      });
      s.on('close', () => resolve(n));
      s.on('error', reject);
      s.write(payload);
    });
    const l = await find((x) => x.type === 'tcp');
    expect(l).to.include({
      type: 'tcp',
      frontend: 'default/tcp',
      backend: 'default/echo',
      server: 'echo',
      bytesIn: payload.length,
      bytesOut: received,
      retries: 0,
      termination: '--',
      version: shortVersion(snap.version),
    });
    expect(l.Tt).to.be.a('number').at.least(0);
    expect(l.Tc).to.be.a('number').at.least(0);
  });

  it('logs health-check transitions in the same stream', async () => {
    const l = await eventually(
      () => json.json().find((x) => x.log === 'health' && x.server === 'sick'),
      5000,
    );
    expect(l).to.include({ type: 'health', backend: 'default/checked', server: 'sick', state: 'down' });
    expect(l.reason).to.match(/500/);
  });

  it('writes HAProxy-like text lines when asked to', async () => {
    expect(
      (await request(ports.webText, '/hello?q=s3cr3t', { headers: { cookie: 'id=c00kie' } })).status,
    ).to.equal(200);
    expect((await request(ports.webText, '/empty/')).status).to.equal(503);
    const v = shortVersion(snap.version).replace(/./g, '[0-9a-f]');
    const ok = await eventually(() => text.lines().find((l) => l.includes('"GET /hello HTTP/1.1"')));
    expect(ok).to.match(
      new RegExp(
        `^127\\.0\\.0\\.1:\\d+ \\[\\d{2}/[A-Z][a-z]{2}/\\d{4}:\\d{2}:\\d{2}:\\d{2}\\.\\d{3}\\] default/web default/web/a 0/\\d+/\\d+/\\d+ 200 \\d+ -- 0/0 \\d+ "GET /hello HTTP/1\\.1" ${v}$`,
      ),
    );
    const nosrv = await eventually(() => text.lines().find((l) => l.includes('"GET /empty/ HTTP/1.1"')));
    expect(nosrv).to.match(/ default\/empty\/<NOSRV> 0\/-1\/-1\/\d+ 503 \d+ SC 0\/0 /);
    const health = await eventually(() =>
      text.lines().find((l) => l.includes('Server default/checked/sick')),
    );
    expect(health).to.match(/is DOWN, reason: /);
    expect(text.lines().join('\n')).to.not.include('s3cr3t').and.not.include('c00kie');
  });
});
