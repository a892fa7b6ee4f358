// haproxy.cfg text → Bascule resources plus everything the operator must know about the
// conversion. Pure: no file system, no clock, no environment.
import type { BackendSpecT, FrontendSpecT, HealthPolicySpecT } from '#api/v1alpha1';
import { isKnownAclName } from './acl.js';
import { buildBackend } from './build-backend.js';
import { buildFrontends } from './build-frontend.js';
import {
  backendAnchor,
  frontendAnchor,
  type GlobalSettings,
  type Proxy,
  type StickTable,
  type TlsOptions,
} from './model.js';
import { parseConfig, type Directive, type Section } from './parse.js';
import { parseTlsOptionWord } from './bind.js';
import { collectProxy, newProxy } from './proxy.js';
import { ConfigError, Reporter, type Anchor } from './report.js';
import { applyCommon } from './common-directives.js';
import { UNSUPPORTED_OPTIONS } from './options.js';
import { emptySettings, LOGGING, STATS, type Settings } from './settings.js';
import { NameScope, sanitizeObjectName } from './values.js';

interface Converted<K extends string, S> {
  kind: K;
  name: string;
  /** The spec as the v1alpha1 API types it. */
  spec: S;
  /** Where it comes from: "listen webfarm" at line 12. */
  origin: { line: number; text: string };
}

export type ConvertedResource =
  | Converted<'Frontend', FrontendSpecT>
  | Converted<'Backend', BackendSpecT>
  | Converted<'HealthPolicy', HealthPolicySpecT>;

export type ResourceKind = ConvertedResource['kind'];

export interface ConvertResult {
  resources: ConvertedResource[];
  report: Reporter;
}

const PROCESS =
  'process-wide setting; not applicable to Bascule (the container or Deployment manages the process)';

