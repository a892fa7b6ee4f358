// The stats page as a person sees it: rendered by real headless Chromium (Debian's chromium,
// driven by playwright-core), with a backend whose servers are up, down (its health check really
// fails) and in drain, plus a backup server and a runtime maintenance override. A screenshot is
// written to test-results/observability/ (not committed).
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { startDataplane, type Dataplane } from '#dataplane/dataplane';
import { STATUS_COLOURS } from '#dataplane/admin/stats-html';
import type { StatsDocument } from '#dataplane/admin/stats-model';
import { makeSnapshot, shortVersion } from '#protocol/canonical';
import { startBackend, type TestBackend } from '../../support/backends.js';
import { freePort } from '../../support/ports.js';
import {
  ADMIN,
  HOST,
  backend,
  basic,
  body,
  eventually,
  frontend,
  httpHealth,
  quietLogger,
  request,
  resultsDir,
  server,
} from './helpers.js';

const CHROMIUM = process.env.BASCULE_CHROMIUM ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--headless',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/** Runs in the page: the computed background colour of an element. */
const backgroundOf = (el: unknown): string =>
  (globalThis as unknown as { getComputedStyle(e: unknown): { backgroundColor: string } }).getComputedStyle(
    el,
  ).backgroundColor;

/** "#c0f0c0" → "rgb(192, 240, 192)", as getComputedStyle reports it. */
function rgb(hex: string): string {
  const n = Number.parseInt(hex.slice(1), 16);
  return `rgb(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255})`;
}

