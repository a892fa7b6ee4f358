// The request-smuggling case end to end: a client names Content-Length in `Connection` and sends
// a second request, for a denied path, as its body. Nothing may reach the server except the one
// request with its body; a second client on the same pooled server connection gets its own
// answer; the access log shows both requests and nothing else. HAProxy forwards such bytes as
// the body, and so must Bascule.
import { expect } from 'chai';
import { startDataplane, type Dataplane } from '#dataplane/dataplane';
import { makeSnapshot } from '#protocol/canonical';
import { logCapture } from '../e2e/observability/helpers.js';
import {
  backend,
  body,
  eventually,
  freePort,
  frontend,
  quietLogger,
  server,
} from '../unit/dataplane/helpers.js';
import { servedBody, startOrigin, type Origin } from './support/origin.js';
import { send } from './support/wire.js';

const SMUGGLED = 'GET /admin/secret HTTP/1.1\r\nHost: x\r\n\r\n';

const CASES: Array<{ method: string; connection: string }> = [
  { method: 'GET', connection: 'Content-Length' },
  { method: 'HEAD', connection: 'Content-Length' },
  { method: 'DELETE', connection: 'Content-Length' },
  { method: 'OPTIONS', connection: 'Content-Length' },
  { method: 'POST', connection: 'Content-Length' },
  { method: 'GET', connection: 'close, Content-Length' },
  { method: 'GET', connection: 'keep-alive, content-length, host' },
];

describe('security: Connection may not unframe a request body (smuggling)', function () {
  this.timeout(60_000);
  let origin: Origin;
  let dp: Dataplane;
  let port: number;
  let editsPort: number;
  const log = logCapture();
  const access = (): Array<Record<string, unknown>> => log.json().filter((l) => l.log === 'access');

  before(async () => {
    origin = await startOrigin();
    port = await freePort();
    editsPort = await freePort();
    dp = await startDataplane({
      group: 'default',
      nodeId: 'smuggling',
      logger: quietLogger(),
      observability: { accessLog: { format: 'json', destination: log }, processMetrics: false },
    });
    const snap = makeSnapshot(
      body(
        [
          frontend('default/web', port, {
            defaultBackend: 'default/app',
            rules: [
              {
                name: 'no-admin',
                match: { path: { prefix: '/admin' } },
                action: { type: 'deny', status: 403 },
              },
            ],
          }),
          // A configuration that removes the framing field: the proxy re-frames regardless.
          frontend('default/edits', editsPort, {
            defaultBackend: 'default/app',
            requestHeaders: { add: [], set: [], remove: ['Content-Length'] },
          }),
        ],
        // One server, kept-alive connections: every request shares the same pooled connection.
        [backend('default/app', [server('app', origin.port)], { keepAlive: true })],
      ),
    );
    expect((await dp.applySnapshot(snap)).ok).to.equal(true);
  });
  after(async () => {
    await dp?.close();
    await origin?.close();
  });

  it('the deny rule holds for a direct request', async () => {
    origin.reset();
    const r = await send(port, 'GET /admin/secret HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(r.responses.map((x) => x.status)).to.deep.equal([403]);
    expect(origin.requests).to.have.length(0);
  });

  for (const [i, c] of CASES.entries()) {
    it(`${c.method} with "Connection: ${c.connection}": the body stays a body, nothing cross-delivered`, async () => {
      origin.reset();
      const logBefore = access().length;
      const a = `/a/${i}`;
      const b = `/b/${i}`;
      const attack =
        `${c.method} ${a} HTTP/1.1\r\nHost: x\r\nContent-Length: ${SMUGGLED.length}\r\n` +
        `Connection: ${c.connection}\r\n\r\n${SMUGGLED}`;
      const first = await send(port, attack, { head: c.method === 'HEAD' });
      // Then another client, on the server connection the first one left in the pool.
      const second = await send(port, `GET ${b} HTTP/1.1\r\nHost: x\r\n\r\n`);

      expect(first.responses.map((r) => [r.status, r.headers['x-served']])).to.deep.equal([
        [200, `${c.method} ${a}`],
      ]);
      expect(second.responses.map((r) => [r.status, r.body])).to.deep.equal([[200, servedBody('GET', b)]]);
      // The server saw exactly two requests, the first with the smuggled bytes as its body,
      // framed by Content-Length.
      expect(origin.requests.map((r) => [r.method, r.url, r.body])).to.deep.equal([
        [c.method, a, SMUGGLED],
        ['GET', b, ''],
      ]);
      const sent = origin.received();
      expect(sent).to.match(new RegExp(`\\r\\ncontent-length: ${SMUGGLED.length}\\r\\n`, 'i'));
      expect(sent).to.not.match(/\r\nconnection: [^\r]*content-length/i);
      // The access log shows both requests, and no /admin request was ever routed.
      const logged = (): unknown[][] =>
        access()
          .slice(logBefore)
          .map((l) => [l.path, l.status, l.backend]);
      await eventually(() => logged().length >= 2, 2000);
      expect(logged()).to.deep.equal([
        [a, 200, 'default/app'],
        [b, 200, 'default/app'],
      ]);
    });
  }

  it('a Connection-nominated Transfer-Encoding: the chunked body is still sent framed', async () => {
    origin.reset();
    const r = await send(
      port,
      'POST /te HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: Transfer-Encoding\r\n\r\n' +
        `${SMUGGLED.length.toString(16)}\r\n${SMUGGLED}\r\n0\r\n\r\n`,
    );
    expect(r.responses.map((x) => x.status)).to.deep.equal([200]);
    expect(origin.requests.map((x) => [x.method, x.url, x.body])).to.deep.equal([['POST', '/te', SMUGGLED]]);
  });

  it('a header edit that removes Content-Length cannot unframe the body', async () => {
    origin.reset();
    const r = await send(
      editsPort,
      `GET /edit HTTP/1.1\r\nHost: x\r\nContent-Length: ${SMUGGLED.length}\r\n\r\n${SMUGGLED}`,
    );
    expect(r.responses.map((x) => x.status)).to.deep.equal([200]);
    expect(origin.requests.map((x) => [x.method, x.url, x.body])).to.deep.equal([['GET', '/edit', SMUGGLED]]);
  });
});
