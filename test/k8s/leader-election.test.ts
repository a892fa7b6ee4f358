// High availability on a real kube-apiserver: two controller replicas with Lease-based leader
// election (running with the Helm chart's RBAC), two dataplanes that list both replicas.
// Killing the leader hands status writing to the other replica, and the dataplanes keep
// serving throughout: not a single request fails.
import { expect } from 'chai';
import { startBackend, type TestBackend } from '../support/backends.js';
import { run } from './env/control-plane.js';
import {
  apply,
  bindControllerRbac,
  condition,
  waitProgrammed,
  freePort,
  getJson,
  getObject,
  hit,
  must,
  ROOT,
  startCluster,
  startControllerProc,
  startDataplaneProc,
  waitFor,
  type Cluster,
  type ControllerProc,
  type DataplaneProc,
} from './support/harness.js';

const NS = 'ha';
const LEASE_NS = 'bascule-system';
const LEASE = 'bascule-controller';

describe('Kubernetes high availability: leader election between two controllers', function () {
  this.timeout(180_000);

  let cluster: Cluster;
  const ctrl: Record<string, ControllerProc> = {};
  let dpA: DataplaneProc;
  let dpB: DataplaneProc;
  const be: Record<string, TestBackend> = {};
  const port: Record<string, number> = {};

  const leArgs = (identity: string) => [
    '--leader-elect',
    `--lease-name=${LEASE}`,
    `--lease-namespace=${LEASE_NS}`,
    `--pod-name=${identity}`,
    '--lease-duration=3s',
    '--renew-deadline=2s',
    '--retry-period=500ms',
  ];

  const holder = async (): Promise<string | null> => {
    const lease = await getObject(cluster.cp, 'lease', LEASE, LEASE_NS);
    return lease?.spec?.holderIdentity ?? null;
  };

  /** The controller a dataplane is connected to (its admin /status), as ws://host:port. */
  const controllerOf = async (dp: DataplaneProc): Promise<string | null> => {
    const s = await getJson<{ controller: { connected: boolean; url: string | null } }>(`${dp.admin}/status`);
    return s.controller.connected && s.controller.url
      ? new URL(s.controller.url).origin.replace(/^http/, 'ws')
      : null;
  };

  const backendYaml = (server: string) => `
apiVersion: bascule.dev/v1alpha1
kind: Backend
metadata: {name: web, namespace: ${NS}}
spec:
  servers: [{name: ${server}, address: 127.0.0.1, port: ${be[server]!.port}}]
`;

  before(async function () {
    this.timeout(240_000);
    for (const name of ['b1', 'b2']) be[name] = await startBackend(name);
    port.a = await freePort();
    port.b = await freePort();
    cluster = await startCluster();
    const helm = cluster.cp.bins.helm;
    if (!helm) throw new Error('helm is missing: run .ci/build-kube.sh');
    const rendered = await run(helm, [
      'template',
      'bascule',
      `${ROOT}/manifests/helm/bascule`,
      '-n',
      LEASE_NS,
    ]);
    if (rendered.code !== 0) throw new Error(`helm template failed: ${rendered.stderr}`);
    await bindControllerRbac(cluster.cp, rendered.stdout, LEASE_NS);
    await must(cluster.cp, ['create', 'namespace', NS]);
    await apply(
      cluster.cp,
      `${backendYaml('b1')}
---
apiVersion: bascule.dev/v1alpha1
kind: Frontend
metadata: {name: fe-a, namespace: ${NS}}
spec: {dataplaneGroup: a, bind: {port: ${port.a}, address: 127.0.0.1}, defaultBackend: web}
---
apiVersion: bascule.dev/v1alpha1
kind: Frontend
metadata: {name: fe-b, namespace: ${NS}}
spec: {dataplaneGroup: b, bind: {port: ${port.b}, address: 127.0.0.1}, defaultBackend: web}
`,
    );
    // Replica 1 starts first, so it wins the first election.
    ctrl['ctrl-1'] = await startControllerProc(cluster, 'ctrl-1', leArgs('ctrl-1'));
    await waitFor('ctrl-1 leads', async () => (await holder()) === 'ctrl-1', 20_000, 100);
    ctrl['ctrl-2'] = await startControllerProc(cluster, 'ctrl-2', leArgs('ctrl-2'));
    // Each dataplane prefers a different replica, and lists the other for failover.
    dpA = await startDataplaneProc(cluster, 'dp-a', 'a', [ctrl['ctrl-1'].channel, ctrl['ctrl-2'].channel]);
    dpB = await startDataplaneProc(cluster, 'dp-b', 'b', [ctrl['ctrl-2'].channel, ctrl['ctrl-1'].channel]);
  });

  after(async function () {
    this.timeout(60_000);
    await cluster?.stop();
    await Promise.all(Object.values(be).map((b) => b.close()));
  });

  afterEach(function () {
    if (this.currentTest?.state === 'failed') {
      for (const [name, c] of Object.entries(ctrl))
        process.stderr.write(`--- ${name} (tail) ---\n${c.proc.output().slice(-5000)}\n`);
      for (const dp of [dpA, dpB])
        if (dp) process.stderr.write(`--- ${dp.nodeId} (tail) ---\n${dp.proc.output().slice(-3000)}\n`);
    }
  });

  it('every replica serves snapshots; only the leader writes status, counting the dataplanes of both replicas', async () => {
    for (const p of [port.a!, port.b!])
      await waitFor(`traffic on ${p}`, async () => (await hit(p)).body === 'b1', 30_000, 100);
    expect(await controllerOf(dpA)).to.equal(ctrl['ctrl-1']!.channel);
    expect(await controllerOf(dpB)).to.equal(ctrl['ctrl-2']!.channel);
    // The leader's view merges the follower's replica report: it sees both dataplanes.
    const connected = async (c: ControllerProc) =>
      (await getJson<{ nodeId: string }[]>(`${c.admin}/dataplanes`)).map((d) => d.nodeId);
    await waitFor(
      'the leader sees both dataplanes',
      async () => (await connected(ctrl['ctrl-1']!)).length === 2,
      20_000,
      100,
    );
    expect((await connected(ctrl['ctrl-1']!)).sort()).to.deep.equal(['dp-a', 'dp-b']);

    // The Backend is served by group a (dp-a, connected to the leader) and group b (dp-b,
    // connected to the follower): Programmed needs both replicas' ACK reports.
    await waitFor(
      'web Programmed across replicas',
      async () => {
        const web = await getObject(cluster.cp, 'backend', 'web', NS);
        return condition(web, 'Programmed')?.status === 'True';
      },
      30_000,
      200,
    );
    const web = await getObject(cluster.cp, 'backend', 'web', NS);
    expect(condition(web, 'Programmed')!.message).to.match(
      /group a: 1\/1 dataplanes at version [0-9a-f]+; group b: 1\/1 dataplanes at version [0-9a-f]+/,
    );
    const managers = (web.metadata.managedFields as any[])
      .filter((m) => m.subresource === 'status')
      .map((m) => m.manager);
    expect(managers).to.deep.equal(['bascule-controller']);
    expect(await holder()).to.equal('ctrl-1');
    // Both replicas compiled the same input to the same versions.
    const versions = async (c: ControllerProc) =>
      (await getJson<{ groups: { group: string; version: string }[] }>(`${c.admin}/snapshot`)).groups;
    expect(await versions(ctrl['ctrl-2']!)).to.deep.equal(await versions(ctrl['ctrl-1']!));
  });

  it('killing the leader: the other replica takes over status writing; the dataplanes never stop serving', async () => {
    let requests = 0;
    const failures: string[] = [];
    let stop = false;
    const load = (async () => {
      while (!stop) {
        for (const p of [port.a!, port.b!]) {
          requests++;
          try {
            const r = await hit(p);
            if (r.status !== 200) failures.push(`${p}: HTTP ${r.status}`);
          } catch (err) {
            failures.push(`${p}: ${(err as Error).message}`);
          }
        }
        await new Promise((r) => setTimeout(r, 10));
      }
    })();

    try {
      const killedAt = Date.now();
      await ctrl['ctrl-1']!.proc.kill('SIGKILL');
      await waitFor('ctrl-2 takes the lease', async () => (await holder()) === 'ctrl-2', 20_000, 100);
      const takeoverMs = Date.now() - killedAt;
      console.log(
        `      [k8s leader] leader killed (SIGKILL) → lease taken over by ctrl-2 in ${takeoverMs} ms (lease duration 3 s)`,
      );

      // dp-a fails over to ctrl-2 (same snapshot version: nothing to apply).
      await waitFor(
        'dp-a reconnected to ctrl-2',
        async () => (await controllerOf(dpA)) === ctrl['ctrl-2']!.channel,
        20_000,
        100,
      );

      // The new leader writes status: an edit is reflected with the new generation and ACKs.
      await apply(cluster.cp, backendYaml('b2'));
      for (const p of [port.a!, port.b!])
        await waitFor(`traffic on ${p} → b2`, async () => (await hit(p)).body === 'b2', 20_000, 50);
      await waitProgrammed(cluster.cp, 'backend', 'web', NS, 'status written by the new leader');
      const web = await getObject(cluster.cp, 'backend', 'web', NS);
      expect(condition(web, 'Programmed')!.message).to.match(
        /group a: 1\/1 dataplanes.*group b: 1\/1 dataplanes/,
      );
    } finally {
      stop = true;
      await load;
    }
    expect(requests).to.be.greaterThan(50);
    expect(failures, `failed requests during the failover: ${failures.slice(0, 5).join('; ')}`).to.deep.equal(
      [],
    );
  });

  it('a replica that shuts down cleanly releases the lease: the successor takes over at once', async () => {
    ctrl['ctrl-1'] = await startControllerProc(cluster, 'ctrl-1', leArgs('ctrl-1'));
    expect(await holder()).to.equal('ctrl-2');
    const t0 = Date.now();
    await ctrl['ctrl-2']!.proc.kill('SIGTERM');
    await waitFor('ctrl-1 takes the lease', async () => (await holder()) === 'ctrl-1', 20_000, 50);
    const ms = Date.now() - t0;
    console.log(`      [k8s leader] leader stopped (SIGTERM, lease released) → ctrl-1 leads after ${ms} ms`);
    for (const p of [port.a!, port.b!]) expect((await hit(p)).body).to.equal('b2');
  });
});
