// `bascule standalone --workers 2` as a real process (the built CLI), once on the Node that runs
// the suite (>= 20: workers accept from one shared socket) and once on a Node with `reusePort`
// (the images' Node 26: each worker binds its own socket). Installed by
// .ci/install-node-reuseport.sh; a missing binary fails the test, it is never skipped.
import { expect } from 'chai';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { readFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { startBackend, type TestBackend } from '../../support/backends.js';
import { freePort } from '../../support/ports.js';
import { BIN, getJson, ROOT, waitFor } from '../../support/process.js';
import { get } from '../../unit/dataplane/helpers.js';

const REUSEPORT_NODE = join(
  process.env.BASCULE_NODE_CACHE ?? join(homedir(), '.cache/bascule-node'),
  process.env.BASCULE_REUSEPORT_NODE_VERSION ?? '26.10.0',
  'bin/node',
);

/** Sockets listening on 127.0.0.1:port, from the kernel's table. */
function listeningSockets(port: number): number {
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  return readFileSync('/proc/net/tcp', 'utf8')
    .split('\n')
    .filter((l) => {
      const f = l.trim().split(/\s+/);
      return f[1] === `0100007F:${hex}` && f[3] === '0A';
    }).length;
}

const yaml = (port: number, backend: number): string => `apiVersion: bascule.dev/v1alpha1
kind: Frontend
metadata: {name: web, namespace: default}
spec:
  bind: {port: ${port}, address: 127.0.0.1}
  mode: http
  defaultBackend: app
---
apiVersion: bascule.dev/v1alpha1
kind: Backend
metadata: {name: app, namespace: default}
spec:
  servers:
    - {name: one, address: 127.0.0.1, port: ${backend}}
`;

for (const variant of [
  { name: 'shared handle', node: process.execPath, sockets: 1 },
  { name: 'SO_REUSEPORT', node: REUSEPORT_NODE, sockets: 2 },
]) {
  describe(`workers: bascule standalone --workers 2 (${variant.name}, real process)`, function () {
    this.timeout(90_000);
    let dir: string;
    let backend: TestBackend;
    let out = '';
    let child: ReturnType<typeof spawn> | undefined;
    let port: number;
    let dpAdmin: number;

    before(async () => {
      if (!existsSync(variant.node))
        throw new Error(`${variant.node} is missing: run .ci/install-node-reuseport.sh`);
      dir = mkdtempSync(join(tmpdir(), 'bascule-workers-cli-'));
      mkdirSync(join(dir, 'm'));
      backend = await startBackend('one');
      [port, dpAdmin] = [await freePort(), await freePort()];
      writeFileSync(join(dir, 'm', 'web.yaml'), yaml(port, backend.port));
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        BASCULE_LOG_LEVEL: 'info',
        BASCULE_ACCESS_LOG: 'json',
      };
      delete env.NODE_OPTIONS; // the built CLI, without the test loader
      child = spawn(
        variant.node,
        [
          BIN,
          'standalone',
          '--dir',
          join(dir, 'm'),
          '--admin',
          '127.0.0.1:0',
          '--dataplane-admin',
          `127.0.0.1:${dpAdmin}`,
          '--workers',
          '2',
        ],
        { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
      child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
      await waitFor(
        'both workers serving the snapshot',
        async () => {
          const st = await getJson<{
            version: string | null;
            workers?: Array<{ state: string; version: string | null }>;
          }>(`http://127.0.0.1:${dpAdmin}/status`);
          return (
            st.version !== null &&
            st.workers?.length === 2 &&
            st.workers.every((w) => w.state === 'ready' && w.version === st.version)
          );
        },
        45_000,
        100,
      ).catch((err: Error) => {
        throw new Error(`${err.message}\n--- output:\n${out.slice(-3000)}`);
      });
    });

    after(async () => {
      if (child && child.exitCode === null) {
        const exited = new Promise((r) => child!.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      await backend?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it(`listens with ${variant.sockets} socket(s) for 2 workers and serves every new connection`, async () => {
      expect(listeningSockets(port)).to.equal(variant.sockets);
      const replies = await Promise.all(Array.from({ length: 40 }, () => get(port, '/')));
      expect(replies.map((r) => r.status)).to.deep.equal(Array(40).fill(200));
      const stats = await getJson<{
        frontends: Array<{ requests: number }>;
        workers: Array<{ id: number; requests: number }>;
      }>(`http://127.0.0.1:${dpAdmin}/stats;json`);
      expect(stats.frontends[0]!.requests).to.equal(40);
      const perWorker = stats.workers.map((w) => w.requests);
      expect(perWorker.reduce((a, b) => a + b, 0)).to.equal(40);
      console.log(`      requests per worker: ${perWorker.join(' / ')}`);
    });

    it('access log lines carry the worker id', async () => {
      // Workers write their lines asynchronously: wait for all 40, not just the first.
      await waitFor('access lines', () => out.split('"log":"access"').length - 1 >= 40, 5000);
      const lines = out
        .split('\n')
        .filter((l) => l.includes('"log":"access"'))
        .map((l) => JSON.parse(l) as { worker?: number; status?: number });
      expect(lines.length).to.be.at.least(40);
      for (const l of lines) expect(l.worker).to.be.oneOf([1, 2]);
      const seen = new Set(lines.map((l) => l.worker));
      const stats = await getJson<{ workers: Array<{ id: number; requests: number }> }>(
        `http://127.0.0.1:${dpAdmin}/stats;json`,
      );
      expect([...seen].sort()).to.deep.equal(stats.workers.filter((w) => w.requests > 0).map((w) => w.id));
    });
  });
}
