// Packaging: the Helm chart lints and renders, the rendered manifests (several value sets) and
// the kustomize manifests pass server-side dry-run validation on a real API server, and the
// Dockerfiles / skaffold.yaml are consistent with the repository (checked statically here; the
// images are built and run on a real node by test/cluster).
import { cp as copy, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { parse, parseAllDocuments } from 'yaml';
import { run, type RunResult } from './env/control-plane.js';
import { kubectl, must, ROOT, startCluster, type Cluster } from './support/harness.js';

const CHART = join(ROOT, 'manifests/helm/bascule');

describe('Packaging: Helm chart, kustomize manifests, Dockerfiles, skaffold', function () {
  this.timeout(120_000);
  let cluster: Cluster;
  let helmBin: string;

  const helm = async (args: string[]): Promise<RunResult> => {
    const r = await run(helmBin, args, {
      env: {
        ...process.env,
        HELM_CACHE_HOME: join(cluster.dir, 'helm-cache'),
        HELM_CONFIG_HOME: join(cluster.dir, 'helm-config'),
        HELM_DATA_HOME: join(cluster.dir, 'helm-data'),
      },
    });
    return r;
  };
  const render = async (values: string[]): Promise<string> => {
    const r = await helm([
      'template',
      'bascule',
      CHART,
      '-n',
      'bascule-system',
      '--kube-version',
      '1.34.0',
      ...values.flatMap((v) => ['--set', v]),
    ]);
    expect(r.code, r.stderr).to.equal(0);
    return r.stdout;
  };
  const kinds = (yaml: string) =>
    parseAllDocuments(yaml)
      .map((d) => d.toJS() as any)
      .filter(Boolean);

  before(async function () {
    this.timeout(180_000);
    cluster = await startCluster();
    helmBin = cluster.cp.bins.helm ?? '';
    if (!helmBin) throw new Error('helm is missing: run .ci/build-kube.sh');
    await must(cluster.cp, ['create', 'namespace', 'bascule-system']);
    await must(cluster.cp, ['create', 'namespace', 'team-a']);
    await must(cluster.cp, ['create', 'namespace', 'team-b']);
  });

  after(async function () {
    this.timeout(60_000);
    await cluster?.stop();
  });

  it('helm lint passes (strict)', async () => {
    const r = await helm(['lint', '--strict', CHART]);
    expect(r.code, r.stdout + r.stderr).to.equal(0);
    expect(r.stdout).to.contain('0 chart(s) failed');
  });

  const variants: Record<string, string[]> = {
    defaults: [],
    'watch namespaces, TLS channel, one replica, two groups': [
      'watchNamespaces={team-a,team-b}',
      'channel.tls.enabled=true',
      'channel.tls.secretName=bascule-channel-tls',
      'controller.replicas=1',
      'dataplane.groups[0].name=public',
      'dataplane.groups[0].replicas=3',
      'dataplane.groups[0].service.type=LoadBalancer',
      'dataplane.groups[0].service.ports[0].name=https',
      'dataplane.groups[0].service.ports[0].port=443',
      'dataplane.groups[0].service.ports[0].targetPort=8443',
      'dataplane.groups[1].name=internal',
      'dataplane.groups[1].service.ports[0].name=http',
      'dataplane.groups[1].service.ports[0].port=80',
      'dataplane.groups[1].service.ports[0].targetPort=8080',
    ],
    'existing token secret, no secrets RBAC, no metrics, ServiceMonitor off': [
      'channel.existingSecret=my-token',
      'rbac.secrets=false',
      'metrics.enabled=false',
    ],
  };

  for (const [name, values] of Object.entries(variants)) {
    it(`helm template renders and passes kubectl apply --dry-run=server (${name})`, async () => {
      const yaml = await render(values);
      const r = await kubectl(cluster.cp, ['apply', '--dry-run=server', '-f', '-'], { input: yaml });
      expect(r.code, r.stderr).to.equal(0);
      expect(r.stdout).to.match(/deployment\.apps\/bascule-controller created \(server dry run\)/);
    });
  }

  it('renders least-privilege RBAC, probes, resources, PDBs and a non-root security context', async () => {
    const docs = kinds(await render([]));
    const byKind = (k: string) => docs.filter((d) => d.kind === k);
    const role = byKind('ClusterRole')[0];
    const verbs = Object.fromEntries(
      role.rules.flatMap((r: any) =>
        r.resources.map((res: string) => [`${r.apiGroups[0]}/${res}`, r.verbs.join(',')]),
      ),
    );
    expect(verbs).to.deep.equal({
      'bascule.dev/frontends': 'get,list,watch',
      'bascule.dev/backends': 'get,list,watch',
      'bascule.dev/healthpolicies': 'get,list,watch',
      'bascule.dev/frontends/status': 'get,patch',
      'bascule.dev/backends/status': 'get,patch',
      'bascule.dev/healthpolicies/status': 'get,patch',
      '/services': 'list,watch',
      'discovery.k8s.io/endpointslices': 'list,watch',
      '/secrets': 'list,watch',
    });
    // Leases only in the release namespace.
    const leases = byKind('Role').find((r) => r.metadata.name.endsWith('-leases'));
    expect(leases.metadata.namespace).to.equal('bascule-system');
    for (const d of byKind('Deployment')) {
      const pod = d.spec.template.spec;
      const c = pod.containers[0];
      expect(pod.securityContext.runAsNonRoot, d.metadata.name).to.equal(true);
      expect(c.securityContext.allowPrivilegeEscalation).to.equal(false);
      expect(c.securityContext.readOnlyRootFilesystem).to.equal(true);
      expect(c.readinessProbe.httpGet.path).to.equal('/readyz');
      expect(c.livenessProbe.httpGet.path).to.equal('/healthz');
      expect(c.resources.requests).to.have.keys('cpu', 'memory');
    }
    const dataplane = byKind('Deployment').find((d) => d.metadata.name === 'bascule-dataplane-default');
    expect(dataplane.spec.template.spec.automountServiceAccountToken).to.equal(false);
    expect(dataplane.spec.template.spec.containers[0].args).to.include(
      '--controller=ws://bascule-controller.bascule-system.svc:7443',
    );
    expect(
      byKind('PodDisruptionBudget')
        .map((p) => p.metadata.name)
        .sort(),
    ).to.deep.equal(['bascule-controller', 'bascule-dataplane-default']);
    expect(byKind('Secret').map((s) => s.metadata.name)).to.deep.equal(['bascule-token']);
    expect(byKind('ServiceMonitor')).to.have.length(0);
    const controller = byKind('Deployment').find((d) => d.metadata.name === 'bascule-controller');
    expect(controller.spec.template.metadata.annotations).to.include({
      'prometheus.io/scrape': 'true',
      'prometheus.io/path': '/metrics',
    });
    const withMonitor = kinds(await render(['metrics.enabled=true', 'metrics.serviceMonitor.enabled=true']));
    expect(withMonitor.filter((d) => d.kind === 'ServiceMonitor')).to.have.length(1);
  });

  it('refuses inconsistent values', async () => {
    const r = await helm(['template', 'bascule', CHART, '--set', 'controller.leaderElection.enabled=false']);
    expect(r.code).to.not.equal(0);
    expect(r.stderr).to.contain('needs controller.leaderElection.enabled=true');
    const delay = await helm([
      'template',
      'bascule',
      CHART,
      '--set',
      'dataplane.shutdownDelaySeconds=30',
      '--set',
      'dataplane.terminationGracePeriodSeconds=30',
    ]);
    expect(delay.code).to.not.equal(0);
    expect(delay.stderr).to.contain('shutdownDelaySeconds must be shorter');
  });

  it("the chart's crds/ equals the repository's crds/", async () => {
    const files = (await readdir(join(ROOT, 'crds'))).sort();
    expect((await readdir(join(CHART, 'crds'))).sort()).to.deep.equal(files);
    for (const f of files)
      expect(await readFile(join(CHART, 'crds', f), 'utf8'), f).to.equal(
        await readFile(join(ROOT, 'crds', f), 'utf8'),
      );
  });

  it('the kustomize manifests build and pass kubectl apply --dry-run=server -k', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bascule-kustomize-'));
    try {
      await copy(join(ROOT, 'manifests/kustomize'), dir, { recursive: true });
      await writeFile(join(dir, 'token'), 'a-test-token-0123456789abcdefghijklmnop');
      const built = await kubectl(cluster.cp, ['kustomize', dir]);
      expect(built.code, built.stderr).to.equal(0);
      const docs = kinds(built.stdout);
      expect(docs.filter((d) => d.kind === 'CustomResourceDefinition')).to.have.length(3);
      const secret = docs.find((d) => d.kind === 'Secret');
      expect(secret.metadata.name).to.match(/^bascule-token-/);
      for (const d of docs.filter((x) => x.kind === 'Deployment')) {
        expect(JSON.stringify(d.spec.template.spec.volumes)).to.contain(secret.metadata.name);
        expect(d.spec.template.spec.containers[0].image).to.match(
          /^ghcr\.io\/bascule\/(controller|dataplane):0\.1\.0$/,
        );
      }
      const r = await kubectl(cluster.cp, ['apply', '--dry-run=server', '-k', dir]);
      expect(r.code, r.stderr).to.equal(0);
      // Same controller permissions as the chart.
      const chartRole = kinds(await render([])).find((d) => d.kind === 'ClusterRole');
      expect(docs.find((d) => d.kind === 'ClusterRole').rules).to.deep.equal(chartRole.rules);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('Dockerfiles: multi-stage, Node LTS alpine, production dependencies only, non-root', async () => {
    for (const file of ['controller/Dockerfile', 'dataplane/Dockerfile']) {
      const text = await readFile(join(ROOT, file), 'utf8');
      expect(text, file).to.match(/^ARG NODE_IMAGE=node:(24|26)-alpine$/m);
      expect(text.match(/^FROM \$\{NODE_BUILD_IMAGE\} AS (build|deps)$/gm), file).to.have.length(2);
      expect(text.match(/^FROM \$\{NODE_IMAGE\}$/gm), file).to.have.length(1);
      expect(text).to.match(/npm ci --omit=dev/);
      expect(text).to.match(/^USER node$/m);
      expect(text).to.match(/COPY --from=build .*\/src\/dist dist/);
      // Node.js flags may precede the launcher (the dataplane caps V8's young generation).
      expect(text).to.match(/ENTRYPOINT \["node", (?:"--[a-z-]+(?:=[\w.]+)?", )*"\/app\/bin\/bascule.js"\]/);
      for (const m of text.matchAll(/^COPY (?!--from)(?:--chown=\S+ )?(\S+)/gm))
        expect(existsSync(join(ROOT, m[1]!)), `${file}: COPY ${m[1]}`).to.equal(true);
    }
    const ignore = await readFile(join(ROOT, '.dockerignore'), 'utf8');
    for (const p of ['node_modules', 'dist', '.git']) expect(ignore.split('\n')).to.include(p);
  });

  it('skaffold.yaml builds both images and deploys the chart with them', async () => {
    const sk = parse(await readFile(join(ROOT, 'skaffold.yaml'), 'utf8'));
    const artifacts = sk.build.artifacts.map((a: any) => [a.image, a.docker.dockerfile]);
    expect(artifacts).to.deep.equal([
      ['bascule-controller', 'controller/Dockerfile'],
      ['bascule-dataplane', 'dataplane/Dockerfile'],
    ]);
    const release = sk.deploy.helm.releases[0];
    expect(release.chartPath).to.equal('manifests/helm/bascule');
    // The image values skaffold sets produce a valid render.
    const values = Object.entries(release.setValueTemplates).map(
      ([k, v]) =>
        `${k}=${String(v)
          .replace(/\{\{\.IMAGE_REPO_(\w+)\}\}/, 'localhost/$1')
          .replace(/\{\{\.IMAGE_TAG_\w+\}\}@\{\{\.IMAGE_DIGEST_\w+\}\}/, 'dev')}`,
    );
    const setValues = Object.entries(release.setValues).map(([k, v]) => `${k}=${v}`);
    const docs = kinds(await render([...values, ...setValues]));
    const images = docs
      .filter((d) => d.kind === 'Deployment')
      .map((d) => d.spec.template.spec.containers[0].image)
      .sort();
    expect(images).to.deep.equal(['localhost/bascule_controller:dev', 'localhost/bascule_dataplane:dev']);
    // The buildah profile: the same two images through the custom-builder script CI uses.
    const buildah = sk.profiles.find((p: any) => p.name === 'buildah');
    const custom = buildah.patches[0].value.map((a: any) => [
      a.image,
      a.custom.buildCommand,
      a.custom.dependencies.dockerfile.path,
    ]);
    expect(custom).to.deep.equal([
      ['bascule-controller', 'bash .ci/buildah-build.sh', 'controller/Dockerfile'],
      ['bascule-dataplane', 'bash .ci/buildah-build.sh', 'dataplane/Dockerfile'],
    ]);
    expect(existsSync(join(ROOT, '.ci/buildah-build.sh'))).to.equal(true);
  });
});