export function convertHaproxyConfig(text: string): ConvertResult {
  const report = new Reporter();
  const parsed = parseConfig(text);
  for (const e of parsed.errors) report.error(e.line, e.message);

  // Global settings first: they affect how binds are read wherever "global" appears.
  const global: GlobalSettings = { bindTls: {} };
  for (const sec of parsed.sections.filter((s) => s.kind === 'global')) applyGlobal(sec, global, report);
  for (const sec of parsed.sections.filter((s) => s.kind === 'other')) {
    report.unsupported(
      sec.line,
      sec.text,
      `${sec.keyword} sections are not converted${sec.keyword === 'userlist' ? ' (Bascule has no HTTP authentication)' : ''}; their ${sec.directives.length} line(s) are ignored`,
    );
  }

  // Names: claimed up front in file order, so references to later backends resolve.
  const feNames = new NameScope((s) => sanitizeObjectName(s));
  const beNames = new NameScope((s) => sanitizeObjectName(s));
  const hpNames = new NameScope((s) => sanitizeObjectName(s));
  const proxiesSections = parsed.sections.filter(
    (s) => s.kind === 'frontend' || s.kind === 'backend' || s.kind === 'listen',
  );
  const seen = new Map<string, Section>();
  for (const sec of proxiesSections) {
    const clash =
      seen.get(`${sec.kind === 'frontend' ? 'fe' : 'be'}:${sec.name}`) ??
      (sec.kind === 'listen' ? seen.get(`fe:${sec.name}`) : undefined);
    if (clash)
      report.error(
        sec.line,
        `${sec.kind} "${sec.name}" has the same name as the ${clash.kind} at line ${clash.line}`,
      );
    if (sec.kind !== 'backend') seen.set(`fe:${sec.name}`, sec);
    if (sec.kind !== 'frontend') seen.set(`be:${sec.name}`, sec);
  }
  const claimed = new Map<Section, { fe: string; be: string }>();
  for (const sec of proxiesSections) {
    const fe = sec.kind === 'backend' ? '' : feNames.claim(sec.name, sec.name);
    const be = sec.kind === 'frontend' ? '' : beNames.claim(sec.name, sec.name);
    claimed.set(sec, { fe, be });
  }

  // Defaults and proxies, in file order.
  const named = new Map<string, Settings>();
  let current = emptySettings();
  const proxies: Proxy[] = [];
  for (const sec of parsed.sections) {
    if (sec.kind === 'defaults') {
      let base = emptySettings();
      if (sec.from !== undefined) {
        const parent = named.get(sec.from);
        if (!parent) report.error(sec.line, `no defaults section named "${sec.from}" before this line`);
        else base = structuredClone(parent);
      }
      applyDefaults(sec, base, report);
      if (sec.name) named.set(sec.name, base);
      current = base;
      continue;
    }
    if (sec.kind !== 'frontend' && sec.kind !== 'backend' && sec.kind !== 'listen') continue;
    let settings = structuredClone(current);
    if (sec.from !== undefined) {
      const parent = named.get(sec.from);
      if (!parent) report.error(sec.line, `no defaults section named "${sec.from}" before this line`);
      else settings = structuredClone(parent);
    }
    const { fe, be } = claimed.get(sec)!;
    const p = newProxy(sec, settings, fe, be);
    collectProxy(p, global, report);
    if (p.disabled !== undefined) {
      report.unsupported(p.disabled, 'disabled', `${sec.kind} ${sec.name} is disabled: it is not converted`, [
        frontendAnchor(p),
        backendAnchor(p),
      ]);
      continue;
    }
    proxies.push(p);
  }

  // Cross references.
  for (const p of proxies) checkAclNames(p, report);
  const backends = new Map<string, Proxy>();
  for (const p of proxies) if (p.kind !== 'frontend') backends.set(p.hname, p);
  const tables = new Map<string, StickTable>();
  for (const p of proxies) if (p.table) tables.set(p.hname, p.table);
  const referenced = new Map<string, number[]>();
  const backendName = (hname: string): string | undefined => backends.get(hname)?.be.name;
  for (const p of proxies) {
    if (p.kind === 'backend') continue;
    const targets = new Set<string>();
    const check = (name: string, line: number) => {
      if (!backends.has(name)) {
        report.error(line, `no backend or listen section named "${name}"`);
        return;
      }
      targets.add(name);
    };
    if (p.fe.defaultBackend) check(p.fe.defaultBackend.value, p.fe.defaultBackend.line);
    for (const r of p.fe.rules) if (r.action.type === 'backend') check(r.action.backend, r.line);
    if (p.kind === 'listen' && !p.fe.defaultBackend) targets.add(p.hname);
    for (const t of targets)
      referenced.set(t, [...(referenced.get(t) ?? []), ...p.fe.binds.map((b) => b.port)]);
  }
  resolveBackendForwardFor(proxies, backends, report);
  for (const p of proxies) {
    if (p.kind !== 'frontend' && p.kind !== 'listen') continue;
    if (p.fe.binds.length === 0 && p.kind === 'frontend') {
      report.unsupported(
        p.section.line,
        p.section.text,
        'a frontend without bind does not listen (HAProxy rejects it): not converted',
      );
    }
    p.fe.binds.forEach((b, i) => {
      if (i === 0) {
        b.frontendName = p.fe.name;
        return;
      }
      b.frontendName = feNames.claim(`${p.hname}-${b.port}`);
      report.note(
        b.line,
        `bind on port ${b.port} becomes Frontend "${b.frontendName}" (a Bascule Frontend has one bind; rules and settings are repeated, and limits such as maxConnections and rateLimit count per Frontend)`,
        [frontendAnchor(p)],
      );
    });
  }
  if (report.errors.length > 0) return { resources: [], report };

  // Build. Problems found here are errors too (nothing is printed), never exceptions.
  try {
    return build(proxies, report, { feNames, hpNames, beNames, backendName, tables, referenced });
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    report.error(err.line, err.message);
    return { resources: [], report };
  }
}

interface BuildNames {
  feNames: NameScope;
  beNames: NameScope;
  hpNames: NameScope;
  backendName: (hname: string) => string | undefined;
  tables: Map<string, StickTable>;
  referenced: Map<string, number[]>;
}

