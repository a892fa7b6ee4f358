// Prometheus metrics after a known traffic pattern: exact counts, exact bytes, and an
// exposition that the reference Prometheus text parser (prometheus/common expfmt, as used by
// promtool) accepts, with promlint's naming conventions met by every bascule_* metric.
import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startController, type Controller } from '#controller/controller';
import { DirSource } from '#controller/sources/dir-source';
import { startDataplane, type Dataplane } from '#dataplane/dataplane';
import { makeSnapshot } from '#protocol/canonical';
import type { Snapshot } from '#protocol/snapshot';
import { startBackend, startEchoServer, type TestBackend } from '../../support/backends.js';
import { freePort } from '../../support/ports.js';
import {
  HOST,
  backend,
  body,
  buildPromcheck,
  eventually,
  family,
  frontend,
  promcheck,
  quietLogger,
  server,
  value,
  type PromCheck,
} from './helpers.js';

/** One raw HTTP/1.1 request on its own connection; counts the bytes exactly as they crossed the wire. */
function rawGet(port: number, path: string): Promise<{ sent: number; received: number; status: number }> {
  const text = `GET ${path} HTTP/1.1\r\nHost: metrics.test\r\nConnection: close\r\n\r\n`;
  return new Promise((resolve, reject) => {
    const s = net.connect(port, HOST);
    const chunks: Buffer[] = [];
    s.on('data', (c: Buffer) => chunks.push(c));
    s.on('error', reject);
    s.on('close', () => {
      const all = Buffer.concat(chunks);
      resolve({
        sent: Buffer.byteLength(text),
        received: all.length,
        status: Number(all.toString('latin1').slice(9, 12)),
      });
    });
    s.write(text); // no half-close: the proxy closes after the answer (Connection: close)
  });
}

function tcpSession(port: number, payload: string): Promise<{ sent: number; received: number }> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, HOST);
    let received = 0;
    s.on('data', (c: Buffer) => {
      received += c.length;
      if (received >= payload.length) s.end();
    });
    s.on('error', reject);
    s.on('close', () => resolve({ sent: Buffer.byteLength(payload), received }));
    s.write(payload);
  });
}

const ALLOWED_LABELS = new Set([
  'frontend',
  'backend',
  'server',
  'code',
  'state',
  'result',
  'to',
  'node_id',
  'group',
  'version',
  'le',
  'kind',
  'condition',
  'status',
]);

function bounded(check: PromCheck): void {
  for (const f of check.families.filter((x) => x.name.startsWith('bascule_')))
    for (const s of f.samples)
      for (const k of Object.keys(s.labels))
        expect(ALLOWED_LABELS.has(k), `${f.name} has label ${k}`).to.equal(true);
}