async function launch(credentials?: {
  username: string;
  password: string;
}): Promise<{ ctx: BrowserContext; close(): Promise<void> }> {
  // A fresh profile for every browser (--user-data-dir), removed afterwards.
  const profile = mkdtempSync(join(tmpdir(), 'bascule-chromium-'));
  const ctx = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1680, height: 1050 },
    ...(credentials ? { httpCredentials: credentials } : {}),
  });
  return {
    ctx,
    close: async () => {
      await ctx.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

describe('observability: stats page in headless Chromium', function () {
  this.timeout(90_000);
  const backends: TestBackend[] = [];
  let dp: Dataplane;
  let fePort: number;
  let version: string;

  before(async () => {
    const [up, down, drain, api1, apiBackup] = await Promise.all(
      ['s-up', 's-down', 's-drain', 'api-1', 'api-backup'].map((n) => startBackend(n)),
    );
    backends.push(up!, down!, drain!, api1!, apiBackup!);
    // A real failing server: it answers traffic, but its health endpoint says 503.
    down!.handler = (req, res) => {
      if (req.url === '/health') res.writeHead(503, { 'content-type': 'text/plain' }).end('sick\n');
      else res.writeHead(200).end('s-down\n');
    };
    fePort = await freePort();
    dp = await startDataplane({
      group: 'default',
      nodeId: 'dp-stats',
      admin: { host: HOST, port: 0 },
      logger: quietLogger(),
      observability: { adminAuth: ADMIN, accessLog: { format: 'off' }, processMetrics: false },
    });
    const snap = makeSnapshot(
      body(
        [
          frontend('default/web', fePort, {
            defaultBackend: 'default/web',
            rules: [
              {
                name: 'api',
                match: { path: { prefix: '/api/' } },
                action: { type: 'backend', backend: 'default/api' },
              },
            ],
          }),
        ],
        [
          backend(
            'default/web',
            [
              server('s-up', up!.port),
              server('s-down', down!.port),
              server('s-drain', drain!.port, { state: 'drain' }),
            ],
            { health: httpHealth() },
          ),
          backend('default/api', [
            server('api-1', api1!.port),
            server('api-backup', apiBackup!.port, { backup: true }),
          ]),
        ],
      ),
    );
    version = snap.version;
    const applied = await dp.applySnapshot(snap);
    expect(applied.ok, JSON.stringify(applied)).to.equal(true);

    const auth = { authorization: basic(ADMIN.username, ADMIN.password) };
    const stats = async (): Promise<StatsDocument> =>
      (await (await fetch(`${dp.adminUrl}/stats;json`, { headers: auth })).json()) as StatsDocument;
    // The failing health check takes s-down out (fall 1, every 100 ms).
    await eventually(
      async () =>
        (await stats()).backends.find((b) => b.id === 'default/web')?.servers.find((s) => s.name === 's-down')
          ?.status === 'down',
    );

    // An emergency override: api-1 to maintenance on this dataplane.
    const put = await fetch(`${dp.adminUrl}/runtime/servers/default/api/api-1`, {
      method: 'PUT',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ state: 'maintenance', reason: 'disk replacement' }),
    });
    expect(put.status).to.equal(200);

    // Known traffic: only s-up takes the web requests; the backup takes /api/ while api-1 is in maintenance.
    for (let i = 0; i < 6; i++) expect((await request(fePort, '/')).body).to.equal('s-up\n');
    for (let i = 0; i < 2; i++) expect((await request(fePort, '/api/x')).body).to.equal('api-backup\n');
  });

  after(async () => {
    await dp?.close();
    await Promise.all(backends.map((b) => b.close()));
  });

  it('shows the right rows and colours for up, down and drain servers (and backup, maintenance)', async () => {
    const browser = await launch(ADMIN);
    try {
      const page = await browser.ctx.newPage();
      const res = await page.goto(`${dp.adminUrl}/stats?refresh=0`);
      expect(res?.status()).to.equal(200);

      const web = page.locator('table.backend[data-backend="default/web"]');
      await web.waitFor();
      const rows = web.locator('tbody tr.server');
      expect(await rows.count()).to.equal(3);
      const expectations: Array<[string, string, string, keyof typeof STATUS_COLOURS]> = [
        ['s-up', 'up', 'UP', 'up'],
        ['s-down', 'down', 'DOWN', 'down'],
        ['s-drain', 'drain', 'DRAIN', 'drain'],
      ];
      for (const [name, status, text, colour] of expectations) {
        const row = web.locator(`tr.server[data-server="${name}"]`);
        expect(await row.getAttribute('data-status'), name).to.equal(status);
        expect((await row.locator('td.status').innerText()).trim(), name).to.equal(text);
        const bg = await row.locator('td.status').evaluate(backgroundOf);
        expect(bg, `${name} colour`).to.equal(rgb(STATUS_COLOURS[colour]));
      }
      // The three colours really differ (a page where everything is green would fail above too).
      expect(new Set([STATUS_COLOURS.up, STATUS_COLOURS.down, STATUS_COLOURS.drain]).size).to.equal(3);

      // Counters in the rows: all six web requests on s-up, none on the others.
      const total = async (name: string): Promise<string> =>
        (await web.locator(`tr.server[data-server="${name}"] td.n`).nth(5).innerText()).trim();
      expect(await total('s-up')).to.equal('6');
      expect(await total('s-down')).to.equal('0');
      expect(await total('s-drain')).to.equal('0');
      // Health check result and reason: s-down's check fails with the server's 503.
      const check = await web.locator('tr.server[data-server="s-down"] td.check').innerText();
      expect(check).to.match(/failed/);
      expect(check).to.match(/503/);
      expect(await web.locator('tr.server[data-server="s-up"] td.check').innerText()).to.match(/passed/);
      expect(await web.locator('tfoot td.status').innerText()).to.match(/UP/);

      // Backup and runtime maintenance in the other backend.
      const api = page.locator('table.backend[data-backend="default/api"]');
      const maint = api.locator('tr.server[data-server="api-1"]');
      expect(await maint.getAttribute('data-status')).to.equal('maintenance');
      expect((await maint.locator('td.status').innerText()).trim()).to.equal('MAINT');
      expect(await maint.locator('td.status').evaluate(backgroundOf)).to.equal(
        rgb(STATUS_COLOURS.maintenance),
      );
      expect(await maint.locator('td.override').innerText()).to.match(/maintenance \(runtime/);
      const bk = api.locator('tr.server[data-server="api-backup"]');
      expect((await bk.locator('td.status').innerText()).trim()).to.equal('UP (backup)');
      expect(await bk.locator('td.status').evaluate(backgroundOf)).to.equal(rgb(STATUS_COLOURS.backup));
      expect((await bk.locator('td.n').nth(5).innerText()).trim()).to.equal('2');

      // Frontend table and the snapshot version and age.
      const fe = page.locator('table.frontend[data-frontend="default/web"]');
      expect(await fe.count()).to.equal(1);
      expect((await page.locator('#snapshot-version').innerText()).trim()).to.equal(shortVersion(version));
      expect(await page.locator('#snapshot-version').getAttribute('title')).to.equal(version);
      expect(await page.locator('#snapshot-age').innerText()).to.match(/\d+s ago/);

      const shot = join(resultsDir(), 'stats-page.png');
      await page.screenshot({ path: shot, fullPage: true });

      console.log(`      screenshot: ${shot}`);
    } finally {
      await browser.close();
    }
  });

  it('refreshes itself, and answers 401 to wrong or missing credentials', async () => {
    // Auto-refresh: the default page reloads every 5 s.
    const page = await fetch(`${dp.adminUrl}/stats`, {
      headers: { authorization: basic(ADMIN.username, ADMIN.password) },
    });
    expect(page.status).to.equal(200);
    expect(await page.text()).to.include('<meta http-equiv="refresh" content="5">');

    const browser = await launch({ username: ADMIN.username, password: 'wrong password' });
    try {
      const p = await browser.ctx.newPage();
      const res = await p.goto(`${dp.adminUrl}/stats`);
      expect(res?.status()).to.equal(401);
    } finally {
      await browser.close();
    }
    const none = await fetch(`${dp.adminUrl}/stats`);
    expect(none.status).to.equal(401);
    expect(none.headers.get('www-authenticate')).to.match(/^Basic realm=/);
    const wrong = await fetch(`${dp.adminUrl}/stats;json`, {
      headers: { authorization: basic('ops', 'nope') },
    });
    expect(wrong.status).to.equal(401);
    const wrongUser = await fetch(`${dp.adminUrl}/runtime/servers`, {
      headers: { authorization: basic('root', ADMIN.password) },
    });
    expect(wrongUser.status).to.equal(401);
    // Probes stay open.
    expect((await fetch(`${dp.adminUrl}/healthz`)).status).to.equal(200);
  });

  it('counts health transitions and checks in the metrics, and shows server states there too', async () => {
    const text = await (await fetch(`${dp.adminUrl}/metrics`)).text();
    const sample = (series: string): number | undefined => {
      const line = text.split('\n').find((l) => l.startsWith(`${series} `));
      return line === undefined ? undefined : Number(line.slice(series.length + 1));
    };
    const sDown = 'backend="default/web",server="s-down"';
    expect(sample(`bascule_server_health_transitions_total{${sDown},to="down"}`)).to.equal(1);
    expect(sample(`bascule_server_health_transitions_total{${sDown},to="up"}`)).to.equal(0);
    expect(sample(`bascule_server_health_checks_total{${sDown},result="failed"}`)).to.be.at.least(1);
    expect(
      sample(`bascule_server_health_checks_total{backend="default/web",server="s-up",result="passed"}`),
    ).to.be.at.least(1);
    expect(sample(`bascule_server_up{${sDown}}`)).to.equal(0);
    expect(sample(`bascule_server_state{${sDown},state="down"}`)).to.equal(1);
    expect(sample(`bascule_server_state{backend="default/web",server="s-drain",state="drain"}`)).to.equal(1);
    expect(sample(`bascule_server_state{backend="default/api",server="api-1",state="maintenance"}`)).to.equal(
      1,
    );
    expect(sample(`bascule_server_runtime_override{backend="default/api",server="api-1"}`)).to.equal(1);
    expect(sample('bascule_runtime_overrides')).to.equal(1);
    expect(sample('bascule_backend_active_servers{backend="default/web"}')).to.equal(1);
  });

  it('serves the same stats as JSON (;json and Accept) and CSV', async () => {
    const auth = { authorization: basic(ADMIN.username, ADMIN.password) };
    const viaSuffix = (await (
      await fetch(`${dp.adminUrl}/stats;json`, { headers: auth })
    ).json()) as StatsDocument;
    const viaAccept = await fetch(`${dp.adminUrl}/stats`, {
      headers: { ...auth, accept: 'application/json' },
    });
    expect(viaAccept.headers.get('content-type')).to.match(/application\/json/);
    const doc = (await viaAccept.json()) as StatsDocument;
    for (const d of [viaSuffix, doc]) {
      expect(d.snapshot.version).to.equal(version);
      const web = d.backends.find((b) => b.id === 'default/web')!;
      expect(web.servers.map((s) => [s.name, s.status, s.sessions])).to.deep.equal([
        ['s-up', 'up', 6],
        ['s-down', 'down', 0],
        ['s-drain', 'drain', 0],
      ]);
      expect(web.servers[1]!.check?.lastResult).to.equal('failed');
      expect(web.servers[1]!.lastTransition).to.be.a('string');
      expect(web.responses['2xx']).to.equal(6);
      const api1 = d.backends.find((b) => b.id === 'default/api')!.servers[0]!;
      expect(api1.override).to.include({ state: 'maintenance', reason: 'disk replacement' });
      expect(api1.configuredState).to.equal('ready');
      expect(d.frontends[0]).to.include({ id: 'default/web', requests: 8 });
    }
    const csv = await fetch(`${dp.adminUrl}/stats;csv`, { headers: auth });
    expect(csv.headers.get('content-type')).to.match(/text\/csv/);
    const lines = (await csv.text()).trim().split('\r\n');
    const header = lines[0]!.split(',');
    const col = (row: string[], name: string): string => row[header.indexOf(name)]!;
    const rows = lines.slice(1).map((l) => l.split(','));
    const sUp = rows.find((r) => col(r, 'type') === 'server' && col(r, 'server') === 's-up')!;
    expect(col(sUp, 'status')).to.equal('up');
    expect(col(sUp, 'total')).to.equal('6');
    expect(
      col(
        rows.find((r) => col(r, 'server') === 's-down')!,
        'status',
      ),
    ).to.equal('down');
    expect(
      col(
        rows.find((r) => col(r, 'server') === 's-drain')!,
        'status',
      ),
    ).to.equal('drain');
    expect(
      col(
        rows.find((r) => col(r, 'server') === 'api-backup')!,
        'status',
      ),
    ).to.equal('backup');
    expect(
      col(
        rows.find((r) => col(r, 'type') === 'frontend')!,
        'responses_2xx',
      ),
    ).to.equal('8');
  });
});
