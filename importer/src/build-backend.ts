// Proxy (backend side) → a Backend spec and, when its servers are checked, a HealthPolicy spec.
import type { BackendSpecT, HealthPolicySpecT } from '#api/v1alpha1';
import { backendAnchor, type Proxy, type ServerLine, type StickTable } from './model.js';
import type { Anchor, Reporter } from './report.js';
import type { ServerParams } from './settings.js';
import { NameScope, sanitizeServerName } from './values.js';

type Server = NonNullable<BackendSpecT['servers']>[number];
type Balance = NonNullable<BackendSpecT['balance']>;
type Cookie = NonNullable<NonNullable<BackendSpecT['persistence']>['cookie']>;
type HttpCheck = NonNullable<HealthPolicySpecT['http']>;

export interface BackendBuildContext {
  report: Reporter;
  tables: Map<string, StickTable>;
  /** Ports of the binds of every frontend that routes to this backend (for servers without a port). */
  frontendPorts: number[];
}

export interface BuiltBackend {
  spec: BackendSpecT;
  /** The HealthPolicy this backend needs, if any (named and de-duplicated by the caller). */
  health?: HealthPolicySpecT;
}

const COOKIE_VALUE = /^[A-Za-z0-9._~-]+$/;

export function buildBackend(p: Proxy, ctx: BackendBuildContext): BuiltBackend {
  const anchors: Anchor[] = [backendAnchor(p)];
  const s = p.settings;
  const { report } = ctx;
  const spec: BackendSpecT = {};
  const mode = s.mode?.value ?? 'tcp';
  spec.mode = mode;
  if (!s.mode && p.kind === 'backend')
    report.note(
      p.section.line,
      `backend ${p.hname}: no "mode" in the proxy or its defaults: HAProxy's default is tcp, so the import uses mode tcp`,
      anchors,
    );
  const balance: Balance = { algorithm: s.balance?.value.algorithm ?? 'roundrobin' };
  if (s.balance?.value.hashKey) balance.hashKey = s.balance.value.hashKey;
  if (s.hashType?.value === 'consistent') balance.hashType = 'consistent';
  if (mode === 'tcp' && ['uri', 'url-param', 'header'].includes(balance.algorithm!)) {
    report.unsupported(
      s.balance!.line,
      `balance ${s.balance!.value.algorithm}`,
      'needs mode http (HAProxy falls back to roundrobin in tcp mode too); using roundrobin',
      anchors,
    );
    balance.algorithm = 'roundrobin';
    delete balance.hashKey;
  }
  spec.balance = balance;
  if (s.allBackups?.value) spec.allBackups = true;

  // Servers.
  const names = new NameScope(sanitizeServerName);
  const servers: Server[] = [];
  const kept: ServerLine[] = [];
  for (const sv of p.be.servers) {
    let port = sv.port;
    if (port === undefined) {
      const ports = [...new Set(ctx.frontendPorts)];
      if (ports.length !== 1) {
        report.unsupported(
          sv.line,
          sv.text,
          `the server has no port, so HAProxy connects to the port the client connected to; ${ports.length === 0 ? 'no frontend routes here' : `frontends on ports ${ports.join(', ')} route here`}: add a port to convert it`,
          anchors,
        );
        continue;
      }
      port = ports[0]!;
      report.note(
        sv.line,
        `server ${sv.name} has no port: using ${port}, the port of the only frontend bind that routes here`,
        anchors,
      );
    }
    const name = names.claim(sv.name);
    if (name !== sv.name)
      report.note(
        sv.line,
        `server "${sv.name}" is named "${name}" (Bascule server names use [a-zA-Z0-9-_.])`,
        anchors,
      );
    const o: Server = { name, address: sv.host, port };
    const pr = sv.params;
    if (pr.weight !== undefined) o.weight = pr.weight;
    if (pr.backup) o.backup = true;
    if (pr.maxconn) o.maxConnections = pr.maxconn;
    if (pr.disabled) o.state = 'maintenance';
    if (pr.cookie !== undefined) {
      if (COOKIE_VALUE.test(pr.cookie)) o.cookie = pr.cookie;
      else
        report.unsupported(
          sv.line,
          `cookie ${pr.cookie}`,
          'Bascule cookie values use [A-Za-z0-9._~-]; the server name is used instead',
          anchors,
        );
    }
    if (pr.port !== undefined && pr.check) o.checkPort = pr.port;
    servers.push(o);
    kept.push(sv);
  }
  spec.servers = servers;
  if (p.be.servers.length === 0)
    report.note(
      p.section.line,
      `${p.kind} ${p.hname} has no servers: requests routed to it get 503, as in HAProxy`,
      anchors,
    );

  // Health checks.
  const health = healthPolicy(p, kept, report, anchors);

  // Persistence.
  if (s.cookie) {
    if (mode !== 'http')
      report.unsupported(
        s.cookie.line,
        `cookie ${s.cookie.value.name}`,
        'cookie persistence needs mode http',
        anchors,
      );
    else {
      const c = s.cookie.value;
      const cookie: Cookie = { name: c.name, mode: c.mode };
      if (c.indirect) cookie.indirect = true;
      if (c.nocache) cookie.nocache = true;
      if (c.httpOnly) cookie.httpOnly = true;
      if (c.secure) cookie.secure = true;
      if (c.sameSite) cookie.sameSite = c.sameSite;
      if (c.domain) cookie.domain = c.domain;
      spec.persistence = { cookie };
      const without = kept.filter((sv) => sv.params.cookie === undefined);
      if (without.length > 0) {
        report.note(
          s.cookie.line,
          `cookie ${c.name}: server${without.length > 1 ? 's' : ''} ${without.map((x) => x.name).join(', ')} ha${without.length > 1 ? 've' : 's'} no cookie value: HAProxy does not persist clients on ${without.length > 1 ? 'them' : 'it'}, Bascule uses the server name as the value`,
          anchors,
        );
      }
    }
  }
  if (p.be.stick) {
    const st = p.be.stick;
    const table = st.table !== undefined ? ctx.tables.get(st.table) : p.table;
    if (!table) report.unsupported(st.line, st.text, 'no stick-table found for it', anchors);
    else if (spec.persistence)
      report.unsupported(
        st.line,
        st.text,
        'Bascule persists by cookie or by source address, not both: the cookie is kept',
        anchors,
      );
    else {
      table.used = true;
      spec.persistence = { source: table.expire ? { expire: table.expire } : {} };
      if (!table.expire)
        report.note(
          table.line,
          `${table.text}: no expire: HAProxy keeps entries until the table is full; Bascule forgets a client after 30m idle`,
          anchors,
        );
    }
  }

  // Timeouts, retries, connections.
  const t = s.timeouts;
  const timeouts: NonNullable<BackendSpecT['timeouts']> = {};
  if (t.connect) timeouts.connect = t.connect.value;
  if (t.server) timeouts.server = t.server.value;
  if (t.queue) timeouts.queue = t.queue.value;
  if (t.tunnel) timeouts.tunnel = t.tunnel.value;
  if (Object.keys(timeouts).length > 0) spec.timeouts = timeouts;
  if (s.retries || s.redispatch) {
    // Explicit, because Bascule's defaults (retry on another server) differ from HAProxy's.
    spec.retries = { attempts: s.retries?.value ?? 3, redispatch: s.redispatch?.value ?? false };
  }
  if (s.keepAlive && !s.keepAlive.value) {
    if (mode === 'http') spec.keepAlive = false;
  }
  const slow = uniform(kept, (x) => x.params.slowstart);
  if (slow.value) spec.slowStart = slow.value;
  if (slow.mixed)
    report.unsupported(
      slow.mixed.line,
      slow.mixed.text,
      "slowstart differs between servers; Bascule has one slowStart per Backend (the first server's is used)",
      anchors,
    );

  // TLS towards the servers.
  const ssl = kept.filter((x) => x.params.ssl);
  if (ssl.length > 0) {
    if (ssl.length !== kept.length)
      report.unsupported(
        ssl[0]!.line,
        ssl[0]!.text,
        'only some servers use ssl; Bascule uses TLS for every server of a Backend',
        anchors,
      );
    const first = ssl[0]!.params;
    const tls: NonNullable<BackendSpecT['tls']> = {};
    if (first.verify === 'none') tls.insecureSkipVerify = true;
    if (first.caFile) tls.caFile = first.caFile;
    if (first.sni) tls.sni = first.sni;
    const diff = ssl.find(
      (x) =>
        x.params.verify !== first.verify || x.params.caFile !== first.caFile || x.params.sni !== first.sni,
    );
    if (diff)
      report.unsupported(
        diff.line,
        diff.text,
        "TLS settings differ between servers; Bascule has one per Backend (the first server's are used)",
        anchors,
      );
    spec.tls = tls;
  }
  return { spec, ...(health ? { health } : {}) };
}

