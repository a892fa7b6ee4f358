// Cookie persistence side by side with real HAProxy (CI installs it; the import round-trip test
// needs it too): the same app servers behind `haproxy` with `cookie … insert|rewrite|prefix`
// and behind Bascule with the equivalent Backend; the same requests must be answered the same
// way — which cookie the client is given, which cookie the application sees, and where the
// request goes. The only expected difference is documented in docs/traffic.md: nocache adds
// Cache-Control: private to every response that sets the cookie (HAProxy: cacheable ones only).
import http from 'node:http';
import type net from 'node:net';
import { expect } from 'chai';
import type { BackendSnap } from '#protocol/snapshot';
import { startHaproxy, type Haproxy } from '../../security/support/haproxy-process.js';
import { HOST, backend, freePort, frontend, harness, server, type Harness } from './support.js';

type CookieSnap = NonNullable<NonNullable<BackendSnap['persistence']>['cookie']>;

/** Answers its name; sets a cookie when asked (?set=NAME=VALUE); reports the Cookie it got. */
async function app(name: string): Promise<{ port: number; close(): Promise<void> }> {
  const srv = http.createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    const headers: http.OutgoingHttpHeaders = {
      'content-type': 'text/plain',
      'x-cookie-seen': req.headers.cookie ?? '-',
    };
    const set = u.searchParams.get('set');
    if (set) headers['set-cookie'] = `${set}; Path=/`;
    res.writeHead(200, headers);
    res.end(name);
  });
  await new Promise<void>((r) => srv.listen(0, HOST, r));
  return {
    port: (srv.address() as net.AddressInfo).port,
    close: () =>
      new Promise<void>((r) => {
        srv.closeAllConnections();
        srv.close(() => r());
      }),
  };
}

interface Seen {
  status: number;
  server: string;
  setCookie: string[];
  cookieSeen: string;
}

function ask(port: number, p: string, cookie?: string): Promise<Seen> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: HOST, port, path: p, agent: false, headers: cookie ? { cookie } : {} },
      (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => {
          const self = body === 'app0' ? 'c0' : 'c1';
          // Attribute names are case-insensitive (RFC 6265); the answering server's id is SELF.
          const norm = (c: string) =>
            c
              .split(';')
              .map((part, i) =>
                i === 0 ? part.trim() : part.trim().replace(/^[^=]+/, (n) => n.toLowerCase()),
              )
              .join('; ')
              .replaceAll(self, 'SELF');
          resolve({
            status: res.statusCode ?? 0,
            server: body,
            setCookie: (res.headers['set-cookie'] ?? []).map(norm),
            cookieSeen: String(res.headers['x-cookie-seen'] ?? '').replaceAll(self, 'SELF'),
          });
        });
      },
    );
    req.on('error', reject);
    req.end();
  });
}

const CASES: Array<{
  name: string;
  haproxy: string;
  cookie: Partial<CookieSnap> & { name: string; mode: CookieSnap['mode'] };
}> = [
  {
    name: 'insert indirect httponly',
    haproxy: 'cookie SRV insert indirect httponly',
    cookie: { name: 'SRV', mode: 'insert', indirect: true, httpOnly: true },
  },
  { name: 'insert', haproxy: 'cookie SRV insert', cookie: { name: 'SRV', mode: 'insert' } },
  {
    name: 'insert secure domain',
    haproxy: 'cookie SRV insert secure domain .example.com',
    cookie: { name: 'SRV', mode: 'insert', secure: true, domain: '.example.com' },
  },
  { name: 'rewrite', haproxy: 'cookie SRV rewrite', cookie: { name: 'SRV', mode: 'rewrite' } },
  { name: 'prefix', haproxy: 'cookie JSESSIONID prefix', cookie: { name: 'JSESSIONID', mode: 'prefix' } },
  {
    name: 'prefix indirect',
    haproxy: 'cookie JSESSIONID prefix indirect',
    cookie: { name: 'JSESSIONID', mode: 'prefix', indirect: true },
  },
];

/** Requests that exercise every branch: no cookie, valid, unknown, server-set, extra cookies. */
const requests = (n: string): Array<[path: string, cookie?: string]> => [
  ['/'],
  ['/', `${n}=c1`],
  ['/', `a=1; ${n}=c0; b=2`],
  ['/', `${n}=zz; a=1`],
  ['/', `${n}=c1~abc; x=1`],
  ['/', `${n}=zz~abc`],
  ['/', `${n}=abc`],
  [`/?set=${n}=fromapp`],
  [`/?set=${n}=fromapp`, `${n}=c1`],
  [`/?set=${n}=new`, `${n}=c0~old`],
  ['/?set=OTHER=x', `${n}=c1`],
];

describe('e2e/traffic: cookie persistence matches HAProxy', function () {
  this.timeout(60_000);
  let apps: Array<Awaited<ReturnType<typeof app>>>;
  let haproxy: Haproxy | undefined;
  let h: Harness;
  const ports = new Map<string, { hap: number; bascule: number }>();

  before(async () => {
    apps = await Promise.all([app('app0'), app('app1')]);
    h = await harness();
    const cfg = [
      'defaults',
      '  mode http',
      '  timeout connect 2s',
      '  timeout client 10s',
      '  timeout server 10s',
    ];
    const frontends = [];
    const backends = [];
    for (const [i, c] of CASES.entries()) {
      const p = { hap: await freePort(), bascule: i === 0 ? h.port : await freePort() };
      ports.set(c.name, p);
      cfg.push(`listen case${i}`, `  bind ${HOST}:${p.hap}`, `  ${c.haproxy}`);
      apps.forEach((a, j) => cfg.push(`  server app${j} ${HOST}:${a.port} cookie c${j}`));
      frontends.push(frontend(`default/case${i}`, p.bascule, { defaultBackend: `default/case${i}` }));
      backends.push(
        backend(
          `default/case${i}`,
          apps.map((a, j) => server(`app${j}`, a.port, { cookie: `c${j}` })),
          {
            persistence: {
              cookie: {
                indirect: false,
                nocache: false,
                httpOnly: false,
                secure: false,
                path: '/',
                ...c.cookie,
              },
            },
          },
        ),
      );
    }
    await h.apply(frontends, backends);
    haproxy = await startHaproxy(() => cfg.join('\n'), ports.get(CASES[0]!.name)!.hap);
  });

  after(async () => {
    await haproxy?.close();
    await h?.close();
    await Promise.all((apps ?? []).map((a) => a.close()));
  });

  for (const c of CASES) {
    it(`cookie ${c.haproxy.slice(7)}`, async () => {
      const p = ports.get(c.name)!;
      for (const [reqPath, cookie] of requests(c.cookie.name)) {
        const [hap, ours] = [await ask(p.hap, reqPath, cookie), await ask(p.bascule, reqPath, cookie)];
        const what = `${reqPath} Cookie: ${cookie ?? '-'}`;
        expect(ours.status, what).to.equal(hap.status);
        expect(ours.setCookie, what).to.deep.equal(hap.setCookie);
        expect(ours.cookieSeen, what).to.equal(hap.cookieSeen);
        // With a cookie naming a server, both send the request there.
        if (cookie && /=c[01](~|;|$)/.test(cookie)) expect(ours.server, what).to.equal(hap.server);
      }
    });
  }
});
