/**
 * A real single-node Kubernetes cluster for the Helm install tests: etcd, kube-apiserver,
 * kube-controller-manager, kube-scheduler, containerd (CRI) with runc and the CNI bridge plugin,
 * kubelet, kube-proxy (iptables) and CoreDNS — every process started and stopped here.
 *
 * Confinement, so that nothing leaks onto the shared machine:
 * - Network: every process runs in a network namespace of its own (`unshare --net`, entered with
 *   `nsenter --net`), which holds the bridge, the pod and Service addresses and kube-proxy's
 *   iptables rules. It has no route out; deleting it undoes every network change at once. The
 *   test process reaches addresses inside it through a Unix-socket relay (`forward()`).
 * - Files: everything lives under one temporary directory (certificates, etcd, containerd's root
 *   and state with the pods' network namespaces, kubelet's root dir, pod logs, the CNI IPAM
 *   store), and every mount below it is unmounted on stop.
 * - Cgroups: kubelet's cgroupRoot is a fresh /bascule-cluster-<id> in each hierarchy, removed on stop;
 *   the kernel tunables kubelet sets (vm.overcommit_memory, kernel.panic, ...) are restored.
 *
 * Binaries: kube-* and coredns from .ci/build-kube.sh, etcd/containerd/runc/CNI plugins from
 * Debian (the same script installs them). Anything missing throws: the suite fails, never skips.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import {
  chmod,
  lstat,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  readlink,
  rm,
  rmdir,
  writeFile,
} from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  findBinaries,
  generatePki,
  kubeconfigJson,
  logTail,
  openssl,
  run,
  startProc,
  stopProc,
  type Proc,
  type RunOptions,
  type RunResult,
} from '../../k8s/env/control-plane.js';

const here = dirname(fileURLToPath(import.meta.url));

export const POD_CIDR = '10.244.0.0/24';
/** The node's address: the bridge's, inside the cluster's network namespace. */
export const NODE_IP = '10.244.0.1';
/** 10.0.0.1 (the `kubernetes` Service) is in the serving certificate generatePki() makes. */
export const SERVICE_CIDR = '10.0.0.0/24';
export const NODE_NAME = 'bascule-node';
const BRIDGE = 'bascule0';
const API_PORT = 6443;
const KUBELET_HEALTHZ_PORT = 10248;
const COREDNS_READY_PORT = 8181;
/**
 * Host paths the node components create whatever their configuration says (kubelet's device
 * plugin socket dir, libcni's result cache, kubelet's container log links): removed on stop
 * when they did not exist before.
 */
const HOST_PATHS = ['/var/lib/kubelet', '/var/lib/cni', '/var/log/containers', '/var/log/pods'];
/** One test cluster per machine at a time: they share the paths above and the kernel tunables. */
const MACHINE_LOCK = join(tmpdir(), 'bascule-cluster.lock');
/** Set by kubelet when they differ (pkg/kubelet/cm setupKernelTunables); restored on stop. */
const KERNEL_TUNABLES = [
  'vm/overcommit_memory',
  'vm/panic_on_oom',
  'kernel/panic',
  'kernel/panic_on_oops',
  'kernel/keys/root_maxkeys',
  'kernel/keys/root_maxbytes',
];

export interface ClusterOptions {
  /** Images (podman storage) to load into the node's containerd. */
  images: string[];
  /** The pod sandbox image (also loaded). */
  pauseImage: string;
  /** Max time to get a Ready node (default 240s). */
  startTimeoutMs?: number;
  /** Stream component output to stderr instead of log files. */
  verbose?: boolean;
  /** Max time to wait for another test cluster on this machine to finish (default 20 min). */
  lockTimeoutMs?: number;
}

export interface Cluster {
  dir: string;
  /** Admin kubeconfig for use outside the namespace (the API server through a relay). */
  kubeconfigPath: string;
  kubectl(args: string[], opts?: RunOptions): Promise<RunResult>;
  helm(args: string[], opts?: RunOptions): Promise<RunResult>;
  /** A 127.0.0.1 port whose connections are relayed to host:port inside the cluster. */
  forward(host: string, port: number): Promise<number>;
  /** Give an image in the node's containerd a second name (a new tag, same content). */
  tagImage(source: string, target: string): Promise<void>;
  /** Last lines of each component's log (for failure messages). */
  logs(lines?: number): string;
  /** Stop everything and undo every change; resolves with what could not be undone (empty when clean). */
  stop(): Promise<string[]>;
}

