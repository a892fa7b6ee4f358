import { expect } from 'chai';
import net from 'node:net';
import { startDataplane, type Dataplane } from '#dataplane/dataplane';
import { ErrorCodes } from '#protocol/errors';
import {
  HOST,
  backend,
  body,
  freePort,
  frontend,
  quietLogger,
  server,
  sleep,
  startTcpEcho,
} from './helpers.js';

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

  const tcpBody = (port: number, servers: ReturnType<typeof server>[], tag = '', tunnel = 2000) =>
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
          timeouts: { connect: 500, server: 1000, queue: 1000, tunnel },
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

  it('closes a session idle for timeouts.tunnel, and keeps one that talks', async () => {
    const port = await freePort();
    const r = await dp.applySnapshot(tcpBody(port, [server('e', echo.port)], '', 300));
    expect(r).to.deep.include({ ok: true });
    const open = async () => {
      const s = net.connect(port, HOST);
      let out = '';
      s.on('data', (d: Buffer) => (out += d.toString()));
      const closed = new Promise<number>((res) => s.on('close', () => res(Date.now())));
      s.on('error', () => {});
      await new Promise<void>((res) => s.once('connect', res));
      return { s, closed, out: () => out };
    };
    const idle = await open();
    idle.s.write('a');
    const t0 = Date.now();
    const talker = await open();
    let lastWrite = Date.now();
    for (let i = 0; i < 12; i++) {
      talker.s.write(`m${i}`);
      lastWrite = Date.now();
      await sleep(60);
    }
    const idleFor = (await idle.closed) - t0;
    expect(idleFor).to.be.at.least(250);
    expect(idleFor).to.be.below(1500);
    expect(idle.out()).to.equal('e:a');
    expect(talker.s.destroyed).to.equal(false); // 720 ms of traffic, longer than the tunnel timeout
    expect(talker.out()).to.contain('e:m11');
    // Closed once quiet for the limit, counted from its last byte (the echo came after the write).
    expect((await talker.closed) - lastWrite).to.be.at.least(280);
  });
});
