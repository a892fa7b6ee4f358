// The Kubernetes building blocks, in process, against a real kube-apiserver: the informer
// (restart after errors, relist after 410 Gone), the kube source (what reaches compile and
// what does not), the status writer (only on change, conflict-safe) and the Lease elector.
import { expect } from 'chai';
import { CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { loadKubeConfig } from '#controller/kube/client';
import { Informer } from '#controller/kube/informer';
import { LeaderElector } from '#controller/leader/lease-elector';
import { KubeSource } from '#controller/sources/kube-source';
import { StoreFeed } from '#controller/store/feed';
import type { KubeObject } from '#controller/sources/kube-resources';
import { KubeStatusWriter } from '#controller/status/kube-status-writer';
import type { CompileInput } from '#controller/compile/types';
import type { StatusT } from '#api/v1alpha1';
import { apply, CONTROLLER_USER, must, startCluster, waitFor, type Cluster } from './support/harness.js';
import { capturingLogger } from '../support/logger.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function etcd(cluster: Cluster, path: string, body: object): Promise<any> {
  const res = await fetch(`${cluster.cp.etcdUrl}${path}`, { method: 'POST', body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`etcd ${path}: ${res.status} ${await res.text()}`);
  return res.json();
}

const frontend = (ns: string, name: string, extra = '') => `
apiVersion: bascule.dev/v1alpha1
kind: Frontend
metadata: {name: ${name}, namespace: ${ns}}
spec:
  bind: {port: 8080}
  defaultBackend: web
${extra}`;

describe('Kubernetes source, informers, status writer and leader election (in process)', function () {
  this.timeout(120_000);
  let cluster: Cluster;
  let admin: KubeConfig;

  before(async function () {
    this.timeout(180_000);
    // Without the watch cache, a watch from a compacted resourceVersion reaches etcd and fails
    // with 410 Gone, which is what the informer must survive.
    cluster = await startCluster({ extraApiServerArgs: ['--watch-cache=false'] });
    admin = loadKubeConfig({ kubeconfig: cluster.cp.kubeconfigPath });
    for (const ns of ['inf', 'src', 'src2', 'status', 'lease', 'arrivals'])
      await must(cluster.cp, ['create', 'namespace', ns]);
  });

  after(async function () {
    this.timeout(60_000);
    await cluster?.stop();
  });

  describe('Informer', () => {
    const frontendInformer = (kc: KubeConfig, counter: { lists: number }) => {
      const api = kc.makeApiClient(CustomObjectsApi);
      return new Informer<KubeObject>({
        kubeConfig: kc,
        name: 'frontends (inf)',
        path: '/apis/bascule.dev/v1alpha1/namespaces/inf/frontends',
        list: async () => {
          counter.lists++;
          return api.listNamespacedCustomObject({
            group: 'bascule.dev',
            version: 'v1alpha1',
            namespace: 'inf',
            plural: 'frontends',
          });
        },
        onEvent: () => {},
        watchTimeoutSeconds: 1,
        backoffBaseMs: 100,
        backoffCapMs: 400,
      });
    };

    it('relists after 410 Gone (its resourceVersion was compacted away) and keeps a correct cache', async () => {
      await apply(cluster.cp, frontend('inf', 'before'));
      const counter = { lists: 0 };
      const inf = frontendInformer(admin, counter);
      inf.start();
      try {
        await inf.synced;
        expect(inf.list().map((o) => o.metadata?.name)).to.deep.equal(['before']);
        expect(counter.lists).to.equal(1);
        // Move etcd past the informer's resourceVersion, then compact: the next watch is 410.
        for (let i = 0; i < 3; i++) await must(cluster.cp, ['create', 'configmap', `bump-${i}`, '-n', 'inf']);
        const rev = (await etcd(cluster, '/v3/kv/range', { key: Buffer.from('/').toString('base64') })).header
          .revision;
        await etcd(cluster, '/v3/kv/compaction', { revision: rev, physical: true });
        await waitFor('relist after 410', () => counter.lists >= 2, 20_000, 50);
        await apply(cluster.cp, frontend('inf', 'after'));
        await waitFor(
          'new object seen after the relist',
          () => inf.get('after', 'inf') !== undefined,
          10_000,
          50,
        );
        expect(
          inf
            .list()
            .map((o) => o.metadata?.name)
            .sort(),
        ).to.deep.equal(['after', 'before']);
      } finally {
        await inf.stop();
      }
    });

    it('restarts with backoff when a watch fails (403 while RBAC is missing) and catches up', async () => {
      const binding = `
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: fe-reader}
rules: [{apiGroups: [bascule.dev], resources: [frontends], verbs: [list, watch]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: fe-reader}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: fe-reader}
subjects: [{apiGroup: rbac.authorization.k8s.io, kind: User, name: ${CONTROLLER_USER}}]
`;
      await apply(cluster.cp, binding);
      const counter = { lists: 0 };
      const inf = frontendInformer(loadKubeConfig({ kubeconfig: cluster.controllerKubeconfig }), counter);
      inf.start();
      try {
        await inf.synced;
        await must(cluster.cp, ['delete', 'clusterrolebinding', 'fe-reader']);
        // The next watch (they end every ~1 s) is refused; the informer keeps retrying.
        await waitFor('informer failing with 403', () => /HTTP 403/.test(inf.error ?? ''), 20_000, 50);
        await apply(cluster.cp, frontend('inf', 'during-outage'));
        await sleep(500);
        expect(inf.get('during-outage', 'inf')).to.equal(undefined);
        await apply(cluster.cp, binding);
        await waitFor(
          'informer recovered',
          () => inf.error === null && inf.get('during-outage', 'inf') !== undefined,
          20_000,
          50,
        );
      } finally {
        await inf.stop();
      }
    });
  });

  describe('Informer: event arrivals (logArrivals)', () => {
    /** An informer over the Frontends of namespace `arrivals`, with the arrival options given. */
    const arrivalsInformer = (
      logger: ReturnType<typeof capturingLogger>['log'],
      arrivals: Pick<
        ConstructorParameters<typeof Informer<KubeObject>>[0],
        'logArrivals' | 'arrivalsFlushMs' | 'maxArrivalsPerLine'
      >,
    ): Informer<KubeObject> => {
      const api = admin.makeApiClient(CustomObjectsApi);
      return new Informer<KubeObject>({
        kubeConfig: admin,
        name: 'frontends (arrivals)',
        path: '/apis/bascule.dev/v1alpha1/namespaces/arrivals/frontends',
        list: () =>
          api.listNamespacedCustomObject({
            group: 'bascule.dev',
            version: 'v1alpha1',
            namespace: 'arrivals',
            plural: 'frontends',
          }),
        onEvent: () => {},
        logger,
        ...arrivals,
      });
    };

    it("logs each watch event's resourceVersion and arrival, at most maxArrivalsPerLine a line, the rest counted", async () => {
      const { log, lines } = capturingLogger();
      const inf = arrivalsInformer(log, {
        logArrivals: true,
        // Only stop() writes the line here, so all three events fall into one.
        arrivalsFlushMs: 600_000,
        maxArrivalsPerLine: 2,
      });
      await apply(cluster.cp, frontend('arrivals', 'listed'));
      inf.start();
      try {
        await inf.synced;
        const before = Date.now();
        await apply(cluster.cp, ['a1', 'a2', 'a3'].map((n) => frontend('arrivals', n)).join('\n---\n'));
        await waitFor(
          'three watch events',
          () => ['a1', 'a2', 'a3'].every((n) => inf.get(n, 'arrivals')),
          20_000,
          20,
        );
        const after = Date.now();
        const rvs = ['a1', 'a2', 'a3'].map((n) => inf.get(n, 'arrivals')!.metadata!.resourceVersion!);
        expect(lines().filter((l) => l.msg === 'watch event arrivals')).to.have.length(0);
        await inf.stop();
        const logged = lines().filter((l) => l.msg === 'watch event arrivals');
        expect(logged).to.have.length(1);
        const events = logged[0]!.events as Array<[string, number]>;
        // The listed object is no event; the first two events are kept, the third counted.
        expect(events.map(([rv]) => rv)).to.deep.equal(rvs.slice(0, 2));
        expect(logged[0]!.dropped).to.equal(1);
        for (const [, at] of events) expect(at).to.be.within(before, after);
      } finally {
        await inf.stop();
      }
    });

    it('logs nothing of the kind by default', async () => {
      const { log, lines } = capturingLogger();
      const inf = arrivalsInformer(log, {});
      inf.start();
      try {
        await inf.synced;
        await apply(cluster.cp, frontend('arrivals', 'b1'));
        await waitFor('the watch event', () => inf.get('b1', 'arrivals') !== undefined, 20_000, 20);
      } finally {
        await inf.stop();
      }
      expect(lines().filter((l) => l.msg === 'watch event arrivals')).to.have.length(0);
    });
  });

  describe('KubeSource', () => {
    let source: KubeSource;
    const feed = new StoreFeed({ holdoffMs: 10, maxDelayMs: 50 });
    const changes: CompileInput[] = [];
    const latest = () => changes[changes.length - 1] ?? feed.current();

    before(async () => {
      source = new KubeSource({
        kubeConfig: admin,
        namespaces: ['src'],
        watchTimeoutSeconds: 30,
      });
      await apply(cluster.cp, frontend('src', 'pre-existing'));
      await source.start(feed);
      feed.on('change', (input) => changes.push(input));
    });
    after(async () => {
      await source?.stop();
      await feed.close();
    });

    it('syncs before it reports, and serves only its namespaces', async () => {
      expect(source.synced).to.equal(true);
      expect(feed.current().resources.map((r) => r.metadata.name)).to.deep.equal(['pre-existing']);
      await apply(cluster.cp, frontend('src2', 'elsewhere'));
      await sleep(300);
      expect(latest().resources.map((r) => r.metadata.name)).to.not.include('elsewhere');
    });

    it('feeds referenced Services with their EndpointSlices; unreferenced ones cause no rebuild', async () => {
      await apply(
        cluster.cp,
        `
apiVersion: v1
kind: Service
metadata: {name: api, namespace: src}
spec: {ports: [{name: http, port: 80}]}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: api-1, namespace: src, labels: {kubernetes.io/service-name: api}}
addressType: IPv4
ports: [{name: http, port: 8080, protocol: TCP}]
endpoints: [{addresses: [10.1.0.1], conditions: {ready: true}}]
---
apiVersion: bascule.dev/v1alpha1
kind: Backend
metadata: {name: api, namespace: src}
spec: {service: {name: api, port: http}}
`,
      );
      await waitFor(
        'service with endpoints',
        () => latest().services.some((s) => s.name === 'api' && s.endpoints.length === 1),
        10_000,
        20,
      );
      const svc = latest().services.find((s) => s.name === 'api')!;
      expect(svc.endpoints[0]).to.include({ address: '10.1.0.1', port: 8080, portName: 'http', ready: true });

      const before = changes.length;
      await apply(
        cluster.cp,
        `
apiVersion: v1
kind: Service
metadata: {name: unrelated, namespace: src}
spec: {ports: [{port: 80}]}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: unrelated-1, namespace: src, labels: {kubernetes.io/service-name: unrelated}}
addressType: IPv4
ports: [{port: 80, protocol: TCP}]
endpoints: [{addresses: [10.1.0.9]}]
`,
      );
      // A status write (as the controller does) does not change what compile sees either.
      await must(cluster.cp, [
        'patch',
        'backend',
        'api',
        '-n',
        'src',
        '--subresource=status',
        '--type=merge',
        '-p',
        '{"status":{"observedGeneration":1}}',
      ]);
      await sleep(800);
      expect(changes.length, 'no rebuild for unrelated objects or status writes').to.equal(before);
      expect(latest().services.map((s) => s.name)).to.deep.equal(['api']);

      await must(cluster.cp, [
        'patch',
        'endpointslice',
        'api-1',
        '-n',
        'src',
        '--type=json',
        '-p',
        '[{"op":"replace","path":"/endpoints/0/conditions","value":{"ready":false,"serving":true,"terminating":true}}]',
      ]);
      await waitFor(
        'terminating endpoint',
        () => latest().services.find((s) => s.name === 'api')?.endpoints[0]?.terminating === true,
        10_000,
        20,
      );
    });

    it('reads only the Secrets that resources reference, and follows their changes', async () => {
      await must(cluster.cp, [
        'create',
        'secret',
        'generic',
        'tls-a',
        '-n',
        'src',
        '--from-literal=tls.crt=CERT-1',
        '--from-literal=tls.key=KEY-1',
      ]);
      await must(cluster.cp, [
        'create',
        'secret',
        'generic',
        'not-referenced',
        '-n',
        'src',
        '--from-literal=password=hunter2',
      ]);
      await apply(cluster.cp, frontend('src', 'secure', '  tls: {certificates: [{secretName: tls-a}]}'));
      await waitFor(
        'referenced secret loaded',
        () => latest().secrets.some((s) => s.name === 'tls-a'),
        10_000,
        20,
      );
      expect(latest().secrets.map((s) => s.name)).to.deep.equal(['tls-a']);
      expect(latest().secrets[0]!.data['tls.crt']).to.equal('CERT-1');

      await must(cluster.cp, [
        'patch',
        'secret',
        'tls-a',
        '-n',
        'src',
        '--type=merge',
        '-p',
        JSON.stringify({ stringData: { 'tls.crt': 'CERT-2' } }),
      ]);
      await waitFor(
        'rotated secret',
        () => latest().secrets.find((s) => s.name === 'tls-a')?.data['tls.crt'] === 'CERT-2',
        10_000,
        20,
      );

      await must(cluster.cp, ['delete', 'frontend', 'secure', '-n', 'src']);
      await waitFor(
        'secret dropped with its last reference',
        () => latest().secrets.length === 0,
        10_000,
        20,
      );
    });

    it('a cluster-wide source sees every namespace', async () => {
      const allFeed = new StoreFeed({ holdoffMs: 10, maxDelayMs: 50 });
      const all = new KubeSource({ kubeConfig: admin });
      try {
        await all.start(allFeed);
        const names = allFeed.current().resources.map((r) => `${r.metadata.namespace}/${r.metadata.name}`);
        expect(names).to.include.members(['src/pre-existing', 'src2/elsewhere', 'inf/before']);
      } finally {
        await all.stop();
        await allFeed.close();
      }
    });
  });

  describe('KubeStatusWriter', () => {
    const status = (message: string, at = '2026-01-01T00:00:00.000Z'): StatusT => ({
      observedGeneration: 1,
      conditions: [
        {
          type: 'Accepted',
          status: 'True',
          reason: 'Accepted',
          message,
          lastTransitionTime: at,
          observedGeneration: 1,
        },
      ],
    });
    const ref = { kind: 'Backend' as const, namespace: 'status', name: 'web' };
    /** `kubectl patch` of the Backend under test, its spec or (subresource) its status. */
    const patchWeb = (patch: object, subresource = false) =>
      must(cluster.cp, [
        'patch',
        'backend',
        'web',
        '-n',
        'status',
        ...(subresource ? ['--subresource=status'] : []),
        '--type=merge',
        '-p',
        JSON.stringify(patch),
      ]);
    const read = async () =>
      JSON.parse(
        await must(cluster.cp, [
          'get',
          'backend',
          'web',
          '-n',
          'status',
          '-o',
          'json',
          '--show-managed-fields',
        ]),
      ) as KubeObject & { status?: StatusT };

    before(async () => {
      await apply(
        cluster.cp,
        'apiVersion: bascule.dev/v1alpha1\nkind: Backend\nmetadata: {name: web, namespace: status}\nspec: {servers: [{name: a, address: 10.0.0.1, port: 80}]}\n',
      );
    });

    it('writes only when the content changes, keeping lastTransitionTime of unchanged conditions', async () => {
      let live = await read();
      const w = new KubeStatusWriter({ kubeConfig: admin, live: () => live, holdoffMs: 0 });
      await w.write(ref, status('one'));
      await w.idle();
      expect(w.stats.writes).to.equal(1);
      live = await read();
      expect(live.status!.conditions![0]!.message).to.equal('one');
      // Same content, a new lastTransitionTime (e.g. a new leader's first computation): no write.
      await w.write(ref, status('one', '2030-01-01T00:00:00.000Z'));
      await w.idle();
      expect(w.stats).to.include({ writes: 1, skipped: 1 });
      // A new message for the same status: written, with the original transition time.
      await w.write(ref, status('two', '2030-01-01T00:00:00.000Z'));
      await w.idle();
      live = await read();
      expect(live.status!.conditions![0]).to.include({
        message: 'two',
        lastTransitionTime: '2026-01-01T00:00:00.000Z',
      });
      const managers = ((live.metadata as any).managedFields as any[])
        .filter((m) => m.subresource === 'status')
        .map((m) => m.manager);
      expect(managers).to.deep.equal(['bascule-controller']);
      w.close();
    });

    it('statuses handed over within the holdoff are written once, the last one', async () => {
      let live = await read();
      const w = new KubeStatusWriter({ kubeConfig: admin, live: () => live, holdoffMs: 300 });
      const before = live.metadata!.resourceVersion;
      await w.write(ref, status('pending'));
      await w.write(ref, status('still pending'));
      await w.write(ref, status('programmed'));
      expect(w.pending, 'write() returns before the PATCH').to.equal(1);
      await w.idle();
      expect(w.stats).to.include({ writes: 1, coalesced: 2 });
      live = await read();
      expect(live.status!.conditions![0]!.message).to.equal('programmed');
      expect(live.metadata!.resourceVersion).to.not.equal(before);
      // The last one handed over is what is live already: a pending older one is dropped, unwritten.
      await w.write(ref, status('older'));
      await w.write(ref, status('programmed'));
      await w.idle();
      expect(w.stats).to.include({ writes: 1, skipped: 1 });
      expect((await read()).status!.conditions![0]!.message).to.equal('programmed');
      w.close();
    });

    it('a conflicting write is retried against the re-read object', async () => {
      const stale = await read();
      await patchWeb({ status: { healthyServers: '9/9' } }, true);
      const w = new KubeStatusWriter({ kubeConfig: admin, live: () => stale, holdoffMs: 0 });
      await w.write(ref, status('three'));
      await w.idle();
      expect(w.stats.conflicts).to.equal(1);
      expect(w.stats.writes).to.equal(1);
      const now = await read();
      expect(now.status!.conditions![0]!.message).to.equal('three');
      expect(now.status!.healthyServers, 'fields no longer reported are removed').to.equal(undefined);
      w.close();
    });

    it('does not write a status of an older generation over one written for a newer spec', async () => {
      // The spec moves to generation 2 and another writer (a replica that saw it) reports it.
      await patchWeb({ spec: { servers: [{ name: 'a', address: '10.0.0.2', port: 80 }] } });
      await patchWeb({ status: { observedGeneration: 2 } }, true);
      let live = await read();
      expect(live.metadata!.generation).to.equal(2);
      const w = new KubeStatusWriter({ kubeConfig: admin, live: () => live, holdoffMs: 0 });
      await w.write(ref, status('generation 1'));
      await w.idle();
      expect(w.stats).to.include({ writes: 0, stale: 1 });
      expect((await read()).status!.observedGeneration).to.equal(2);
      // A hand-made observedGeneration beyond the object's own generation is no newer writer's.
      await patchWeb({ status: { observedGeneration: 99 } }, true);
      live = await read();
      await w.write(ref, { ...status('generation 2'), observedGeneration: 2 });
      await w.idle();
      expect(w.stats).to.include({ writes: 1, stale: 1 });
      expect((await read()).status!.observedGeneration).to.equal(2);
      w.close();
    });

    it('writes nothing while inactive (a follower), and drops what was pending on stepping down', async () => {
      const w = new KubeStatusWriter({ kubeConfig: admin, live: () => undefined, active: false });
      let activated = 0;
      w.onActivate(() => activated++);
      await w.write(ref, status('four'));
      expect(w.stats.writes).to.equal(0);
      w.setActive(true);
      expect(activated).to.equal(1);
      const live = await read();
      const leader = new KubeStatusWriter({ kubeConfig: admin, live: () => live, holdoffMs: 60_000 });
      await leader.write(ref, status('five'));
      expect(leader.pending).to.equal(1);
      leader.setActive(false);
      expect(leader.pending).to.equal(0);
      await leader.idle();
      expect(leader.stats.writes).to.equal(0);
      expect((await read()).status!.conditions![0]!.message).to.not.equal('five');
      leader.close();
      w.close();
    });
  });

  describe('LeaderElector', () => {
    it('one leader at a time; a released lease is taken over at once', async () => {
      const opts = {
        kubeConfig: admin,
        namespace: 'lease',
        name: 'elect',
        leaseDurationMs: 2000,
        renewDeadlineMs: 1500,
        retryPeriodMs: 200,
      };
      const e1 = new LeaderElector({ ...opts, identity: 'one' });
      const e2 = new LeaderElector({ ...opts, identity: 'two' });
      try {
        e1.start();
        await waitFor('one leads', () => e1.isLeader, 10_000, 20);
        e2.start();
        await sleep(1500);
        expect(e2.isLeader).to.equal(false);
        expect(e2.leader).to.equal('one');
        const t0 = Date.now();
        await e1.stop();
        await waitFor('two leads', () => e2.isLeader, 10_000, 20);
        expect(Date.now() - t0, 'released, not expired').to.be.below(1500);
        const lease = JSON.parse(
          await must(cluster.cp, ['get', 'lease', 'elect', '-n', 'lease', '-o', 'json']),
        );
        expect(lease.spec).to.include({
          holderIdentity: 'two',
          leaseTransitions: 1,
          leaseDurationSeconds: 2,
        });
      } finally {
        await e1.stop();
        await e2.stop();
      }
    });
  });
});
