// Pure helpers of the Kubernetes integration (no API server needed).
import { expect } from 'chai';
import { channelUrls } from '#dataplane/agent/endpoint';
import { reportLeaseName } from '#controller/leader/replica-reports';
import { referencesOf, resourceRecord } from '#controller/sources/kube-resources';
import { carryTransitionTimes } from '#controller/status/kube-status-writer';
import type { SourcedResource } from '#controller/compile/types';

describe('Kubernetes helpers', () => {
  it('resourceRecord keeps what compile needs and drops what the controller itself changes', () => {
    const r = resourceRecord('Backend', {
      apiVersion: 'bascule.dev/v1alpha1',
      kind: 'Backend',
      metadata: {
        name: 'web',
        namespace: 'shop',
        generation: 3,
        resourceVersion: '991',
        uid: 'u-1',
        creationTimestamp: '2026-01-01T00:00:00Z',
        annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{}' },
        managedFields: [{}],
      } as never,
      spec: { servers: [] },
      status: { observedGeneration: 2 },
    });
    expect(r).to.deep.equal({
      type: 'resource',
      resource: {
        apiVersion: 'bascule.dev/v1alpha1',
        kind: 'Backend',
        metadata: {
          name: 'web',
          namespace: 'shop',
          generation: 3,
          creationTimestamp: '2026-01-01T00:00:00Z',
        },
        spec: { servers: [] },
      },
    });
  });

  it('referencesOf finds Services and Secrets, same namespace', () => {
    const res = (kind: string, ns: string, spec: object) =>
      ({
        apiVersion: 'bascule.dev/v1alpha1',
        kind,
        metadata: { name: 'x', namespace: ns },
        spec,
      }) as SourcedResource;
    const refs = referencesOf([
      res('Frontend', 'a', {
        tls: {
          certificates: [{ secretName: 'c1' }, { certFile: '/x', keyFile: '/y' }],
          clientAuth: { mode: 'required', caSecretName: 'ca' },
        },
      }),
      res('Backend', 'b', {
        service: { name: 'web', port: 80 },
        tls: { caSecretName: 'bca', clientCertificate: { secretName: 'client' } },
      }),
      res('HealthPolicy', 'c', { interval: '1s' }),
    ]);
    expect([...refs.services]).to.deep.equal(['b/web']);
    expect([...refs.secrets].sort()).to.deep.equal(['a/c1', 'a/ca', 'b/bca', 'b/client']);
  });

  it('carryTransitionTimes keeps the live time of conditions whose status did not flip', () => {
    const c = (type: string, status: 'True' | 'False', at: string) => ({
      type,
      status,
      reason: 'R',
      message: 'm',
      lastTransitionTime: at,
    });
    const next = { conditions: [c('Accepted', 'True', 'new'), c('Programmed', 'False', 'new')] };
    const live = { conditions: [c('Accepted', 'True', 'old'), c('Programmed', 'True', 'old')] };
    expect(carryTransitionTimes(next, live).conditions!.map((x) => x.lastTransitionTime)).to.deep.equal([
      'old',
      'new',
    ]);
    expect(carryTransitionTimes(next, undefined)).to.deep.equal(next);
  });

  it('replica report Lease names are valid DNS subdomains', () => {
    expect(reportLeaseName('bascule-controller', 'bascule-controller-7d9f-abcde')).to.equal(
      'bascule-controller-bascule-controller-7d9f-abcde',
    );
    expect(reportLeaseName('lease', 'Host_Name_1a2b')).to.equal('lease-host-name-1a2b');
    expect(reportLeaseName('lease', '___')).to.equal('lease-replica');
  });

  it('the dataplane accepts a comma-separated list of controller URLs', () => {
    expect(channelUrls('ws://a:7443, wss://b:7443/v1/channel').map((u) => u.href)).to.deep.equal([
      'ws://a:7443/v1/channel',
      'wss://b:7443/v1/channel',
    ]);
    expect(() => channelUrls(' , ')).to.throw(/no controller URL/);
  });
});
