// Connections answered 400 (malformed request) or 408 (head too slow) are closed fully, after a
// short bounded linger, even when the client neither reads the answer nor closes: such clients
// must not hold the dataplane's descriptors. A real `bascule dataplane` process, its descriptors
// counted in /proc/<pid>/fd; the clients still find the answer in their receive buffer.
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { persistSnapshot } from '#dataplane/agent/persist';
import { makeSnapshot } from '#protocol/canonical';
import { freePort } from '../support/ports.js';
import { runBascule, waitFor, type Proc } from '../support/process.js';
import { backend, body, frontend, server } from '../unit/dataplane/helpers.js';
import { startOrigin, type Origin } from './support/origin.js';

const HOST = '127.0.0.1';
const CLIENTS = 200;

const fds = (pid: number): number => readdirSync(`/proc/${pid}/fd`).length;

/** Opens a connection, writes `bytes`, then never reads and never closes. */
function stubborn(port: number, bytes: string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, HOST, () => {
      s.write(bytes);
      s.pause(); // nothing is read: answers stay in the kernel's receive buffer
      resolve(s);
    });
    s.on('error', reject);
  });
}

/** What a stubborn client finds once it finally reads. */
function drain(s: net.Socket): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    s.on('data', (d: Buffer) => (text += d.toString('latin1')));
    s.on('close', () => resolve(text));
    s.on('error', () => {});
    s.resume();
    setTimeout(() => s.destroy(), 2000);
  });
}

describe('security: connections answered 400/408 are released even if the client never reads', function () {
  this.timeout(60_000);
  let origin: Origin;
  let dp: Proc;
  let dir: string;
  let port: number;
  let clients: net.Socket[] = [];

  before(async () => {
    origin = await startOrigin();
    port = await freePort();
    dir = mkdtempSync(path.join(os.tmpdir(), 'bascule-error-close-'));
    // The dataplane serves a persisted snapshot; its controller is never there (it keeps retrying).
    await persistSnapshot(
      dir,
      makeSnapshot(
        body(
          [
            frontend('default/web', port, {
              defaultBackend: 'default/app',
              timeouts: { client: 30_000, httpRequest: 1000, keepAlive: 30_000 },
            }),
          ],
          [backend('default/app', [server('app', origin.port)])],
        ),
      ),
    );
    const tokenFile = path.join(dir, 'token');
    writeFileSync(tokenFile, 'unused-token\n');
    dp = runBascule([
      'dataplane',
      '--controller',
      `ws://${HOST}:${await freePort()}`,
      '--token-file',
      tokenFile,
      '--state-dir',
      dir,
      '--node-id',
      'error-close',
      // One event loop in this process: the test counts this process's descriptors, and
      // with worker processes the connections would be held (and released) by the workers.
      '--workers',
      '1',
      '--admin',
      `${HOST}:${await freePort()}`,
    ]);
    await waitFor(
      'the dataplane to serve its persisted snapshot',
      () =>
        new Promise<boolean>((resolve) => {
          if (dp.child.exitCode !== null) throw new Error(`dataplane exited: ${dp.output()}`);
          const s = net.connect(port, HOST, () => {
            s.destroy();
            resolve(true);
          });
          s.on('error', () => resolve(false));
        }),
    );
  });
  afterEach(() => {
    for (const s of clients) s.destroy();
    clients = [];
  });
  after(async () => {
    await dp?.kill();
    await origin?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const cases: Array<[what: string, bytes: string, status: number]> = [
    ['malformed request (400)', 'HELLO\r\n\r\n', 400],
    ['request head never completed (408)', 'GET / HTTP/1.1\r\nHost: x\r\n', 408],
  ];
  for (const [what, bytes, status] of cases) {
    it(`${what}: ${CLIENTS} clients that neither read nor close hold no descriptor`, async () => {
      const pid = dp.child.pid!;
      // Let connections from earlier cases (and the readiness probe) finish closing.
      const baseline = await waitFor('a settled descriptor count', async () => {
        const a = fds(pid);
        await new Promise((r) => setTimeout(r, 300));
        return fds(pid) === a ? a : undefined;
      });
      clients = await Promise.all(Array.from({ length: CLIENTS }, () => stubborn(port, bytes)));
      // The dataplane accepted them all (each holds a descriptor while it answers)…
      await waitFor('every connection accepted', () => fds(pid) >= baseline + CLIENTS / 2, 10_000);
      // …and releases them within the head timeout plus the linger, the clients still silent.
      await waitFor(
        `descriptors back near ${baseline} (now ${fds(pid)})`,
        () => fds(pid) <= baseline + 5,
        15_000,
        100,
      );
      // The answer was delivered before the close: it waits in the client's receive buffer.
      const text = await drain(clients[0]!);
      expect(text).to.match(new RegExp(`^HTTP/1\\.1 ${status} `));
      expect(text).to.match(/connection: close/i);
      expect(origin.requests).to.have.length(0);
    });
  }
});
