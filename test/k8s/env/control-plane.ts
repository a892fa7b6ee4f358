/**
 * A real Kubernetes control plane (etcd + kube-apiserver) for tests, in the
 * spirit of controller-runtime's envtest: no nodes, no controllers, no
 * scheduler — just the API server with RBAC, backed by a throwaway etcd.
 *
 * Binaries come from `.ci/build-kube.sh` (kube-apiserver, kubectl, helm built
 * from Go modules into ${BASCULE_KUBE_CACHE:-~/.cache/bascule-kube}/bin) and
 * `etcd` from PATH (Debian's etcd-server). Certificates and keys are generated
 * with the `openssl` CLI.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { accessSync, constants as fsConstants, openSync, closeSync, rmSync, readFileSync } from 'node:fs';
import { mkdtemp, mkdir, rm, writeFile, readFile } from 'node:fs/promises';
import { request as httpsRequest } from 'node:https';
import { request as httpRequest } from 'node:http';
import { createServer, type Server } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';

const execFileP = promisify(execFile);

/** The non-admin user every control plane gets (no groups, so no permissions until RBAC grants some). */
export const CONTROLLER_USER = 'bascule-controller';
export const ADMIN_USER = 'bascule-admin';

export interface StaticUser {
  /** User name as seen by RBAC (`subjects: [{kind: User, name}]`). */
  user: string;
  /** Bearer token; random if omitted. */
  token?: string;
  /** Groups, e.g. ['system:masters']. */
  groups?: string[];
}

export interface ControlPlaneOptions {
  /** Max time to wait for etcd and kube-apiserver to become ready (default 90s). */
  startTimeoutMs?: number;
  /** Grace period between SIGTERM and SIGKILL on stop (default 10s). */
  stopTimeoutMs?: number;
  /** Extra static-token users (the token file cannot change after start). */
  users?: StaticUser[];
  /** Extra kube-apiserver flags, appended last (later flags win). */
  extraApiServerArgs?: string[];
  /** Send etcd/kube-apiserver output to this process's stderr instead of log files in the temp dir. */
  verbose?: boolean;
  /** Keep the temp dir on stop() (for debugging). */
  keepDir?: boolean;
}

export interface Binaries {
  binDir: string;
  kubeApiserver: string;
  kubectl: string;
  /** Undefined when helm was not built (BASCULE_SKIP_HELM=1). */
  helm: string | undefined;
  etcd: string;
}

export interface ControlPlane {
  /** Temp dir holding certs, etcd data, logs and kubeconfigs. */
  dir: string;
  /** Admin kubeconfig (user in system:masters). */
  kubeconfigPath: string;
  /** https://127.0.0.1:<port> */
  server: string;
  /** Admin bearer token (group system:masters). */
  token: string;
  /** PEM of the CA that signed the serving cert (also the client CA). */
  caPem: string;
  caFile: string;
  etcdUrl: string;
  binDir: string;
  bins: Binaries;
  /** All static-token users: ADMIN_USER, CONTROLLER_USER and opts.users, with their tokens. */
  users: Record<string, Required<StaticUser>>;
  /** The two processes, for fault injection: signals by PID, restarts with the same command line. */
  etcd: ControlPlaneProcess;
  apiserver: ControlPlaneProcess;
  /** Stops both processes and removes `dir` (unless keepDir): the only place it is removed. */
  stop(): Promise<void>;
}

/**
 * One control-plane process. Its death (a test's SIGKILL, a crash) removes nothing: `dir` keeps
 * the certificates, etcd's data and the kubeconfigs, so `start()` brings it back as it was.
 */
