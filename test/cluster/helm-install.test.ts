// The path every user takes: images built without a Docker engine, the Helm chart installed on a
// real single-node cluster (kubelet + containerd + kube-proxy + CoreDNS), resources applied with
// kubectl, and traffic through the dataplane Service — then upgrades, restarts and uninstall.
// Slow by nature (minutes): it runs the whole product as a cluster runs it.
import { expect } from 'chai';
import { writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { buildImages, startCluster, type Cluster } from './support/cluster.js';
import { getOnce, startRequestLoop, type LoopResult } from './support/request-loop.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const CHART = join(root, 'manifests', 'helm', 'bascule');
const NS = 'bascule-system';
const APP = 'shop';
const RELEASE = 'bascule';
const CONTROLLER = `${RELEASE}-controller`;
const DATAPLANE = `${RELEASE}-dataplane-default`;

let cluster: Cluster;
let images: Awaited<ReturnType<typeof buildImages>>;

async function kubectl(args: string[], input?: string): Promise<string> {
  const r = await cluster.kubectl(args, { ...(input !== undefined ? { input } : {}), timeoutMs: 300_000 });
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${r.code}): ${r.stderr || r.stdout}`);
  return r.stdout;
}

async function kubectlJson(args: string[]): Promise<any> {
  return JSON.parse(await kubectl([...args, '-o', 'json']));
}

async function helm(args: string[]): Promise<string> {
  const r = await cluster.helm(args, { timeoutMs: 420_000 });
  if (r.code !== 0) throw new Error(`helm ${args.join(' ')} failed (${r.code}): ${r.stderr || r.stdout}`);
  return r.stdout;
}

async function eventually<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 90_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < until) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
  throw new Error(`timed out waiting for ${what}${last ? `; last error: ${last}` : ''}`);
}

/** Pods of a label selector: name → {uid, restarts, ready, image}. */
async function pods(ns: string, selector: string) {
  const list = await kubectlJson(['get', 'pods', '-n', ns, '-l', selector]);
  return (list.items as any[])
    .filter((p) => !p.metadata.deletionTimestamp)
    .map((p) => ({
      name: p.metadata.name as string,
      uid: p.metadata.uid as string,
      restarts: (p.status.containerStatuses ?? []).reduce(
        (n: number, c: any) => n + c.restartCount,
        0,
      ) as number,
      ready: (p.status.conditions ?? []).some(
        (c: any) => c.type === 'Ready' && c.status === 'True',
      ) as boolean,
      image: p.spec.containers[0].image as string,
      serviceAccount: p.spec.serviceAccountName as string,
    }));
}

async function rolloutStatus(ns: string, deployment: string): Promise<void> {
  await kubectl(['rollout', 'status', '-n', ns, `deployment/${deployment}`, '--timeout=300s']);
}

/** `n` requests through the dataplane Service; echo pod → count. */
async function spread(port: number, n: number): Promise<Record<string, number>> {
  const seen: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const r = await getOnce(port);
    seen[r.pod] = (seen[r.pod] ?? 0) + 1;
  }
  return seen;
}

function report(what: string, r: LoopResult): string {
  const line =
    `${what}: ${r.sent} requests in ${(r.durationMs / 1000).toFixed(1)}s, ${r.ok} ok, ${r.failed} failed` +
    (r.failed > 0 ? ` (${JSON.stringify(r.failures)})` : '');
  console.log(`      ${line}`);
  return line;
}

const echoManifests = (): string =>
  stringify({
    apiVersion: 'v1',
    kind: 'List',
    items: [
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: APP } },
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'echo', namespace: APP },
        spec: {
          replicas: 2,
          selector: { matchLabels: { app: 'echo' } },
          template: {
            metadata: { labels: { app: 'echo' } },
            spec: {
              securityContext: { runAsNonRoot: true, runAsUser: 1000 },
              containers: [
                {
                  name: 'echo',
                  image: images.images.echo.ref,
                  imagePullPolicy: 'Never',
                  env: [{ name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
                  ports: [{ name: 'http', containerPort: 8080 }],
                  readinessProbe: { httpGet: { path: '/ready', port: 'http' }, periodSeconds: 2 },
                  securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true },
                  resources: { requests: { cpu: '10m', memory: '32Mi' } },
                },
              ],
            },
          },
        },
      },
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'echo', namespace: APP },
        spec: { selector: { app: 'echo' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] },
      },
      {
        apiVersion: 'bascule.dev/v1alpha1',
        kind: 'Backend',
        metadata: { name: 'echo', namespace: APP },
        spec: { mode: 'http', balance: { algorithm: 'roundrobin' }, service: { name: 'echo', port: 'http' } },
      },
      {
        apiVersion: 'bascule.dev/v1alpha1',
        kind: 'Frontend',
        metadata: { name: 'shop', namespace: APP },
        spec: { bind: { port: 8080 }, mode: 'http', defaultBackend: 'echo' },
      },
    ],
  });

describe('Helm install on a single-node cluster (buildah images, kubelet, containerd)', function () {
  let dataplanePort = 0;

  before(async function () {
    this.timeout(60 * 60_000);
    const t0 = Date.now();
    images = await buildImages();
    const t1 = Date.now();
    const built = Object.values(images.images).map((i) => i.ref);
    cluster = await startCluster({ images: built, pauseImage: images.pause });
    const t2 = Date.now();
    console.log(
      `      images ${((t1 - t0) / 1000).toFixed(0)}s (` +
        Object.entries(images.images)
          .map(([k, v]) => `${k} ${v.sizeMB} MiB`)
          .join(', ') +
        `), cluster up ${((t2 - t1) / 1000).toFixed(0)}s`,
    );
  });

  afterEach(async function () {
    if (this.currentTest?.state !== 'failed' || !cluster) return;
    this.timeout(60_000);
    const r = await cluster.kubectl(['get', 'pods,deployments,services,endpointslices', '-A', '-o', 'wide']);
    const events = await cluster.kubectl(['get', 'events', '-A', '--sort-by=.lastTimestamp']);
    const restarted = (await pods(NS, 'app.kubernetes.io/instance=bascule').catch(() => [])).filter(
      (p) => p.restarts > 0,
    );
    for (const p of restarted) {
      const prev = await cluster.kubectl(['logs', '-n', NS, p.name, '--previous', '--tail=40']);
      console.error(`--- ${p.name} before its restart\n${prev.stdout}${prev.stderr}`);
    }
    console.error(`--- events\n${events.stdout.split('\n').slice(-60).join('\n')}`);
    const logs = await cluster.kubectl([
      'logs',
      '-n',
      NS,
      '-l',
      'app.kubernetes.io/instance=bascule',
      '--tail=30',
      '--prefix',
      '--all-containers',
    ]);
    console.error(
      `--- cluster state\n${r.stdout}${r.stderr}\n--- bascule logs\n${logs.stdout}${logs.stderr}\n--- components\n${cluster.logs(10)}`,
    );
  });

  after(async function () {
    this.timeout(300_000);
    if (!cluster) return;
    const problems = await cluster.stop();
    expect(problems, 'everything the cluster changed is undone').to.deep.equal([]);
  });

  it('helm install: both Deployments become Ready, non-root on a read-only root filesystem', async function () {
    this.timeout(420_000);
    const values = join(cluster.dir, 'values.yaml');
    await writeFile(
      values,
      stringify({
        image: {
          registry: '',
          controller: {
            repository: images.images.controller.ref.split(':')[0],
            tag: images.images.controller.ref.split(':')[1],
          },
          dataplane: {
            repository: images.images.dataplane.ref.split(':')[0],
            tag: images.images.dataplane.ref.split(':')[1],
          },
          pullPolicy: 'Never',
        },
        // A two-core node: small requests so a surge replica always fits.
        controller: { resources: { requests: { cpu: '20m', memory: '64Mi' } } },
        dataplane: { resources: { requests: { cpu: '20m', memory: '64Mi' } } },
      }),
    );
    await helm([
      'install',
      RELEASE,
      CHART,
      '-n',
      NS,
      '--create-namespace',
      '-f',
      values,
      '--wait',
      '--timeout',
      '6m',
    ]);
    for (const [name, component] of [
      [CONTROLLER, 'controller'],
      [DATAPLANE, 'dataplane'],
    ] as const) {
      const dep = await kubectlJson(['get', 'deployment', '-n', NS, name]);
      expect(dep.status.readyReplicas, `${name} ready replicas`).to.equal(2);
      const ps = await pods(NS, `app.kubernetes.io/component=${component}`);
      expect(ps.map((p) => p.ready)).to.deep.equal([true, true]);
      // Through kubelet's API (exec): the image's user and the read-only root filesystem.
      const uid = await kubectl(['exec', '-n', NS, ps[0]!.name, '--', 'id', '-u']);
      expect(uid.trim(), `${name} runs as`).to.equal('1000');
      const write = await cluster.kubectl(['exec', '-n', NS, ps[0]!.name, '--', 'touch', '/home/node/x']);
      expect(write.code, `${name} writes to its root filesystem`).to.not.equal(0);
      expect(write.stderr).to.match(/Read-only file system/);
    }
  });

  it('the controller talks to the API as its ServiceAccount, with the chart RBAC and nothing more', async function () {
    this.timeout(60_000);
    const ctrl = await pods(NS, 'app.kubernetes.io/component=controller');
    expect(ctrl.map((p) => p.serviceAccount)).to.deep.equal([CONTROLLER, CONTROLLER]);
    // The leader wrote its Lease with that identity: it authenticated in-cluster.
    const lease = await kubectlJson(['get', 'lease', '-n', NS, CONTROLLER]);
    expect(ctrl.map((p) => p.name)).to.include(lease.spec.holderIdentity);

    const token = (await kubectl(['create', 'token', CONTROLLER, '-n', NS, '--duration=10m'])).trim();
    const as = async (args: string[]) => cluster.kubectl(['--token', token, ...args]);
    expect((await as(['auth', 'whoami', '-o', 'jsonpath={.status.userInfo.username}'])).stdout).to.equal(
      `system:serviceaccount:${NS}:${CONTROLLER}`,
    );
    const allowed = await as(['get', 'frontends,backends,healthpolicies', '-A']);
    expect(allowed.code, allowed.stderr).to.equal(0);
    for (const verb of [
      ['delete', 'frontend', 'x', '-n', 'default'],
      ['get', 'secret', 'x', '-n', 'kube-system'],
      ['create', 'configmap', 'x', '-n', NS],
      ['get', 'pods', '-n', NS],
      ['create', 'deployment', 'x', '--image=x', '-n', NS],
    ]) {
      const r = await as(verb);
      expect(r.code, `${verb.join(' ')} should be refused`).to.not.equal(0);
      expect(r.stderr, verb.join(' ')).to.match(/forbidden/i);
    }
  });

  it('a Frontend and a Service-backed Backend applied with kubectl serve through the dataplane Service, over both echo pods', async function () {
    this.timeout(300_000);
    await kubectl(['apply', '-f', '-'], echoManifests());
    await rolloutStatus(APP, 'echo');
    const ip = (
      await kubectl(['get', 'service', '-n', NS, DATAPLANE, '-o', 'jsonpath={.spec.clusterIP}'])
    ).trim();
    dataplanePort = await cluster.forward(ip, 80);
    const echoPods = (await pods(APP, 'app=echo')).map((p) => p.name).sort();
    expect(echoPods).to.have.length(2);
    const seen = await eventually('traffic through the dataplane Service to both echo pods', async () => {
      const s = await spread(dataplanePort, 10);
      return Object.keys(s).length === 2 ? s : undefined;
    });
    expect(Object.keys(seen).sort()).to.deep.equal(echoPods);
  });

  it('scaling the echo Deployment to 3 reaches the dataplanes without restarting them', async function () {
    this.timeout(300_000);
    const before = (await pods(NS, 'app.kubernetes.io/component=dataplane'))
      .map((p) => `${p.uid}/${p.restarts}`)
      .sort();
    await kubectl(['scale', '-n', APP, 'deployment/echo', '--replicas=3']);
    await rolloutStatus(APP, 'echo');
    const echoPods = (await pods(APP, 'app=echo')).map((p) => p.name).sort();
    expect(echoPods).to.have.length(3);
    const seen = await eventually('all three echo pods answering', async () => {
      const s = await spread(dataplanePort, 9);
      return Object.keys(s).length === 3 ? s : undefined;
    });
    expect(Object.keys(seen).sort()).to.deep.equal(echoPods);
    const after = (await pods(NS, 'app.kubernetes.io/component=dataplane'))
      .map((p) => `${p.uid}/${p.restarts}`)
      .sort();
    expect(after, 'same dataplane pods, no restarts').to.deep.equal(before);
  });

  it('status: Accepted, ResolvedRefs and Programmed with the dataplane ACK count', async function () {
    this.timeout(120_000);
    for (const kind of ['frontend/shop', 'backend/echo']) {
      const obj = await eventually(`${kind} status for its generation`, async () => {
        const o = await kubectlJson(['get', '-n', APP, kind]);
        const programmed = (o.status?.conditions ?? []).find((c: any) => c.type === 'Programmed');
        // Status is written asynchronously (coalesced per object): the Backend's healthy-server
        // count follows the scale-up above within the writer's bounded delay, not at once.
        const settled = !kind.startsWith('backend') || o.status?.healthyServers === '3/3';
        return o.status?.observedGeneration === o.metadata.generation &&
          programmed?.status === 'True' &&
          settled
          ? o
          : undefined;
      });
      const byType = Object.fromEntries((obj.status.conditions as any[]).map((c) => [c.type, c]));
      expect(byType.Accepted?.status, `${kind} Accepted`).to.equal('True');
      expect(byType.ResolvedRefs?.status, `${kind} ResolvedRefs`).to.equal('True');
      expect(byType.Programmed.message, `${kind} Programmed`).to.match(
        /\b2\/2 dataplanes at version [0-9a-f]+/,
      );
      if (kind.startsWith('backend')) expect(obj.status.healthyServers, 'healthy servers').to.equal('3/3');
    }
    const table = await kubectl(['get', 'frontends', '-n', APP]);
    expect(table).to.match(/shop\s/);
  });

  it('helm upgrade to a new controller image tag rolls both replicas while traffic flows: zero failures', async function () {
    this.timeout(600_000);
    await cluster.tagImage(images.images.controller.ref, 'localhost/bascule/controller:rollout');
    const old = (await pods(NS, 'app.kubernetes.io/component=controller')).map((p) => p.name);
    const dataplanesBefore = (await pods(NS, 'app.kubernetes.io/component=dataplane'))
      .map((p) => p.uid)
      .sort();
    const loop = startRequestLoop(dataplanePort, { maxDurationMs: 480_000 });
    let result: LoopResult;
    try {
      await helm([
        'upgrade',
        RELEASE,
        CHART,
        '-n',
        NS,
        '--reuse-values',
        '--set',
        'image.controller.tag=rollout',
        '--wait',
        '--timeout',
        '6m',
      ]);
      await rolloutStatus(NS, CONTROLLER);
      await new Promise((r) => setTimeout(r, 3000));
    } finally {
      result = await loop.stop();
    }
    report('controller rolling upgrade', result);
    const now = await pods(NS, 'app.kubernetes.io/component=controller');
    expect(now).to.have.length(2);
    expect(now.map((p) => p.image)).to.deep.equal([
      'localhost/bascule/controller:rollout',
      'localhost/bascule/controller:rollout',
    ]);
    expect(
      now.map((p) => p.name).filter((n) => old.includes(n)),
      'old replicas replaced',
    ).to.deep.equal([]);
    // Only the controllers roll: the token (and its checksum annotation) is the same as before.
    const dataplanesAfter = (await pods(NS, 'app.kubernetes.io/component=dataplane'))
      .map((p) => p.uid)
      .sort();
    expect(dataplanesAfter, 'dataplane pods untouched').to.deep.equal(dataplanesBefore);
    expect(result.ok).to.be.greaterThan(50);
    expect(result.failed, JSON.stringify(result.failures)).to.equal(0);
  });

  it('a rolling restart of the dataplanes while traffic flows: failed requests counted (zero)', async function () {
    this.timeout(600_000);
    const old = (await pods(NS, 'app.kubernetes.io/component=dataplane')).map((p) => p.name);
    const loop = startRequestLoop(dataplanePort, { maxDurationMs: 480_000 });
    let result: LoopResult;
    try {
      await kubectl(['rollout', 'restart', '-n', NS, `deployment/${DATAPLANE}`]);
      await rolloutStatus(NS, DATAPLANE);
      // Until the replaced pods are gone: their drain is part of the restart.
      await eventually(
        'old dataplane pods gone',
        async () => {
          const r = await cluster.kubectl(['get', 'pods', '-n', NS, '-o', 'name']);
          return old.some((n) => r.stdout.includes(n)) ? undefined : true;
        },
        180_000,
      );
    } finally {
      result = await loop.stop();
    }
    report('dataplane rolling restart', result);
    expect(result.ok).to.be.greaterThan(50);
    expect(result.failed, JSON.stringify(result.failures)).to.equal(0);
  });

  it('helm uninstall leaves no Bascule object but the CRDs', async function () {
    this.timeout(300_000);
    await kubectl(['delete', 'namespace', APP, '--wait=true', '--timeout=120s']);
    await helm(['uninstall', RELEASE, '-n', NS, '--wait', '--timeout', '3m']);
    await eventually(
      'the release pods gone',
      async () => ((await pods(NS, 'app.kubernetes.io/instance=bascule')).length === 0 ? true : undefined),
      120_000,
    );

    const kinds = (await kubectl(['api-resources', '--verbs=list', '-o', 'name']))
      .split('\n')
      .filter((k) => k && !/^(events|events\.events\.k8s\.io)$/.test(k));
    const namespaced = (await kubectl(['api-resources', '--verbs=list', '--namespaced=true', '-o', 'name']))
      .split('\n')
      .filter(Boolean);
    const inNamespace = kinds.filter((k) => namespaced.includes(k)).join(',');
    // What every namespace has, whoever created it; the rest goes (garbage collection included).
    const defaults = ['configmap/kube-root-ca.crt', 'serviceaccount/default'];
    const listed = async () =>
      (await kubectl(['get', inNamespace, '-n', NS, '-o', 'name'])).split('\n').filter(Boolean).sort();
    await eventually(`only ${defaults.join(' and ')} left in ${NS}`, async () =>
      (await listed()).join() === defaults.join() ? true : undefined,
    ).catch(async (err) => {
      throw new Error(`${(err as Error).message}: ${(await listed()).join(', ')}`);
    });
    const labelled = await kubectl([
      'get',
      kinds.join(','),
      '-A',
      '-l',
      `app.kubernetes.io/instance=${RELEASE}`,
      '-o',
      'name',
    ]);
    expect(labelled.trim(), 'objects labelled with the release').to.equal('');
    const crds = await kubectl(['get', 'crds', '-o', 'name']);
    for (const crd of ['frontends', 'backends', 'healthpolicies'])
      expect(crds).to.include(`${crd}.bascule.dev`);
  });
});