/** Run a command and return stdout; throw with its stderr on failure. */
async function must(bin: string, args: string[], opts: RunOptions = {}): Promise<string> {
  const r = await run(bin, args, opts);
  if (r.code !== 0) throw new Error(`${bin} ${args.join(' ')} failed (${r.code}): ${r.stderr || r.stdout}`);
  return r.stdout;
}

function which(name: string): string | undefined {
  for (const d of (process.env.PATH ?? '').split(':').concat(['/usr/sbin', '/sbin'])) {
    if (d && existsSync(join(d, name))) return join(d, name);
  }
  return undefined;
}

/** Everything the cluster needs, or an error listing what is missing and how to get it. */
function findClusterBinaries() {
  const kube = findBinaries();
  const inBin = (n: string) => join(kube.binDir, n);
  const want = {
    kubelet: inBin('kubelet'),
    kubeScheduler: inBin('kube-scheduler'),
    kubeControllerManager: inBin('kube-controller-manager'),
    kubeProxy: inBin('kube-proxy'),
    coredns: inBin('coredns'),
    containerd: which('containerd') ?? '/usr/bin/containerd',
    ctr: which('ctr') ?? '/usr/bin/ctr',
    runc: which('runc') ?? '/usr/sbin/runc',
    iptables: which('iptables') ?? '/usr/sbin/iptables',
    podman: which('podman') ?? '/usr/bin/podman',
    nsenter: which('nsenter') ?? '/usr/bin/nsenter',
    unshare: which('unshare') ?? '/usr/bin/unshare',
    ip: which('ip') ?? '/usr/sbin/ip',
    cniBridge: '/usr/lib/cni/bridge',
  };
  const missing = Object.entries(want)
    .filter(([, p]) => !existsSync(p))
    .map(([k, p]) => `${k} (${p})`);
  if (!kube.helm) missing.push(`helm (${inBin('helm')})`);
  if (missing.length > 0) {
    throw new Error(
      `The test cluster cannot start; missing:\n  - ${missing.join('\n  - ')}\n` +
        'Install them with:  bash .ci/build-kube.sh   (kube binaries, coredns, containerd, runc, CNI, iptables)\n' +
        '               and  bash .ci/build-images.sh (buildah, podman, the images)',
    );
  }
  return { ...kube, ...want, helm: kube.helm! };
}

/** GET http(s)://127.0.0.1:port/path once. */
function get(
  port: number,
  path: string,
  tls?: { ca: string; token: string },
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const opts = { host: '127.0.0.1', port, path, timeout: 5000 };
    const onResponse = (res: import('node:http').IncomingMessage) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    };
    const req = tls
      ? httpsRequest({ ...opts, ca: tls.ca, headers: { Authorization: `Bearer ${tls.token}` } }, onResponse)
      : httpRequest(opts, onResponse);
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

/** Poll `check` (true = done, a string = why not yet) until the deadline; fail early if a process died. */
async function waitFor(
  what: string,
  check: () => Promise<true | string>,
  deadline: number,
  watched: Proc[],
): Promise<void> {
  let last = 'not checked yet';
  while (Date.now() < deadline) {
    for (const p of watched) {
      if (p.exitInfo !== undefined) {
        throw new Error(`${p.name} exited (${p.exitInfo}) while waiting for ${what}:\n${logTail(p)}`);
      }
    }
    try {
      const r = await check();
      if (r === true) return;
      last = r;
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(
    `timed out waiting for ${what}; last: ${last}\n${watched.map((p) => `--- ${p.name}\n${logTail(p, 15)}`).join('\n')}`,
  );
}

/** Mount points at or below `dir`, deepest first. */
function mountsBelow(dir: string): string[] {
  const unescape = (s: string) =>
    s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => unescape(l.split(' ')[4] ?? ''))
    .filter((m) => m === dir || m.startsWith(dir + '/'))
    .sort((a, b) => b.length - a.length);
}

/** Mount points of the cgroup hierarchies (v1 controllers and the v2 unified one). */
function cgroupHierarchies(): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter((l) => / - cgroup2? /.test(l))
    .map((l) => l.split(' ')[4]!)
    .filter(Boolean);
}

/** PIDs whose command line mentions `needle` (processes this cluster started, directly or not). */
async function pidsMentioning(needle: string): Promise<number[]> {
  const pids: number[] = [];
  for (const e of await readdir('/proc')) {
    if (!/^\d+$/.test(e) || Number(e) === process.pid) continue;
    try {
      if ((await readFile(`/proc/${e}/cmdline`, 'latin1')).includes(needle)) pids.push(Number(e));
    } catch {
      // exited meanwhile
    }
  }
  return pids;
}