describe('observability: Prometheus metrics', function () {
  this.timeout(120_000);
  let bin: string;

  before(function () {
    this.timeout(600_000); // first run builds the reference parser with Go
    bin = buildPromcheck();
  });

  describe('dataplane', () => {
    const backends: TestBackend[] = [];
    let echo: { port: number; close(): Promise<void> };
    let dp: Dataplane;
    let webPort: number;
    let tcpPort: number;
    let snap: Snapshot;
    let check: PromCheck;
    let exposition: string;
    const bytes = { in: 0, out: 0 };
    const tcpBytes = { in: 0, out: 0 };

    before(async () => {
      const [a, b, notfound, alive] = await Promise.all(
        ['a', 'b', 'notfound', 'alive'].map((n) => startBackend(n)),
      );
      backends.push(a!, b!, notfound!, alive!);
      notfound!.handler = (_req, res) => res.writeHead(404, { 'content-type': 'text/plain' }).end('nope\n');
      echo = await startEchoServer();
      const dead = await freePort(); // nothing listens: connection refused
      [webPort, tcpPort] = await Promise.all([freePort(), freePort()]);
      dp = await startDataplane({
        group: 'default',
        nodeId: 'dp-metrics',
        admin: { host: HOST, port: 0 },
        logger: quietLogger(),
        observability: { accessLog: { format: 'off' } },
      });
      snap = makeSnapshot(
        body(
          [
            frontend('default/web', webPort, {
              defaultBackend: 'default/web',
              rules: [
                {
                  name: 'api',
                  match: { path: { prefix: '/api/' } },
                  action: { type: 'backend', backend: 'default/api' },
                },
                {
                  name: 'denied',
                  match: { path: { prefix: '/denied' } },
                  action: { type: 'deny', status: 403 },
                },
                {
                  name: 'empty',
                  match: { path: { prefix: '/empty/' } },
                  action: { type: 'backend', backend: 'default/empty' },
                },
                {
                  name: 'retry',
                  match: { path: { prefix: '/retry/' } },
                  action: { type: 'backend', backend: 'default/retry' },
                },
              ],
            }),
            frontend('default/tcp', tcpPort, { mode: 'tcp', defaultBackend: 'default/echo' }),
          ],
          [
            backend('default/web', [server('a', a!.port), server('b', b!.port)]),
            backend('default/api', [server('notfound', notfound!.port)]),
            backend('default/empty', []),
            // "first" always tries `dead` first: every request fails over to `alive` (retry + redispatch).
            backend('default/retry', [server('dead', dead), server('alive', alive!.port)], {
              balance: { algorithm: 'first', hashType: 'map-based' },
              retries: { attempts: 1, redispatch: true, onResponseTimeout: false },
            }),
            backend('default/echo', [server('echo', echo.port)], { mode: 'tcp' }),
          ],
        ),
      );
      expect((await dp.applySnapshot(snap)).ok).to.equal(true);
      expect(await dp.applySnapshot(snap)).to.include({ ok: true, noop: true });
      const bad = await dp.applySnapshot({ version: 'not-the-hash', body: snap.body });
      expect(bad.ok).to.equal(false);

      // The known traffic pattern.
      const plan: Array<[string, number, number]> = [
        ['/', 7, 200],
        ['/api/missing', 3, 404],
        ['/denied', 2, 403],
        ['/empty/', 1, 503],
        ['/retry/', 2, 200],
      ];
      for (const [path, n, status] of plan)
        for (let i = 0; i < n; i++) {
          const r = await rawGet(webPort, path);
          expect(r.status, path).to.equal(status);
          bytes.in += r.sent;
          bytes.out += r.received;
        }
      for (const payload of ['hello', 'world!']) {
        const r = await tcpSession(tcpPort, payload);
        tcpBytes.in += r.sent;
        tcpBytes.out += r.received;
      }
      // Records are written when the client connections close on the proxy side.
      await eventually(async () => {
        const text = await (await fetch(`${dp.adminUrl}/metrics`)).text();
        return (
          text.includes('bascule_frontend_tcp_sessions_total{frontend="default/tcp"} 2') &&
          /bascule_frontend_current_sessions\{frontend="default\/tcp"\} 0/.test(text)
        );
      });
      const res = await fetch(`${dp.adminUrl}/metrics`);
      expect(res.headers.get('content-type')).to.match(/^text\/plain; version=0\.0\.4/);
      exposition = await res.text();
      check = await promcheck(bin, exposition);
    });

    after(async () => {
      await dp?.close();
      await echo?.close();
      await Promise.all(backends.map((b) => b.close()));
    });

    it('parses as valid Prometheus text format, bascule_* metrics lint-clean and bounded', () => {
      expect(check.families.length).to.be.greaterThan(40);
      const ours = check.problems.filter((p) => p.startsWith('bascule_'));
      expect(ours, ours.join('\n')).to.deep.equal([]);
      bounded(check);
      // Every family has help text and the type promised in the docs.
      for (const f of check.families.filter((x) => x.name.startsWith('bascule_')))
        expect(f.help, f.name).to.not.equal('');
      expect(family(check, 'bascule_frontend_http_requests_total')?.type).to.equal('COUNTER');
      expect(family(check, 'bascule_backend_response_time_seconds')?.type).to.equal('HISTOGRAM');
      expect(family(check, 'bascule_server_up')?.type).to.equal('GAUGE');
      expect(family(check, 'process_cpu_seconds_total')?.type).to.equal('COUNTER');
    });

    it('counts frontend requests by status class exactly', () => {
      const fe = (code: string) =>
        value(check, 'bascule_frontend_http_requests_total', { frontend: 'default/web', code });
      expect([fe('1xx'), fe('2xx'), fe('3xx'), fe('4xx'), fe('5xx'), fe('other')]).to.deep.equal([
        0, 9, 0, 5, 1, 0,
      ]);
      expect(value(check, 'bascule_frontend_denied_requests_total', { frontend: 'default/web' })).to.equal(2);
      expect(value(check, 'bascule_frontend_request_duration_seconds', { frontend: 'default/web' })).to.equal(
        15,
      );
      expect(value(check, 'bascule_frontend_bytes_in_total', { frontend: 'default/web' })).to.equal(bytes.in);
      expect(value(check, 'bascule_frontend_bytes_out_total', { frontend: 'default/web' })).to.equal(
        bytes.out,
      );
      expect(value(check, 'bascule_frontend_current_sessions', { frontend: 'default/web' })).to.equal(0);
      expect(value(check, 'bascule_frontend_max_sessions', { frontend: 'default/web' })).to.equal(1);
    });

    it('counts backend and server responses, retries, redispatches, errors and response times exactly', () => {
      const be = (backend: string, code: string) =>
        value(check, 'bascule_backend_http_responses_total', { backend, code });
      expect(be('default/web', '2xx')).to.equal(7);
      expect(be('default/api', '4xx')).to.equal(3);
      expect(be('default/empty', '5xx')).to.equal(1);
      expect(be('default/retry', '2xx')).to.equal(2);
      expect(value(check, 'bascule_backend_no_server_total', { backend: 'default/empty' })).to.equal(1);
      const sessions = (backend: string, server: string) =>
        value(check, 'bascule_server_sessions_total', { backend, server })!;
      expect(sessions('default/web', 'a') + sessions('default/web', 'b')).to.equal(7);
      expect(Math.abs(sessions('default/web', 'a') - sessions('default/web', 'b'))).to.equal(1); // round robin
      expect(
        value(check, 'bascule_server_http_responses_total', {
          backend: 'default/api',
          server: 'notfound',
          code: '4xx',
        }),
      ).to.equal(3);

      for (const [name, n] of [
        ['bascule_backend_retries_total', 2],
        ['bascule_backend_redispatches_total', 2],
        ['bascule_backend_connection_errors_total', 2],
        ['bascule_backend_response_errors_total', 0],
      ] as const)
        expect(value(check, name, { backend: 'default/retry' }), name).to.equal(n);
      const retry = (name: string, server: string) =>
        value(check, name, { backend: 'default/retry', server });
      expect(retry('bascule_server_connection_errors_total', 'dead')).to.equal(2);
      expect(retry('bascule_server_retries_total', 'dead')).to.equal(2);
      expect(retry('bascule_server_redispatches_total', 'dead')).to.equal(2);
      expect(retry('bascule_server_sessions_total', 'dead')).to.equal(2);
      expect(retry('bascule_server_sessions_total', 'alive')).to.equal(2);
      expect(retry('bascule_server_connection_errors_total', 'alive')).to.equal(0);

      // Histogram counts: one observation per answered request.
      expect(value(check, 'bascule_backend_response_time_seconds', { backend: 'default/web' })).to.equal(7);
      expect(value(check, 'bascule_backend_response_time_seconds', { backend: 'default/api' })).to.equal(3);
      expect(value(check, 'bascule_backend_response_time_seconds', { backend: 'default/retry' })).to.equal(2);
      const h = family(check, 'bascule_backend_response_time_seconds')!.samples.find(
        (s) => s.labels.backend === 'default/web',
      )!;
      expect(h.buckets!.at(-1)).to.deep.equal({ le: '+Inf', count: 7 });
    });

    it('counts TCP sessions and their bytes', () => {
      expect(value(check, 'bascule_frontend_tcp_sessions_total', { frontend: 'default/tcp' })).to.equal(2);
      expect(value(check, 'bascule_backend_tcp_sessions_total', { backend: 'default/echo' })).to.equal(2);
      expect(value(check, 'bascule_frontend_bytes_in_total', { frontend: 'default/tcp' })).to.equal(
        tcpBytes.in,
      );
      expect(value(check, 'bascule_frontend_bytes_out_total', { frontend: 'default/tcp' })).to.equal(
        tcpBytes.out,
      );
      expect(
        value(check, 'bascule_server_sessions_total', { backend: 'default/echo', server: 'echo' }),
      ).to.equal(2);
    });

    it('reports server state, snapshot version, applies and NACKs', () => {
      expect(value(check, 'bascule_server_up', { backend: 'default/web', server: 'a' })).to.equal(1);
      for (const state of ['up', 'down', 'drain', 'maintenance'])
        expect(
          value(check, 'bascule_server_state', { backend: 'default/web', server: 'a', state }),
          state,
        ).to.equal(state === 'up' ? 1 : 0);
      expect(
        value(check, 'bascule_server_current_connections', { backend: 'default/web', server: 'a' }),
      ).to.equal(0);
      expect(
        value(check, 'bascule_server_peak_connections', { backend: 'default/web', server: 'a' }),
      ).to.equal(1);
      expect(value(check, 'bascule_backend_current_queue', { backend: 'default/web' })).to.equal(0);
      expect(value(check, 'bascule_backend_up', { backend: 'default/empty' })).to.equal(0);
      expect(value(check, 'bascule_snapshot_info', { version: snap.version })).to.equal(1);
      expect(value(check, 'bascule_dataplane_info', { node_id: 'dp-metrics', group: 'default' })).to.equal(1);
      expect(value(check, 'bascule_snapshot_applies_total', { result: 'applied' })).to.equal(1);
      expect(value(check, 'bascule_snapshot_applies_total', { result: 'noop' })).to.equal(1);
      expect(value(check, 'bascule_snapshot_applies_total', { result: 'rejected' })).to.equal(1);
      expect(value(check, 'bascule_snapshot_nacks_total', { code: 'BASCULE_E_SNAPSHOT_INVALID' })).to.equal(
        1,
      );
      expect(value(check, 'bascule_snapshot_apply_duration_seconds')).to.equal(1);
      expect(value(check, 'bascule_runtime_overrides')).to.equal(0);
    });
  });

  describe('controller', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bascule-metrics-'));
    let controller: Controller;
    let dp: Dataplane;
    let blocker: net.Server;
    let backendSrv: TestBackend;
    let webPort: number;

    const manifest = (extra = ''): string => `apiVersion: bascule.dev/v1alpha1
kind: Frontend
metadata: {name: web}
spec: {bind: {port: ${webPort}, address: 127.0.0.1}, defaultBackend: web}
---
apiVersion: bascule.dev/v1alpha1
kind: Backend
metadata: {name: web}
spec:
  servers: [{name: a, address: 127.0.0.1, port: ${backendSrv.port}}]
${extra}`;

    before(async () => {
      backendSrv = await startBackend('a');
      webPort = await freePort();
      writeFileSync(join(dir, 'web.yaml'), manifest());
      controller = await startController({
        source: new DirSource({ dir, logger: quietLogger() }),
        listen: { host: HOST, port: 0 },
        admin: { host: HOST, port: 0 },
        tokens: ['0123456789abcdef0123456789abcdef'],
        logger: quietLogger(),
      });
      dp = await startDataplane({
        controllerUrl: controller.channelUrl,
        token: '0123456789abcdef0123456789abcdef',
        group: 'default',
        nodeId: 'dp-1',
        logger: quietLogger(),
        observability: { accessLog: { format: 'off' }, processMetrics: false },
      });
      await eventually(
        () =>
          controller
            .statusOf({ kind: 'Frontend', namespace: 'default', name: 'web' })
            ?.status.conditions?.find((c) => c.type === 'Programmed')?.status === 'True',
      );
    });

    after(async () => {
      await dp?.close();
      await controller?.close();
      await backendSrv?.close();
      await new Promise<void>((r) => (blocker ? blocker.close(() => r()) : r()));
      rmSync(dir, { recursive: true, force: true });
    });

    it('exposes compiles, objects by condition, connected dataplanes, ACK latency and NACKs', async () => {
      const scrape = async (): Promise<PromCheck> =>
        promcheck(bin, await (await fetch(`${controller.adminUrl}/metrics`)).text());
      let check = await scrape();
      expect(check.problems.filter((p) => p.startsWith('bascule_'))).to.deep.equal([]);
      bounded(check);
      expect(value(check, 'bascule_controller_compiles_total')).to.be.at.least(1);
      expect(value(check, 'bascule_controller_compile_duration_seconds')).to.equal(
        value(check, 'bascule_controller_compiles_total'),
      );
      expect(value(check, 'bascule_controller_connected_dataplanes', { group: 'default' })).to.equal(1);
      expect(value(check, 'bascule_controller_dataplanes_in_sync', { group: 'default' })).to.equal(1);
      expect(value(check, 'bascule_controller_acks_total', { group: 'default' })).to.equal(1);
      expect(value(check, 'bascule_controller_push_ack_latency_seconds', { group: 'default' })).to.equal(1);
      expect(
        value(check, 'bascule_controller_snapshot_info', { group: 'default', version: dp.currentVersion! }),
      ).to.equal(1);
      for (const kind of ['Frontend', 'Backend'])
        for (const condition of ['Accepted', 'ResolvedRefs', 'Programmed'])
          expect(
            value(check, 'bascule_controller_objects', { kind, condition, status: 'True' }),
            `${kind} ${condition}`,
          ).to.equal(1);
      expect(value(check, 'bascule_controller_leader')).to.equal(1);
      expect(value(check, 'bascule_controller_diagnostics')).to.equal(0);

      // A frontend on a port something else holds: the controller accepts it, the dataplane NACKs.
      blocker = net.createServer();
      const taken = await new Promise<number>((r) =>
        blocker.listen(0, HOST, () => r((blocker.address() as net.AddressInfo).port)),
      );
      writeFileSync(
        join(dir, 'web.yaml'),
        manifest(`---
apiVersion: bascule.dev/v1alpha1
kind: Frontend
metadata: {name: taken}
spec: {bind: {port: ${taken}, address: 127.0.0.1}, defaultBackend: web}`),
      );
      await eventually(
        async () =>
          value(await scrape(), 'bascule_controller_nacks_total', {
            group: 'default',
            code: 'BASCULE_E_LISTEN_FAILED',
          }) === 1,
        10_000,
      );
      // Status is recomputed a moment after the NACK (coalesced): both Frontends become Programmed=False.
      check = await eventually(async () => {
        const c = await scrape();
        return value(c, 'bascule_controller_objects', {
          kind: 'Frontend',
          condition: 'Programmed',
          status: 'False',
        }) === 2
          ? c
          : undefined;
      }, 10_000);
      expect(value(check, 'bascule_controller_dataplanes_in_sync', { group: 'default' })).to.equal(0);
      expect(value(check, 'bascule_controller_snapshot_publishes_total', { group: 'default' })).to.equal(2);
      expect(value(check, 'bascule_controller_acks_total', { group: 'default' })).to.equal(1);
    });
  });
});