function build(proxies: Proxy[], report: Reporter, n: BuildNames): ConvertResult {
  const { feNames, beNames, hpNames, backendName, tables, referenced } = n;
  const resources: ConvertedResource[] = [];
  const healthByKey = new Map<string, string>();
  for (const p of proxies) {
    const origin = { line: p.section.line, text: p.section.text };
    const isStats =
      p.kind === 'listen' &&
      p.be.servers.length === 0 &&
      !p.fe.defaultBackend &&
      !p.fe.rules.some((r) => r.action.type === 'backend') &&
      !referencedByOthers(p, proxies);
    if (isStats) {
      report.unsupported(
        p.section.line,
        p.section.text,
        'this listen section has no servers and routes nowhere (a statistics or monitoring endpoint): nothing to convert',
      );
      continue;
    }
    if (p.kind !== 'backend' && p.fe.binds.length > 0) {
      for (const f of buildFrontends(p, { report, backendName, tables })) {
        resources.push({
          kind: 'Frontend',
          name: f.name,
          spec: f.spec,
          origin:
            p.fe.binds.length > 1
              ? { ...origin, text: `${origin.text} — bind at line ${f.bind.line}` }
              : origin,
        });
      }
    }
    if (p.kind === 'frontend') continue;
    const isTableHolder =
      p.kind === 'backend' && p.be.servers.length === 0 && p.table !== undefined && !referenced.has(p.hname);
    if (isTableHolder) {
      report.note(p.section.line, `backend ${p.hname} only holds a stick-table: no Backend is created`);
      continue;
    }
    const built = buildBackend(p, { report, tables, frontendPorts: referenced.get(p.hname) ?? [] });
    if (!built.health) {
      resources.push({ kind: 'Backend', name: p.be.name, spec: built.spec, origin });
      continue;
    }
    const key = JSON.stringify(built.health);
    const shared = healthByKey.get(key);
    const hp = shared ?? hpNames.claim(p.be.name);
    resources.push({ kind: 'Backend', name: p.be.name, spec: withHealthPolicy(built.spec, hp), origin });
    if (shared === undefined) {
      healthByKey.set(key, hp);
      resources.push({ kind: 'HealthPolicy', name: hp, spec: built.health, origin });
    } else {
      report.note(
        p.section.line,
        `${p.kind} ${p.hname} has the same check settings as an earlier backend: it shares HealthPolicy "${hp}"`,
        [backendAnchor(p)],
      );
    }
  }
  // Renames, for what was emitted.
  for (const p of proxies) {
    for (const r of resources.filter((x) => x.origin.line === p.section.line && x.kind !== 'HealthPolicy')) {
      if (r.name !== p.hname && (r.kind === 'Backend' || r.name === p.fe.name)) {
        report.note(
          p.section.line,
          `${p.kind} "${p.hname}" is named "${r.name}" (Bascule names are lowercase letters, digits, '-' and '.')`,
          [{ kind: r.kind, name: r.name }],
        );
      }
    }
  }
  for (const t of tables.values()) {
    if (!t.used)
      report.unsupported(
        t.line,
        t.text,
        'stick-table not used by a converted rate limit, connection limit or "stick on src"',
        [
          { kind: 'Frontend', name: feNames.get(t.owner) ?? '' },
          { kind: 'Backend', name: beNames.get(t.owner) ?? '' },
        ],
      );
  }
  for (const p of proxies) {
    for (const tr of p.fe.tracks) {
      if (!tr.used)
        report.unsupported(
          tr.line,
          tr.text,
          'tracking is only converted as part of a rate limit (track-sc0 src + deny if { sc_http_req_rate(0) gt N })',
          [frontendAnchor(p), backendAnchor(p)],
        );
    }
  }
  return { resources, report };
}

/** The backends a frontend-side proxy can route to (HAProxy names). */
function targetsOf(p: Proxy): string[] {
  const t = new Set<string>();
  if (p.fe.defaultBackend) t.add(p.fe.defaultBackend.value);
  else if (p.kind === 'listen') t.add(p.hname);
  for (const r of p.fe.rules) if (r.action.type === 'backend') t.add(r.action.backend);
  return [...t];
}

