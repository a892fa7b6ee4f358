// TCP Frontends of three namespaces share one port by SNI (TLS passthrough), compiled by the real
// stages and served by a real dataplane, with real TLS clients (curl --resolve, openssl s_client)
// talking to real TLS origins through it: the dataplane never holds a key, each connection reaches
// the origin of the Frontend that owns its server name (exact before wildcard, the longer wildcard
// first), the older Frontend keeps a name two claim, a plain TCP Frontend is refused, and a
// connection with no or an unknown server name goes to the owner's defaultBackend or is closed.
// The ClientHello wait is bounded in size here (its time bound: test/security/tls-handshake-bounds).
import https from 'node:https';
import net from 'node:net';
import { expect } from 'chai';
import { parseAllDocuments } from 'yaml';
import type { SourcedResource } from '#controller/compile/types';
import { runStages } from '#controller/pipeline/stages';
import { acceptedCondition } from '#controller/status/compute';
import { startDataplane, type Dataplane } from '#dataplane/dataplane';
import { freePort, quietLogger } from '../../unit/dataplane/helpers.js';
import { HOST, TestCa, curl, sClient, type Pem } from './support.js';

const API = 'apiVersion: bascule.dev/v1alpha1';

interface Origin {
  port: number;
  close(): Promise<void>;
}

/** An HTTPS origin with its own certificate, answering its tag and the server name it saw. */
function origin(tag: string, pem: Pem): Promise<Origin> {
  const srv = https.createServer({ cert: pem.cert, key: pem.key }, (req, res) => {
    res.end(`${tag} ${(req.socket as import('node:tls').TLSSocket).servername || '-'}`);
  });
  return new Promise((resolve) =>
    srv.listen(0, HOST, () =>
      resolve({
        port: (srv.address() as net.AddressInfo).port,
        close: () =>
          new Promise<void>((r) => {
            srv.closeAllConnections();
            srv.close(() => r());
          }),
      }),
    ),
  );
}

function manifests(shared: number, closed: number, origins: Record<string, number>): SourcedResource[] {
  const backend = (ns: string, name: string) =>
    `${API}\nkind: Backend\nmetadata: {name: ${name}, namespace: ${ns}}\nspec:\n  mode: tcp\n  servers: [{name: s, address: ${HOST}, port: ${origins[name]}}]\n`;
  const fe = (ns: string, name: string, day: number, port: number, spec: string) =>
    `${API}\nkind: Frontend\nmetadata: {name: ${name}, namespace: ${ns}, creationTimestamp: "2026-01-0${day}T00:00:00Z"}\nspec:\n  mode: tcp\n  bind: {port: ${port}, address: ${HOST}}\n  timeouts: {httpRequest: 20s}\n${spec}`;
  const text = [
    fe(
      'team-a',
      'pass',
      1,
      shared,
      `  allowedNamespaces: [team-b, team-c]
  rules:
    - {name: a, match: {sni: [a.example.test]}, backend: a}
  defaultBackend: fallback
`,
    ),
    fe(
      'team-b',
      'edge',
      2,
      shared,
      `  rules:
    - {name: b, match: {sni: [b.example.test, a.example.test]}, backend: b}
    - {name: wild, match: {sni: ["*.example.test"]}, backend: b}
`,
    ),
    fe(
      'team-c',
      'deep',
      3,
      shared,
      `  rules:
    - {name: api, match: {sni: ["*.api.example.test"]}, backend: deep}
`,
    ),
    fe('team-c', 'plain', 4, shared, '  defaultBackend: deep\n'),
    // A second listener whose owner declares no defaultBackend.
    fe(
      'team-a',
      'strict',
      1,
      closed,
      `  allowedNamespaces: [team-b]
  rules:
    - {name: a, match: {sni: [a.example.test]}, backend: a}
`,
    ),
    fe(
      'team-b',
      'strict-b',
      2,
      closed,
      `  rules:
    - {name: b, match: {sni: [b.example.test]}, backend: b}
`,
    ),
    backend('team-a', 'a'),
    backend('team-a', 'fallback'),
    backend('team-b', 'b'),
    backend('team-c', 'deep'),
  ].join('---\n');
  return parseAllDocuments(text).map((d) => d.toJS() as SourcedResource);
}

/** Resolves with how long the dataplane took to close a connection that sent `bytes`, or rejects. */
function closedAfter(port: number, bytes: Buffer, limitMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const s = net.connect(port, HOST, () => s.write(bytes));
    s.on('data', () => {});
    s.on('error', () => {});
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error(`still open after ${limitMs} ms`));
    }, limitMs);
    s.on('close', () => {
      clearTimeout(timer);
      resolve(Date.now() - started);
    });
  });
}

