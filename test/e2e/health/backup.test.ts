// Backup servers take traffic only when every regular server is down, and hand it back when one
// recovers; with nothing up, clients get a clear 503.
import { expect } from 'chai';
import {
  backend,
  body,
  breakable,
  dataplane,
  FAST_FALL_1,
  freePort,
  frontend,
  get,
  policy,
  server,
  spread,
  withHealth,
  type Breakable,
  type TestDataplane,
} from './helpers.js';

describe('health e2e: backup servers', function () {
  this.timeout(60_000);
  let a: Breakable, b: Breakable, c: Breakable;
  let t: TestDataplane;
  let port: number;

  before(async () => {
    [a, b, c] = await Promise.all([breakable('a'), breakable('b'), breakable('c')]);
    t = await dataplane();
    port = await freePort();
    // The hanging server takes FAST_FALL_1's 2 s timeout to notice; the others fail at once.
    const hp = policy(FAST_FALL_1);
    const be = withHealth(
      backend('default/web', [
        server('a', a.port),
        server('b', b.port),
        server('c', c.port, { backup: true }),
      ]),
      hp,
    );
    expect(
      (
        await t.dp.applySnapshot(
          body([frontend('default/web', port, { defaultBackend: 'default/web' })], [be]),
        )
      ).ok,
    ).to.equal(true);
  });
  after(async () => {
    await t.close();
    await Promise.all([a.close(), b.close(), c.close()]);
  });

  it('regular servers take all traffic while any is up', async () => {
    const seen = await spread(port, 20);
    expect(seen).to.deep.equal({ a: 10, b: 10 });
    const aDownBefore = t.count('a', 'down');
    await a.set('status-500');
    await t.transition('a', 'down', aDownBefore + 1);
    expect(await spread(port, 10)).to.deep.equal({ b: 10 });
    expect(c.traffic).to.equal(0);
  });

  it('the backup takes over when every regular server is down', async () => {
    const bDownBefore = t.count('b', 'down');
    await b.set('refused');
    const down = await t.transition('b', 'down', bDownBefore + 1);
    expect(down).to.include({ activeLeft: 0, backupLeft: 1 });
    expect(await spread(port, 10)).to.deep.equal({ c: 10 });
  });

  it('with nothing up, a clear 503', async () => {
    const cDownBefore = t.count('c', 'down');
    await c.set('hang');
    await t.transition('c', 'down', cDownBefore + 1);
    const r = await get(port, '/');
    expect(r.status).to.equal(503);
    expect(r.body).to.contain('no server is available to handle this request (backend default/web)');
    expect(t.lines().some((l) => l.msg === 'backend default/web has no server available!')).to.equal(true);
  });

  it('regular servers take the traffic back as soon as they recover', async () => {
    const cUpBefore = t.count('c', 'up');
    await c.set('ok');
    await t.transition('c', 'up', cUpBefore + 1);
    expect(await spread(port, 6)).to.deep.equal({ c: 6 });
    const aUpBefore = t.count('a', 'up');
    await a.set('ok');
    await t.transition('a', 'up', aUpBefore + 1);
    const trafficC = c.traffic;
    expect(await spread(port, 10)).to.deep.equal({ a: 10 });
    expect(c.traffic).to.equal(trafficC);
    const bUpBefore = t.count('b', 'up');
    await b.set('ok');
    await t.transition('b', 'up', bUpBefore + 1);
    expect(await spread(port, 10)).to.deep.equal({ a: 5, b: 5 });
  });
});