export interface ControlPlaneProcess {
  readonly name: 'etcd' | 'kube-apiserver';
  /** PID of the current incarnation (undefined before the first spawn). */
  readonly pid: number | undefined;
  /** Binary and arguments: every (re)start uses exactly these. */
  readonly command: readonly string[];
  /** True from spawn until the process has exited. */
  readonly running: boolean;
  /** How the last incarnation ended ("signal SIGKILL", "exit code 1"), or undefined while running. */
  readonly exitInfo: string | undefined;
  /** Sends a signal to the PID (SIGKILL, SIGSTOP, SIGCONT, …). */
  signal(sig: NodeJS.Signals): void;
  /** Resolves once the current incarnation has exited. */
  exited(): Promise<void>;
  /** Spawns the same command line again (the process must have exited) and waits until ready. */
  start(): Promise<void>;
  /** Waits until the process answers its readiness endpoint (etcd /health, kube-apiserver /readyz). */
  waitReady(timeoutMs?: number): Promise<void>;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** Written to stdin. */
  input?: string;
  /** Use this kubeconfig instead of the admin one (see createUserKubeconfig). */
  kubeconfig?: string;
  /** Kill the command after this long (default 60s). */
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
}

export function kubeCacheDir(): string {
  return process.env.BASCULE_KUBE_CACHE || join(homedir(), '.cache', 'bascule-kube');
}

