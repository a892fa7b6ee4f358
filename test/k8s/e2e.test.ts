// End to end on a real kube-apiserver: CRDs from crds/, resources applied with kubectl, a
// controller process (`--source kube`, running as an unprivileged user bound to the RBAC of
// manifests/kustomize) and dataplane processes serving real traffic to real backends.
//
// Two dataplanes on one host cannot bind the same port, so each is its own dataplane group
// (a and b) and the shared Backend is served by Frontends in both groups.
import { Agent, request as httpRequest } from 'node:http';
import { expect } from 'chai';
import { startBackend, type TestBackend } from '../support/backends.js';
import {
  apply,
  bindControllerRbac,
  condition,
  waitProgrammed,
  dataplaneVersion,
  freePort,
  getJson,
  getObject,
  hit,
  kubectl,
  kustomizeRbac,
  median,
  must,
  startCluster,
  startControllerProc,
  startDataplaneProc,
  waitFor,
  type Cluster,
  type ControllerProc,
  type DataplaneProc,
} from './support/harness.js';

const NS = 'shop';

describe('Kubernetes end to end (real kube-apiserver, controller and dataplane processes)', function () {
  this.timeout(180_000);

  let cluster: Cluster;
  let ctrl: ControllerProc;
  let dpA: DataplaneProc;
  let dpB: DataplaneProc;
  const be: Record<string, TestBackend> = {};
  const port: Record<string, number> = {};

  const backendYaml = (servers: string[], extra = '') => `
apiVersion: bascule.dev/v1alpha1
kind: Backend
metadata: {name: web, namespace: ${NS}}
spec:
  balance: {algorithm: roundrobin}
  healthPolicy: http-check
  servers:
${servers.map((s) => `    - {name: ${s}, address: 127.0.0.1, port: ${be[s]!.port}}`).join('\n')}
${extra}`;

  const frontendYaml = (name: string, group: string, p: number, backend: string) => `
apiVersion: bascule.dev/v1alpha1
kind: Frontend
metadata: {name: ${name}, namespace: ${NS}}
spec:
  dataplaneGroup: ${group}
  bind: {port: ${p}, address: 127.0.0.1}
  responseHeaders: {set: [{name: X-Served-By, value: bascule}]}
  defaultBackend: ${backend}
`;

  /** Bodies of n requests through a frontend. */
  async function bodies(p: number, n = 6): Promise<string[]> {
    const out: string[] = [];
    for (let i = 0; i < n; i++) out.push((await hit(p)).body);
    return out;
  }

  async function snapshotVersions(): Promise<Record<string, string>> {
    const s = await getJson<{ groups: { group: string; version: string }[] }>(`${ctrl.admin}/snapshot`);
    return Object.fromEntries(s.groups.map((g) => [g.group, g.version]));
  }

  /** Every dataplane of the given groups is connected and at its group's current version. */
  async function allAcked(groups: string[], notVersions: Record<string, string> = {}): Promise<boolean> {
    const versions = await snapshotVersions();
    const dps = await getJson<{ group: string; appliedVersion: string | null }[]>(`${ctrl.admin}/dataplanes`);
    return groups.every((g) => {
      const v = versions[g];
      if (!v || v === notVersions[g]) return false;
      const members = dps.filter((d) => d.group === g);
      return members.length > 0 && members.every((d) => d.appliedVersion === v);
    });
  }

  before(async function () {
    this.timeout(240_000);
    for (const name of ['b1', 'b2', 'b3', 'b4', 'b5']) be[name] = await startBackend(name);
    for (const name of ['a', 'b', 'dangling', 'api']) port[name] = await freePort();
    cluster = await startCluster();
    await bindControllerRbac(cluster.cp, await kustomizeRbac(), 'bascule-system');
    await must(cluster.cp, ['create', 'namespace', NS]);
    ctrl = await startControllerProc(cluster, 'c1');
    dpA = await startDataplaneProc(cluster, 'dp-a', 'a', [ctrl.channel]);
    dpB = await startDataplaneProc(cluster, 'dp-b', 'b', [ctrl.channel]);
  });

  after(async function () {
    this.timeout(60_000);
    await cluster?.stop();
    await Promise.all(Object.values(be).map((b) => b.close()));
  });

  afterEach(function () {
    if (this.currentTest?.state === 'failed') {
      for (const p of [ctrl, dpA, dpB])
        if (p)
          process.stderr.write(
            `--- ${'name' in p ? p.name : p.nodeId} output (tail) ---\n${p.proc.output().slice(-6000)}\n`,
          );
    }
  });

  it('kubectl apply -f crds/ establishes the CRDs', async () => {
    const crds = JSON.parse(await must(cluster.cp, ['get', 'crd', '-o', 'json'])).items as any[];
    const ours = crds
      .filter((c) => c.spec.group === 'bascule.dev')
      .map((c) => c.metadata.name)
      .sort();
    expect(ours).to.deep.equal([
      'backends.bascule.dev',
      'frontends.bascule.dev',
      'healthpolicies.bascule.dev',
    ]);
    for (const c of crds.filter((x) => x.spec.group === 'bascule.dev')) {
      const established = c.status.conditions.find((x: any) => x.type === 'Established');
      expect(established?.status, c.metadata.name).to.equal('True');
    }
  });

  it('kubectl apply of the example resources drives real traffic through the dataplanes', async () => {
    await apply(
      cluster.cp,
      `
apiVersion: bascule.dev/v1alpha1
kind: HealthPolicy
metadata: {name: http-check, namespace: ${NS}}
spec: {interval: 1s, rise: 1, fall: 2, http: {path: /health, expect: {status: [200]}}}
---
${backendYaml(['b1', 'b2'])}
---
${frontendYaml('web-a', 'a', port.a!, 'web')}
---
${frontendYaml('web-b', 'b', port.b!, 'web')}
`,
    );
    for (const p of [port.a!, port.b!]) {
      await waitFor(`traffic on ${p}`, async () => (await hit(p)).status === 200, 30_000, 100);
      const seen = new Set(await bodies(p));
      expect([...seen].sort(), `round robin through port ${p}`).to.deep.equal(['b1', 'b2']);
    }
    const res = await fetch(`http://127.0.0.1:${port.a}/`);
    expect(res.headers.get('x-served-by')).to.equal('bascule');

    // Status on every object: observedGeneration and the three conditions, Programmed from real ACKs.
    for (const [kind, name] of [
      ['backend', 'web'],
      ['frontend', 'web-a'],
      ['frontend', 'web-b'],
      ['healthpolicy', 'http-check'],
    ] as const) {
      await waitFor(
        `${kind}/${name} Programmed`,
        async () => condition(await getObject(cluster.cp, kind, name, NS), 'Programmed')?.status === 'True',
        30_000,
        200,
      );
      const obj = await getObject(cluster.cp, kind, name, NS);
      expect(obj.status.observedGeneration, `${kind}/${name}`).to.equal(obj.metadata.generation);
      for (const t of ['Accepted', 'ResolvedRefs', 'Programmed']) {
        const c = condition(obj, t)!;
        expect(c.status, `${kind}/${name} ${t}: ${c.message}`).to.equal('True');
        expect(c.reason).to.match(/^[A-Z][A-Za-z]+$/);
        expect(c.observedGeneration).to.equal(obj.metadata.generation);
      }
    }
    const web = await getObject(cluster.cp, 'backend', 'web', NS);
    // The Backend is served by both groups; each has its one dataplane at the current version.
    expect(condition(web, 'Programmed')!.message).to.match(
      /group a: 1\/1 dataplanes at version [0-9a-f]+; group b: 1\/1 dataplanes at version [0-9a-f]+/,
    );
    expect(condition(await getObject(cluster.cp, 'frontend', 'web-a', NS), 'Programmed')!.message).to.match(
      /^1\/1 dataplanes at version [0-9a-f]+$/,
    );
    await waitFor(
      'healthy servers 2/2',
      async () => (await getObject(cluster.cp, 'backend', 'web', NS)).status.healthyServers === '2/2',
      20_000,
      200,
    );
    const printed = await must(cluster.cp, ['get', 'backends', '-n', NS]);
    expect(printed).to.match(/web\s+roundrobin\s+2\/2\s+True\s+True\s+True/);
  });

  it('status is written through the status subresource by bascule-controller, and only when it changes', async () => {
    const web = await getObject(cluster.cp, 'backend', 'web', NS);
    const status = (web.metadata.managedFields as any[]).filter((m) => m.subresource === 'status');
    expect(status.map((m) => m.manager)).to.deep.equal(['bascule-controller']);
    const rv = web.metadata.resourceVersion;
    await new Promise((r) => setTimeout(r, 2500));
    const again = await getObject(cluster.cp, 'backend', 'web', NS);
    expect(again.metadata.resourceVersion, 'no status rewrite while nothing changes').to.equal(rv);
  });

  it('editing a Backend with kubectl changes routing; apply→all-ACK latency', async () => {
    const samples: number[] = [];
    const applyOnly: number[] = [];
    const rounds = 7;
    for (let i = 0; i < rounds; i++) {
      const servers = i % 2 === 0 ? ['b3'] : ['b1', 'b2'];
      const before = await snapshotVersions();
      const t0 = performance.now();
      await apply(cluster.cp, backendYaml(servers));
      const tApplied = performance.now();
      await waitFor('all dataplanes ACK the edit', () => allAcked(['a', 'b'], before), 30_000, 5);
      const t1 = performance.now();
      samples.push(t1 - t0);
      applyOnly.push(t1 - tApplied);
    }
    const fmt = (xs: number[]) => xs.map((x) => x.toFixed(0)).join(', ');
    const line =
      `[k8s latency] kubectl apply of a changed Backend → all dataplanes ACK: median ${median(samples).toFixed(0)} ms ` +
      `over ${rounds} edits (samples: ${fmt(samples)} ms); after kubectl returned: median ${median(applyOnly).toFixed(0)} ms`;
    console.log(`      ${line}`);
    expect(median(samples)).to.be.below(5000);

    // The last edit left only b3.
    for (const p of [port.a!, port.b!]) expect(new Set(await bodies(p, 4))).to.deep.equal(new Set(['b3']));
    const web = await getObject(cluster.cp, 'backend', 'web', NS);
    await waitProgrammed(cluster.cp, 'backend', 'web', NS, 'status follows the edit');
    expect(web.metadata.generation).to.be.greaterThan(rounds);
  });

  it('deleting the Backend removes it; the Frontends report the dangling reference', async () => {
    await must(cluster.cp, ['delete', 'backend', 'web', '-n', NS]);
    // No backend left: the frontends answer with an error instead of proxying.
    const gone = async (p: number) => {
      const r = await hit(p);
      return r.status >= 400 && !/^b\d$/.test(r.body);
    };
    // Each dataplane applies on its own time: wait for both.
    await waitFor('web gone from routing', () => gone(port.a!), 20_000, 50);
    await waitFor('web gone from routing on the other group', () => gone(port.b!), 20_000, 50);
    await waitFor(
      'web-a ResolvedRefs=False',
      async () =>
        condition(await getObject(cluster.cp, 'frontend', 'web-a', NS), 'ResolvedRefs')?.status === 'False',
      20_000,
      200,
    );
    const rr = condition(await getObject(cluster.cp, 'frontend', 'web-a', NS), 'ResolvedRefs')!;
    expect(rr.reason).to.equal('BackendNotFound');
    expect(rr.message).to.contain('spec.defaultBackend').and.to.contain('"web"');
    // Restore it for the next tests.
    await apply(cluster.cp, backendYaml(['b1', 'b2']));
    await waitFor('web back', async () => (await hit(port.a!)).status === 200, 20_000, 50);
  });

  it('the API server rejects resources that violate the schema or CEL rules, with a clear message', async () => {
    const cases: { yaml: string; message: RegExp }[] = [
      {
        yaml: `apiVersion: bascule.dev/v1alpha1\nkind: Backend\nmetadata: {name: empty, namespace: ${NS}}\nspec: {balance: {algorithm: roundrobin}}\n`,
        message: /set servers, service, or both/,
      },
      {
        yaml: `apiVersion: bascule.dev/v1alpha1\nkind: Frontend\nmetadata: {name: badport, namespace: ${NS}}\nspec: {bind: {port: 70000}, defaultBackend: web}\n`,
        message: /spec\.bind\.port.*(65535|less than or equal)/,
      },
      {
        yaml: `apiVersion: bascule.dev/v1alpha1\nkind: Frontend\nmetadata: {name: twoactions, namespace: ${NS}}\nspec:\n  bind: {port: 1234}\n  rules: [{name: r1, backend: web, deny: {status: 403}}]\n`,
        message: /spec\.rules\[0\].*exactly one of backend, redirect or deny must be set/,
      },
      {
        yaml: `apiVersion: bascule.dev/v1alpha1\nkind: Backend\nmetadata: {name: badalgo, namespace: ${NS}}\nspec: {balance: {algorithm: fastest}, servers: [{name: s, address: 127.0.0.1, port: 80}]}\n`,
        message: /spec\.balance\.algorithm.*Unsupported value: "fastest"/,
      },
    ];
    for (const c of cases) {
      const r = await kubectl(cluster.cp, ['apply', '-f', '-'], { input: c.yaml });
      expect(r.code, c.yaml).to.not.equal(0);
      expect(r.stderr).to.match(c.message);
    }
    const names = JSON.parse(
      await must(cluster.cp, ['get', 'frontends,backends', '-n', NS, '-o', 'json']),
    ).items.map((i: any) => i.metadata.name);
    expect(names).to.not.include.members(['empty', 'badport', 'twoactions', 'badalgo']);
  });

  it('semantically bad resources are accepted by the API but get precise conditions; the others keep working', async () => {
    await apply(
      cluster.cp,
      `${frontendYaml('dangling', 'a', port.dangling!, 'nope')}---\n${frontendYaml('clash', 'a', port.a!, 'web')}`,
    );
    await waitFor(
      'dangling ResolvedRefs=False',
      async () =>
        condition(await getObject(cluster.cp, 'frontend', 'dangling', NS), 'ResolvedRefs')?.status ===
        'False',
      20_000,
      200,
    );
    const dangling = await getObject(cluster.cp, 'frontend', 'dangling', NS);
    expect(condition(dangling, 'ResolvedRefs')!.reason).to.equal('BackendNotFound');
    expect(condition(dangling, 'ResolvedRefs')!.message).to.equal(
      `spec.defaultBackend: Backend "nope" not found or not accepted in namespace ${NS}`,
    );

    await waitFor(
      'clash Accepted=False',
      async () =>
        condition(await getObject(cluster.cp, 'frontend', 'clash', NS), 'Accepted')?.status === 'False',
      20_000,
      200,
    );
    const clash = await getObject(cluster.cp, 'frontend', 'clash', NS);
    // Same bind as web-a: it could share web-a's listener, but it names no host to be scoped to.
    expect(condition(clash, 'Accepted')!.reason).to.equal('ListenerConflict');
    expect(condition(clash, 'Accepted')!.message).to.contain(
      `spec.rules: 127.0.0.1:${port.a} is shared with Frontend ${NS}/web-a`,
    );
    expect(condition(clash, 'Programmed')!.status).to.equal('False');

    // Everything else still serves and stays Programmed.
    expect(new Set(await bodies(port.a!))).to.deep.equal(new Set(['b1', 'b2']));
    expect(new Set(await bodies(port.b!))).to.deep.equal(new Set(['b1', 'b2']));
    for (const name of ['web-a', 'web-b']) {
      const fe = await getObject(cluster.cp, 'frontend', name, NS);
      expect(condition(fe, 'Accepted')!.status).to.equal('True');
      expect(condition(fe, 'Programmed')!.status, name).to.equal('True');
    }
    await must(cluster.cp, ['delete', 'frontend', 'dangling', 'clash', '-n', NS]);
  });

  it('EndpointSlices created and changed through the API update routing, without touching other groups or connections', async () => {
    const slice = (name: string, b: TestBackend, conditions: string) => `
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: ${name}
  namespace: ${NS}
  labels: {kubernetes.io/service-name: api}
addressType: FQDN
ports: [{name: http, port: ${b.port}, protocol: TCP}]
endpoints:
  - addresses: [${b.name}.bascule.test]
    conditions: ${conditions}
    targetRef: {kind: Pod, name: api-${b.name}, namespace: ${NS}}
`;
    await apply(
      cluster.cp,
      `
apiVersion: v1
kind: Service
metadata: {name: api, namespace: ${NS}}
spec:
  ports: [{name: http, port: 80, targetPort: 8080}]
---
apiVersion: bascule.dev/v1alpha1
kind: Backend
metadata: {name: api, namespace: ${NS}}
spec:
  service: {name: api, port: http}
---
${frontendYaml('api-a', 'a', port.api!, 'api')}
`,
    );
    await waitFor(
      'api frontend up (no endpoints yet)',
      async () => (await hit(port.api!).catch(() => ({ status: 0 }))).status === 503,
      20_000,
      100,
    );

    // A keep-alive connection to an unrelated frontend of the same group must survive the swaps.
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const viaAgent = () =>
      new Promise<{ body: string; localPort: number }>((resolve, reject) => {
        const req = httpRequest({ host: '127.0.0.1', port: port.a, path: '/', agent }, (res) => {
          let body = '';
          res.on('data', (d) => (body += d));
          res.on('end', () => resolve({ body: body.trim(), localPort: req.socket!.localPort! }));
        });
        req.on('error', reject);
        req.end();
      });
    const firstConn = await viaAgent();
    // The connection is used once a second, as a live client would, so the frontend's idle
    // keep-alive timeout (5 s) never ends it however long the swaps below take on a loaded machine.
    const keptPorts: number[] = [];
    let keeping = true;
    const keeper = (async () => {
      while (keeping) {
        await new Promise((r) => setTimeout(r, 1000));
        keptPorts.push((await viaAgent()).localPort);
      }
    })();
    const versionB = await dataplaneVersion(dpB);

    await apply(cluster.cp, slice('api-1', be.b4!, '{ready: true}'));
    await waitFor('api → b4', async () => (await hit(port.api!)).body === 'b4', 20_000, 50);
    await apply(cluster.cp, slice('api-2', be.b5!, '{ready: true}'));
    await waitFor('api → b4 and b5', async () => new Set(await bodies(port.api!, 4)).size === 2, 20_000, 50);
    await waitFor(
      'api healthy 2/2',
      async () => (await getObject(cluster.cp, 'backend', 'api', NS)).status?.healthyServers === '2/2',
      20_000,
      200,
    );
    // Read once status says so: status is written a moment after the traffic moves (coalesced
    // per object, docs/kubernetes.md), not with it.
    const api = await getObject(cluster.cp, 'backend', 'api', NS);
    expect(condition(api, 'ResolvedRefs')!.status).to.equal('True');

    // b4 terminates: it is drained (no new traffic), b5 takes everything.
    await apply(cluster.cp, slice('api-1', be.b4!, '{ready: false, serving: true, terminating: true}'));
    await waitFor(
      'b4 drained',
      async () => (await bodies(port.api!, 4)).every((b) => b === 'b5'),
      20_000,
      50,
    );
    await must(cluster.cp, ['delete', 'endpointslice', 'api-1', '-n', NS]);
    await waitFor(
      'api-1 gone',
      async () => (await getObject(cluster.cp, 'backend', 'api', NS)).status?.healthyServers === '1/1',
      20_000,
      100,
    );
    expect(new Set(await bodies(port.api!, 4))).to.deep.equal(new Set(['b5']));

    // An unrelated Service and slice change nothing anywhere.
    const versionsBefore = await snapshotVersions();
    await apply(
      cluster.cp,
      `apiVersion: v1\nkind: Service\nmetadata: {name: other, namespace: ${NS}}\nspec: {ports: [{port: 80}]}\n---\n${slice('other-1', be.b1!, '{ready: true}').replace('service-name: api', 'service-name: other')}`,
    );
    await new Promise((r) => setTimeout(r, 1000));
    expect(await snapshotVersions()).to.deep.equal(versionsBefore);

    expect(await dataplaneVersion(dpB), 'group b never received a new snapshot').to.equal(versionB);
    keeping = false;
    await keeper;
    const again = await viaAgent();
    expect(keptPorts.length, 'requests on the kept-alive connection during the swaps').to.be.greaterThan(0);
    expect(
      [...new Set([...keptPorts, again.localPort])],
      'the kept-alive connection to web-a survived every swap',
    ).to.deep.equal([firstConn.localPort]);
    agent.destroy();
  });
});
