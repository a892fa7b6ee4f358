// The chart passes --workers to the dataplane from the container's CPU limit (or an explicit
// value), so a pod uses the CPUs it is given (docs/workers.md).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { findBinaries, run } from './env/control-plane.js';
import { ROOT } from './support/harness.js';

const CHART = join(ROOT, 'manifests/helm/bascule');

describe('Helm chart: dataplane --workers', function () {
  this.timeout(60_000);
  let dir: string;
  let helm: string;

  before(async () => {
    const bin = findBinaries().helm;
    if (!bin) throw new Error('helm is missing: run .ci/build-kube.sh');
    helm = bin;
    dir = await mkdtemp(join(tmpdir(), 'bascule-chart-workers-'));
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  const workersArg = async (set: string[]): Promise<string[]> => {
    const r = await run(helm, ['template', 't', CHART, ...set.flatMap((s) => ['--set', s])], {
      env: {
        ...process.env,
        HELM_CACHE_HOME: join(dir, 'c'),
        HELM_CONFIG_HOME: join(dir, 'g'),
        HELM_DATA_HOME: join(dir, 'd'),
      },
    });
    expect(r.code, r.stderr).to.equal(0);
    return r.stdout.split('\n').flatMap((l) => /^\s+- --workers=(.*)$/.exec(l)?.[1] ?? []);
  };

  it('follows the CPU limit, rounded up', async () => {
    expect(await workersArg(['dataplane.resources.limits.cpu=1500m'])).to.deep.equal(['2']);
    expect(await workersArg(['dataplane.resources.limits.cpu=4'])).to.deep.equal(['4']);
    expect(await workersArg(['dataplane.resources.limits.cpu=250m'])).to.deep.equal(['1']);
  });

  it('an explicit dataplane.workers wins; no limit and no value leaves it to the dataplane', async () => {
    expect(await workersArg(['dataplane.workers=3', 'dataplane.resources.limits.cpu=1'])).to.deep.equal([
      '3',
    ]);
    expect(await workersArg([])).to.deep.equal([]);
  });
});
