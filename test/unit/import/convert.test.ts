// Directive-by-directive behaviour of the haproxy.cfg converter.
import { expect } from 'chai';
import { parseAllDocuments } from 'yaml';
import { convertHaproxyConfig } from '#importer/convert';
import { importHaproxy } from '#importer/import-command';

type Spec = Record<string, any>;

function convert(cfg: string) {
  const r = convertHaproxyConfig(cfg);
  const get = (kind: string, name: string): Spec => {
    const res = r.resources.find((x) => x.kind === kind && x.name === name);
    if (!res)
      throw new Error(
        `no ${kind}/${name} in ${r.resources.map((x) => `${x.kind}/${x.name}`).join(', ')}; errors: ${JSON.stringify(r.report.errors)}`,
      );
    return res.spec as Spec;
  };
  const messages = (line?: number) =>
    r.report.messages
      .filter((m) => line === undefined || m.line === line)
      .map((m) => `${m.severity}: ${m.text}${m.reason ? ` — ${m.reason}` : ''}`);
  return { ...r, get, messages, errors: r.report.errors };
}

const HTTP = 'defaults\n  mode http\n';
const backend = (body: string) => convert(`${HTTP}backend b\n${body}\n`);

describe('import: balance, servers, health checks', () => {
  const cases: [string, Spec][] = [
    ['roundrobin', { algorithm: 'roundrobin' }],
    ['static-rr', { algorithm: 'static-rr' }],
    ['leastconn', { algorithm: 'leastconn' }],
    ['first', { algorithm: 'first' }],
    ['source', { algorithm: 'source' }],
    ['uri', { algorithm: 'uri' }],
    ['url_param userid', { algorithm: 'url-param', hashKey: 'userid' }],
    ['hdr(X-Tenant)', { algorithm: 'header', hashKey: 'X-Tenant' }],
    ['random', { algorithm: 'random' }],
  ];
  for (const [haproxy, bascule] of cases) {
    it(`balance ${haproxy}`, () => {
      const c = backend(`  balance ${haproxy}\n  server s1 10.0.0.1:80`);
      expect(c.errors).to.deep.equal([]);
      expect(c.get('Backend', 'b').balance).to.deep.equal(bascule);
    });
  }

  it('hash-type consistent; rdp-cookie and hash are reported and fall back to roundrobin; unknown algorithms fail', () => {
    expect(
      backend('  balance source\n  hash-type consistent\n  server s1 10.0.0.1:80').get('Backend', 'b')
        .balance,
    ).to.deep.equal({ algorithm: 'source', hashType: 'consistent' });
    const rdp = backend('  balance rdp-cookie\n  server s1 10.0.0.1:80');
    expect(rdp.get('Backend', 'b').balance).to.deep.equal({ algorithm: 'roundrobin' });
    expect(rdp.messages(4)[0]).to.match(/^not converted: balance rdp-cookie — .*roundrobin/);
    const bad = backend('  balance fastest\n  server s1 10.0.0.1:80');
    expect(bad.errors).to.deep.equal([{ line: 4, message: 'balance: unknown algorithm "fastest"' }]);
  });

  it('server lines: address:port, weight, backup, disabled, maxconn, cookie, check port; default-server applies', () => {
    const c = backend(
      [
        '  default-server weight 5 maxconn 50',
        '  server web1 10.0.0.1:8080 weight 10 check port 9090',
        '  server web2 web2.internal:8080 backup cookie w2',
        '  server web3 [2001:db8::3]:80 disabled maxconn 0',
        '  server Web_4 10.0.0.4:80 no-backup',
      ].join('\n'),
    );
    expect(c.errors).to.deep.equal([]);
    expect(c.get('Backend', 'b').servers).to.deep.equal([
      { name: 'web1', address: '10.0.0.1', port: 8080, weight: 10, maxConnections: 50, checkPort: 9090 },
      {
        name: 'web2',
        address: 'web2.internal',
        port: 8080,
        weight: 5,
        backup: true,
        maxConnections: 50,
        cookie: 'w2',
      },
      { name: 'web3', address: '2001:db8::3', port: 80, weight: 5, state: 'maintenance' },
      { name: 'Web_4', address: '10.0.0.4', port: 80, weight: 5, maxConnections: 50 },
    ]);
  });

  it('reports server options Bascule does not have, and rejects unknown ones', () => {
    const c = backend('  server s1 10.0.0.1:80 send-proxy-v2 resolvers dns check');
    expect(c.messages(4)).to.deep.equal([
      'not converted: server s1 10.0.0.1:80 send-proxy-v2 resolvers dns check — server options not supported: send-proxy-v2 (PROXY protocol), resolvers dns (DNS resolvers (host names are resolved by the dataplane))',
    ]);
    expect(backend('  server s1 10.0.0.1:80 chekc').errors).to.deep.equal([
      { line: 4, message: 'unknown server option "chekc"' },
    ]);
    expect(backend('  server s1').errors[0]!.message).to.match(/expected "server NAME ADDRESS/);
    expect(backend('  server s1 10.0.0.1:99999').errors[0]!.message).to.match(/port 99999 is out of range/);
  });

  it('a HealthPolicy per distinct check configuration, from inter/rise/fall and timeout check', () => {
    const c = convert(
      `${HTTP}  timeout check 500ms\nbackend a\n  server s1 10.0.0.1:80 check inter 3s rise 4 fall 2 fastinter 1s downinter 10s\nbackend b\n  server s1 10.0.0.2:80 check inter 3s rise 4 fall 2 fastinter 1s downinter 10s\nbackend c\n  server s1 10.0.0.3:80 check\n`,
    );
    expect(c.get('HealthPolicy', 'a')).to.deep.equal({
      interval: '3s',
      fastInterval: '1s',
      downInterval: '10s',
      timeout: '500ms',
      rise: 4,
      fall: 2,
    });
    expect(c.get('Backend', 'b').healthPolicy).to.equal('a');
    expect(c.get('HealthPolicy', 'c')).to.deep.equal({ interval: '2s', timeout: '500ms', rise: 2, fall: 3 });
    expect(c.resources.filter((r) => r.kind === 'HealthPolicy')).to.have.length(2);
  });

  it('no HealthPolicy without "check", and a note when httpchk is set anyway', () => {
    const c = backend('  option httpchk GET /health\n  server s1 10.0.0.1:80');
    expect(c.get('Backend', 'b').healthPolicy).to.equal(undefined);
    expect(c.messages(4)[0]).to.match(/no server has "check"/);
  });

  const httpchk: [string, Spec][] = [
    ['option httpchk', { method: 'OPTIONS', path: '/' }],
    ['option httpchk /ping', { method: 'OPTIONS', path: '/ping' }],
    ['option httpchk HEAD /ping', { method: 'HEAD', path: '/ping' }],
    [
      'option httpchk GET /health HTTP/1.1\\r\\nHost:\\ www.example.com\\r\\nX-Probe:\\ 1',
      { method: 'GET', path: '/health', host: 'www.example.com', headers: [{ name: 'X-Probe', value: '1' }] },
    ],
    [
      'option httpchk\n  http-check send meth GET uri /healthz ver HTTP/1.1 hdr Host api.example.com hdr Accept text/plain',
      {
        method: 'GET',
        path: '/healthz',
        host: 'api.example.com',
        headers: [{ name: 'Accept', value: 'text/plain' }],
      },
    ],
    [
      'option httpchk GET /\n  http-check expect status 200,204',
      { method: 'GET', path: '/', expect: { status: [200, 204] } },
    ],
    [
      'option httpchk GET /\n  http-check expect status 200-299',
      { method: 'GET', path: '/', expect: { statusRange: '200-299' } },
    ],
    [
      'option httpchk GET /\n  http-check expect rstatus ^2',
      { method: 'GET', path: '/', expect: { statusRegex: '^2' } },
    ],
    [
      'option httpchk GET /\n  http-check expect string healthy',
      { method: 'GET', path: '/', expect: { bodyContains: 'healthy' } },
    ],
    [
      'option httpchk GET /\n  http-check expect rstring "status: (ok|up)"',
      { method: 'GET', path: '/', expect: { bodyRegex: 'status: (ok|up)' } },
    ],
  ];
  for (const [lines, http] of httpchk) {
    it(`health check: ${lines.replace(/\n\s*/g, ' + ')}`, () => {
      const c = backend(`  ${lines}\n  server s1 10.0.0.1:80 check`);
      expect(c.errors).to.deep.equal([]);
      expect(c.get('HealthPolicy', 'b').http).to.deep.equal(http);
    });
  }

  it('tcp-check and protocol checks become TCP connect checks; negated expectations are reported', () => {
    expect(
      backend('  option tcp-check\n  server s1 10.0.0.1:80 check').get('HealthPolicy', 'b').http,
    ).to.equal(undefined);
    const my = backend('  option mysql-check user haproxy\n  server s1 10.0.0.1:3306 check');
    expect(my.get('HealthPolicy', 'b').http).to.equal(undefined);
    expect(my.messages(4)[0]).to.match(/TCP connect check instead/);
    const neg = backend('  option httpchk\n  http-check expect ! status 500\n  server s1 10.0.0.1:80 check');
    expect(neg.messages(5)[0]).to.match(/negated expectations are not supported/);
  });

  it('observe/error-limit/on-error become a passive check', () => {
    const c = backend('  server s1 10.0.0.1:80 check observe layer7 error-limit 5 on-error mark-down');
    expect(c.get('HealthPolicy', 'b').passive).to.deep.equal({
      consecutiveErrors: 5,
      onError: 'mark-down',
      observe: 'layer7',
    });
  });

  it('servers with differing check settings, or without check beside checked ones, are reported', () => {
    const c = backend(
      '  server s1 10.0.0.1:80 check inter 2s\n  server s2 10.0.0.2:80 check inter 5s\n  server s3 10.0.0.3:80',
    );
    expect(c.messages(5)[0]).to.match(/differ between servers/);
    expect(c.messages(6)[0]).to.match(/server s3 has no "check"/);
  });
});

describe('import: cookies, timeouts, retries, options', () => {
  it('cookie NAME insert|rewrite|prefix with indirect, nocache, httponly, secure, domain, SameSite', () => {
    const c = backend(
      '  cookie SRV insert indirect nocache httponly secure domain .example.com attr SameSite=Lax\n  server s1 10.0.0.1:80 cookie a',
    );
    expect(c.get('Backend', 'b').persistence).to.deep.equal({
      cookie: {
        name: 'SRV',
        mode: 'insert',
        indirect: true,
        nocache: true,
        httpOnly: true,
        secure: true,
        sameSite: 'Lax',
        domain: '.example.com',
      },
    });
    expect(
      backend('  cookie JSESSIONID prefix\n  server s1 10.0.0.1:80 cookie a').get('Backend', 'b').persistence,
    ).to.deep.equal({ cookie: { name: 'JSESSIONID', mode: 'prefix' } });
    expect(
      backend('  cookie SRV rewrite\n  server s1 10.0.0.1:80 cookie a').get('Backend', 'b').persistence,
    ).to.deep.equal({ cookie: { name: 'SRV', mode: 'rewrite' } });
  });

  it('reports passive cookies, maxidle/maxlife, and servers without a cookie value', () => {
    const passive = backend('  cookie SRV\n  server s1 10.0.0.1:80 cookie a');
    expect(passive.get('Backend', 'b').persistence).to.equal(undefined);
    expect(passive.messages(4)[0]).to.match(/passive cookie persistence/);
    const life = backend('  cookie SRV insert maxidle 30m maxlife 8h\n  server s1 10.0.0.1:80');
    expect(life.messages(4)).to.deep.equal([
      'not converted: maxidle 30m, maxlife 8h (in: cookie SRV insert maxidle 30m maxlife 8h) — server-side cookie expiry (maxidle/maxlife) is not supported; the cookie lasts for the browser session',
      'note: cookie SRV: server s1 has no cookie value: HAProxy does not persist clients on it, Bascule uses the server name as the value',
    ]);
  });

  it('stick on src becomes source persistence', () => {
    const c = backend('  stick-table type ip size 200k expire 20m\n  stick on src\n  server s1 10.0.0.1:80');
    expect(c.get('Backend', 'b').persistence).to.deep.equal({ source: { expire: '20m' } });
  });

  it('timeouts: bare numbers are milliseconds, old names are understood, frontend/backend sides split', () => {
    const c = convert(
      [
        'defaults',
        '  mode http',
        '  contimeout 5000',
        '  clitimeout 50000',
        '  srvtimeout 1500',
        '  timeout queue 1m',
        '  timeout tunnel 1h',
        '  timeout http-request 10s',
        '  timeout http-keep-alive 100us',
        'listen app',
        '  bind :80',
        '  server s1 10.0.0.1:80',
      ].join('\n'),
    );
    expect(c.get('Frontend', 'app').timeouts).to.deep.equal({
      client: '50s',
      httpRequest: '10s',
      keepAlive: '1ms',
    });
    expect(c.get('Backend', 'app').timeouts).to.deep.equal({
      connect: '5s',
      server: '1500ms',
      queue: '1m',
      tunnel: '1h',
    });
    expect(c.messages(9)[0]).to.match(/rounded up to 1ms/);
    expect(convert('defaults\n  timeout connect 5x\n').errors[0]!.message).to.match(
      /expected a time such as 5000/,
    );
  });

  it('retries and option redispatch are explicit (Bascule defaults differ from HAProxy)', () => {
    expect(backend('  retries 2\n  server s1 10.0.0.1:80').get('Backend', 'b').retries).to.deep.equal({
      attempts: 2,
      redispatch: false,
    });
    expect(backend('  option redispatch\n  server s1 10.0.0.1:80').get('Backend', 'b').retries).to.deep.equal(
      { attempts: 3, redispatch: true },
    );
    expect(backend('  server s1 10.0.0.1:80').get('Backend', 'b').retries).to.equal(undefined);
    const many = backend('  retries 20\n  server s1 10.0.0.1:80');
    expect(many.get('Backend', 'b').retries).to.deep.equal({ attempts: 10, redispatch: false });
    expect(many.messages(4)[0]).to.match(/at most 10/);
    expect(
      backend('  retries 3\n  no option redispatch\n  server s1 10.0.0.1:80').get('Backend', 'b').retries,
    ).to.deep.equal({ attempts: 3, redispatch: false });
  });

  it('option httpclose / http-server-close → keepAlive false; option forwardfor → forwardFor; maxconn → maxConnections', () => {
    const c = convert(
      `${HTTP}  maxconn 3000\n  option forwardfor\nfrontend f\n  bind :80\n  default_backend b\nbackend b\n  option http-server-close\n  server s1 10.0.0.1:80\n`,
    );
    expect(c.get('Frontend', 'f')).to.include({ maxConnections: 3000, forwardFor: true });
    expect(c.get('Backend', 'b').keepAlive).to.equal(false);
    const off = convert(
      `${HTTP}  option forwardfor\nfrontend f\n  bind :80\n  no option forwardfor\n  default_backend b\nbackend b\n  server s1 10.0.0.1:80\n`,
    );
    expect(off.get('Frontend', 'f').forwardFor).to.equal(undefined);
  });

  it('logging options and stats are reported, never dropped silently', () => {
    const c = convert(
      `${HTTP}  option httplog\n  option dontlognull\n  log global\nlisten stats\n  bind :8404\n  stats enable\n  stats uri /stats\n`,
    );
    expect(c.messages().filter((m) => m.startsWith('not converted'))).to.have.length(6);
    expect(c.messages(9)[0]).to.match(/statistics page is a dataplane admin feature/);
    expect(c.resources).to.deep.equal([]);
    expect(c.messages(6)[0]).to.match(/no servers and routes nowhere/);
  });

  it('HAProxy defaults to mode tcp; the import says so', () => {
    const c = convert(
      'frontend f\n  bind :9000\n  default_backend b\nbackend b\n  server s1 10.0.0.1:9000\n',
    );
    expect(c.get('Frontend', 'f').mode).to.equal('tcp');
    expect(c.get('Backend', 'b').mode).to.equal('tcp');
    expect(c.messages(1)[0]).to.match(/HAProxy's default is tcp/);
  });
});

describe('import: frontends, ACLs and rules', () => {
  const fe = (body: string, backends = ['a', 'b', 'c']) =>
    convert(
      `${HTTP}frontend f\n  bind :80\n${body}\n${backends.map((b) => `backend ${b}\n  server s1 10.0.0.1:80\n`).join('')}`,
    );

  it('path_beg / path_end / path / hdr(host) / hdr_beg(host) / src / method', () => {
    const c = fe(
      [
        '  acl api path_beg /api/',
        '  acl img path_end .png .jpg',
        '  acl login path /login',
        '  acl shop hdr(host) -i shop.example.com',
        '  acl www hdr_beg(host) -i www.',
        '  acl lan src 10.0.0.0/8 192.168.1.1',
        '  acl writes method POST PUT',
        '  use_backend a if api writes',
        '  use_backend b if img || login',
        '  use_backend c if shop lan',
        '  use_backend c if www',
        '  default_backend a',
      ].join('\n'),
    );
    expect(c.errors).to.deep.equal([]);
    expect(c.get('Frontend', 'f').rules).to.deep.equal([
      { name: 'a', match: { path: { prefix: '/api/' }, methods: ['POST', 'PUT'] }, backend: 'a' },
      { name: 'b', match: { path: { regex: '(?:\\.png|\\.jpg)$' } }, backend: 'b' },
      { name: 'b-2', match: { path: { exact: '/login' } }, backend: 'b' },
      {
        name: 'c',
        match: { host: 'shop.example.com', sourceCIDRs: ['10.0.0.0/8', '192.168.1.1'] },
        backend: 'c',
      },
      { name: 'c-2', match: { headers: [{ name: 'host', regex: '^[wW][wW][wW]\\.' }] }, backend: 'c' },
    ]);
    expect(c.get('Frontend', 'f').defaultBackend).to.equal('a');
  });

  it('several acl lines with one name are OR-ed; -i and -m are honoured; hdr_end(host) .suffix is a wildcard host', () => {
    const c = fe(
      [
        '  acl s path -m beg /static',
        '  acl s hdr_end(host) -i .cdn.example.com',
        '  acl q urlp(debug) -m found',
        '  use_backend a if s',
        '  use_backend b if q',
      ].join('\n'),
    );
    expect(c.get('Frontend', 'f').rules).to.deep.equal([
      { name: 'a', match: { path: { prefix: '/static' } }, backend: 'a' },
      { name: 'a-2', match: { host: '*.cdn.example.com' }, backend: 'a' },
      { name: 'b', match: { queryParams: [{ name: 'debug', present: true }] }, backend: 'b' },
    ]);
  });

  it('a negated path condition is expressed by exempt rules placed before it (RE2 has no lookahead); AND of two paths is simplified', () => {
    const c = fe(
      [
        '  acl api path_beg /api',
        '  acl health path /api/health',
        '  use_backend a if api !health',
        '  use_backend b if { path_beg /api/v2 } api',
      ].join('\n'),
    );
    // No default_backend: HAProxy answers 503 when nothing routes, so the exempt request does too.
    expect(c.get('Frontend', 'f').rules).to.deep.equal([
      { name: 'a-exempt-no-backend', match: { path: { exact: '/api/health' } }, deny: { status: 503 } },
      { name: 'a', match: { path: { prefix: '/api' } }, backend: 'a' },
      { name: 'b', match: { path: { prefix: '/api/v2' } }, backend: 'b' },
    ]);
    expect(JSON.stringify(c.get('Frontend', 'f'))).to.not.match(/\(\?[=!<]/);
  });

  it('HAProxy regexes with -i become (?i); a path_beg without "/" stays a regex (it never matches a path)', () => {
    const c = fe(
      ['  use_backend a if { path_reg -i ^/API/ }', '  use_backend b if { path_beg api }'].join('\n'),
    );
    expect(c.get('Frontend', 'f').rules).to.deep.equal([
      { name: 'a', match: { path: { regex: '(?i)^/API/' } }, backend: 'a' },
      { name: 'b', match: { path: { regex: '^api' } }, backend: 'b' },
    ]);
  });

  it('"deny if A !src" is expressed by routing the exempt sources first, as the following rules would', () => {
    const c = fe(
      [
        '  acl admin path_beg /admin',
        '  acl office src 10.1.0.0/16',
        '  http-request deny if admin !office',
        '  use_backend b if { path_beg /admin/api }',
        '  default_backend a',
      ].join('\n'),
    );
    expect(c.get('Frontend', 'f').rules).to.deep.equal([
      {
        name: 'deny-exempt-b',
        match: { path: { prefix: '/admin/api' }, sourceCIDRs: ['10.1.0.0/16'] },
        backend: 'b',
      },
      {
        name: 'deny-exempt-a',
        match: { path: { prefix: '/admin' }, sourceCIDRs: ['10.1.0.0/16'] },
        backend: 'a',
      },
      { name: 'deny', match: { path: { prefix: '/admin' } }, deny: { status: 403 } },
      { name: 'b', match: { path: { prefix: '/admin/api' } }, backend: 'b' },
    ]);
    expect(c.messages(7)[0]).to.match(/expressed by 2 rules placed before it/);
  });

  it('conditions that cannot be expressed are reported with their line; unknown ACLs are errors', () => {
    const c = fe(
      [
        '  use_backend a if { req.cook(session) -m found }',
        '  use_backend b if { hdr_cnt(x-a) gt 2 }',
        '  default_backend c',
      ].join('\n'),
    );
    expect(c.get('Frontend', 'f').rules).to.equal(undefined);
    expect(c.messages(5)[0]).to.match(
      /^not converted: use_backend a if \{ req.cook\(session\) -m found \} — the fetch "req.cook\(session\)" has no Bascule equivalent/,
    );
    expect(c.messages(6)[0]).to.match(/only "gt 0" \(present\) and "eq 0" \(absent\)/);
    expect(fe('  use_backend a if nosuchacl').errors).to.deep.equal([
      { line: 5, message: 'no such ACL "nosuchacl"' },
    ]);
    expect(fe('  use_backend zzz').errors).to.deep.equal([
      { line: 5, message: 'no backend or listen section named "zzz"' },
    ]);
  });

  it('http-request add-header / set-header / del-header and http-response set-header', () => {
    const c = fe(
      [
        '  http-request add-header X-Via bascule',
        '  http-request set-header X-Forwarded-Proto http',
        '  http-request del-header X-Debug',
        '  http-response set-header X-Frame-Options SAMEORIGIN',
        '  http-response del-header Server',
        '  http-request set-header X-Client-IP %[src]',
        '  http-request set-header X-Admin yes if { path_beg /admin }',
        '  default_backend a',
      ].join('\n'),
    );
    const spec = c.get('Frontend', 'f');
    expect(spec.requestHeaders).to.deep.equal({
      add: [{ name: 'X-Via', value: 'bascule' }],
      set: [{ name: 'X-Forwarded-Proto', value: 'http' }],
      remove: ['X-Debug'],
    });
    expect(spec.responseHeaders).to.deep.equal({
      set: [{ name: 'X-Frame-Options', value: 'SAMEORIGIN' }],
      remove: ['Server'],
    });
    expect(c.messages(10)[0]).to.match(/log-format expressions/);
    expect(c.messages(11)[0]).to.match(/conditional header edits/);
  });

  it('redirects: scheme, location, prefix, code, drop-query; deny with deny_status and a body', () => {
    const c = fe(
      [
        '  http-request redirect scheme https code 301 if { hdr(host) -i secure.example.com }',
        '  redirect location https://new.example.com/landing code 302 if { path /old }',
        '  redirect prefix /v2 drop-query if { path_beg /v1 }',
        '  http-request deny deny_status 451 string "unavailable" if { path_beg /blocked }',
        '  default_backend a',
      ].join('\n'),
    );
    expect(c.get('Frontend', 'f').rules).to.deep.equal([
      {
        name: 'redirect-https',
        match: { host: 'secure.example.com' },
        redirect: { scheme: 'https', code: 301 },
      },
      { name: 'deny', match: { path: { prefix: '/blocked' } }, deny: { status: 451, body: 'unavailable' } },
      {
        name: 'redirect',
        match: { path: { exact: '/old' } },
        redirect: { scheme: 'https', host: 'new.example.com', path: '/landing', code: 302, stripQuery: true },
      },
      {
        name: 'redirect-2',
        match: { path: { prefix: '/v1' } },
        redirect: { prefix: '/v2', code: 302, stripQuery: true },
      },
    ]);
  });

  it('rules after an http-request allow that could not be converted are not converted alone', () => {
    const c = fe(
      ['  http-request allow if { src 10.0.0.0/8 }', '  http-request deny', '  default_backend a'].join('\n'),
    );
    expect(c.get('Frontend', 'f').rules).to.equal(undefined);
    expect(c.messages(6)[0]).to.match(/follows "http-request allow" \(line 5\)/);
  });

  it('binds: one Frontend per bind, ssl crt → certFile/keyFile (crt-base), alpn, TLS versions; ssl_fc folds per bind', () => {
    const c = convert(
      [
        'global',
        '  crt-base /etc/ssl/private',
        '  ssl-default-bind-options no-sslv3 no-tlsv10 no-tlsv11',
        HTTP.trim(),
        'frontend Web',
        '  bind 10.0.0.1:80,10.0.0.1:8080',
        '  bind :::443 v4v6 ssl crt site.pem crt /certs/other.pem alpn h2,http/1.1 ssl-min-ver TLSv1.3 strict-sni',
        '  http-request redirect scheme https unless { ssl_fc }',
        '  http-request set-header X-Forwarded-Proto https if { ssl_fc }',
        '  default_backend b',
        'backend b',
        '  server s1 10.0.0.9:80',
      ].join('\n'),
    );
    expect(c.errors).to.deep.equal([]);
    expect(c.resources.filter((r) => r.kind === 'Frontend').map((r) => r.name)).to.deep.equal([
      'web',
      'web-8080',
      'web-443',
    ]);
    expect(c.get('Frontend', 'web-8080').bind).to.deep.equal({ port: 8080, address: '10.0.0.1' });
    expect(c.get('Frontend', 'web').rules).to.deep.equal([
      { name: 'redirect-https', redirect: { scheme: 'https', code: 302 } },
    ]);
    const tls = c.get('Frontend', 'web-443');
    expect(tls.bind).to.deep.equal({ port: 443, address: '::' });
    expect(tls.rules).to.equal(undefined);
    expect(tls.requestHeaders).to.deep.equal({ set: [{ name: 'X-Forwarded-Proto', value: 'https' }] });
    expect(tls.tls).to.deep.equal({
      certificates: [
        { certFile: '/etc/ssl/private/site.pem', keyFile: '/etc/ssl/private/site.pem' },
        { certFile: '/certs/other.pem', keyFile: '/certs/other.pem' },
      ],
      minVersion: 'TLSv1.3',
      alpn: ['h2', 'http/1.1'],
      strictSNI: true,
    });
    expect(c.messages(6)[0]).to.equal(
      'note: frontend "Web" is named "web" (Bascule names are lowercase letters, digits, \'-\' and \'.\')',
    );
  });

  it('bind problems: missing port, ssl without crt, unknown options are errors; PROXY protocol is reported', () => {
    expect(fe('  bind 10.0.0.1').errors[0]!.message).to.match(/missing port/);
    expect(fe('  bind :443 ssl').errors[0]!.message).to.match(/ssl needs at least one crt/);
    expect(fe('  bind :80 frobnicate').errors[0]!.message).to.match(/unknown bind option "frobnicate"/);
    expect(fe('  bind :81 accept-proxy\n  default_backend a').messages(5)[0]).to.match(/PROXY protocol/);
  });

  it('TCP mode: SNI routing and source rules; HTTP-only matches are reported', () => {
    const c = convert(
      [
        'defaults',
        '  mode tcp',
        'frontend tls',
        '  bind :443',
        '  tcp-request inspect-delay 5s',
        '  tcp-request content accept if { req_ssl_hello_type 1 }',
        '  tcp-request connection reject if { src 203.0.113.0/24 }',
        '  use_backend a if { req_ssl_sni -i a.example.com b.example.com }',
        '  use_backend b if { req.ssl_sni -m end .example.org }',
        '  use_backend c if { path_beg /x }',
        '  default_backend a',
        'backend a\n  server s1 10.0.0.1:443\nbackend b\n  server s1 10.0.0.2:443\nbackend c\n  server s1 10.0.0.3:443',
      ].join('\n'),
    );
    expect(c.get('Frontend', 'tls').rules).to.deep.equal([
      { name: 'deny', match: { sourceCIDRs: ['203.0.113.0/24'] }, deny: { status: 403 } },
      { name: 'a', match: { sni: ['a.example.com', 'b.example.com'] }, backend: 'a' },
      { name: 'b', match: { sni: ['*.example.org'] }, backend: 'b' },
    ]);
    expect(c.messages(10)[0]).to.match(/needs mode http/);
  });

  it('a listen becomes a Frontend and a Backend; names are sanitised and collisions resolved', () => {
    const c = convert(
      `${HTTP}listen My_App\n  bind :80\n  server s1 10.0.0.1:80\nbackend my-app\n  server s1 10.0.0.2:80\n`,
    );
    expect(c.resources.map((r) => `${r.kind}/${r.name}`)).to.deep.equal([
      'Frontend/my-app',
      'Backend/my-app',
      'Backend/my-app-2',
    ]);
    expect(c.get('Frontend', 'my-app').defaultBackend).to.equal('my-app');
  });

  it('backend-only option forwardfor moves to the Frontends that only route to such backends', () => {
    const c = convert(
      `${HTTP}frontend f\n  bind :80\n  default_backend b\nfrontend g\n  bind :81\n  use_backend b if { path_beg /b }\n  default_backend c\nbackend b\n  option forwardfor\n  server s1 10.0.0.1:80\nbackend c\n  server s1 10.0.0.2:80\n`,
    );
    expect(c.get('Frontend', 'f').forwardFor).to.equal(true);
    expect(c.get('Frontend', 'g').forwardFor).to.equal(undefined);
    expect(c.messages(11).join('\n')).to.match(/frontend g also routes to backends without it/);
  });
});

describe('import: rate and connection limits', () => {
  const cfg = (lines: string[]) =>
    convert(
      `${HTTP}frontend f\n  bind :80\n${lines.map((l) => `  ${l}`).join('\n')}\n  default_backend b\nbackend b\n  server s1 10.0.0.1:80\n`,
    );

  it('stick-table http_req_rate + track-sc0 src + deny if sc_http_req_rate(0) gt N → rateLimit', () => {
    const c = cfg([
      'stick-table type ip size 100k expire 30s store http_req_rate(10s)',
      'http-request track-sc0 src',
      'http-request deny deny_status 429 if { sc_http_req_rate(0) gt 100 }',
    ]);
    expect(c.get('Frontend', 'f').rateLimit).to.deep.equal({
      requests: 100,
      period: '10s',
      key: 'source',
      status: 429,
    });
    expect(c.messages().filter((m) => m.startsWith('not converted'))).to.deep.equal([]);
  });

  it('other spellings: sc0_http_req_rate, src_http_req_rate with a named ACL, "ge", default deny status 403', () => {
    const a = cfg([
      'stick-table type ip size 1m store http_req_rate(1m)',
      'tcp-request connection track-sc0 src',
      'acl abuse sc0_http_req_rate ge 600',
      'http-request deny if abuse',
    ]);
    expect(a.get('Frontend', 'f').rateLimit).to.deep.equal({
      requests: 599,
      period: '1m',
      key: 'source',
      status: 403,
    });
    const b = cfg([
      'stick-table type ip size 1m store http_req_rate(10s),conn_cur',
      'http-request deny deny_status 429 if { src_http_req_rate gt 20 }',
    ]);
    expect(b.get('Frontend', 'f').rateLimit).to.deep.equal({
      requests: 20,
      period: '10s',
      key: 'source',
      status: 429,
    });
  });

  it('conn_cur → connectionLimit', () => {
    const c = cfg([
      'stick-table type ip size 1m store conn_cur',
      'http-request track-sc0 src',
      'http-request deny deny_status 429 if { sc_conn_cur(0) gt 10 }',
    ]);
    expect(c.get('Frontend', 'f').connectionLimit).to.deep.equal({ perSource: 10, status: 429 });
  });

  it('what a per-client rate limit cannot express is reported', () => {
    const byHeader = cfg([
      'stick-table type string len 64 size 1m store http_req_rate(10s)',
      'http-request track-sc0 req.hdr(X-API-Key)',
      'http-request deny if { sc_http_req_rate(0) gt 5 }',
    ]);
    expect(byHeader.get('Frontend', 'f').rateLimit).to.equal(undefined);
    expect(byHeader.messages(7)[0]).to.match(/keyed by client address \(src\) only/);
    expect(byHeader.messages(5)[0]).to.match(/^not converted: stick-table/);
    const exempt = cfg([
      'stick-table type ip size 1m store http_req_rate(10s)',
      'http-request track-sc0 src',
      'http-request deny if { sc_http_req_rate(0) gt 5 } !{ src 10.0.0.0/8 }',
    ]);
    expect(exempt.messages(7)[0]).to.match(/exceptions and combined conditions cannot be expressed/);
    const err = cfg([
      'stick-table type ip size 1m store gpc0',
      'http-request track-sc0 src',
      'http-request deny if { sc_gpc0_rate(0) gt 5 }',
    ]);
    expect(err.messages(7)[0]).to.match(/no Bascule equivalent/);
  });
});

describe('import: output', () => {
  it('YAML documents in file order, with --namespace, and comments next to the resource they concern', () => {
    const cfg = `${HTTP}  option httplog\nlisten web\n  bind :80\n  stats enable\n  balance rdp-cookie\n  server s1 10.0.0.1:80\n`;
    const out = importHaproxy(cfg, 'conf/haproxy.cfg', { namespace: 'shop' });
    const docs = parseAllDocuments(out.yaml).map((d) => d.toJS());
    expect(docs.map((d) => `${d.kind}/${d.metadata.namespace}/${d.metadata.name}`)).to.deep.equal([
      'Frontend/shop/web',
      'Backend/shop/web',
    ]);
    const [head, backendDoc] = out.yaml.split('---\n') as [string, string];
    expect(head).to.match(/^# haproxy\.cfg:3: not converted: option httplog — /m);
    expect(head).to.match(/^# haproxy\.cfg:6: not converted: stats enable — /m);
    expect(backendDoc).to.match(
      /^# haproxy\.cfg:4: listen web\n# haproxy\.cfg:7: not converted: balance rdp-cookie — /,
    );
    expect(out.stderr[0]).to.equal(
      `conf/haproxy.cfg:3: not converted: option httplog — ${out.result.report.messages[0]!.reason}`,
    );
    expect(out.stderr.at(-1)).to.equal(
      'imported 1 frontends, 1 backends, 0 health policies from conf/haproxy.cfg; 3 lines not converted, 0 notes (also as comments in the YAML)',
    );
  });

  it('errors: every malformed line is listed with its line number and nothing is printed', () => {
    const out = importHaproxy(
      'global\n  daemon\nfrontend f\n  bind :http\n  sever x\n  timeout client forever\n',
      'h.cfg',
    );
    expect(out.yaml).to.equal('');
    expect(out.stderr).to.deep.equal([
      'h.cfg:4: bind: invalid port "http" in ":http"',
      'h.cfg:5: unknown keyword "sever" in frontend section "f"',
      'h.cfg:6: timeout client: expected a time such as 5000 (milliseconds), 5s, 1m, got "forever"',
      'h.cfg: 3 errors; nothing was imported',
    ]);
  });

  it('is deterministic', () => {
    const cfg = `${HTTP}frontend f\n  bind :80\n  acl a path_beg /a\n  use_backend b if a\nbackend b\n  server s1 10.0.0.1:80 check\n`;
    expect(importHaproxy(cfg, 'x').yaml).to.equal(importHaproxy(cfg, 'x').yaml);
  });
});
