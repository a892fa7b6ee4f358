// Shared listeners end to end: Frontends of three namespaces on one port, compiled by the real
// stages and served by a real dataplane. Each team's rules answer only its own hosts, the older
// Frontend wins a host+match conflict (and the loser's status names the winner), a namespace the
// owner does not allow and a Frontend with other listener settings are refused with conditions
// that say why — and the routing of everyone else is untouched.
import { expect } from 'chai';
import { parseAllDocuments } from 'yaml';
import type { SourcedResource } from '#controller/compile/types';
import { runStages } from '#controller/pipeline/stages';
import { acceptedCondition } from '#controller/status/compute';
import { startDataplane, type Dataplane } from '#dataplane/dataplane';
import { freePort, get, quietLogger, startBackend, type TestBackend } from '../../unit/dataplane/helpers.js';

const API = 'apiVersion: bascule.dev/v1alpha1';

function manifests(port: number, servers: Record<string, number>): SourcedResource[] {
  const backend = (ns: string, name: string) =>
    `${API}\nkind: Backend\nmetadata: {name: ${name}, namespace: ${ns}}\nspec:\n  servers: [{name: s, address: 127.0.0.1, port: ${servers[name]}}]\n`;
  const text = [
    `${API}
kind: Frontend
metadata: {name: shop, namespace: team-a, creationTimestamp: "2026-01-01T00:00:00Z"}
spec:
  bind: {port: ${port}, address: 127.0.0.1}
  allowedNamespaces: [team-b]
  rules:
    - {name: cart, match: {host: shop.test, path: {prefix: /cart}}, backend: cart}
    - {name: admin, match: {host: shop.test, path: {prefix: /admin}}, deny: {status: 403}}
  defaultBackend: cart
`,
    `${API}
kind: Frontend
metadata: {name: blog, namespace: team-b, creationTimestamp: "2026-01-02T00:00:00Z"}
spec:
  bind: {port: ${port}, address: 127.0.0.1}
  rules:
    - {name: posts, match: {host: blog.test, path: {prefix: /posts}}, backend: posts}
    - {name: admin, match: {host: shop.test, path: {prefix: /admin}}, backend: posts}
    - {name: feed, match: {path: {exact: /feed}}, backend: feed}
  defaultBackend: posts
`,
    `${API}
kind: Frontend
metadata: {name: wild, namespace: team-a, creationTimestamp: "2026-01-03T00:00:00Z"}
spec:
  bind: {port: ${port}, address: 127.0.0.1}
  rules:
    - {name: any, match: {host: "*.test"}, backend: wild}
`,
    `${API}
kind: Frontend
metadata: {name: spy, namespace: team-c, creationTimestamp: "2026-01-04T00:00:00Z"}
spec:
  bind: {port: ${port}, address: 127.0.0.1}
  rules:
    - {name: grab, match: {host: shop.test}, backend: loot}
`,
    `${API}
kind: Frontend
metadata: {name: slow, namespace: team-b, creationTimestamp: "2026-01-05T00:00:00Z"}
spec:
  bind: {port: ${port}, address: 127.0.0.1}
  forwardFor: true
  rules:
    - {name: r, match: {host: slow.test}, backend: posts}
`,
    backend('team-a', 'cart'),
    backend('team-a', 'wild'),
    backend('team-b', 'posts'),
    backend('team-b', 'feed'),
    backend('team-c', 'loot'),
  ].join('---\n');
  return parseAllDocuments(text).map((d) => d.toJS() as SourcedResource);
}

