// The spine end to end, with real processes: one controller, two dataplanes, real backends.
import { createHash } from 'node:crypto';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { loadInput } from '#controller/cli/load-files';
import { runStages } from '#controller/pipeline/stages';
import { startBackend, startEchoServer, type TestBackend } from '../support/backends.js';
import { keepAliveLoad } from '../support/keep-alive-load.js';
import { freePort } from '../support/ports.js';
import { getJson, runBascule, waitFor, type Proc } from '../support/process.js';

interface DataplaneInfo {
  nodeId: string;
  appliedVersion: string | null;
  lastNack: { version: string; error: { code: string; message: string } } | null;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/**
 * How long processes get to start and converge. A suite on a loaded 2-core machine (load ~10)
 * once took more than waitFor's default 15 s before the controller's admin endpoint answered.
 */
const START_MS = 60_000;

/**
 * waitFor, failing at once with the process's output if one of `procs` exits first (a
 * controller that cannot start, e.g. a port taken since it was chosen, showed only as a wait
 * for its readiness that timed out with "fetch failed").
 */
async function whileRunning<T>(
  procs: Proc[],
  what: string,
  fn: () => Promise<T>,
  timeoutMs = START_MS,
): Promise<NonNullable<T>> {
  const exits = procs.map((p) =>
    p.exited.then((code) => {
      throw new Error(`${what}: a process exited (${code}) first; its output:\n${p.output().slice(-4000)}`);
    }),
  );
  for (const e of exits) e.catch(() => {}); // once waitFor has won, a later exit is not this wait's
  return Promise.race([waitFor(what, fn, timeoutMs), ...exits]);
}

describe('e2e: controller + two dataplanes (real processes)', function () {
  this.timeout(180_000);

  const dir = mkdtempSync(join(tmpdir(), 'bascule-e2e-'));
  const stateDirs = [join(dir, '.state-1'), join(dir, '.state-2')];
  const manifests = join(dir, 'manifests');
  const tokenFile = join(dir, 'token');
  const dpAddresses = ['127.0.0.2', '127.0.0.3'];
  let alpha: TestBackend, beta: TestBackend;
  let echo: { port: number; close(): Promise<void> };
  let ports: { http: number; extra: number; tcp: number; channel: number; admin: number; dpAdmin: number[] };
  let controller: Proc;
  const dataplanes: Proc[] = [];
  let edit = 0;

  /** The manifests of the test; every call makes a distinct snapshot. */
  function render(
    o: { extraListener?: boolean; invalid?: 'yaml' | 'schema'; rule?: boolean; conflictPort?: number } = {},
  ): string {
    edit++;
    const docs = [
      `apiVersion: bascule.dev/v1alpha1
kind: Frontend
metadata: {name: web}
spec:
  bind: {port: ${o.invalid === 'schema' ? 99999 : ports.http}}
  responseHeaders: {set: [{name: X-Edit, value: "${edit}"}]}
  rules:${o.rule ? `\n    - {name: only-beta, match: {path: {prefix: /beta}}, backend: beta}` : ' []'}
  defaultBackend: both`,
      `apiVersion: bascule.dev/v1alpha1
kind: Backend
metadata: {name: both}
spec:
  servers:
    - {name: alpha, address: 127.0.0.1, port: ${alpha.port}}
    - {name: beta, address: 127.0.0.1, port: ${beta.port}}`,
      `apiVersion: bascule.dev/v1alpha1
kind: Backend
metadata: {name: beta}
spec:
  servers: [{name: beta, address: 127.0.0.1, port: ${beta.port}}]`,
      `apiVersion: bascule.dev/v1alpha1
kind: Frontend
metadata: {name: tcp}
spec: {mode: tcp, bind: {port: ${ports.tcp}}, defaultBackend: echo}`,
      `apiVersion: bascule.dev/v1alpha1
kind: Backend
metadata: {name: echo}
spec: {mode: tcp, servers: [{name: echo, address: 127.0.0.1, port: ${echo.port}}]}`,
    ];
    if (o.extraListener) {
      docs.push(`apiVersion: bascule.dev/v1alpha1
kind: Frontend
metadata: {name: extra}
spec: {bind: {port: ${ports.extra}}, defaultBackend: beta}`);
    }
    if (o.conflictPort) {
      docs.push(`apiVersion: bascule.dev/v1alpha1
kind: Frontend
metadata: {name: conflict}
spec: {bind: {port: ${o.conflictPort}}, defaultBackend: beta}`);
    }
    let text = `${docs.join('\n---\n')}\n`;
    if (o.invalid === 'yaml') text += 'this: is: not: yaml: [\n';
    return text;
  }

  /** Writes atomically (as editors and ConfigMap mounts do) and returns the version it compiles to. */
  async function write(text: string): Promise<string | undefined> {
    const tmp = join(dir, `.tmp-${edit}`);
    writeFileSync(tmp, text);
    renameSync(tmp, join(manifests, 'app.yaml'));
    const result = runStages({ ...(await loadInput([manifests])), now: Date.now() });
    return result.snapshots.default?.version;
  }

  const adminUrl = () => `http://127.0.0.1:${ports.admin}`;
  const dpStatus = (i: number) =>
    getJson<{ version: string | null; controller: { connected: boolean } }>(
      `http://127.0.0.1:${ports.dpAdmin[i]}/status`,
    );
  const dataplanesInfo = () => getJson<DataplaneInfo[]>(`${adminUrl()}/dataplanes`);
  const allAt = async (version: string) => {
    const list = await dataplanesInfo();
    return list.length === 2 && list.every((d) => d.appliedVersion === version);
  };

  function startController() {
    return runBascule([
      'controller',
      '--dir',
      manifests,
      '--listen',
      `127.0.0.1:${ports.channel}`,
      '--admin',
      `127.0.0.1:${ports.admin}`,
      '--token-file',
      tokenFile,
    ]);
  }
  function startDataplane(i: number) {
    return runBascule([
      'dataplane',
      '--controller',
      `ws://127.0.0.1:${ports.channel}`,
      '--token-file',
      tokenFile,
      '--node-id',
      `dp-${i + 1}`,
      '--admin',
      `127.0.0.1:${ports.dpAdmin[i]}`,
      '--bind-address',
      dpAddresses[i]!,
      '--state-dir',
      stateDirs[i]!,
      // One event loop each: the test asserts one balancer's exact round-robin sequence (with
      // several workers each keeps its own position; test/e2e/workers covers that setup).
      '--workers',
      '1',
    ]);
  }
  const get = async (addr: string, path = '/') => {
    const res = await fetch(`http://${addr}:${ports.http}${path}`);
    return { status: res.status, body: (await res.text()).trim(), edit: res.headers.get('x-edit') };
  };

  before(async () => {
    alpha = await startBackend('alpha');
    beta = await startBackend('beta');
    echo = await startEchoServer();
    ports = {
      http: await freePort(),
      extra: await freePort(),
      tcp: await freePort(),
      channel: await freePort(),
      admin: await freePort(),
      dpAdmin: [await freePort(), await freePort()],
    };
    writeFileSync(tokenFile, `${createHash('sha256').update(dir).digest('hex')}\n`);
    const { mkdirSync } = await import('node:fs');
    mkdirSync(manifests);
    const v = await write(render());
    controller = startController();
    await whileRunning(
      [controller],
      'controller ready',
      async () => (await fetch(`${adminUrl()}/readyz`)).ok,
    );
    dataplanes.push(startDataplane(0), startDataplane(1));
    await whileRunning([controller, ...dataplanes], 'both dataplanes at the first version', () => allAt(v!));
  });

  after(async () => {
    await Promise.all([controller?.kill(), ...dataplanes.map((d) => d.kill())]);
    await Promise.all([alpha?.close(), beta?.close(), echo?.close()]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('balances requests across the two backends through both dataplanes', async () => {
    for (const addr of dpAddresses) {
      const served = [];
      for (let i = 0; i < 6; i++) served.push((await get(addr)).body);
      expect(new Set(served)).to.deep.equal(new Set(['alpha', 'beta']));
      for (let i = 1; i < served.length; i++)
        expect(served[i], `alternates: ${served.join(',')}`).to.not.equal(served[i - 1]);
    }
  });

  it('a file edit moves both dataplanes to the new version (ACKed) and changes routing', async () => {
    const latencies: number[] = [];
    for (let i = 0; i < 7; i++) {
      const t0 = performance.now();
      const v = await write(render({ rule: true }));
      await waitFor('both dataplanes ACK', () => allAt(v!), 15_000, 2);
      latencies.push(performance.now() - t0);
    }
    for (const addr of dpAddresses) {
      for (let i = 0; i < 4; i++) expect((await get(addr, '/beta/x')).body).to.equal('beta');
      expect((await get(addr)).edit).to.equal(String(edit));
    }
    const sorted = latencies.map((x) => x.toFixed(1));
    console.log(
      `      edit → all dataplanes ACKed: median ${median(latencies).toFixed(1)} ms over ${latencies.length} edits (${sorted.join(', ')} ms)`,
    );
  });

  it('an invalid edit leaves the previous snapshot serving and reports the error', async () => {
    const good = await write(render({ rule: true }));
    await waitFor('good version live', () => allAt(good!));
    const goodEdit = String(edit);

    await write(render({ invalid: 'yaml' }));
    const status = await waitFor('parse error reported', async () => {
      const s = await getJson(`${adminUrl()}/status`);
      return JSON.stringify(s).includes('BASCULE_E_CONFIG_PARSE') ? s : undefined;
    });
    expect(JSON.stringify(status)).to.contain('app.yaml');

    await write(render({ invalid: 'schema', rule: true }));
    const fe = await waitFor('schema error on the Frontend', async () => {
      const s = await getJson<{
        objects: {
          kind: string;
          name: string;
          status: { conditions: { type: string; status: string; message: string }[] };
        }[];
      }>(`${adminUrl()}/status`);
      const web = s.objects.find((o) => o.kind === 'Frontend' && o.name === 'web');
      const accepted = web?.status.conditions.find((c) => c.type === 'Accepted');
      return accepted?.status === 'False' ? accepted : undefined;
    });
    expect(fe.message).to.contain('spec.bind.port');
    for (const d of await dataplanesInfo()) expect(d.appliedVersion).to.equal(good);
    for (const addr of dpAddresses) {
      const r = await get(addr, '/beta/');
      expect(r.status).to.equal(200);
      expect(r.edit).to.equal(goodEdit);
    }
  });

  it('hot-swaps 50 snapshots under traffic without failing a request, a long response or a TCP session', async () => {
    const base = await write(render());
    await waitFor('base version live', () => allAt(base!));
    const load = keepAliveLoad(`http://${dpAddresses[0]}:${ports.http}`, {
      connections: 4,
      loops: 4,
      expected: (status, body) => status === 200 && (body === 'alpha\n' || body === 'beta\n'),
    });
    // A long streaming response and a TCP session, both open across every swap.
    const long = fetch(`http://${dpAddresses[0]}:${ports.http}/stream?ms=4000`).then(async (r) => ({
      status: r.status,
      body: await r.text(),
    }));
    const tcp: Socket = connect(ports.tcp, dpAddresses[0]);
    let echoed = '';
    tcp.setEncoding('utf8').on('data', (d: string) => (echoed += d));
    await new Promise((r) => tcp.once('connect', r));
    let sent = '';
    const versions = new Set<string>();
    let listenerAdds = 0;
    let listenerRemovals = 0;
    for (let i = 0; i < 50; i++) {
      const extra = i % 5 === 1 || i % 5 === 2; // add on 1, keep on 2, remove on 3
      if (i % 5 === 1) listenerAdds++;
      if (i % 5 === 3) listenerRemovals++;
      const v = await write(render({ extraListener: extra }));
      await waitFor(`swap ${i}`, async () => (await dpStatus(0)).version === v, 15_000, 2);
      versions.add(v!);
      if (extra)
        expect(
          (await fetch(`http://${dpAddresses[0]}:${ports.extra}/`).then((r) => r.text())).trim(),
        ).to.equal('beta');
      const line = `line ${i} ${'x'.repeat(100)}\n`;
      sent += line;
      tcp.write(line);
    }
    const { ok, failures } = await load.stop();
    const longRes = await long;
    await waitFor('tcp echo complete', () => echoed.length >= sent.length);
    tcp.end();
    console.log(
      `      ${versions.size} swaps (${listenerAdds} listeners added, ${listenerRemovals} removed), ${ok} requests ok, ${failures.length} failed; long response ${longRes.body.length} bytes; TCP echoed ${echoed.length}/${sent.length} bytes`,
    );
    expect(versions.size).to.equal(50);
    expect(failures).to.deep.equal([]);
    expect(ok).to.be.greaterThan(100);
    expect(longRes.status).to.equal(200);
    expect(longRes.body).to.match(/end \d+\n$/);
    const chunks = Number(/end (\d+)/.exec(longRes.body)![1]);
    expect(longRes.body.split('\n').filter((l) => l.startsWith('chunk ')).length).to.equal(chunks);
    expect(echoed).to.equal(sent);
  });

  it('a snapshot a dataplane cannot apply is NACKed, reported, and never re-sent', async () => {
    const before = await write(render());
    await waitFor('base version live', () => allAt(before!));
    // Occupy the port on dataplane 1's address only: dp-1 must NACK, dp-2 applies.
    const port = await freePort(dpAddresses[0]);
    const squatter: Server = createServer();
    await new Promise<void>((r) => squatter.listen(port, dpAddresses[0], () => r()));
    try {
      const bad = await write(render({ conflictPort: port }));
      const nack = await waitFor(
        'dp-1 NACK',
        async () =>
          (await dataplanesInfo()).find((d) => d.nodeId === 'dp-1' && d.lastNack?.version === bad)?.lastNack,
      );
      expect(nack.error.code).to.equal('BASCULE_E_LISTEN_FAILED');
      expect(nack.error.message).to.contain(String(port));
      await waitFor(
        'dp-2 applied',
        async () => (await dataplanesInfo()).find((d) => d.nodeId === 'dp-2')?.appliedVersion === bad,
      );
      expect((await dpStatus(0)).version).to.equal(before);
      // Restart dp-1: it reconnects with its old version and the controller does not re-send the rejected one.
      await dataplanes[0]!.kill();
      dataplanes[0] = startDataplane(0);
      await waitFor('dp-1 reconnected', async () => (await dpStatus(0)).controller.connected);
      await new Promise((r) => setTimeout(r, 1000));
      expect((await dpStatus(0)).version).to.equal(before);
      expect(dataplanes[0]!.output()).not.to.contain(bad!);
      expect((await get(dpAddresses[0]!)).status).to.equal(200);
    } finally {
      await new Promise((r) => squatter.close(r));
    }
    const fixed = await write(render());
    await waitFor('both converge after the fix', () => allAt(fixed!));
  });

  it('dataplanes keep serving while the controller is killed, then reconnect and converge', async () => {
    let ok = 0;
    const failures: string[] = [];
    let running = true;
    const loop = async (addr: string) => {
      while (running) {
        try {
          const r = await get(addr);
          if (r.status === 200) ok++;
          else failures.push(String(r.status));
        } catch (err) {
          failures.push((err as Error).message);
        }
        await new Promise((r) => setTimeout(r, 5));
      }
    };
    // Traffic through dp-1 for the whole outage; dp-2 is restarted on purpose below.
    const loops = [loop(dpAddresses[0]!)];
    await controller.kill('SIGKILL');
    await waitFor(
      'dataplanes notice',
      async () => !(await dpStatus(0)).controller.connected && !(await dpStatus(1)).controller.connected,
    );
    // While it is away: an edit, and a dataplane restart that must serve from its persisted snapshot.
    const next = await write(render({ rule: true }));
    await dataplanes[1]!.kill();
    dataplanes[1] = startDataplane(1);
    await waitFor(
      'restarted dp-2 serves without a controller',
      async () => (await get(dpAddresses[1]!)).status === 200,
    );
    controller = startController();
    await waitFor('both converge to the edit made while the controller was down', () => allAt(next!), 30_000);
    running = false;
    await Promise.all(loops);
    console.log(`      controller outage: ${ok} requests ok, ${failures.length} failed`);
    expect(failures).to.deep.equal([]);
    expect(ok).to.be.greaterThan(20);
    expect((await get(dpAddresses[1]!, '/beta/')).body).to.equal('beta');
  });
});
