// Control-plane faults, as an operator's cluster would fail, against a real kube-apiserver and
// etcd, one controller process and one dataplane process, with ~50 requests/s flowing through
// the dataplane the whole time. Faults are injected by PID (SIGKILL, SIGSTOP/SIGCONT) and every
// restart uses the process's identical command line; the control plane keeps its directory
// (certificates, etcd data) across the deaths.
//
// Per fault the suite asserts zero failed requests (except while no dataplane process exists:
// those are counted and reported), that an edit made once the API server is ready again is
// served within EDIT_BOUND_MS, and that status ends at the current generation; it prints the
// failed requests, the time from the API server's readiness to the first (and last) informer
// watching again, and to the edit being served. docs/kubernetes.md quotes these figures.
//
// Outages are shorter than an operator would see (10-20 s instead of 30-60 s): long enough to
// exceed every retry delay and request timeout that matters, so the behaviour is the one a
// longer outage shows, and the whole suite stays within a few minutes.
import { expect } from 'chai';
import { startBackend, type TestBackend } from '../support/backends.js';
import { LoadLoop, type LoadCounts } from './support/load.js';
import {
  apply,
  bindControllerRbac,
  condition,
  freePort,
  getJson,
  getObject,
  kustomizeRbac,
  must,
  respawn,
  startCluster,
  startControllerProc,
  startDataplaneProc,
  waitControllerReady,
  waitFor,
  type Cluster,
  type ControllerProc,
  type DataplaneProc,
} from './support/harness.js';

const NS = 'chaos';
/** An edit made once the API server is ready again must be served within this (measured: see docs/kubernetes.md). */
const EDIT_BOUND_MS = 20_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface WatchDetail {
  name: string;
  watching: boolean;
  lagSeconds: number;
  failures: number;
  retries: Record<string, number>;
}

interface FaultReport {
  fault: string;
  load: LoadCounts;
  /** API server /readyz OK → first informer watching again (null: no informer lost its watch). */
  firstInformerMs: number | null;
  /** → every informer watching again. */
  allInformersMs: number | null;
  /** API ready → edit served (kubectl apply included); kubectl returned → edit served. */
  editMs: number;
  editAfterApplyMs: number;
  /** Retries the informers made during the fault, by reason. */
  retries: Record<string, number>;
  notes: string[];
}

