import { expect } from 'chai';
import {
  CONTROLLER_USER,
  createUserKubeconfig,
  kubectl,
  startControlPlane,
  type ControlPlane,
} from './control-plane.js';

describe('k8s test control plane (etcd + kube-apiserver)', function () {
  this.timeout(120000);

  let cp: ControlPlane | undefined;

  before(async function () {
    cp = await startControlPlane();
  });

  after(async function () {
    await cp?.stop();
  });

  it('serves /readyz through kubectl', async function () {
    const r = await kubectl(cp!, ['get', '--raw', '/readyz']);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout.trim()).to.equal('ok');
  });

  it('lets the admin create a namespace', async function () {
    const created = await kubectl(cp!, ['create', 'namespace', 'bascule-cp-test']);
    expect(created.code, created.stderr).to.equal(0);
    const got = await kubectl(cp!, ['get', 'namespace', 'bascule-cp-test', '-o', 'jsonpath={.status.phase}']);
    expect(got.code, got.stderr).to.equal(0);
    expect(got.stdout).to.equal('Active');
  });

  it('enforces RBAC: the non-admin user cannot list secrets until granted', async function () {
    const kubeconfig = await createUserKubeconfig(cp!, { user: CONTROLLER_USER });
    const denied = await kubectl(cp!, ['get', 'secrets', '-n', 'default'], { kubeconfig });
    expect(denied.code).to.not.equal(0);
    expect(denied.stderr).to.match(/forbidden/i);
    expect(denied.stderr).to.contain(`User "${CONTROLLER_USER}"`);

    const canI = await kubectl(cp!, [
      'auth',
      'can-i',
      'list',
      'secrets',
      '-n',
      'default',
      '--as',
      CONTROLLER_USER,
    ]);
    expect(canI.stdout.trim()).to.equal('no');

    // Grant read on secrets in one namespace via a Role + RoleBinding (applied from stdin).
    const rbac = {
      apiVersion: 'v1',
      kind: 'List',
      items: [
        {
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'Role',
          metadata: { name: 'secret-reader', namespace: 'default' },
          rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list'] }],
        },
        {
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'RoleBinding',
          metadata: { name: 'secret-reader', namespace: 'default' },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'secret-reader' },
          subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: CONTROLLER_USER }],
        },
      ],
    };
    const applied = await kubectl(cp!, ['apply', '-f', '-'], { input: JSON.stringify(rbac) });
    expect(applied.code, applied.stderr).to.equal(0);

    const allowed = await kubectl(cp!, ['get', 'secrets', '-n', 'default'], { kubeconfig });
    expect(allowed.code, allowed.stderr).to.equal(0);
    // ...but still nothing cluster-wide.
    const stillDenied = await kubectl(cp!, ['get', 'secrets', '-A'], { kubeconfig });
    expect(stillDenied.code).to.not.equal(0);
    expect(stillDenied.stderr).to.match(/forbidden/i);
  });
});
