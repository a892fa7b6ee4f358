// API clients keep their connections: client-node makes a new https.Agent per request, so every
// status patch or Lease renewal was a new TLS connection and a full handshake. Real TLS on
// 127.0.0.1 (a test CA), the requests counted per connection by the server.
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { CoordinationV1Api, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { makeApiClient, sharedAuthOf } from '#controller/kube/api-client';
import { TestCa } from '../tls/certs.js';

interface Api {
  server: Server;
  url: string;
  /** TLS connections accepted, and the Authorization header of every request. */
  connections: number;
  auth: string[];
}

async function fakeApi(ca: TestCa): Promise<Api> {
  const pem = ca.issue({ dns: ['localhost'], ips: ['127.0.0.1'] });
  const api: Api = { server: undefined as unknown as Server, url: '', connections: 0, auth: [] };
  api.server = createServer({ cert: pem.cert, key: pem.key }, (req, res) => {
    api.auth.push(String(req.headers.authorization));
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({ apiVersion: 'v1', kind: 'Thing', metadata: { name: 'x', resourceVersion: '1' } }),
      );
    });
  });
  api.server.on('secureConnection', () => api.connections++);
  await new Promise<void>((r) => api.server.listen(0, '127.0.0.1', () => r()));
  api.url = `https://127.0.0.1:${(api.server.address() as AddressInfo).port}`;
  return api;
}

function kubeConfig(url: string, caData: string, token: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server: url, caData: Buffer.from(caData).toString('base64') }],
    users: [{ name: 'u', token }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  return kc;
}

describe('controller: Kubernetes API clients keep their connections', function () {
  this.timeout(30_000);
  let ca: TestCa;
  let api: Api;

  before(async () => {
    ca = new TestCa('Kube Client Test CA');
    api = await fakeApi(ca);
  });
  after(async () => {
    api.server.closeAllConnections();
    await new Promise((r) => api.server.close(r));
    ca.cleanup();
  });

  const read = (custom: CustomObjectsApi, name: string) =>
    custom.getNamespacedCustomObjectStatus({
      group: 'bascule.dev',
      version: 'v1alpha1',
      namespace: 'ns',
      plural: 'backends',
      name,
    });

  it('sends twenty requests of two API clients over one TLS connection, each authenticated', async () => {
    const kc = kubeConfig(api.url, ca.cert, 'token-1');
    const custom = makeApiClient(kc, CustomObjectsApi);
    const leases = makeApiClient(kc, CoordinationV1Api);
    const before = api.connections;
    for (let i = 0; i < 10; i++) {
      await read(custom, `b${i}`);
      await leases.readNamespacedLease({ name: 'l', namespace: 'ns' });
    }
    expect(api.connections - before, 'TLS connections for 20 sequential requests').to.equal(1);
    expect(sharedAuthOf(kc).stats).to.include({ shared: 20, kept: 0, agents: 1 });
    expect(api.auth.slice(-20)).to.deep.equal(new Array(20).fill('Bearer token-1'));
    sharedAuthOf(kc).close();
  });

  it('client-node alone opens a connection per request (what the shared agent replaces)', async () => {
    // If client-node ever keeps its connections itself, this fails and the wrapper can go.
    const kc = kubeConfig(api.url, ca.cert, 'token-1');
    const custom = kc.makeApiClient(CustomObjectsApi);
    const before = api.connections;
    for (let i = 0; i < 3; i++) await read(custom, `b${i}`);
    expect(api.connections - before).to.equal(3);
  });

  it('reads the credentials per request: a rotated token is sent at once on the same connection', async () => {
    const kc = kubeConfig(api.url, ca.cert, 'token-1');
    const custom = makeApiClient(kc, CustomObjectsApi);
    const before = api.connections;
    await read(custom, 'a');
    (kc.getCurrentUser() as { token?: string }).token = 'token-2';
    await read(custom, 'b');
    expect(api.auth.slice(-2)).to.deep.equal(['Bearer token-1', 'Bearer token-2']);
    expect(api.connections - before).to.equal(1);
    sharedAuthOf(kc).close();
  });

  it('a different CA is a different agent: connections are never shared across TLS settings', async () => {
    const kc = kubeConfig(api.url, ca.cert, 'token-1');
    const custom = makeApiClient(kc, CustomObjectsApi);
    await read(custom, 'a');
    const other = new TestCa('Kube Client Other CA');
    try {
      const cluster = kc.clusters[0] as { caData?: string };
      cluster.caData = Buffer.from(other.cert).toString('base64');
      // The server's certificate is not signed by the new CA: the request must fail verification,
      // which it would not if the old connection (verified with the old CA) were reused.
      let failed = false;
      await read(custom, 'b').catch(() => (failed = true));
      expect(failed, 'request verified against the new CA').to.equal(true);
      expect(sharedAuthOf(kc).stats.agents).to.equal(2);
    } finally {
      other.cleanup();
      sharedAuthOf(kc).close();
    }
  });
});
