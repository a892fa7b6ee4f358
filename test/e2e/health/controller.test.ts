// Each dataplane checks independently and reports upward; the controller aggregates per
// dataplane and per Backend: status `healthyServers: 2/3` with a per-server line, the admin
// /health view with each dataplane's report, and a dataplane's entries dropped when it leaves.
import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Controller } from '#controller/controller';
import type { ObjectRef } from '#controller/validate/diagnostic';
import { startDataplane, type Dataplane } from '#dataplane/dataplane';
import { silentLogger as dpSilent } from '#dataplane/log';
import { startDirController, TOKEN, writeAtomic } from '../../unit/controller/helpers.js';
import { breakable, eventually, freePort, type Breakable } from './helpers.js';

const BE: ObjectRef = { kind: 'Backend', namespace: 'default', name: 'web' };

describe('health e2e: controller aggregation (real controller + 2 dataplanes over the channel)', function () {
  this.timeout(60_000);
  let dir: string;
  let controller: Controller;
  let servers: Breakable[];
  const dps = new Map<string, Dataplane>();
  let port: number;

  const status = () => controller.statusOf(BE)?.status;
  const adminJson = async (p: string) => (await fetch(`${controller.adminUrl}${p}`)).json() as Promise<any>;
  const connect = async (nodeId: string, bindAddress: string) => {
    const dp = await startDataplane({
      controllerUrl: controller.channelUrl,
      token: TOKEN,
      group: 'default',
      nodeId,
      bindAddress,
      admin: null,
      logger: dpSilent(),
      channel: { backoffBaseMs: 20, backoffCapMs: 200 },
    });
    dps.set(nodeId, dp);
    return dp;
  };

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'bascule-health-'));
    servers = await Promise.all(['a', 'b', 'c'].map((n) => breakable(n)));
    port = await freePort();
    await writeAtomic(
      path.join(dir, 'web.yaml'),
      `apiVersion: bascule.dev/v1alpha1
kind: Frontend
metadata: {name: web}
spec: {bind: {port: ${port}}, defaultBackend: web}
---
apiVersion: bascule.dev/v1alpha1
kind: Backend
metadata: {name: web}
spec:
  healthPolicy: fast
  servers:
${servers.map((s) => `    - {name: ${s.name}, address: 127.0.0.1, port: ${s.port}}`).join('\n')}
---
apiVersion: bascule.dev/v1alpha1
kind: HealthPolicy
metadata: {name: fast}
spec:
  interval: 100ms
  timeout: 100ms
  rise: 1
  fall: 1
  http: {path: /health, expect: {status: [200], bodyContains: healthy}}
`,
    );
    controller = await startDirController(dir);
    await connect('dp-1', '127.0.0.2');
    await connect('dp-2', '127.0.0.3');
    await eventually(() => [...dps.values()].every((d) => d.currentVersion !== null), 10_000);
  });
  after(async () => {
    await Promise.all([...dps.values()].map((d) => d.close()));
    await controller?.close();
    await Promise.all(servers.map((s) => s.close()));
    await rm(dir, { recursive: true, force: true });
  });

  it('all servers up: 3/3, each seen up by both dataplanes', async () => {
    await eventually(
      () => status()?.healthyServers === '3/3' && status()?.servers?.every((s) => s.dataplanes === '2/2 up'),
      10_000,
    );
    expect(status()!.servers!.map((s) => `${s.name} ${s.state}`)).to.deep.equal(['a up', 'b up', 'c up']);
  });

  it('a broken server: 2/3, down on both dataplanes, in status, /status and /health', async () => {
    await servers[2]!.set('status-500');
    await eventually(
      () => status()?.healthyServers === '2/3' && status()?.servers?.[2]?.dataplanes === '0/2 up',
      10_000,
    );
    expect(status()!.servers![2]).to.deep.equal({
      name: 'c',
      address: `127.0.0.1:${servers[2]!.port}`,
      state: 'down',
      dataplanes: '0/2 up',
    });

    const st = await adminJson('/status');
    const obj = st.objects.find((o: any) => o.kind === 'Backend' && o.name === 'web');
    expect(obj.status.healthyServers).to.equal('2/3');

    const health = await adminJson('/health');
    const web = health.backends.find((b: any) => b.backend === 'default/web');
    expect(web).to.include({ healthyServers: '2/3', checked: true });
    expect(web.dataplanes).to.have.members(['dp-1', 'dp-2']);
    const c = web.servers.find((s: any) => s.name === 'c');
    expect(Object.keys(c.byDataplane)).to.have.members(['dp-1', 'dp-2']);
    expect(c.byDataplane['dp-1']).to.include({
      state: 'down',
      reason: 'Layer7 wrong status 500 (expected 200)',
    });

    // The traffic path agrees: c gets nothing on either dataplane.
    const before = servers[2]!.traffic;
    for (const addr of ['127.0.0.2', '127.0.0.3'])
      for (let i = 0; i < 4; i++) expect((await fetchText(addr, port)).status).to.equal(200);
    expect(servers[2]!.traffic).to.equal(before);
  });

  it('a dataplane that leaves no longer counts; one that comes back sends its full table', async () => {
    await dps.get('dp-2')!.close();
    dps.delete('dp-2');
    await eventually(() => status()?.servers?.[2]?.dataplanes === '0/1 up', 10_000);
    expect(status()!.servers![0]!.dataplanes).to.equal('1/1 up');

    await connect('dp-3', '127.0.0.3');
    await eventually(() => status()?.servers?.[2]?.dataplanes === '0/2 up', 10_000);
    const web = (await adminJson('/health')).backends.find((b: any) => b.backend === 'default/web');
    expect(Object.keys(web.servers[2].byDataplane)).to.have.members(['dp-1', 'dp-3']);

    // Cut dp-1's channel: its view is dropped, and on reconnect its full table (nothing changed
    // on its side, so only the reconnect can bring it) restores it.
    const gone = new Promise((r) => controller.publisher.once('disconnected', r));
    const peer = [...(controller.publisher as any).peers].find((p: any) => p.hello?.nodeId === 'dp-1');
    peer.ws.terminate();
    await gone;
    await new Promise<void>((r) => controller.events.once('status', () => r())); // recomputed after the drop
    await eventually(() => status()?.servers?.[2]?.dataplanes === '0/2 up', 10_000);
  });

  it('recovery is reported: back to 3/3', async () => {
    await servers[2]!.set('ok');
    await eventually(
      () => status()?.healthyServers === '3/3' && status()?.servers?.[2]?.dataplanes === '2/2 up',
      10_000,
    );
  });
});

function fetchText(host: string, port: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host, port, path: '/', agent: false }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}