function uniform<T>(
  servers: ServerLine[],
  get: (s: ServerLine) => T | undefined,
): { value?: T; mixed?: ServerLine } {
  const withValue = servers.filter((s) => get(s) !== undefined);
  if (withValue.length === 0) return {};
  const value = get(withValue[0]!);
  const mixed = servers.find((s) => get(s) !== value);
  return { value: value as T, ...(mixed ? { mixed } : {}) };
}

function healthPolicy(
  p: Proxy,
  servers: ServerLine[],
  report: Reporter,
  anchors: Anchor[],
): HealthPolicySpecT | undefined {
  const s = p.settings;
  const checked = servers.filter((x) => x.params.check);
  if (checked.length === 0) {
    const ownCheck = s.check && p.section.directives.some((d) => d.line === s.check!.line);
    if (ownCheck)
      report.note(
        s.check!.line,
        `health check configured but no server has "check": HAProxy runs no check, so no HealthPolicy is created`,
        anchors,
      );
    return undefined;
  }
  const unchecked = servers.filter((x) => !x.params.check);
  for (const u of unchecked) {
    report.note(
      u.line,
      `server ${u.name} has no "check": HAProxy always considers it up, but Bascule checks every server of a Backend with its HealthPolicy`,
      anchors,
    );
  }
  const first = checked[0]!.params;
  const keys: (keyof ServerParams)[] = [
    'inter',
    'fastinter',
    'downinter',
    'rise',
    'fall',
    'observe',
    'errorLimit',
    'onError',
  ];
  const diff = checked.find((x) => keys.some((k) => x.params[k] !== first[k]));
  if (diff)
    report.unsupported(
      diff.line,
      diff.text,
      "check settings (inter/rise/fall/observe) differ between servers; Bascule has one HealthPolicy per Backend (the first checked server's are used)",
      anchors,
    );
  const interval = first.inter ?? '2s';
  const spec: HealthPolicySpecT = { interval };
  if (first.fastinter) spec.fastInterval = first.fastinter;
  if (first.downinter) spec.downInterval = first.downinter;
  // HAProxy bounds a whole check by "inter" unless "timeout check" is set.
  spec.timeout = s.timeouts.check?.value ?? interval;
  spec.rise = first.rise ?? 2;
  spec.fall = first.fall ?? 3;
  const c = s.check?.value;
  if (c && c.type === 'http') {
    const http: HttpCheck = { method: c.method, path: c.path };
    if (c.host) http.host = c.host;
    if (c.headers.length > 0) http.headers = c.headers;
    if (s.expect) http.expect = { ...s.expect.value };
    spec.http = http;
  } else if (s.expect) {
    report.unsupported(
      s.expect.line,
      'http-check expect',
      'without option httpchk, HAProxy runs a TCP check: the expectation is not used',
      anchors,
    );
  }
  if (first.observe) {
    spec.passive = {
      consecutiveErrors: first.errorLimit ?? 10,
      onError: first.onError ?? 'fail-check',
      observe: first.observe,
    };
  } else if (first.errorLimit !== undefined || first.onError !== undefined) {
    report.unsupported(
      checked[0]!.line,
      checked[0]!.text,
      'error-limit/on-error without observe: HAProxy does not observe traffic either',
      anchors,
    );
  }
  return spec;
}