function isExecutable(p: string): boolean {
  try {
    accessSync(p, fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function whichSync(name: string): string | undefined {
  for (const d of (process.env.PATH ?? '').split(delimiter)) {
    if (d && isExecutable(join(d, name))) return join(d, name);
  }
  return undefined;
}

/** Locate the binaries; throws with instructions when something is missing. */
export function findBinaries(): Binaries {
  const binDir = join(kubeCacheDir(), 'bin');
  const inBin = (n: string): string | undefined =>
    isExecutable(join(binDir, n)) ? join(binDir, n) : undefined;
  const kubeApiserver = inBin('kube-apiserver');
  const kubectl = inBin('kubectl');
  const etcd =
    inBin('etcd') ?? whichSync('etcd') ?? (isExecutable('/usr/bin/etcd') ? '/usr/bin/etcd' : undefined);
  const missing: string[] = [];
  if (!kubeApiserver) missing.push(`kube-apiserver (expected ${join(binDir, 'kube-apiserver')})`);
  if (!kubectl) missing.push(`kubectl (expected ${join(binDir, 'kubectl')})`);
  if (!etcd) missing.push('etcd (not on PATH; Debian package etcd-server)');
  if (!whichSync('openssl')) missing.push('openssl (not on PATH)');
  if (missing.length > 0 || !kubeApiserver || !kubectl || !etcd) {
    throw new Error(
      `Kubernetes test control plane binaries are missing:\n  - ${missing.join('\n  - ')}\n` +
        `Build them once per machine with:  .ci/build-kube.sh\n` +
        `(cache dir: ${kubeCacheDir()}, override with BASCULE_KUBE_CACHE)`,
    );
  }
  return { binDir, kubeApiserver, kubectl, helm: inBin('helm'), etcd };
}

/** Reserve `n` distinct free TCP ports on 127.0.0.1 (released before returning). */
async function freePorts(n: number): Promise<number[]> {
  const servers: Server[] = [];
  try {
    const ports: number[] = [];
    for (let i = 0; i < n; i++) {
      const srv = createServer();
      servers.push(srv);
      await new Promise<void>((res, rej) => {
        srv.once('error', rej);
        srv.listen(0, '127.0.0.1', () => res());
      });
      const addr = srv.address();
      if (!addr || typeof addr === 'string') throw new Error('could not allocate a port');
      ports.push(addr.port);
    }
    return ports;
  } finally {
    await Promise.all(servers.map((s) => new Promise<void>((res) => s.close(() => res()))));
  }
}

export async function openssl(cwd: string, args: string[]): Promise<void> {
  try {
    await execFileP('openssl', args, { cwd });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`openssl ${args.join(' ')} failed: ${e.stderr || e.message}`);
  }
}

/** CA, a serving cert for 127.0.0.1/localhost (and the in-cluster names), and a service-account key pair. */
export async function generatePki(certDir: string): Promise<void> {
  // No argument below contains spaces, so plain strings split on ' ' are safe.
  const ossl = (cmd: string): Promise<void> => openssl(certDir, cmd.split(' '));
  const ec = '-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes';
  await ossl(
    `req -x509 ${ec} -days 30 -keyout ca.key -out ca.crt -subj /CN=bascule-test-ca ` +
      '-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign,digitalSignature',
  );
  await ossl(`req -new ${ec} -keyout apiserver.key -out apiserver.csr -subj /CN=kube-apiserver`);
  const sans = ['IP:127.0.0.1', 'DNS:localhost', 'IP:10.0.0.1', 'DNS:kubernetes', 'DNS:kubernetes.default'];
  sans.push('DNS:kubernetes.default.svc', 'DNS:kubernetes.default.svc.cluster.local');
  await writeFile(
    join(certDir, 'apiserver.ext'),
    'basicConstraints=critical,CA:FALSE\n' +
      'keyUsage=critical,digitalSignature,keyEncipherment\n' +
      'extendedKeyUsage=serverAuth\n' +
      `subjectAltName=${sans.join(',')}\n`,
  );
  await ossl(
    'x509 -req -in apiserver.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 30 ' +
      '-out apiserver.crt -extfile apiserver.ext',
  );
  // Service-account token signing key (private) and verification key (public).
  await ossl('genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out sa-signer.key');
  await ossl('pkey -in sa-signer.key -pubout -out sa-signer.pub');
}

/** static token file line: token,user,uid,"group1,group2" */
function tokenLine(u: Required<StaticUser>): string {
  const base = `${u.token},${u.user},${u.user}`;
  return u.groups.length > 0 ? `${base},"${u.groups.join(',')}"` : base;
}

export function kubeconfigJson(cp: { server: string; caPem: string }, user: string, token: string): string {
  // JSON is valid YAML, so kubectl/client-go/helm read it as a kubeconfig.
  return JSON.stringify(
    {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [
        {
          name: 'bascule-test',
          cluster: {
            server: cp.server,
            'certificate-authority-data': Buffer.from(cp.caPem).toString('base64'),
          },
        },
      ],
      users: [{ name: user, user: { token } }],
      contexts: [
        { name: `${user}@bascule-test`, context: { cluster: 'bascule-test', user, namespace: 'default' } },
      ],
      'current-context': `${user}@bascule-test`,
      preferences: {},
    },
    null,
    2,
  );
}

/**
 * Write a kubeconfig for a static-token user of `cp` (default: CONTROLLER_USER)
 * and return its path. The token is looked up in cp.users unless given.
 */
export async function createUserKubeconfig(
  cp: ControlPlane,
  opts: { user?: string; token?: string } = {},
): Promise<string> {
  const user = opts.user ?? CONTROLLER_USER;
  const token = opts.token ?? cp.users[user]?.token;
  if (!token) {
    throw new Error(
      `no static token for user ${user}; pass it in startControlPlane({users: [...]}) or give opts.token`,
    );
  }
  const path = join(cp.dir, `kubeconfig-${user.replace(/[^A-Za-z0-9_.-]/g, '_')}`);
  await writeFile(path, kubeconfigJson(cp, user, token), { mode: 0o600 });
  return path;
}

/** Run a binary, capturing output. Never rejects on a non-zero exit code. */
export function run(bin: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(bin, args, { stdio: ['pipe', 'pipe', 'pipe'], env: opts.env ?? process.env });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      stderr += `\n[killed after ${opts.timeoutMs ?? 60000}ms]`;
      child.kill('SIGKILL');
    }, opts.timeoutMs ?? 60000);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ code: code ?? (signal ? 128 : 1), stdout, stderr });
    });
    child.stdin.on('error', () => {}); // EPIPE if the command exits without reading stdin
    child.stdin.end(opts.input ?? '');
  });
}

