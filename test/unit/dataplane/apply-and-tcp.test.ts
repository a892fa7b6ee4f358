import { expect } from 'chai';
import net from 'node:net';
import { startDataplane, type Dataplane } from '#dataplane/dataplane';
import { ErrorCodes } from '#protocol/errors';
import { HOST, backend, body, freePort, frontend, quietLogger, server, startTcpEcho } from './helpers.js';

function session(port: number, send: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    const s = net.connect({ port, host: HOST, allowHalfOpen: true }, () => s.end(send));
    s.on('data', (d) => (out += d.toString()));
    s.on('close', () => resolve(out));
    s.on('error', reject);
  });
}

describe('dataplane/apply queue and tcp proxy', function () {
  this.timeout(10_000);
  let dp: Dataplane;
  let echo: Awaited<ReturnType<typeof startTcpEcho>>;
  before(async () => {
    echo = await startTcpEcho('e');
  });
  after(() => echo.close());
  beforeEach(async () => {
    dp = await startDataplane({ group: 'default', nodeId: 't', admin: null, logger: quietLogger() });
  });
  afterEach(() => dp.close());

  const tcpBody = (port: number, servers: ReturnType<typeof server>[], tag = '') =>
    body(
      [
        frontend('default/t', port, {
          mode: 'tcp',
          defaultBackend: 'default/t',
          requestHeaders: { add: [], set: tag ? [{ name: 'x', value: tag }] : [], remove: [] },
        }),
      ],
      [
        backend('default/t', servers, {
          mode: 'tcp',
          timeouts: { connect: 500, server: 1000, queue: 1000, tunnel: 2000 },
        }),
      ],
    );

  it('serializes applies and lets the newest queued snapshot supersede older queued ones', async () => {
    const port = await freePort();
    const s = [server('e', echo.port)];
    const [first, second, third] = await Promise.all([
      dp.applySnapshot(tcpBody(port, s, '1')),
      dp.applySnapshot(tcpBody(port, s, '2')),
      dp.applySnapshot(tcpBody(port, s, '3')),
    ]);
    expect(first).to.deep.include({ ok: true, noop: false });
    expect(second).to.deep.include({ ok: false, superseded: true });
    expect(!second.ok && second.error.code).to.equal(ErrorCodes.SUPERSEDED);
    expect(third).to.deep.include({ ok: true, noop: false });
    expect(dp.currentVersion).to.equal(third.ok ? third.version : null);
  });

  it('relays half-close and retries a refused upstream on another server', async () => {
    const port = await freePort();
    const dead = await freePort();
    await dp.applySnapshot(tcpBody(port, [server('dead', dead), server('e', echo.port)]));
    for (let i = 0; i < 4; i++) expect(await session(port, `m${i}`)).to.equal(`e:m${i}e:bye`);
  });

  it('closes the client when no upstream can be reached', async () => {
    const port = await freePort();
    await dp.applySnapshot(tcpBody(port, [server('dead', await freePort())]));
    expect(await session(port, 'x')).to.equal('');
  });
});