/** Remove a cgroup directory tree (children first), killing what is still in it. */
async function removeCgroup(path: string): Promise<void> {
  if (!existsSync(path)) return;
  for (const e of await readdir(path, { withFileTypes: true })) {
    if (e.isDirectory()) await removeCgroup(join(path, e.name));
  }
  for (let attempt = 0; attempt < 20; attempt++) {
    try {
      const procs = (await readFile(join(path, 'cgroup.procs'), 'utf8')).split('\n').filter(Boolean);
      for (const pid of procs) {
        try {
          process.kill(Number(pid), 'SIGKILL');
        } catch {
          // gone
        }
      }
      await rmdir(path);
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  await rmdir(path);
}

const DIR_PREFIX = 'bascule-cluster-';
const CGROUP_PREFIX = DIR_PREFIX;

/**
 * Undo what a run that died without stopping left behind (its processes, mounts, cgroups and
 * directory). Only called with the machine lock held, so no other cluster is alive.
 */
async function sweepDeadClusters(): Promise<void> {
  for (const e of await readdir(tmpdir())) {
    if (!e.startsWith(DIR_PREFIX)) continue;
    const dir = join(tmpdir(), e);
    for (const pid of await pidsMentioning(dir)) process.kill(pid, 'SIGKILL');
    for (const m of mountsBelow(dir)) await run('umount', ['--lazy', m]);
    await rm(dir, { recursive: true, force: true });
  }
  for (const h of cgroupHierarchies()) {
    for (const e of await readdir(h)) if (e.startsWith(CGROUP_PREFIX)) await removeCgroup(join(h, e));
  }
}

/** Take the machine-wide lock (a directory holding the owner's PID; a dead owner's lock is broken). */
async function lockMachine(timeoutMs: number): Promise<() => Promise<void>> {
  const owner = join(MACHINE_LOCK, 'pid');
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      await mkdir(MACHINE_LOCK);
      await writeFile(owner, String(process.pid));
      return () => rm(MACHINE_LOCK, { recursive: true, force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const pid = Number(await readFile(owner, 'utf8').catch(() => '0'));
    let alive = pid > 0;
    try {
      if (alive) process.kill(pid, 0);
    } catch {
      alive = false;
    }
    if (!alive && pid > 0) await rm(MACHINE_LOCK, { recursive: true, force: true });
    else if (Date.now() > until) throw new Error(`another test cluster (PID ${pid}) holds ${MACHINE_LOCK}`);
    else await new Promise((r) => setTimeout(r, 2000));
  }
}

export async function startCluster(opts: ClusterOptions): Promise<Cluster> {
  const bins = findClusterBinaries();
  const unlock = await lockMachine(opts.lockTimeoutMs ?? 20 * 60_000);
  await sweepDeadClusters();
  const hostPathsBefore = new Set(HOST_PATHS.filter((p) => existsSync(p)));
  const verbose = opts.verbose ?? process.env.BASCULE_CLUSTER_VERBOSE === '1';
  const deadline = Date.now() + (opts.startTimeoutMs ?? 240_000);
  const id = randomBytes(4).toString('hex');
  const dir = await mkdtemp(join(tmpdir(), DIR_PREFIX));
  await chmod(dir, 0o755);
  const d = (...p: string[]) => join(dir, ...p);
  const cgroupName = `${CGROUP_PREFIX}${id}`;
  const netnsFile = d('netns');
  const procs: Proc[] = [];
  const forwards: Server[] = [];
  const undo: { what: string; fn: () => Promise<unknown> }[] = [];
  const tunables = new Map<string, string>();
  const varLogContainers = '/var/log/containers';

  const inNetns = (bin: string, args: string[]): [string, string[]] => [
    bins.nsenter,
    [`--net=${netnsFile}`, '--', bin, ...args],
  ];
  const nsRun = (bin: string, args: string[]) => must(...inNetns(bin, args));
  const component = (name: string, bin: string, args: string[]): Proc => {
    const [b, a] = inNetns(bin, args);
    const p = startProc(name, b, a, dir, verbose);
    procs.push(p);
    return p;
  };
  const byName = (name: string) => procs.find((p) => p.name === name);

  let stopped: Promise<string[]> | undefined;
  const stop = (): Promise<string[]> =>
    (stopped ??= (async () => {
      const problems: string[] = [];
      const attempt = async (what: string, fn: () => Promise<unknown>) => {
        try {
          await fn();
        } catch (err) {
          problems.push(`${what}: ${(err as Error).message.split('\n')[0]}`);
        }
      };
      const ctr = (args: string[]) =>
        run(bins.ctr, ['--address', d('containerd', 'containerd.sock'), '--namespace', 'k8s.io', ...args]);
      const api = byName('kube-apiserver');
      const kubelet = byName('kubelet');
      if (api?.exitInfo === undefined && kubelet?.exitInfo === undefined && api && kubelet) {
        // Let kubelet stop the pods the normal way (volumes unmounted, sandboxes torn down).
        const kc = ['--kubeconfig', d('kubeconfig-netns')];
        await attempt('delete workloads', () =>
          nsRun(bins.kubectl, [
            ...kc,
            'delete',
            'deployments,replicasets,daemonsets,statefulsets,jobs',
            '--all',
            '-A',
            '--wait=false',
          ]),
        );
        await attempt('delete pods', () =>
          nsRun(bins.kubectl, [...kc, 'delete', 'pods', '--all', '-A', '--grace-period=2', '--timeout=60s']),
        );
        await attempt('wait for sandboxes to stop', async () => {
          const until = Date.now() + 60_000;
          while (Date.now() < until) {
            const r = await ctr(['tasks', 'ls', '-q']);
            if (r.code === 0 && r.stdout.trim() === '') return;
            await new Promise((r) => setTimeout(r, 1000));
          }
        });
      }
      for (const name of ['kubelet', 'kube-proxy', 'coredns', 'kube-scheduler', 'kube-controller-manager']) {
        const p = byName(name);
        if (p) await attempt(`stop ${name}`, () => stopProc(p, 15_000));
      }
      if (byName('containerd')?.exitInfo === undefined && byName('containerd')) {
        await attempt('kill remaining containers', async () => {
          const tasks = (await ctr(['tasks', 'ls', '-q'])).stdout.split('\n').filter(Boolean);
          for (const t of tasks) await ctr(['tasks', 'kill', '--signal', 'SIGKILL', t]);
          for (const t of tasks) await ctr(['tasks', 'delete', '--force', t]);
          const ctrs = (await ctr(['containers', 'ls', '-q'])).stdout.split('\n').filter(Boolean);
          for (const c of ctrs) await ctr(['containers', 'delete', c]);
        });
      }
      for (const name of ['containerd', 'kube-apiserver', 'etcd', 'forwarder']) {
        const p = byName(name);
        if (p) await attempt(`stop ${name}`, () => stopProc(p, 15_000));
      }
      for (const s of forwards) s.close();
      // Shims outlive containerd by design; ours name our socket on their command line.
      await attempt('stop containerd shims', async () => {
        for (const pid of await pidsMentioning(d('containerd'))) process.kill(pid, 'SIGKILL');
      });
      for (const u of undo.reverse()) await attempt(u.what, u.fn);
      await attempt('unmount', async () => {
        for (const m of mountsBelow(dir)) {
          const r = await run('umount', [m]);
          if (r.code !== 0) await must('umount', ['--lazy', m]);
        }
      });
      await attempt('remove cgroups', async () => {
        for (const h of cgroupHierarchies()) await removeCgroup(join(h, cgroupName));
      });
      await attempt('restore kernel tunables', async () => {
        for (const [k, v] of tunables) {
          const now = (await readFile(`/proc/sys/${k}`, 'utf8')).trim();
          if (now !== v) await writeFile(`/proc/sys/${k}`, v);
        }
      });
      await attempt(`clean ${varLogContainers}`, async () => {
        if (!existsSync(varLogContainers)) return;
        for (const e of await readdir(varLogContainers)) {
          const link = join(varLogContainers, e);
          if ((await lstat(link)).isSymbolicLink() && (await readlink(link)).startsWith(dir + '/'))
            await rm(link);
        }
      });
      for (const p of HOST_PATHS) {
        if (!hostPathsBefore.has(p))
          await attempt(`remove ${p}`, () => rm(p, { recursive: true, force: true }));
      }
      // What is still there is reported, never silently left behind.
      const leftMounts = mountsBelow(dir);
      if (leftMounts.length > 0) problems.push(`mounts left: ${leftMounts.join(', ')}`);
      const leftPids = await pidsMentioning(dir);
      if (leftPids.length > 0) problems.push(`processes left: ${leftPids.join(', ')}`);
      const leftCgroups = cgroupHierarchies().filter((h) => existsSync(join(h, cgroupName)));
      if (leftCgroups.length > 0) problems.push(`cgroups left: ${leftCgroups.join(', ')}`);
      if (leftMounts.length === 0) {
        await attempt('remove the temporary directory', () =>
          rm(dir, { recursive: true, force: true, maxRetries: 3 }),
        );
      }
      await attempt('release the machine lock', unlock);
      return problems;
    })());

  try {
    // ---- network namespace and bridge (gone with the namespace) ----
    await writeFile(netnsFile, '');
    await must(bins.unshare, [`--net=${netnsFile}`, 'true']);
    undo.push({ what: 'remove the network namespace', fn: () => must('umount', [netnsFile]) });
    await nsRun(bins.ip, ['link', 'set', 'lo', 'up']);
    await nsRun(bins.ip, ['link', 'add', BRIDGE, 'type', 'bridge']);
    await nsRun(bins.ip, ['addr', 'add', `${NODE_IP}/24`, 'dev', BRIDGE]);
    await nsRun(bins.ip, ['link', 'set', BRIDGE, 'up']);
    // Connections from the node itself (the test's relay) to Service addresses need a route for the
    // first lookup, before kube-proxy's OUTPUT rules rewrite them to a pod; on the bridge, never out.
    await nsRun(bins.ip, ['route', 'add', SERVICE_CIDR, 'dev', BRIDGE, 'src', NODE_IP]);
    // Namespace-local: Service traffic between pods on the bridge must pass iptables.
    await nsRun('sysctl', ['-q', '-w', 'net.ipv4.ip_forward=1']);
    await nsRun('sysctl', ['-q', '-w', 'net.bridge.bridge-nf-call-iptables=1']);

    const forwarderSocket = d('forwarder.sock');
    const forwarder = component('forwarder', process.execPath, [
      join(here, 'netns-forwarder.mjs'),
      forwarderSocket,
      POD_CIDR,
      SERVICE_CIDR,
      '127.0.0.0/8',
    ]);
    const forward = async (host: string, port: number): Promise<number> => {
      const server = createServer((client: Socket) => {
        const upstream = connect(forwarderSocket);
        upstream.write(`${host}:${port}\n`);
        client.pipe(upstream).pipe(client);
        upstream.on('error', () => client.destroy());
        client.on('error', () => upstream.destroy());
        upstream.on('close', () => client.destroy());
        client.on('close', () => upstream.destroy());
      });
      forwards.push(server);
      await new Promise<void>((res, rej) => server.once('error', rej).listen(0, '127.0.0.1', res));
      return (server.address() as { port: number }).port;
    };

    // ---- certificates and credentials ----
    const certDir = d('certs');
    await mkdir(certDir, { mode: 0o700 });
    await generatePki(certDir);
    const ossl = (cmd: string) => openssl(certDir, cmd.split(' '));
    const ec = '-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes';
    const sign = async (name: string, subj: string, ext: string) => {
      await ossl(`req -new ${ec} -keyout ${name}.key -out ${name}.csr -subj ${subj}`);
      await writeFile(join(certDir, `${name}.ext`), `basicConstraints=critical,CA:FALSE\n${ext}\n`);
      await ossl(
        `x509 -req -in ${name}.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 30 -out ${name}.crt -extfile ${name}.ext`,
      );
    };
    // kubelet's serving certificate, signed by the cluster CA: `kubectl logs`/`port-forward` verify it.
    await sign(
      'kubelet',
      `/CN=${NODE_NAME}`,
      `extendedKeyUsage=serverAuth\nsubjectAltName=IP:${NODE_IP},DNS:${NODE_NAME}`,
    );
    // The API server's client certificate towards kubelet.
    await sign(
      'apiserver-kubelet-client',
      '/O=system:masters/CN=kube-apiserver-kubelet-client',
      'extendedKeyUsage=clientAuth',
    );
    const caFile = join(certDir, 'ca.crt');
    const caPem = await readFile(caFile, 'utf8');
    const token = randomBytes(24).toString('hex');
    await writeFile(join(certDir, 'tokens.csv'), `${token},bascule-admin,bascule-admin,"system:masters"\n`, {
      mode: 0o600,
    });
    // Components inside the namespace use the API server directly; the test goes through a relay.
    const netnsKubeconfig = d('kubeconfig-netns');
    await writeFile(
      netnsKubeconfig,
      kubeconfigJson({ server: `https://127.0.0.1:${API_PORT}`, caPem }, 'bascule-admin', token),
      { mode: 0o600 },
    );

    // ---- etcd, kube-apiserver ----
    const etcd = component('etcd', bins.etcd, [
      '--name=bascule-cluster',
      `--data-dir=${d('etcd')}`,
      '--listen-client-urls=http://127.0.0.1:2379',
      '--advertise-client-urls=http://127.0.0.1:2379',
      '--listen-peer-urls=http://127.0.0.1:2380',
      '--initial-advertise-peer-urls=http://127.0.0.1:2380',
      '--initial-cluster=bascule-cluster=http://127.0.0.1:2380',
      '--logger=zap',
      '--log-outputs=stderr',
    ]);
    const etcdPort = await forward('127.0.0.1', 2379);
    await waitFor(
      'etcd',
      async () => ((await get(etcdPort, '/health')).status === 200 ? true : 'unhealthy'),
      deadline,
      [etcd, forwarder],
    );

    const apiserver = component('kube-apiserver', bins.kubeApiserver, [
      '--etcd-servers=http://127.0.0.1:2379',
      `--cert-dir=${certDir}`,
      `--tls-cert-file=${join(certDir, 'apiserver.crt')}`,
      `--tls-private-key-file=${join(certDir, 'apiserver.key')}`,
      `--client-ca-file=${caFile}`,
      `--secure-port=${API_PORT}`,
      // The namespace has only lo and the bridge: "all addresses" means those two.
      '--bind-address=0.0.0.0',
      // Pods reach the API through the `kubernetes` Service, whose endpoint is this address.
      `--advertise-address=${NODE_IP}`,
      '--authorization-mode=Node,RBAC',
      `--token-auth-file=${join(certDir, 'tokens.csv')}`,
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      `--service-account-key-file=${join(certDir, 'sa-signer.pub')}`,
      `--service-account-signing-key-file=${join(certDir, 'sa-signer.key')}`,
      `--service-cluster-ip-range=${SERVICE_CIDR}`,
      `--kubelet-certificate-authority=${caFile}`,
      `--kubelet-client-certificate=${join(certDir, 'apiserver-kubelet-client.crt')}`,
      `--kubelet-client-key=${join(certDir, 'apiserver-kubelet-client.key')}`,
      '--kubelet-preferred-address-types=InternalIP',
    ]);
    const apiPort = await forward('127.0.0.1', API_PORT);
    await waitFor(
      'kube-apiserver',
      async () => {
        const r = await get(apiPort, '/readyz', { ca: caPem, token });
        return r.status === 200 ? true : `HTTP ${r.status} ${r.body.slice(0, 300)}`;
      },
      deadline,
      [etcd, apiserver, forwarder],
    );
    const kubeconfigPath = d('kubeconfig');
    await writeFile(
      kubeconfigPath,
      kubeconfigJson({ server: `https://127.0.0.1:${apiPort}`, caPem }, 'bascule-admin', token),
      { mode: 0o600 },
    );

    // ---- controllers and scheduler (no HTTPS endpoints: nothing to certify or expose) ----
    const kcm = component('kube-controller-manager', bins.kubeControllerManager, [
      `--kubeconfig=${netnsKubeconfig}`,
      '--leader-elect=false',
      '--secure-port=0',
      `--root-ca-file=${caFile}`,
      `--service-account-private-key-file=${join(certDir, 'sa-signer.key')}`,
      `--service-cluster-ip-range=${SERVICE_CIDR}`,
    ]);
    const scheduler = component('kube-scheduler', bins.kubeScheduler, [
      `--kubeconfig=${netnsKubeconfig}`,
      '--leader-elect=false',
      '--secure-port=0',
    ]);

    // ---- containerd (CRI), with the local images ----
    await mkdir(d('cni', 'net.d'), { recursive: true });
    await mkdir(d('containerd'), { recursive: true });
    const containerdSock = d('containerd', 'containerd.sock');
    await writeFile(
      d('containerd', 'config.toml'),
      [
        'version = 2',
        `root = "${d('containerd', 'root')}"`,
        `state = "${d('containerd', 'state')}"`,
        'disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.zfs", "io.containerd.tracing.processor.v1.otlp", "io.containerd.internal.v1.tracing"]',
        '[grpc]',
        `  address = "${containerdSock}"`,
        '[plugins."io.containerd.internal.v1.opt"]',
        `  path = "${d('containerd', 'opt')}"`,
        '[plugins."io.containerd.grpc.v1.cri"]',
        `  sandbox_image = "${opts.pauseImage}"`,
        // Containers may not get a lower OOM score than containerd itself (which runs unprivileged-ish here).
        '  restrict_oom_score_adj = true',
        // Pod network namespaces under the state dir (ours), not /var/run/netns.
        '  netns_mounts_under_state_dir = true',
        '  enable_selinux = false',
        '[plugins."io.containerd.grpc.v1.cri".containerd]',
        '  snapshotter = "overlayfs"',
        '  default_runtime_name = "runc"',
        '[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]',
        '  runtime_type = "io.containerd.runc.v2"',
        '[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]',
        `  BinaryName = "${bins.runc}"`,
        '  SystemdCgroup = false',
        '[plugins."io.containerd.grpc.v1.cri".cni]',
        `  bin_dir = "${dirname(bins.cniBridge)}"`,
        `  conf_dir = "${d('cni', 'net.d')}"`,
        '',
      ].join('\n'),
    );
    const containerd = component('containerd', bins.containerd, ['--config', d('containerd', 'config.toml')]);
    const ctr = (args: string[]) =>
      must(bins.ctr, ['--address', containerdSock, '--namespace', 'k8s.io', ...args]);
    await waitFor(
      'containerd',
      async () => (existsSync(containerdSock) && (await ctr(['version']), true)) || 'no socket',
      deadline,
      [containerd],
    );
    const archive = d('images.tar');
    const images = [...new Set([opts.pauseImage, ...opts.images])];
    await must(
      bins.podman,
      [
        'save',
        '--quiet',
        '--multi-image-archive',
        '--format',
        'docker-archive',
        '--output',
        archive,
        ...images,
      ],
      { timeoutMs: 300_000 },
    );
    await ctr(['images', 'import', archive]);
    await rm(archive);

    // ---- CNI: the bridge made above, host-local addresses ----
    await writeFile(
      d('cni', 'net.d', '10-bascule.conflist'),
      JSON.stringify({
        cniVersion: '0.4.0',
        name: 'bascule',
        plugins: [
          {
            type: 'bridge',
            bridge: BRIDGE,
            isGateway: true,
            ipMasq: false,
            hairpinMode: true,
            ipam: {
              type: 'host-local',
              ranges: [[{ subnet: POD_CIDR, rangeStart: '10.244.0.10', gateway: NODE_IP }]],
              routes: [{ dst: '0.0.0.0/0' }],
              dataDir: d('cni', 'ipam'),
            },
          },
        ],
      }),
    );

    // ---- kubelet ----
    for (const k of KERNEL_TUNABLES) {
      if (existsSync(`/proc/sys/${k}`)) tunables.set(k, (await readFile(`/proc/sys/${k}`, 'utf8')).trim());
    }
    for (const h of cgroupHierarchies()) {
      const cg = join(h, cgroupName);
      await mkdir(cg);
      if (existsSync(join(h, 'cpuset.cpus'))) {
        // A new v1 cpuset starts empty; give it the root's CPUs and memory nodes.
        await writeFile(join(cg, 'cpuset.cpus'), await readFile(join(h, 'cpuset.cpus'), 'utf8'));
        await writeFile(join(cg, 'cpuset.mems'), await readFile(join(h, 'cpuset.mems'), 'utf8'));
      }
    }
    await writeFile(d('resolv.conf'), '# pods get only the cluster DNS: nothing is resolved outside\n');
    await writeFile(
      d('kubelet.yaml'),
      JSON.stringify({
        apiVersion: 'kubelet.config.k8s.io/v1beta1',
        kind: 'KubeletConfiguration',
        failCgroupV1: false,
        cgroupDriver: 'cgroupfs',
        cgroupRoot: `/${cgroupName}`,
        containerRuntimeEndpoint: `unix://${containerdSock}`,
        address: NODE_IP,
        readOnlyPort: 0,
        healthzBindAddress: '127.0.0.1',
        healthzPort: KUBELET_HEALTHZ_PORT,
        tlsCertFile: join(certDir, 'kubelet.crt'),
        tlsPrivateKeyFile: join(certDir, 'kubelet.key'),
        authentication: {
          anonymous: { enabled: false },
          webhook: { enabled: true },
          x509: { clientCAFile: caFile },
        },
        authorization: { mode: 'Webhook' },
        clusterDomain: 'cluster.local',
        clusterDNS: [NODE_IP],
        resolvConf: d('resolv.conf'),
        podLogsDir: d('pod-logs'),
        failSwapOn: false,
        // A shared build machine: never evict or garbage-collect images because of its disk.
        evictionHard: {
          'memory.available': '100Mi',
          'nodefs.available': '1%',
          'imagefs.available': '1%',
          'nodefs.inodesFree': '1%',
        },
        imageGCHighThresholdPercent: 100,
        imageGCLowThresholdPercent: 99,
        serializeImagePulls: false,
        maxPods: 40,
        syncFrequency: '10s',
      }),
    );
    const kubelet = component('kubelet', bins.kubelet, [
      `--config=${d('kubelet.yaml')}`,
      `--kubeconfig=${netnsKubeconfig}`,
      `--root-dir=${d('kubelet')}`,
      `--hostname-override=${NODE_NAME}`,
      `--node-ip=${NODE_IP}`,
    ]);

    // ---- kube-proxy (iptables, in the namespace only) ----
    await writeFile(
      d('kube-proxy.yaml'),
      JSON.stringify({
        apiVersion: 'kubeproxy.config.k8s.io/v1alpha1',
        kind: 'KubeProxyConfiguration',
        clientConnection: { kubeconfig: netnsKubeconfig },
        mode: 'iptables',
        clusterCIDR: POD_CIDR,
        hostnameOverride: NODE_NAME,
        healthzBindAddress: '127.0.0.1:10256',
        metricsBindAddress: '127.0.0.1:10249',
        // conntrack limits and timeouts are machine-wide: leave them as they are.
        conntrack: { maxPerCore: 0, min: 0, tcpEstablishedTimeout: '0s', tcpCloseWaitTimeout: '0s' },
      }),
    );
    const kubeProxy = component('kube-proxy', bins.kubeProxy, [`--config=${d('kube-proxy.yaml')}`]);

    // ---- CoreDNS: cluster names only, nothing forwarded ----
    await writeFile(
      d('Corefile'),
      [
        '.:53 {',
        '  errors',
        '  health 127.0.0.1:8080',
        `  ready 127.0.0.1:${COREDNS_READY_PORT}`,
        '  kubernetes cluster.local in-addr.arpa ip6.arpa {',
        `    kubeconfig ${netnsKubeconfig}`,
        '    pods insecure',
        '  }',
        '  cache 30',
        '}',
        '',
      ].join('\n'),
    );
    const coredns = component('coredns', bins.coredns, ['-conf', d('Corefile')]);

    const all = [etcd, apiserver, kcm, scheduler, containerd, kubelet, kubeProxy, coredns, forwarder];
    const kubectl = (args: string[], o: RunOptions = {}) =>
      run(
        bins.kubectl,
        ['--kubeconfig', o.kubeconfig ?? kubeconfigPath, '--cache-dir', d('kube-cache'), ...args],
        o,
      );
    const kubeletPort = await forward('127.0.0.1', KUBELET_HEALTHZ_PORT);
    await waitFor(
      'kubelet',
      async () => ((await get(kubeletPort, '/healthz')).status === 200 ? true : 'unhealthy'),
      deadline,
      all,
    );
    await waitFor(
      `node ${NODE_NAME} Ready`,
      async () => {
        const r = await kubectl([
          'get',
          'node',
          NODE_NAME,
          '-o',
          'jsonpath={.status.conditions[?(@.type=="Ready")].status}',
        ]);
        return r.stdout === 'True' ? true : `Ready=${r.stdout || r.stderr.trim()}`;
      },
      deadline,
      all,
    );
    const dnsPort = await forward('127.0.0.1', COREDNS_READY_PORT);
    await waitFor(
      'CoreDNS',
      async () => ((await get(dnsPort, '/ready')).status === 200 ? true : 'not ready'),
      deadline,
      all,
    );
    await waitFor(
      'the default ServiceAccount',
      async () =>
        (await kubectl(['get', 'serviceaccount', 'default'])).code === 0 ? true : 'not created yet',
      deadline,
      all,
    );

    return {
      dir,
      kubeconfigPath,
      kubectl,
      helm: (args, o = {}) =>
        run(bins.helm, ['--kubeconfig', o.kubeconfig ?? kubeconfigPath, ...args], {
          ...o,
          env: {
            ...(o.env ?? process.env),
            HELM_CACHE_HOME: d('helm', 'cache'),
            HELM_CONFIG_HOME: d('helm', 'config'),
            HELM_DATA_HOME: d('helm', 'data'),
          },
        }),
      forward,
      tagImage: async (source, target) => void (await ctr(['images', 'tag', '--force', source, target])),
      logs: (lines = 20) => procs.map((p) => `--- ${p.name}\n${logTail(p, lines)}`).join('\n'),
      stop,
    };
  } catch (err) {
    const problems = await stop();
    if (problems.length > 0) (err as Error).message += `\ncleanup problems:\n  ${problems.join('\n  ')}`;
    throw err;
  }
}

/** Run `.ci/build-images.sh` and return what it built (a no-op rebuild takes seconds). */
export async function buildImages(): Promise<{
  pause: string;
  images: Record<'controller' | 'dataplane' | 'echo', { ref: string; id: string; sizeMB: number }>;
  baseMB: number;
}> {
  const root = join(here, '..', '..', '..');
  const script = join(root, '.ci', 'build-images.sh');
  await new Promise<void>((resolve, reject) => {
    const child = spawn('bash', [script], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`${script} failed with exit code ${code}`)),
    );
  });
  const cache =
    process.env.BASCULE_IMAGE_CACHE || join(process.env.HOME ?? '/root', '.cache', 'bascule-images');
  return JSON.parse(await readFile(join(cache, 'images.json'), 'utf8'));
}