describe('shared listeners: several Frontends on one port', function () {
  this.timeout(20_000);
  const upstreams: Record<string, TestBackend> = {};
  let dp: Dataplane;
  let port: number;
  let result: ReturnType<typeof runStages>;

  before(async () => {
    for (const name of ['cart', 'wild', 'posts', 'feed', 'loot']) upstreams[name] = await startBackend(name);
    port = await freePort();
    const servers = Object.fromEntries(Object.entries(upstreams).map(([k, v]) => [k, v.port]));
    result = runStages({ resources: manifests(port, servers), secrets: [], services: [] });
    dp = await startDataplane({ group: 'default', nodeId: 'shared', admin: null, logger: quietLogger() });
    expect(await dp.applySnapshot(result.snapshots.default!)).to.deep.include({ ok: true });
  });
  after(async () => {
    await dp?.close();
    for (const u of Object.values(upstreams)) await u.close();
  });

  const at = async (host: string, path: string) => {
    const r = await get(port, path, { headers: { host } });
    return r.status === 200 ? r.body : String(r.status);
  };

  it('serves every team on the one port, each on its own hosts', async () => {
    // One listener, carried as one object per Frontend (an edit of one is a change of that one).
    const frontends = result.snapshots.default!.body.frontends;
    expect(frontends.map((f) => [f.id, f.listener?.owner])).to.deep.equal([
      ['team-a/shop', 'team-a/shop'],
      ['team-a/wild', 'team-a/shop'],
      ['team-b/blog', 'team-a/shop'],
    ]);
    expect(frontends[0]!.listener?.members).to.deep.equal(['team-b/blog', 'team-a/wild']);
    expect(await at('shop.test', '/cart/1')).to.equal('cart');
    expect(await at('blog.test', '/posts/1')).to.equal('posts');
    // blog's host-less rule is scoped to the hosts blog names: elsewhere it does not apply.
    expect(await at('blog.test', '/feed')).to.equal('feed');
    expect(await at('x.test', '/feed')).to.equal('wild');
    expect(await at('nobody.example', '/feed')).to.equal('cart');
    // Each defaultBackend answers its own Frontend's hosts; the owner's also answers hosts
    // nobody claimed.
    expect(await at('blog.test', '/other')).to.equal('posts');
    expect(await at('shop.test', '/other')).to.equal('cart');
    expect(await at('nobody.example', '/')).to.equal('cart');
    // Exact hosts before wildcards: *.test does not shadow shop.test or blog.test.
    expect(await at('x.test', '/')).to.equal('wild');
  });

  it('gives a host+match conflict to the older Frontend and tells the loser which won', async () => {
    expect(await at('shop.test', '/admin/x')).to.equal('403'); // shop's rule, not blog's
    const blog = result.objects.find((o) => o.ref.name === 'blog')!;
    const shop = result.objects.find((o) => o.ref.name === 'shop')!;
    expect(acceptedCondition(blog)).to.include({ status: 'False', reason: 'Conflicted' });
    expect(acceptedCondition(blog).message).to.contain('spec.rules[1]').and.contain('team-a/shop');
    // Naming shop.test also made blog's defaultBackend a contender for it: the older one answers.
    expect(acceptedCondition(blog).message).to.contain('spec.defaultBackend');
    expect(blog.groups).to.deep.equal(['default']); // its other rules are served
    expect(acceptedCondition(shop)).to.include({ status: 'True' });
  });

  it('refuses a namespace the owner does not allow, and a Frontend whose listener settings differ', async () => {
    const spy = result.objects.find((o) => o.ref.name === 'spy')!;
    expect(acceptedCondition(spy)).to.include({ status: 'False', reason: 'NotAllowedByListener' });
    expect(acceptedCondition(spy).message).to.contain('team-c').and.contain('team-a/shop');
    expect(spy.groups).to.deep.equal([]);
    expect(await at('shop.test', '/')).to.equal('cart'); // spy's grab is never served
    const slow = result.objects.find((o) => o.ref.name === 'slow')!;
    expect(acceptedCondition(slow)).to.include({ status: 'False', reason: 'ListenerConflict' });
    expect(acceptedCondition(slow).message).to.contain('spec.forwardFor');
    expect(await at('slow.test', '/')).to.equal('wild');
  });
});
