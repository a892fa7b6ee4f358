// Runtime server-state overrides (the emergency path) and control-plane visibility: an override
// set on a dataplane's admin API steers traffic, survives snapshot swaps, gives way to health
// where it should, is reported upward, and shows in the controller's /overview and in
// `bascule status` (run as the real CLI command).
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Overview } from '#controller/admin/overview';
import { startController, type Controller } from '#controller/controller';
import { DirSource } from '#controller/sources/dir-source';
import type { StatsDocument } from '#dataplane/admin/stats-model';
import { startDataplane, type Dataplane } from '#dataplane/dataplane';
import { startBackend, type TestBackend } from '../../support/backends.js';
import { freePort } from '../../support/ports.js';
import { ADMIN, HOST, basic, eventually, quietLogger, request } from './helpers.js';

const ROOT = join(fileURLToPath(import.meta.url), '../../../..');
const TOKEN = 'status-test-token-0123456789abcdef';

/** `bascule <args>` through the real CLI entry (commander wiring in main.ts), run with tsx. */
function bascule(args: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '--conditions=bascule-source',
        '-e',
        "import('./controller/src/cli/main.ts').then((m) => m.main(['node', 'bascule', ...process.argv.slice(1)]))",
        ...args,
      ],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('exit', (code) => resolve({ code: code ?? -1, out, err }));
  });
}