/** Run the built kubectl against `cp` (admin kubeconfig unless opts.kubeconfig). */
export function kubectl(cp: ControlPlane, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  const kubeconfig = opts.kubeconfig ?? cp.kubeconfigPath;
  return run(
    cp.bins.kubectl,
    ['--kubeconfig', kubeconfig, '--cache-dir', join(cp.dir, 'kube-cache'), ...args],
    opts,
  );
}

/** Run the built helm against `cp` with helm's config/cache/data dirs inside cp.dir. */
export function helm(cp: ControlPlane, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  if (!cp.bins.helm) throw new Error(`helm not built in ${cp.binDir}; run .ci/build-kube.sh`);
  const env = {
    ...(opts.env ?? process.env),
    HELM_CACHE_HOME: join(cp.dir, 'helm', 'cache'),
    HELM_CONFIG_HOME: join(cp.dir, 'helm', 'config'),
    HELM_DATA_HOME: join(cp.dir, 'helm', 'data'),
  };
  return run(cp.bins.helm, ['--kubeconfig', opts.kubeconfig ?? cp.kubeconfigPath, ...args], { ...opts, env });
}

// Children still alive if the test process exits without calling stop().
const live = new Set<ChildProcess>();
const liveDirs = new Set<string>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const c of live) c.kill('SIGKILL');
    for (const d of liveDirs) rmSync(d, { recursive: true, force: true });
  });
}

export interface Proc {
  name: string;
  child: ChildProcess;
  logFile: string | undefined;
  exited: Promise<void>;
  exitInfo: string | undefined;
}

export function startProc(name: string, bin: string, args: string[], dir: string, verbose: boolean): Proc {
  let logFile: string | undefined;
  let fd: number | undefined;
  if (!verbose) {
    logFile = join(dir, `${name}.log`);
    fd = openSync(logFile, 'a');
  }
  const child = spawn(bin, args, { stdio: ['ignore', fd ?? 'inherit', fd ?? 'inherit'], cwd: dir });
  if (fd !== undefined) closeSync(fd);
  live.add(child);
  const p: Proc = {
    name,
    child,
    logFile,
    exitInfo: undefined,
    exited: new Promise<void>((res) => {
      child.on('exit', (code, signal) => {
        live.delete(child);
        p.exitInfo = signal ? `signal ${signal}` : `exit code ${code}`;
        res();
      });
      child.on('error', (err) => {
        live.delete(child);
        p.exitInfo = `spawn error: ${err.message}`;
        res();
      });
    }),
  };
  return p;
}