/**
 * "option forwardfor" in a backend adds X-Forwarded-For to what is sent there. Bascule sets it per
 * Frontend: it moves to a Frontend when every backend that Frontend routes to asks for it.
 */
function resolveBackendForwardFor(proxies: Proxy[], backends: Map<string, Proxy>, report: Reporter): void {
  const wants = (hname: string) => {
    const b = backends.get(hname);
    return b !== undefined && b.settings.forwardFor?.value === true;
  };
  for (const b of proxies) {
    const ff = b.settings.forwardFor;
    if (b.kind !== 'backend' || !ff?.value || !b.section.directives.some((d) => d.line === ff.line)) continue;
    const fronts = proxies.filter((f) => f.kind !== 'backend' && targetsOf(f).includes(b.hname));
    const blocked = fronts.filter((f) => !f.settings.forwardFor?.value && !targetsOf(f).every(wants));
    for (const f of fronts) {
      if (f.settings.forwardFor?.value) continue;
      if (targetsOf(f).every(wants)) {
        f.settings.forwardFor = { value: true, line: ff.line };
        report.note(
          ff.line,
          `option forwardfor (backend ${b.hname}): every backend that ${f.kind} ${f.hname} routes to adds X-Forwarded-For, so its Frontend gets forwardFor: true`,
          [backendAnchor(b)],
        );
      }
    }
    if (blocked.length > 0) {
      report.unsupported(
        ff.line,
        'option forwardfor',
        `forwardFor is a Frontend setting in Bascule, and ${blocked.map((f) => `${f.kind} ${f.hname}`).join(', ')} also route${blocked.length === 1 ? 's' : ''} to backends without it: set forwardFor on the Frontend if that is acceptable`,
        [backendAnchor(b)],
      );
    }
  }
}

/** Every ACL a condition names must exist (HAProxy refuses the configuration otherwise). */
function checkAclNames(p: Proxy, report: Reporter): void {
  const conds = [...p.fe.rules.map((r) => r.cond), ...p.fe.edits.map((e) => e.cond)];
  for (const c of conds) {
    for (const g of c?.groups ?? []) {
      for (const t of g) {
        if (t.name !== undefined && !isKnownAclName(t.name, p.acls))
          report.error(c!.line, `no such ACL "${t.name}"`);
      }
    }
  }
}

function referencedByOthers(p: Proxy, proxies: Proxy[]): boolean {
  return proxies.some(
    (o) =>
      o !== p &&
      (o.fe.defaultBackend?.value === p.hname ||
        o.fe.rules.some((r) => r.action.type === 'backend' && r.action.backend === p.hname)),
  );
}

/** The spec naming its HealthPolicy, in the schema's field order: right after servers. */
function withHealthPolicy(spec: BackendSpecT, healthPolicy: string): BackendSpecT {
  const out: BackendSpecT = {};
  for (const [k, v] of Object.entries(spec) as [keyof BackendSpecT, unknown][]) {
    Object.assign(out, { [k]: v });
    if (k === 'servers') out.healthPolicy = healthPolicy;
  }
  return out;
}

// ---------- global and defaults ----------

function applyGlobal(sec: Section, g: GlobalSettings, report: Reporter): void {
  for (const d of sec.directives) {
    try {
      globalDirective(d, g, report);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      report.error(err.line, err.message);
    }
  }
}

