// The Kubernetes source drops an event of an object whose uid and generation it has already
// taken (a status write, most often the controller's own, or a metadata edit) before making and
// digesting its record; a spec change (new generation) or a recreated object (new uid) is taken.
// The informer events are handed to the source's handler directly: what is asserted is what
// reaches the store.
import { expect } from 'chai';
import { KubeConfig } from '@kubernetes/client-node';
import { KubeSource } from '#controller/sources/kube-source';
import type { KubeObject } from '#controller/sources/kube-resources';
import { StoreFeed } from '#controller/store/feed';

type Handler = (kind: 'Backend' | 'Frontend', event: 'add' | 'update' | 'delete', obj: KubeObject) => void;

function setup() {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server: 'http://127.0.0.1:1', skipTLSVerify: true }],
    users: [{ name: 'u', token: 't' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  const source = new KubeSource({ kubeConfig: kc });
  const feed = new StoreFeed({ holdoffMs: 1 });
  // The source as start() leaves it, without informers: events come from the test.
  (source as unknown as { feed: StoreFeed }).feed = feed;
  const onResource = (source as unknown as { onResource: Handler }).onResource.bind(source);
  const sets: string[] = [];
  const set = feed.store.set.bind(feed.store);
  feed.store.set = (bucket, records, diagnostics) => {
    sets.push(bucket);
    return set(bucket, records, diagnostics);
  };
  const spec = async () => {
    await feed.flush();
    return feed.current().resources.map((r) => r.spec);
  };
  return { feed, onResource, sets, spec };
}

const backend = (o: {
  uid?: string;
  generation?: number;
  rv: string;
  weight: number;
  status?: object;
}): KubeObject => ({
  apiVersion: 'bascule.dev/v1alpha1',
  kind: 'Backend',
  metadata: {
    name: 'b',
    namespace: 'ns',
    resourceVersion: o.rv,
    ...(o.uid !== undefined ? { uid: o.uid } : {}),
    ...(o.generation !== undefined ? { generation: o.generation } : {}),
  },
  spec: { servers: [{ name: 's', address: '127.0.0.1', port: 80, weight: o.weight }] },
  ...(o.status ? { status: o.status } : {}),
});

describe('kube source: events at a generation already taken', () => {
  it('are dropped before the store; a new generation or a new uid is taken', async () => {
    const { feed, onResource, sets, spec } = setup();
    try {
      onResource('Backend', 'add', backend({ uid: 'u1', generation: 1, rv: '10', weight: 1 }));
      expect(sets).to.have.length(1);
      // The controller's own status write: same uid and generation, new resourceVersion.
      const status = { observedGeneration: 1, conditions: [] };
      onResource('Backend', 'update', backend({ uid: 'u1', generation: 1, rv: '11', weight: 1, status }));
      onResource('Backend', 'update', backend({ uid: 'u1', generation: 1, rv: '12', weight: 1, status }));
      expect(sets, 'status-only events reach the store').to.have.length(1);
      // A spec edit.
      onResource('Backend', 'update', backend({ uid: 'u1', generation: 2, rv: '13', weight: 2 }));
      expect(sets).to.have.length(2);
      expect(await spec()).to.deep.equal([backend({ rv: '', weight: 2 }).spec]);
      // Deleted and created again under the same name (a relist can show this as one update):
      // generation 1 again, another uid, another spec.
      onResource('Backend', 'update', backend({ uid: 'u2', generation: 1, rv: '20', weight: 3 }));
      expect(sets).to.have.length(3);
      expect(await spec()).to.deep.equal([backend({ rv: '', weight: 3 }).spec]);
      // After a delete, the same uid and generation is taken again (it is a new add).
      onResource('Backend', 'delete', backend({ uid: 'u2', generation: 1, rv: '21', weight: 3 }));
      expect(await spec()).to.deep.equal([]);
      onResource('Backend', 'add', backend({ uid: 'u2', generation: 1, rv: '22', weight: 3 }));
      expect(await spec()).to.deep.equal([backend({ rv: '', weight: 3 }).spec]);
    } finally {
      await feed.close();
    }
  });

  it('an object without uid or generation is compared by its record, every event', async () => {
    const { feed, onResource, sets, spec } = setup();
    try {
      onResource('Backend', 'add', backend({ rv: '1', weight: 1 }));
      onResource('Backend', 'update', backend({ rv: '2', weight: 1, status: { conditions: [] } }));
      onResource('Backend', 'update', backend({ uid: 'u1', rv: '3', weight: 4 }));
      expect(sets).to.have.length(3);
      expect(await spec()).to.deep.equal([backend({ rv: '', weight: 4 }).spec]);
    } finally {
      await feed.close();
    }
  });
});