describe('e2e tls: TCP Frontends share a port by SNI (passthrough)', function () {
  this.timeout(60_000);
  let ca: TestCa;
  const origins: Record<string, Origin> = {};
  let dp: Dataplane;
  let shared: number;
  let closed: number;
  let result: ReturnType<typeof runStages>;

  before(async () => {
    ca = new TestCa();
    origins.a = await origin('a', ca.issue({ dns: ['a.example.test'] }));
    origins.b = await origin('b', ca.issue({ dns: ['b.example.test', '*.example.test'] }));
    origins.deep = await origin('deep', ca.issue({ dns: ['*.api.example.test'] }));
    origins.fallback = await origin('fallback', ca.issue({ dns: ['fallback.example.test'] }));
    shared = await freePort();
    closed = await freePort();
    const ports = Object.fromEntries(Object.entries(origins).map(([k, v]) => [k, v.port]));
    result = runStages({ resources: manifests(shared, closed, ports), secrets: [], services: [] });
    dp = await startDataplane({ group: 'default', nodeId: 'sni', admin: null, logger: quietLogger() });
    expect(await dp.applySnapshot(result.snapshots.default!)).to.deep.include({ ok: true });
  });
  after(async () => {
    await dp?.close();
    for (const o of Object.values(origins)) await o.close();
    ca?.cleanup();
  });

  const via = async (name: string, port = shared) => {
    const r = await curl(name, port, ['--cacert', ca.certFile]);
    return r.code === 0 ? r.body : `curl exit ${r.code}`;
  };

  it('dispatches each server name to the origin of the Frontend that owns it (curl, certificates verified end to end)', async () => {
    expect(result.snapshots.default!.body.frontends.map((f) => f.bind.port).sort()).to.deep.equal(
      [shared, closed].sort(),
    ); // one listener per port
    expect(await via('a.example.test')).to.equal('a a.example.test');
    expect(await via('b.example.test')).to.equal('b b.example.test');
    // Wildcards after exact names, the longer wildcard first.
    expect(await via('x.example.test')).to.equal('b x.example.test');
    expect(await via('v1.api.example.test')).to.equal('deep v1.api.example.test');
  });

  it('keeps a name two Frontends claim with the older one, and says so on the later one', async () => {
    expect(await via('a.example.test')).to.equal('a a.example.test');
    const edge = result.objects.find((o) => o.ref.name === 'edge')!;
    expect(acceptedCondition(edge)).to.include({ status: 'False', reason: 'Conflicted' });
    expect(acceptedCondition(edge).message).to.contain('a.example.test').and.contain('team-a/pass');
    expect(edge.groups).to.deep.equal(['default']); // its other names are served
    expect(acceptedCondition(result.objects.find((o) => o.ref.name === 'pass')!)).to.include({
      status: 'True',
    });
  });

  it('refuses a TCP Frontend that claims no server name', async () => {
    const plain = result.objects.find((o) => o.ref.name === 'plain')!;
    expect(acceptedCondition(plain)).to.include({ status: 'False', reason: 'ListenerConflict' });
    expect(acceptedCondition(plain).message).to.contain('spec.rules').and.contain('SNI');
    expect(plain.groups).to.deep.equal([]);
  });

  it("sends no server name, or one nobody claimed, to the owner's defaultBackend (openssl s_client)", async () => {
    const none = await sClient(shared, { caFile: ca.certFile });
    expect(none.ok, none.output).to.equal(true);
    expect(none.subject).to.contain('CN = fallback.example.test');
    const unknown = await sClient(shared, { servername: 'nobody.test', caFile: ca.certFile });
    expect(unknown.subject, unknown.output).to.contain('CN = fallback.example.test');
    const known = await sClient(shared, { servername: 'b.example.test', caFile: ca.certFile });
    expect(known.ok, known.output).to.equal(true);
    expect(known.subject).to.contain('CN = b.example.test');
  });

  it('closes a connection with no or an unknown server name when the owner declares no defaultBackend', async () => {
    const none = await sClient(closed, { caFile: ca.certFile });
    expect(none.ok, none.output).to.equal(false);
    expect(none.subject).to.equal('');
    const unknown = await sClient(closed, { servername: 'c.example.test', caFile: ca.certFile });
    expect(unknown.ok, unknown.output).to.equal(false);
    expect(await via('a.example.test', closed)).to.equal('a a.example.test');
    expect(await via('b.example.test', closed)).to.equal('b b.example.test');
  });

  it('stops reading a ClientHello past 64 KiB: the connection is closed at once, not at the 20 s wait', async () => {
    // Handshake records of 16,000 bytes each, for a ClientHello that declares 65,536 bytes and
    // keeps going: past 64 KiB the dataplane gives up inspecting it (no server name: closed here).
    const record = (body: Buffer) =>
      Buffer.concat([Buffer.from([0x16, 0x03, 0x01, body.length >> 8, body.length & 0xff]), body]);
    const first = Buffer.alloc(16_000);
    first.set([0x01, 0x01, 0x00, 0x00]); // client_hello, length 65,536
    const bytes = Buffer.concat([
      record(first),
      ...Array.from({ length: 4 }, () => record(Buffer.alloc(16_000))),
    ]);
    const ms = await closedAfter(closed, bytes, 10_000);
    console.log(`      a ${bytes.length}-byte ClientHello was closed after ${ms} ms`);
    // A ClientHello declaring more than 64 KiB is not waited for either.
    const huge = record(Buffer.from([0x01, 0x10, 0x00, 0x00, ...Buffer.alloc(100)]));
    await closedAfter(closed, huge, 10_000);
    // The listener still serves.
    expect(await via('a.example.test', closed)).to.equal('a a.example.test');
  });
});