describe('observability: runtime overrides and bascule status', function () {
  this.timeout(90_000);
  const dir = mkdtempSync(join(tmpdir(), 'bascule-status-'));
  let a: TestBackend, b: TestBackend, c: TestBackend, sick: TestBackend;
  let controller: Controller;
  let dp: Dataplane;
  let webPort: number;
  const auth = { authorization: basic(ADMIN.username, ADMIN.password) };

  const manifests = (o: { withC?: boolean; withoutA?: boolean; drainB?: boolean } = {}): string => {
    const servers = [
      ...(o.withoutA ? [] : [`{name: a, address: 127.0.0.1, port: ${a.port}}`]),
      `{name: b, address: 127.0.0.1, port: ${b.port}${o.drainB ? ', state: drain' : ''}}`,
      ...(o.withC ? [`{name: c, address: 127.0.0.1, port: ${c.port}}`] : []),
    ];
    return `apiVersion: bascule.dev/v1alpha1
kind: Frontend
metadata: {name: web}
spec:
  bind: {port: ${webPort}, address: 127.0.0.1}
  defaultBackend: web
  rules: [{name: checked, match: {path: {prefix: /checked/}}, backend: checked}]
---
apiVersion: bascule.dev/v1alpha1
kind: Backend
metadata: {name: web}
spec:
  servers: [${servers.join(', ')}]
---
apiVersion: bascule.dev/v1alpha1
kind: Backend
metadata: {name: checked}
spec:
  healthPolicy: fast
  servers: [{name: sick, address: 127.0.0.1, port: ${sick.port}}]
---
apiVersion: bascule.dev/v1alpha1
kind: HealthPolicy
metadata: {name: fast}
spec: {interval: 100ms, timeout: 500ms, rise: 1, fall: 1, http: {path: /health, expect: {status: [200]}}}
`;
  };

  const stats = async (): Promise<StatsDocument> =>
    (await (await fetch(`${dp.adminUrl}/stats;json`, { headers: auth })).json()) as StatsDocument;
  const serverStat = async (backend: string, name: string) =>
    (await stats()).backends.find((x) => x.id === backend)?.servers.find((s) => s.name === name);
  const overview = async (): Promise<Overview> =>
    (await (await fetch(`${controller.adminUrl}/overview`)).json()) as Overview;
  const setState = (
    backend: string,
    server: string,
    payload: unknown,
    headers: Record<string, string> = { ...auth, 'content-type': 'application/json' },
  ) =>
    fetch(`${dp.adminUrl}/runtime/servers/${backend}/${server}`, {
      method: 'PUT',
      headers,
      body: JSON.stringify(payload),
    });
  const clear = (backend: string, server: string) =>
    fetch(`${dp.adminUrl}/runtime/servers/${backend}/${server}`, { method: 'DELETE', headers: auth });
  const spread = async (n: number): Promise<Record<string, number>> => {
    const seen: Record<string, number> = {};
    for (let i = 0; i < n; i++) {
      const name = (await request(webPort, '/')).body.trim();
      seen[name] = (seen[name] ?? 0) + 1;
    }
    return seen;
  };
  const apply = async (text: string): Promise<void> => {
    const before = dp.currentVersion;
    writeFileSync(join(dir, 'web.yaml'), text);
    await eventually(() => dp.currentVersion !== before, 10_000);
  };

  before(async () => {
    [a, b, c, sick] = (await Promise.all(['a', 'b', 'c', 'sick'].map((n) => startBackend(n)))) as [
      TestBackend,
      TestBackend,
      TestBackend,
      TestBackend,
    ];
    sick.handler = (_req, res) => res.writeHead(500).end('no\n');
    webPort = await freePort();
    writeFileSync(join(dir, 'web.yaml'), manifests());
    controller = await startController({
      source: new DirSource({ dir, logger: quietLogger() }),
      listen: { host: HOST, port: 0 },
      admin: { host: HOST, port: 0 },
      tokens: [TOKEN],
      logger: quietLogger(),
    });
    dp = await startDataplane({
      controllerUrl: controller.channelUrl,
      token: TOKEN,
      group: 'default',
      nodeId: 'dp-1',
      admin: { host: HOST, port: 0 },
      logger: quietLogger(),
      observability: { adminAuth: ADMIN, accessLog: { format: 'off' }, processMetrics: false },
    });
    await eventually(() => dp.currentVersion !== null, 10_000);
    await eventually(async () => (await serverStat('default/checked', 'sick'))?.status === 'down');
  });

  after(async () => {
    await dp?.close();
    await controller?.close();
    await Promise.all([a, b, c, sick].map((x) => x?.close()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses unauthenticated, malformed and unknown override requests', async () => {
    expect(
      (await setState('default/web', 'a', { state: 'maintenance' }, { 'content-type': 'application/json' }))
        .status,
    ).to.equal(401);
    expect((await setState('default/web', 'a', { state: 'off' })).status).to.equal(400);
    expect((await setState('default/web', 'zzz', { state: 'drain' })).status).to.equal(404);
    const form = await fetch(`${dp.adminUrl}/runtime/servers/default/web/a`, {
      method: 'PUT',
      headers: { ...auth, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'state=maintenance',
    });
    expect(form.status).to.equal(415);
    expect((await serverStat('default/web', 'a'))?.override).to.equal(null);
  });

  it('takes a server out at runtime, keeps the override across swaps, and reports it upward', async () => {
    expect(Object.keys(await spread(4)).sort()).to.deep.equal(['a', 'b']);
    const res = await setState('default/web', 'a', {
      state: 'maintenance',
      reason: 'kernel panic on host 7',
    });
    expect(res.status).to.equal(200);
    expect(await res.json()).to.deep.include({
      state: 'maintenance',
      configuredState: 'ready',
      ephemeral: true,
    });
    expect(await spread(6)).to.deep.equal({ b: 6 });
    expect(await serverStat('default/web', 'a')).to.include({
      status: 'maintenance',
      adminState: 'maintenance',
      configuredState: 'ready',
    });

    // Reported to the controller: /overview, /overrides.
    const o = await eventually(async () => {
      const doc = await overview();
      return doc.overrides.length === 1 ? doc : undefined;
    });
    expect(o.overrides[0]).to.include({
      nodeId: 'dp-1',
      group: 'default',
      backend: 'default/web',
      server: 'a',
      state: 'maintenance',
      reason: 'kernel panic on host 7',
    });
    expect(o.dataplanes[0]!.overrides).to.have.length(1);

    // A new snapshot (server c added): a keeps its identity, so its override survives the swap.
    await apply(manifests({ withC: true }));
    expect(await serverStat('default/web', 'a')).to.include({ status: 'maintenance' });
    expect(Object.keys(await spread(6)).sort()).to.deep.equal(['b', 'c']);

    // Cleared: a follows its Backend again.
    expect((await clear('default/web', 'a')).status).to.equal(200);
    expect(Object.keys(await spread(6)).sort()).to.deep.equal(['a', 'b', 'c']);
    await eventually(async () => (await overview()).overrides.length === 0);
  });

  it('keeps operator intent and health apart', async () => {
    // Maintenance wins over a failing health check; clearing it shows the health verdict again.
    expect((await setState('default/checked', 'sick', { state: 'maintenance' })).status).to.equal(200);
    expect(await serverStat('default/checked', 'sick')).to.include({ status: 'maintenance', up: false });
    expect((await serverStat('default/checked', 'sick'))!.check?.lastResult).to.equal('failed');
    await clear('default/checked', 'sick');
    expect(await serverStat('default/checked', 'sick')).to.include({ status: 'down' });
    // "ready" overrides a declarative drain: an emergency undrain.
    await apply(manifests({ drainB: true }));
    expect(await spread(4)).to.deep.equal({ a: 4 });
    await setState('default/web', 'b', { state: 'ready', reason: 'undrain' });
    expect(Object.keys(await spread(4)).sort()).to.deep.equal(['a', 'b']);
    expect(await serverStat('default/web', 'b')).to.include({
      status: 'up',
      configuredState: 'drain',
      adminState: 'ready',
    });
    // The override dies with the server's identity: removing a server from the Backend drops it.
    await setState('default/web', 'a', { state: 'drain' });
    await apply(manifests({ withoutA: true, drainB: true }));
    const rows = (await (await fetch(`${dp.adminUrl}/runtime/servers`, { headers: auth })).json()) as {
      servers: Array<{ server: string; override: unknown }>;
    };
    expect(rows.servers.filter((s) => s.override !== null).map((s) => s.server)).to.deep.equal(['b']);
    await clear('default/web', 'b');
  });

  it('`bascule status` lists dataplanes, versions, ACKs, conditions and overrides', async () => {
    await setState('default/web', 'b', { state: 'maintenance', reason: 'disk swap' });
    await eventually(async () => (await overview()).overrides.length === 1);
    const version = dp.currentVersion!;
    await eventually(async () => (await overview()).dataplanes[0]?.state === 'in-sync');

    const r = await bascule(['status', '--admin', controller.adminUrl!]);
    expect(r.code, r.err).to.equal(0);
    const out = r.out;
    expect(out).to.match(/^Controller http:\/\/127\.0\.0\.1:\d+ {2}ready$/m);
    expect(out).to.include('SNAPSHOTS');
    expect(out).to.match(new RegExp(`^default +${version.slice(0, 12)} +1 +2 +2$`, 'm'));
    expect(out).to.match(
      new RegExp(
        `^dp-1 +default +${version.slice(0, 12)} +in-sync +${version.slice(0, 12)} \\d+s ago +\\d{4}-\\d{2}-\\d{2}T.*\\(\\d+s ago\\) +-$`,
        'm',
      ),
    );
    expect(out).to.match(/^Frontend +default\/web +True +True +True +1\/1 dataplanes at version/m);
    expect(out).to.match(/^Backend +default\/web +True +True +True .*healthy 1\/1/m);
    expect(out).to.match(/^Backend +default\/checked +True +True +True .*healthy 0\/1/m);
    expect(out).to.include('RUNTIME OVERRIDES (ephemeral');
    expect(out).to.match(/^dp-1 +default\/web +b \(127\.0\.0\.1:\d+\) +maintenance +\d+s ago +disk swap$/m);

    const json = await bascule(['status', '--admin', controller.adminUrl!.replace('http://', ''), '--json']);
    expect(json.code).to.equal(0);
    const doc = JSON.parse(json.out) as Overview;
    expect(doc.dataplanes[0]).to.include({ nodeId: 'dp-1', appliedVersion: version, state: 'in-sync' });
    expect(doc.dataplanes[0]!.lastAck?.version).to.equal(version);

    const down = await bascule(['status', '--admin', `http://127.0.0.1:${await freePort()}`]);
    expect(down.code).to.equal(1);
    expect(down.err).to.match(/cannot reach the controller admin endpoint/);
  });

  it('shows a NACK with its error in `bascule status`', async () => {
    const blocker = (await import('node:net')).createServer();
    const taken = await new Promise<number>((r) =>
      blocker.listen(0, HOST, () => r((blocker.address() as { port: number }).port)),
    );
    try {
      writeFileSync(
        join(dir, 'web.yaml'),
        `${manifests({ withoutA: true })}---
apiVersion: bascule.dev/v1alpha1
kind: Frontend
metadata: {name: taken}
spec: {bind: {port: ${taken}, address: 127.0.0.1}, defaultBackend: web}
`,
      );
      await eventually(async () => (await overview()).dataplanes[0]?.state === 'rejected', 10_000);
      const r = await bascule(['status', '--admin', controller.adminUrl!]);
      expect(r.code).to.equal(0);
      if (process.env.BASCULE_TEST_SHOW) console.log(r.out);
      expect(r.out).to.match(
        /^dp-1 +default +[0-9a-f]{12} +rejected .* [0-9a-f]{12} \d+s ago: BASCULE_E_LISTEN_FAILED: frontend default\/taken cannot listen/m,
      );
      expect(r.out).to.match(
        /^Frontend +default\/taken +True +True +False +Programmed Rejected: dataplane dp-1 rejected version/m,
      );
    } finally {
      await new Promise<void>((r) => blocker.close(() => r()));
    }
  });
});
