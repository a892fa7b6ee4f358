// Behaviour round trip: an haproxy.cfg fixture, with its servers pointed at real test backends on
// 127.0.0.1, runs under real HAProxy and, imported, under `bascule standalone`; the same request
// sequence must be served the same way (distribution, persistence, path routing).
// HAProxy is required: the test fails when it is missing (CI installs it in .ci/run).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { importHaproxy } from '#importer/import-command';
import { startBackend, type TestBackend } from '../support/backends.js';
import { freePort } from '../support/ports.js';
import { ROOT, runBascule, waitFor, type Proc } from '../support/process.js';
import { FIXTURES } from './helpers.js';

function findHaproxy(): string {
  const dirs = [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/usr/local/sbin', '/sbin'];
  for (const d of dirs) if (d && existsSync(join(d, 'haproxy'))) return join(d, 'haproxy');
  throw new Error(
    'HAProxy is not installed: the round-trip test compares Bascule with it (apt-get install -y haproxy; CI installs it in .ci/run)',
  );
}

interface Rewritten {
  cfg: string;
  /** Original bind port → the port both proxies listen on here. */
  ports: Map<number, number>;
}

/**
 * Points every server at its test backend and every bind at a free loopback port, and drops
 * process settings that need privileges (user, group, chroot, daemon, log, stats socket).
 */
async function rewrite(cfg: string, servers: Map<string, TestBackend>): Promise<Rewritten> {
  const ports = new Map<number, number>();
  const out: string[] = [];
  let section = '';
  let kind = '';
  for (const line of cfg.split('\n')) {
    const head = /^(global|defaults|frontend|backend|listen)\b\s*(\S*)/.exec(line);
    if (head) [kind, section] = [head[1]!, head[2] ?? ''];
    if (/^\s*(user|group|chroot|daemon|log|pidfile)\b|^\s*stats socket\b/.test(line)) continue;
    // A process-wide maxconn makes HAProxy raise its file limit, which a test runner may not allow.
    if (kind === 'global' && /^\s*maxconn\b/.test(line)) continue;
    const srv = /^(\s*server\s+)(\S+)(\s+)(\S+)(.*)$/.exec(line);
    if (srv) {
      const b = servers.get(`${section}/${srv[2]}`);
      if (!b) throw new Error(`no test backend for server ${section}/${srv[2]}`);
      out.push(`${srv[1]}${srv[2]}${srv[3]}127.0.0.1:${b.port}${srv[5]}`);
      continue;
    }
    const bind = /^(\s*bind\s+)\S*:(\d+)(.*)$/.exec(line);
    if (bind) {
      const orig = Number(bind[2]);
      if (!ports.has(orig)) ports.set(orig, await freePort());
      out.push(`${bind[1]}127.0.0.1:${ports.get(orig)}${bind[3]}`);
      continue;
    }
    out.push(line);
  }
  return { cfg: out.join('\n'), ports };
}

interface Reply {
  status: number;
  /** Which test backend answered ('' for a local reply such as a deny). */
  server: string;
  setCookie: string[];
}

/** One request on a fresh connection, optionally from another loopback address (a distinct client for rate limits). */
function get(
  port: number,
  path: string,
  headers: Record<string, string> = {},
  from?: string,
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        headers: { connection: 'close', ...headers },
        agent: false,
        ...(from ? { localAddress: from } : {}),
      },
      (res) => {
        res.resume();
        res.on('end', () => {
          const sc = res.headers['set-cookie'];
          resolve({
            status: res.statusCode ?? 0,
            server: String(res.headers['x-backend'] ?? ''),
            setCookie: sc ?? [],
          });
        });
      },
    );
    req.setTimeout(10_000, () => req.destroy(new Error(`GET ${path} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

async function sequence(
  port: number,
  paths: (string | [string, Record<string, string>])[],
  from?: string,
): Promise<Reply[]> {
  const out: Reply[] = [];
  for (const p of paths)
    out.push(typeof p === 'string' ? await get(port, p, {}, from) : await get(port, p[0], p[1], from));
  return out;
}

class Pair {
  haproxy?: ChildProcess;
  haproxyLog = '';
  bascule?: Proc;
  dir = '';
  haproxyPort = 0;
  basculePort = 0;

  /** Starts HAProxy with the rewritten cfg, and Bascule standalone with its import. */
  async start(rw: Rewritten, listenPort: number): Promise<void> {
    this.dir = mkdtempSync(join(tmpdir(), 'bascule-roundtrip-'));
    const cfgFile = join(this.dir, 'haproxy.cfg');
    writeFileSync(cfgFile, rw.cfg);
    const check = spawnSync(findHaproxy(), ['-c', '-q', '-f', cfgFile], { encoding: 'utf8' });
    if (check.status !== 0) throw new Error(`haproxy -c rejects the rewritten config:\n${check.stderr}`);
    const imported = importHaproxy(rw.cfg, 'haproxy.cfg');
    if (imported.result.report.errors.length > 0) throw new Error(imported.stderr.join('\n'));
    const manifests = join(this.dir, 'manifests');
    mkdirSync(manifests);

    // HAProxy listens on the rewritten ports; Bascule on the same config shifted to other ports.
    const bports = new Map<number, number>();
    for (const p of rw.ports.values()) bports.set(p, await freePort());
    const shifted = imported.yaml.replace(/^(\s+port: )(\d+)$/gm, (m, pre: string, port: string) => {
      const to = bports.get(Number(port));
      return to === undefined ? m : `${pre}${to}`;
    });
    writeFileSync(join(manifests, 'imported.yaml'), shifted);
    this.haproxyPort = listenPort;
    this.basculePort = bports.get(listenPort)!;

    this.haproxy = spawn(findHaproxy(), ['-f', cfgFile, '-db'], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.haproxy.stdout!.on('data', (c: Buffer) => (this.haproxyLog += c.toString()));
    this.haproxy.stderr!.on('data', (c: Buffer) => (this.haproxyLog += c.toString()));
    const [admin, dpAdmin] = [await freePort(), await freePort()];
    this.bascule = runBascule(
      [
        'standalone',
        '--dir',
        manifests,
        '--admin',
        `127.0.0.1:${admin}`,
        '--dataplane-admin',
        `127.0.0.1:${dpAdmin}`,
        // Parity with one HAProxy process: exact round-robin cycles, one rate-limit table and one
        // stick table (several workers keep their own; see docs/workers.md).
        '--workers',
        '1',
      ],
      { BASCULE_LOG_LEVEL: 'warn' },
    );
    const ready = async (what: string, port: number, log: () => string) => {
      try {
        await waitFor(`${what} on port ${port}`, () => get(port, '/').then(() => true), 20_000, 50);
      } catch (err) {
        throw new Error(`${(err as Error).message}\n--- ${what} output:\n${log()}`);
      }
    };
    await ready('HAProxy', this.haproxyPort, () => this.haproxyLog);
    await ready('Bascule', this.basculePort, () => this.bascule!.output());
  }

  async stop(): Promise<void> {
    if (this.haproxy && this.haproxy.exitCode === null) {
      const exited = new Promise((r) => this.haproxy!.once('exit', r));
      this.haproxy.kill('SIGTERM');
      await exited;
    }
    await this.bascule?.kill();
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
  }
}

const fixture = (name: string) => readFileSync(join(FIXTURES, name, 'haproxy.cfg'), 'utf8');

async function backendsFor(names: string[]): Promise<Map<string, TestBackend>> {
  const m = new Map<string, TestBackend>();
  for (const n of names) m.set(n, await startBackend(n.split('/')[1]!));
  return m;
}

describe('round trip: imported haproxy.cfg behaves like HAProxy', function () {
  this.timeout(120_000);
  before(() => {
    findHaproxy();
    if (!existsSync(join(ROOT, 'dist/importer/src/import-command.js')))
      throw new Error('run `npm run build` before these tests');
  });

  describe('listen webfarm: weighted round robin, backup server, cookie insert', () => {
    let servers: Map<string, TestBackend>;
    const pair = new Pair();
    before(async () => {
      servers = await backendsFor(['webfarm/webA', 'webfarm/webB', 'webfarm/webC', 'webfarm/webD']);
      const rw = await rewrite(fixture('listen-webfarm'), servers);
      await pair.start(rw, rw.ports.get(80)!);
    });
    after(async () => {
      await pair.stop();
      for (const b of servers.values()) await b.close();
    });

    it('distributes by weight 3:2:1 in every cycle, and never to the backup', async () => {
      // Both pick sequences are periodic (period 6 = the sum of the weights), so every window of
      // 6 consecutive requests holds one full period, whatever the readiness probes consumed.
      const h = (await sequence(pair.haproxyPort, Array(24).fill('/'))).map((r) => r.server);
      const b = (await sequence(pair.basculePort, Array(24).fill('/'))).map((r) => r.server);
      const cycles = (seq: string[]) => [0, 6, 12, 18].map((i) => count(seq.slice(i, i + 6)));
      // HAProxy's roundrobin and Bascule's smooth weighted round robin may order picks
      // differently inside a cycle (a b a c a b vs a b a c b a); per cycle they agree exactly.
      expect(cycles(b)).to.deep.equal(cycles(h));
      expect(cycles(h)[0]).to.deep.equal({ webA: 3, webB: 2, webC: 1 });
    });

    it('cookie insert indirect nocache: clients stick to the server their cookie names, as with HAProxy', async () => {
      const observe = async (port: number) => {
        const first = await get(port, '/');
        const cookie = first.setCookie.map((c) => c.split(';')[0]!).find((c) => c.startsWith('SERVERID='));
        const again = await sequence(port, Array(5).fill(['/', { cookie: cookie ?? '' }]));
        const pinned = await get(port, '/', { cookie: 'SERVERID=C' });
        const seenByServer = servers.get('webfarm/webC')!.lastHeaders?.cookie;
        const stale = await get(port, '/', { cookie: 'SERVERID=nope' });
        return {
          // Server webX has "cookie X" in the config.
          cookieNamesServer: cookie === `SERVERID=${first.server.slice(3)}`,
          stays: again.map((r) => r.server).every((x) => x === first.server),
          pinned: pinned.server,
          pinnedSetsCookie: pinned.setCookie.length > 0,
          cookieHiddenFromServer: seenByServer === undefined,
          staleGetsNewCookie: stale.setCookie.some((c) => c.startsWith(`SERVERID=${stale.server.slice(3)}`)),
        };
      };
      const h = await observe(pair.haproxyPort);
      const b = await observe(pair.basculePort);
      expect(b).to.deep.equal(h);
      // (Not compared: "nocache". HAProxy adds Cache-Control: private only to responses its
      // cacheability analysis marks cacheable; Bascule adds it whenever it sets the cookie.)
      expect(h).to.include({
        cookieNamesServer: true,
        stays: true,
        pinned: 'webC',
        pinnedSetsCookie: false,
        cookieHiddenFromServer: true,
        staleGetsNewCookie: true,
      });
    });
  });

  describe('path routing: ACLs to three backends, deny with an exception', () => {
    let servers: Map<string, TestBackend>;
    const pair = new Pair();
    before(async () => {
      servers = await backendsFor([
        'api_servers/api1',
        'api_servers/api2',
        'static_servers/static1',
        'static_servers/static2',
        'app_servers/app1',
        'app_servers/app2',
        'app_servers/app3',
      ]);
      const rw = await rewrite(fixture('path-routing'), servers);
      await pair.start(rw, rw.ports.get(8080)!);
    });
    after(async () => {
      await pair.stop();
      for (const b of servers.values()) await b.close();
    });

    const pool = (server: string) => server.replace(/\d+$/, '');

    it('routes every request to the same pool (or answers the same status) as HAProxy', async () => {
      const paths: (string | [string, Record<string, string>])[] = [
        '/api/users',
        '/v1/orders',
        '/api',
        '/static/app.css',
        '/STATIC/logo.svg',
        '/assets/x',
        '/img/logo.png',
        '/app.js?v=2',
        ['/', { host: 'static.example.com' }],
        ['/', { host: 'www.example.com' }],
        '/admin',
        '/admin/',
        '/administrator',
        '/checkout',
        '/',
      ];
      const h = await sequence(pair.haproxyPort, paths);
      const b = await sequence(pair.basculePort, paths);
      const view = (rs: Reply[]) =>
        rs.map((r, i) => `${JSON.stringify(paths[i])} → ${r.status} ${pool(r.server)}`);
      expect(view(b)).to.deep.equal(view(h));
      // And the expectations themselves, so a shared mistake does not pass.
      expect(view(h)).to.deep.equal([
        '"/api/users" → 200 api',
        '"/v1/orders" → 200 api',
        '"/api" → 200 app',
        '"/static/app.css" → 200 static',
        '"/STATIC/logo.svg" → 200 static',
        '"/assets/x" → 200 static',
        '"/img/logo.png" → 200 static',
        '"/app.js?v=2" → 200 static',
        '["/",{"host":"static.example.com"}] → 200 static',
        '["/",{"host":"www.example.com"}] → 200 app',
        '"/admin" → 403 ',
        '"/admin/" → 200 app',
        '"/administrator" → 200 app',
        '"/checkout" → 200 app',
        '"/" → 200 app',
      ]);
    });

    it('balances the default pool like HAProxy (weights 10:10, the disabled server gets nothing)', async () => {
      const h = (await sequence(pair.haproxyPort, Array(20).fill('/page'))).map((r) => r.server);
      const b = (await sequence(pair.basculePort, Array(20).fill('/page'))).map((r) => r.server);
      expect(count(b)).to.deep.equal(count(h));
      expect(count(h)).to.deep.equal({ app1: 10, app2: 10 });
    });
  });
});

describe('round trip: rate limit and source persistence', function () {
  this.timeout(120_000);
  let servers: Map<string, TestBackend>;
  const pair = new Pair();
  before(async () => {
    findHaproxy();
    servers = await backendsFor(['api/a1', 'api/a2']);
    const rw = await rewrite(fixture('rate-limit'), servers);
    await pair.start(rw, rw.ports.get(8000)!);
  });
  after(async () => {
    await pair.stop();
    for (const b of servers.values()) await b.close();
  });

  it('denies past 100 requests per 10s per client with 429, and keeps a client on one server, like HAProxy', async () => {
    // From 127.0.0.2: a client of its own, whatever the readiness probes (from 127.0.0.1) counted.
    const run = async (port: number) => {
      const replies = await sequence(port, Array(104).fill('/'), '127.0.0.2');
      return {
        statuses: count(replies.map((r) => String(r.status))),
        servers: new Set(replies.filter((r) => r.server).map((r) => r.server)).size,
      };
    };
    const h = await run(pair.haproxyPort);
    const b = await run(pair.basculePort);
    expect(b).to.deep.equal(h);
    expect(h).to.deep.equal({ statuses: { 200: 100, 429: 4 }, servers: 1 });
  });
});

describe('round trip: option forwardfor beside X-Forwarded-* header rules', function () {
  this.timeout(120_000);
  let servers: Map<string, TestBackend>;
  const pair = new Pair();
  before(async () => {
    findHaproxy();
    servers = await backendsFor(['app/app1']);
    const rw = await rewrite(fixture('forwarded-headers'), servers);
    await pair.start(rw, rw.ports.get(8090)!);
  });
  after(async () => {
    await pair.stop();
    for (const b of servers.values()) await b.close();
  });

  it('the server receives one value of each forwarding header, the same as from HAProxy', async () => {
    const seen = async (port: number) => {
      const reply = await get(port, '/');
      expect(reply.status).to.equal(200);
      const h = servers.get('app/app1')!.lastHeaders!;
      return {
        'x-forwarded-for': h['x-forwarded-for'],
        'x-forwarded-proto': h['x-forwarded-proto'],
        'x-forwarded-host': h['x-forwarded-host'],
        'x-env': h['x-env'],
      };
    };
    const h = await seen(pair.haproxyPort);
    const b = await seen(pair.basculePort);
    expect(b).to.deep.equal(h);
    expect(h).to.deep.equal({
      'x-forwarded-for': '127.0.0.1',
      'x-forwarded-proto': 'http',
      'x-forwarded-host': 'public.example.com',
      'x-env': 'prod',
    });
  });
});

function count(seq: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of [...seq].sort()) out[s] = (out[s] ?? 0) + 1;
  return out;
}