describe('Kubernetes faults: API server, etcd, controller and dataplane deaths under traffic (chaos)', function () {
  this.timeout(240_000);

  let cluster: Cluster;
  let ctrl: ControllerProc;
  let dp: DataplaneProc;
  let backend: TestBackend;
  let port: number;
  let load: LoadLoop;
  let edits = 0;
  const reports: FaultReport[] = [];

  const frontendYaml = (edit: number) => `
apiVersion: bascule.dev/v1alpha1
kind: Frontend
metadata: {name: web, namespace: ${NS}}
spec:
  bind: {port: ${port}, address: 127.0.0.1}
  responseHeaders: {set: [{name: X-Edit, value: "${edit}"}]}
  defaultBackend: web
`;

  async function watches(): Promise<WatchDetail[] | null> {
    try {
      const r = await fetch(`${ctrl.admin}/readyz`, { signal: AbortSignal.timeout(1000) });
      return ((await r.json()) as { watches?: WatchDetail[] }).watches ?? null;
    } catch {
      return null; // controller down or restarting
    }
  }

  const retriesOf = (ws: WatchDetail[] | null): Record<string, number> => {
    const out: Record<string, number> = {};
    for (const w of ws ?? []) for (const [k, v] of Object.entries(w.retries)) out[k] = (out[k] ?? 0) + v;
    return out;
  };
  const diff = (a: Record<string, number>, b: Record<string, number>) =>
    Object.fromEntries(
      Object.entries(a)
        .map(([k, v]) => [k, v - (b[k] ?? 0)] as const)
        .filter(([, v]) => v > 0),
    );

  /**
   * From the API server's readiness on: when the first and the last informer that were not
   * watching at that moment are watching again. Polls the controller's /readyz detail.
   */
  async function informerRecovery(
    apiReadyAt: number,
  ): Promise<{ first: number | null; all: number | null; retries: Record<string, number> }> {
    let down: Set<string> | null = null;
    let first: number | null = null;
    const deadline = performance.now() + 60_000;
    for (;;) {
      const ws = await watches();
      if (ws) {
        down ??= new Set(ws.filter((w) => !w.watching).map((w) => w.name));
        if (down.size === 0) return { first: null, all: null, retries: retriesOf(ws) };
        const back = ws.filter((w) => down!.has(w.name) && w.watching).length;
        if (back > 0) first ??= performance.now() - apiReadyAt;
        if (ws.every((w) => w.watching))
          return { first, all: performance.now() - apiReadyAt, retries: retriesOf(ws) };
      }
      if (performance.now() > deadline)
        throw new Error(
          `informers not all watching 60 s after the API server was ready: ${JSON.stringify(ws)}`,
        );
      await sleep(25);
    }
  }

  /** Applies an edit and waits for the data path to serve it; times from apiReadyAt and from kubectl returning. */
  async function editServed(apiReadyAt: number): Promise<{ editMs: number; editAfterApplyMs: number }> {
    const n = String(++edits);
    await apply(cluster.cp, frontendYaml(Number(n)));
    const applied = performance.now();
    const seen = await load.waitSeen(n, EDIT_BOUND_MS + 10_000);
    return { editMs: seen - apiReadyAt, editAfterApplyMs: seen - applied };
  }

  async function statusCurrent(): Promise<void> {
    await waitFor(
      'Frontend and Backend status at the current generation, Programmed',
      async () => {
        for (const kind of ['frontend', 'backend']) {
          const o = await getObject(cluster.cp, kind, 'web', NS);
          if (o?.status?.observedGeneration !== o?.metadata?.generation) return false;
          if (condition(o, 'Programmed')?.status !== 'True') return false;
        }
        return true;
      },
      30_000,
      200,
    );
  }

  function report(r: FaultReport): void {
    reports.push(r);
    const ms = (v: number | null) => (v === null ? 'never lost' : `${(v / 1000).toFixed(1)} s`);
    const causes = Object.entries(r.load.causes)
      .map(([k, v]) => `${k}×${v}`)
      .join(', ');
    console.log(
      `      [chaos] ${r.fault}: ${r.load.failed} failed of ${r.load.sent} requests${causes ? ` (${causes})` : ''}; ` +
        `API ready → first informer watching ${ms(r.firstInformerMs)}, all ${ms(r.allInformersMs)}; ` +
        `→ edit served ${(r.editMs / 1000).toFixed(1)} s (${Math.max(0, r.editAfterApplyMs).toFixed(0)} ms after kubectl returned); ` +
        `retries ${JSON.stringify(r.retries)}${r.notes.length ? `; ${r.notes.join('; ')}` : ''}`,
    );
  }

  before(async function () {
    this.timeout(240_000);
    backend = await startBackend('b1');
    port = await freePort();
    cluster = await startCluster();
    await bindControllerRbac(cluster.cp, await kustomizeRbac(), 'bascule-system');
    await must(cluster.cp, ['create', 'namespace', NS]);
    await apply(
      cluster.cp,
      `
apiVersion: bascule.dev/v1alpha1
kind: HealthPolicy
metadata: {name: quiet, namespace: ${NS}}
spec: {interval: 2s, rise: 1, fall: 3}
---
apiVersion: bascule.dev/v1alpha1
kind: Backend
metadata: {name: web, namespace: ${NS}}
spec:
  healthPolicy: quiet
  servers: [{name: b1, address: 127.0.0.1, port: ${backend.port}}]
---
${frontendYaml(0)}`,
    );
    ctrl = await startControllerProc(cluster, 'c1');
    dp = await startDataplaneProc(cluster, 'dp', 'default', [ctrl.channel]);
    await waitFor(
      'traffic through the dataplane',
      async () => (await fetch(`http://127.0.0.1:${port}/`)).status === 200,
      30_000,
      100,
    );
    await statusCurrent();
    load = new LoadLoop({ port, rps: 50, trackHeader: 'x-edit' });
    load.start();
  });

  after(async function () {
    this.timeout(60_000);
    await load?.stop();
    if (reports.length > 0) {
      console.log('      [chaos] summary');
      for (const r of reports)
        console.log(
          `      [chaos]   ${r.fault.padEnd(44)} failed ${String(r.load.failed).padStart(4)}/${r.load.sent}  ` +
            `first informer ${r.firstInformerMs === null ? '   -  ' : `${(r.firstInformerMs / 1000).toFixed(1).padStart(5)} s`}  ` +
            `edit served ${(r.editMs / 1000).toFixed(1).padStart(5)} s`,
        );
    }
    if (cluster?.cp) {
      // A fault test that failed half-way may leave a process stopped or dead: stop() handles both.
      await cluster.stop();
    }
    await backend?.close();
  });

  afterEach(function () {
    if (this.currentTest?.state === 'failed') {
      for (const [name, p] of [
        ['controller', ctrl],
        ['dataplane', dp],
      ] as const)
        if (p) process.stderr.write(`--- ${name} output (tail) ---\n${p.proc.output().slice(-6000)}\n`);
    }
  });

  /**
   * One fault: `outage` injects it and resolves once the API server is ready again; then the
   * informers' recovery is measured while an edit is made and awaited on the data path, status
   * must reach the current generation, and the figures are printed. `alsoAfterReady` runs
   * beside them (and returns notes for the report).
   */
  async function underFault(
    fault: string,
    outage: () => Promise<void>,
    alsoAfterReady: (apiReadyAt: number) => Promise<string[]> = async () => [],
  ): Promise<FaultReport> {
    const w = load.window();
    const before = retriesOf(await watches());
    const controllerPid = ctrl.proc.child.pid;
    await outage();
    const apiReadyAt = performance.now();
    const [rec, edit, notes] = await Promise.all([
      informerRecovery(apiReadyAt),
      editServed(apiReadyAt),
      alsoAfterReady(apiReadyAt),
    ]);
    await statusCurrent();
    const r: FaultReport = {
      fault,
      load: w.counts(),
      firstInformerMs: rec.first,
      allInformersMs: rec.all,
      ...edit,
      // A restarted controller counts from zero.
      retries: ctrl.proc.child.pid === controllerPid ? diff(rec.retries, before) : rec.retries,
      notes,
    };
    report(r);
    expect(r.editMs, `${fault}: edit served within ${EDIT_BOUND_MS} ms of API readiness`).to.be.below(
      EDIT_BOUND_MS,
    );
    // Nobody crashed: the processes alive are the ones the test started (or restarted) last.
    for (const p of [ctrl.proc, dp.proc])
      expect([p.child.exitCode, p.child.signalCode], p.output().slice(-3000)).to.deep.equal([null, null]);
    return r;
  }

  it('kube-apiserver SIGKILLed for 10 s: traffic holds, informers resume, an edit is served', async () => {
    const r = await underFault('a. kube-apiserver SIGKILL, 10 s', async () => {
      cluster.cp.apiserver.signal('SIGKILL');
      await cluster.cp.apiserver.exited();
      await sleep(10_000);
      await cluster.cp.apiserver.start();
    });
    expect(r.load.failed, JSON.stringify(r.load.causes)).to.equal(0);
    expect(r.firstInformerMs, 'informers lost their watches').to.not.equal(null);
    // The retries are counted in the metric too.
    const metrics = await (await fetch(`${ctrl.admin}/metrics`)).text();
    expect(metrics).to.match(
      /bascule_controller_kube_watch_retries_total\{resource="frontends",reason="[a-z-]+"\} [1-9]/,
    );
  });

  it('kube-apiserver frozen (SIGSTOP) for 20 s: traffic holds, an edit after SIGCONT is served', async () => {
    const r = await underFault('b. kube-apiserver SIGSTOP, 20 s', async () => {
      cluster.cp.apiserver.signal('SIGSTOP');
      try {
        await sleep(20_000);
      } finally {
        cluster.cp.apiserver.signal('SIGCONT');
      }
      await cluster.cp.apiserver.waitReady(60_000);
    });
    expect(r.load.failed, JSON.stringify(r.load.causes)).to.equal(0);
  });

  it('etcd SIGKILLed for 10 s: traffic holds, the API server recovers, an edit is served', async () => {
    const r = await underFault('c. etcd SIGKILL, 10 s', async () => {
      cluster.cp.etcd.signal('SIGKILL');
      await cluster.cp.etcd.exited();
      await sleep(10_000);
      await cluster.cp.etcd.start();
      await cluster.cp.apiserver.waitReady(90_000);
    });
    expect(r.load.failed, JSON.stringify(r.load.causes)).to.equal(0);
  });

  it('controller killed and restarted while the API server is down: it pushes nothing before it syncs', async () => {
    const servedVersion = (await getJson<{ version: string }>(`${dp.admin}/status`)).version;
    const outage = async () => {
      cluster.cp.apiserver.signal('SIGKILL');
      await cluster.cp.apiserver.exited();
      ctrl.proc.child.kill('SIGKILL');
      await ctrl.proc.exited;
      respawn(cluster, ctrl);
      // While the API server is away the new controller cannot sync: it is not ready, has no
      // snapshot, and the dataplane keeps serving the version it had.
      await waitFor(
        'restarted controller answers /readyz',
        async () => (await watches()) !== null,
        30_000,
        100,
      );
      for (let i = 0; i < 8; i++) {
        const ready = await fetch(`${ctrl.admin}/readyz`);
        expect(ready.status, 'not ready before its informers synced').to.equal(503);
        expect(((await ready.json()) as { reason: string }).reason).to.match(/has not synced/);
        const snap = await getJson<{ groups: unknown[] }>(`${ctrl.admin}/snapshot`);
        expect(snap.groups, 'no snapshot before sync').to.deep.equal([]);
        expect((await getJson<{ version: string }>(`${dp.admin}/status`)).version).to.equal(servedVersion);
        await sleep(500);
      }
      await cluster.cp.apiserver.start();
    };
    const synced = async (apiReadyAt: number) => {
      await waitControllerReady(ctrl, 60_000);
      const ms = performance.now() - apiReadyAt;
      return [`restarted controller synced ${(ms / 1000).toFixed(1)} s after API readiness`];
    };
    const r = await underFault('d. controller restarted while API server down', outage, synced);
    expect(r.load.failed, JSON.stringify(r.load.causes)).to.equal(0);
  });

  it('dataplane killed while the API server is frozen: the restarted dataplane serves again, then an edit', async () => {
    let gapMs = 0;
    const r = await underFault(
      'e. dataplane killed while API server frozen',
      async () => {
        cluster.cp.apiserver.signal('SIGSTOP');
        try {
          await sleep(2000);
          dp.proc.child.kill('SIGKILL');
          await dp.proc.exited;
          const gone = performance.now();
          respawn(cluster, dp);
          // Serving again: the restarted dataplane loads its last good snapshot from its state dir.
          await waitFor(
            'restarted dataplane serving',
            async () => (await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(1000) })).ok,
            30_000,
            20,
          );
          gapMs = performance.now() - gone;
          await sleep(8000);
        } finally {
          cluster.cp.apiserver.signal('SIGCONT');
        }
        await cluster.cp.apiserver.waitReady(60_000);
      },
      async () => [`no dataplane process for ${(gapMs / 1000).toFixed(1)} s (failures expected only then)`],
    );
    // Only the requests sent while no dataplane process listened may fail, and only by being
    // refused (or reset, in flight at the kill): at 50/s, the gap's length in requests plus a few.
    const allowed = Math.ceil((gapMs / 1000) * 50) + 10;
    expect(r.load.failed, JSON.stringify(r.load.causes)).to.be.at.most(allowed);
    for (const cause of Object.keys(r.load.causes)) expect(cause).to.be.oneOf(['ECONNREFUSED', 'ECONNRESET']);
  });
});