export function logTail(p: Proc, lines = 40): string {
  if (!p.logFile) return '(output went to stderr)';
  try {
    return readFileSync(p.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

export async function stopProc(p: Proc, timeoutMs: number): Promise<void> {
  if (p.exitInfo !== undefined) return;
  p.child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const timedOut = await Promise.race([
    p.exited.then(() => false),
    new Promise<boolean>((res) => (timer = setTimeout(() => res(true), timeoutMs))),
  ]);
  clearTimeout(timer);
  if (timedOut) {
    p.child.kill('SIGKILL');
    await p.exited;
  }
}

/** GET a URL once; resolves with status and body, or rejects on connection errors. */
function get(url: string, opts: { ca?: string; token?: string }): Promise<{ status: number; body: string }> {
  return new Promise((res, rej) => {
    const u = new URL(url);
    const headers: Record<string, string> = opts.token ? { Authorization: `Bearer ${opts.token}` } : {};
    const req = (u.protocol === 'https:' ? httpsRequest : httpRequest)(
      u,
      { method: 'GET', headers, ...(opts.ca ? { ca: opts.ca } : {}), timeout: 5000 },
      (resp) => {
        let body = '';
        resp.setEncoding('utf8').on('data', (d: string) => (body += d));
        resp.on('end', () => res({ status: resp.statusCode ?? 0, body }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', rej);
    req.end();
  });
}

async function waitReady(
  p: Proc,
  url: string,
  deadline: number,
  opts: { ca?: string; token?: string } = {},
): Promise<void> {
  let last = 'no response yet';
  while (Date.now() < deadline) {
    if (p.exitInfo !== undefined) {
      throw new Error(`${p.name} exited (${p.exitInfo}) before becoming ready. Last output:\n${logTail(p)}`);
    }
    try {
      const r = await get(url, opts);
      if (r.status === 200) return;
      last = `HTTP ${r.status}: ${r.body.slice(0, 2000)}`;
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${p.name} not ready at ${url} in time; last: ${last}\nLast output:\n${logTail(p)}`);
}

class ManagedProcess implements ControlPlaneProcess {
  private proc: Proc | undefined;
  readonly command: readonly string[];

  constructor(
    readonly name: 'etcd' | 'kube-apiserver',
    bin: string,
    args: string[],
    private readonly dir: string,
    private readonly verbose: boolean,
    private readonly readyUrl: string,
    private readonly readyOpts: { ca?: string; token?: string },
  ) {
    this.command = [bin, ...args];
  }

  get pid(): number | undefined {
    return this.proc?.child.pid;
  }

  get running(): boolean {
    return this.proc !== undefined && this.proc.exitInfo === undefined;
  }

  get exitInfo(): string | undefined {
    return this.proc?.exitInfo;
  }

  get current(): Proc | undefined {
    return this.proc;
  }

  signal(sig: NodeJS.Signals): void {
    const pid = this.pid;
    if (pid === undefined || !this.running) throw new Error(`${this.name} is not running`);
    process.kill(pid, sig);
  }

  async exited(): Promise<void> {
    await this.proc?.exited;
  }

  spawn(): void {
    if (this.running) throw new Error(`${this.name} is already running (pid ${this.pid})`);
    const [bin, ...args] = this.command as [string, ...string[]];
    // Appends to the same log file: one log per process across its restarts.
    this.proc = startProc(this.name, bin, args, this.dir, this.verbose);
  }

  async start(): Promise<void> {
    this.spawn();
    await this.waitReady();
  }

  async waitReady(timeoutMs = 90_000): Promise<void> {
    if (!this.proc) throw new Error(`${this.name} was never started`);
    await waitReady(this.proc, this.readyUrl, Date.now() + timeoutMs, this.readyOpts);
  }
}

/** Start etcd + kube-apiserver on loopback; call stop() when done. */
export async function startControlPlane(opts: ControlPlaneOptions = {}): Promise<ControlPlane> {
  const bins = findBinaries();
  const startTimeoutMs = opts.startTimeoutMs ?? 90_000;
  const stopTimeoutMs = opts.stopTimeoutMs ?? 10_000;
  const verbose = opts.verbose ?? process.env.BASCULE_CP_VERBOSE === '1';
  installExitHook();

  const dir = await mkdtemp(join(tmpdir(), 'bascule-cp-'));
  liveDirs.add(dir);
  const certDir = join(dir, 'certs');
  const etcdDir = join(dir, 'etcd');
  await mkdir(certDir, { mode: 0o700 });
  await mkdir(etcdDir, { mode: 0o700 });

  const procs: ManagedProcess[] = [];
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    // API server first (it talks to etcd), then etcd. A stopped (SIGSTOP) process is continued
    // first, or it could not handle SIGTERM.
    for (const p of [...procs].reverse()) {
      const proc = p.current;
      if (!proc) continue;
      if (p.running) proc.child.kill('SIGCONT');
      await stopProc(proc, stopTimeoutMs);
    }
    liveDirs.delete(dir);
    if (!opts.keepDir) await rm(dir, { recursive: true, force: true, maxRetries: 3 });
  };

  try {
    const deadline = Date.now() + startTimeoutMs;
    const [, ports] = await Promise.all([generatePki(certDir), freePorts(3)]);
    const [etcdClientPort, etcdPeerPort, apiPort] = ports as [number, number, number];

    // --- etcd (flags as envtest: controlplane/etcd.go) ---
    const etcdUrl = `http://127.0.0.1:${etcdClientPort}`;
    const peerUrl = `http://127.0.0.1:${etcdPeerPort}`;
    const etcd = new ManagedProcess(
      'etcd',
      bins.etcd,
      [
        '--name=bascule-test',
        `--data-dir=${etcdDir}`,
        `--listen-client-urls=${etcdUrl}`,
        `--advertise-client-urls=${etcdUrl}`,
        `--listen-peer-urls=${peerUrl}`,
        `--initial-advertise-peer-urls=${peerUrl}`,
        `--initial-cluster=bascule-test=${peerUrl}`,
        '--initial-cluster-state=new',
        '--logger=zap',
        '--log-outputs=stderr',
      ],
      dir,
      verbose,
      `${etcdUrl}/health`,
      {},
    );
    procs.push(etcd);
    etcd.spawn();
    await etcd.waitReady(deadline - Date.now());

    // --- static tokens ---
    const users: Record<string, Required<StaticUser>> = {};
    const addUser = (u: StaticUser): void => {
      users[u.user] = {
        user: u.user,
        token: u.token ?? randomBytes(24).toString('hex'),
        groups: u.groups ?? [],
      };
    };
    addUser({ user: ADMIN_USER, groups: ['system:masters'] });
    addUser({ user: CONTROLLER_USER });
    for (const u of opts.users ?? []) addUser(u);
    const tokenFile = join(certDir, 'tokens.csv');
    await writeFile(tokenFile, Object.values(users).map(tokenLine).join('\n') + '\n', { mode: 0o600 });
    const adminToken = users[ADMIN_USER]!.token;

    // --- kube-apiserver (flags as envtest: controlplane/apiserver.go) ---
    const server = `https://127.0.0.1:${apiPort}`;
    const caFile = join(certDir, 'ca.crt');
    const caPem = await readFile(caFile, 'utf8');
    const apiserver = new ManagedProcess(
      'kube-apiserver',
      bins.kubeApiserver,
      [
        `--etcd-servers=${etcdUrl}`,
        `--cert-dir=${certDir}`,
        `--tls-cert-file=${join(certDir, 'apiserver.crt')}`,
        `--tls-private-key-file=${join(certDir, 'apiserver.key')}`,
        `--client-ca-file=${caFile}`,
        `--secure-port=${apiPort}`,
        '--bind-address=127.0.0.1',
        '--advertise-address=127.0.0.1',
        '--authorization-mode=RBAC',
        `--token-auth-file=${tokenFile}`,
        `--service-account-issuer=${server}/`,
        `--service-account-key-file=${join(certDir, 'sa-signer.pub')}`,
        `--service-account-signing-key-file=${join(certDir, 'sa-signer.key')}`,
        '--service-cluster-ip-range=10.0.0.0/24',
        // The ServiceAccount admission plugin would require a "default" SA per
        // namespace, which only the (absent) controller-manager creates.
        '--disable-admission-plugins=ServiceAccount',
        '--allow-privileged=true',
        // The "kubernetes" Service still exists, but the apiserver would try
        // (and fail: loopback is not a valid endpoint IP) to write its
        // Endpoints every 10s, logging an error each time.
        '--endpoint-reconciler-type=none',
        ...(opts.extraApiServerArgs ?? []),
      ],
      dir,
      verbose,
      `${server}/readyz`,
      { ca: caPem, token: adminToken },
    );
    procs.push(apiserver);
    apiserver.spawn();
    await apiserver.waitReady(deadline - Date.now());

    const cp: ControlPlane = {
      dir,
      kubeconfigPath: join(dir, 'kubeconfig'),
      server,
      token: adminToken,
      caPem,
      caFile,
      etcdUrl,
      binDir: bins.binDir,
      bins,
      users,
      etcd,
      apiserver,
      stop,
    };
    await writeFile(cp.kubeconfigPath, kubeconfigJson(cp, ADMIN_USER, adminToken), { mode: 0o600 });
    return cp;
  } catch (err) {
    await stop().catch(() => {});
    throw err;
  }
}