function globalDirective(d: Directive, g: GlobalSettings, report: Reporter): void {
  const [kw, ...a] = d.words;
  switch (kw) {
    case 'crt-base':
      g.crtBase = a[0];
      return;
    case 'ca-base':
      g.caBase = a[0];
      return;
    case 'maxconn':
      report.unsupported(
        d.line,
        d.text,
        'a process-wide connection limit has no Bascule equivalent (maxconn in defaults/frontend becomes Frontend maxConnections)',
      );
      return;
    case 'ssl-default-bind-options': {
      const dropped: string[] = [];
      const tls: TlsOptions = {};
      for (let i = 0; i < a.length; i++) {
        const w = a[i]!;
        if (parseTlsOptionWord(w, () => a[++i] ?? '', tls, dropped, d.line)) continue;
        dropped.push(w);
      }
      Object.assign(g.bindTls, tls);
      if (dropped.length > 0)
        report.unsupported(
          d.line,
          d.text,
          `not supported: ${dropped.join(', ')} (TLS versions map to tls.minVersion/maxVersion of TLS Frontends)`,
        );
      return;
    }
    case 'ssl-default-bind-ciphers':
      if (a[0] !== undefined) g.bindTls.ciphers = a[0];
      return;
    case 'ssl-default-bind-ciphersuites':
      report.unsupported(d.line, d.text, 'TLS 1.3 cipher suites are not configurable');
      return;
    case 'log':
    case 'log-tag':
    case 'log-send-hostname':
      report.unsupported(d.line, d.text, LOGGING);
      return;
    case 'stats':
      report.unsupported(
        d.line,
        d.text,
        a[0] === 'socket'
          ? 'the runtime API socket has no equivalent: Bascule is driven by resources, and the dataplane admin endpoint shows state'
          : STATS,
      );
      return;
    default:
      report.unsupported(d.line, d.text, PROCESS);
  }
}

const DEFAULTS_ONLY_REPORT: Record<string, string> = {
  errorfile: 'custom error pages are not supported',
  errorloc: 'custom error pages are not supported',
  errorloc302: 'custom error pages are not supported',
  errorloc303: 'custom error pages are not supported',
  errorfiles: 'custom error pages are not supported',
  compression: 'HTTP compression is not supported',
  'unique-id-format': 'request ids are not supported',
  'unique-id-header': 'request ids are not supported',
  'http-reuse': 'Bascule reuses idle server connections on its own (keepAlive)',
  fullconn: 'dynamic maxconn (minconn/fullconn) is not supported',
  backlog: 'not configurable',
  'load-server-state-from-file':
    'server state files are not used: health state is carried across snapshot swaps',
  'server-state-file-name': 'server state files are not used',
  'hash-balance-factor': 'bounded-load consistent hashing is not supported',
  'email-alert': 'email alerts are not supported',
  'external-check': 'external checks are not supported',
  description: 'descriptions are not carried over',
  'http-error': 'custom error pages are not supported',
  default_backend: 'default_backend in defaults is not converted: set it in each frontend',
  'http-request': 'http-request rules in defaults are not converted: put them in each frontend',
  'http-response': 'http-response rules in defaults are not converted: put them in each frontend',
  'tcp-request': 'tcp-request rules in defaults are not converted: put them in each frontend',
  'http-after-response': 'http-after-response rules are not supported',
  'max-keep-alive-queue': 'not configurable',
  'rate-limit': 'session rate limits are not supported',
  source: 'source address selection is not supported',
  'clitcpka-cnt': 'TCP keep-alive probes are not configurable',
  'clitcpka-idle': 'TCP keep-alive probes are not configurable',
  'clitcpka-intvl': 'TCP keep-alive probes are not configurable',
  'srvtcpka-cnt': 'TCP keep-alive probes are not configurable',
  'srvtcpka-idle': 'TCP keep-alive probes are not configurable',
  'srvtcpka-intvl': 'TCP keep-alive probes are not configurable',
};

function applyDefaults(sec: Section, s: Settings, report: Reporter): void {
  const scope = {
    kind: 'defaults' as const,
    report,
    frontendAnchors: [] as Anchor[],
    backendAnchors: [] as Anchor[],
  };
  for (const d of sec.directives) {
    try {
      if (applyCommon(d, s, scope)) continue;
      const kw = d.words[0]!;
      const reason = DEFAULTS_ONLY_REPORT[kw];
      if (reason !== undefined) report.unsupported(d.line, d.text, reason);
      else if (kw === 'capture' || kw === 'declare') report.unsupported(d.line, d.text, LOGGING);
      else
        throw new ConfigError(
          d.line,
          `"${kw}" is not allowed in a defaults section${UNSUPPORTED_OPTIONS[kw] ? '' : ' (or is not an HAProxy keyword)'}`,
        );
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      report.error(err.line, err.message);
    }
  }
}
