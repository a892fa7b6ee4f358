// Proxy (frontend side) → one Frontend spec per bind.
import type { FrontendSpecT, HeaderEditsT } from '#api/v1alpha1';
import {
  exceptionForm,
  mergeMatches,
  translateCondition,
  type AclLine,
  type CondContext,
  type Match,
} from './acl.js';
import {
  frontendAnchor,
  type Bind,
  type HeaderEdit,
  type Proxy,
  type RuleSource,
  type StickTable,
} from './model.js';
import { foldIntoForwardFor, type Folded } from './forwarded-headers.js';
import type { Reporter } from './report.js';
import { NameScope, sanitizeRuleName } from './values.js';

type Rule = NonNullable<FrontendSpecT['rules']>[number];
/** What a rule does: exactly one of backend, redirect or deny. */
type RuleActionSpec = Pick<Rule, 'backend' | 'redirect' | 'deny'>;

export interface FrontendBuildContext {
  report: Reporter;
  /** HAProxy backend name → Bascule Backend name (undefined: no such backend). */
  backendName: (hname: string) => string | undefined;
  /** Stick tables by the name of the proxy that declares them. */
  tables: Map<string, StickTable>;
}

type Limits = Pick<FrontendSpecT, 'rateLimit' | 'connectionLimit'>;

export function buildFrontends(
  p: Proxy,
  ctx: FrontendBuildContext,
): { name: string; bind: Bind; spec: FrontendSpecT }[] {
  const out: { name: string; bind: Bind; spec: FrontendSpecT }[] = [];
  const mode = p.settings.mode?.value ?? 'tcp';
  const anchors = [frontendAnchor(p)];
  if (!p.settings.mode)
    ctx.report.note(
      p.section.line,
      `${p.kind} ${p.hname}: no "mode" in the proxy or its defaults: HAProxy's default is tcp, so the import uses mode tcp`,
      anchors,
    );
  const rules = [...p.fe.rules].sort((a, b) => a.phase - b.phase || a.line - b.line);
  const everApplied = new Set<HeaderEdit>();
  const everRule = new Set<RuleSource>();

  for (const bind of p.fe.binds) {
    const cond: CondContext = { mode, ssl: bind.ssl, port: bind.port, acls: p.acls };
    const spec: FrontendSpecT = {
      bind: bind.host === '' ? { port: bind.port } : { port: bind.port, address: bind.host },
    };
    spec.mode = mode;
    if (p.settings.maxconn) spec.maxConnections = p.settings.maxconn.value;
    if (p.settings.forwardFor?.value) {
      if (mode === 'http') spec.forwardFor = true;
      else
        ctx.report.unsupported(
          p.settings.forwardFor.line,
          'option forwardfor',
          'has no effect in mode tcp',
          anchors,
        );
    }
    const t = p.settings.timeouts;
    const timeouts: NonNullable<FrontendSpecT['timeouts']> = {};
    if (t.client) timeouts.client = t.client.value;
    if (t.httpRequest && mode === 'http') timeouts.httpRequest = t.httpRequest.value;
    if (t.keepAlive && mode === 'http') timeouts.keepAlive = t.keepAlive.value;
    if (Object.keys(timeouts).length > 0) spec.timeouts = timeouts;
    if (bind.ssl) spec.tls = tlsSpec(bind, ctx.report, anchors);

    // Rules, rate limits.
    const limits: Limits = {};
    const defaultBackend = p.fe.defaultBackend?.value ?? (p.kind === 'listen' ? p.hname : undefined);
    const defaultName = defaultBackend !== undefined ? ctx.backendName(defaultBackend) : undefined;
    const planned: Planned[] = [];
    for (const r of rules) {
      if (usesCounters(r, p)) {
        if (convertLimit(r, p, limits, cond, ctx, anchors)) everRule.add(r);
        continue;
      }
      const action = ruleAction(r, ctx);
      if (!action) continue;
      if (mode === 'tcp' && r.action.type === 'redirect') {
        ctx.report.unsupported(r.line, r.text, 'a redirect needs mode http', anchors);
        continue;
      }
      let tr = translateCondition(r.cond, cond);
      let exception: Match[] | undefined;
      if (tr.kind === 'unsupported') {
        // "A and not B": maybe expressible by routing B's requests first (see assembleRules).
        const ex = exceptionForm(r.cond, cond);
        if (ex && ex.positive.kind !== 'unsupported' && ex.exception.kind === 'alts') {
          tr = ex.positive;
          exception = ex.exception.alts;
        } else if (ex && ex.positive.kind !== 'unsupported' && ex.exception.kind === 'const') {
          tr = ex.exception.value ? { kind: 'const', value: false } : ex.positive;
        } else {
          ctx.report.unsupported(r.line, r.text, tr.reason, anchors);
          continue;
        }
      }
      if (tr.kind === 'const' && !tr.value) continue;
      everRule.add(r);
      const matches: (Match | undefined)[] = tr.kind === 'const' ? [undefined] : tr.alts;
      const tcpBad = (m: Match | undefined) =>
        m !== undefined && mode === 'tcp' && Object.keys(m).some((k) => k !== 'sni' && k !== 'sourceCIDRs');
      if (matches.some(tcpBad) || (exception ?? []).some(tcpBad)) {
        ctx.report.unsupported(
          r.line,
          r.text,
          'in mode tcp only the SNI and the source address can be matched',
          anchors,
        );
        continue;
      }
      planned.push({ r, action, matches, ...(exception ? { exception } : {}) });
      if (r.action.type === 'deny' && r.action.closes && mode === 'http' && r.phase < 3) {
        ctx.report.note(
          r.line,
          `${r.text}: HAProxy closes the connection; Bascule answers ${r.action.status}`,
          anchors,
        );
      }
    }
    const fallback: RuleOut['action'] =
      defaultName !== undefined
        ? { name: defaultName, spec: { backend: defaultName } }
        : { name: 'no-backend', spec: { deny: { status: 503 } } };
    const assembled = assembleRules(planned, fallback, ctx.report, anchors);
    // Names: the rules as written first, then the copies that route exempt requests.
    const ruleNames = new NameScope(sanitizeRuleName);
    const names = new Map<RuleOut, string>();
    for (const x of assembled) if (!x.exempt) names.set(x, ruleNames.claim(x.action.name));
    for (const x of assembled)
      if (x.exempt) names.set(x, ruleNames.claim(`${x.exempt}-exempt-${x.action.name}`));
    const outRules: Rule[] = assembled.map((x) => ({
      name: names.get(x)!,
      ...(x.match ? { match: structuredClone(x.match) } : {}),
      ...x.action.spec,
    }));
    if (outRules.length > 256) {
      ctx.report.unsupported(
        p.section.line,
        `${p.kind} ${p.hname}`,
        `the conditions expand to ${outRules.length} rules; Bascule allows 256 per Frontend (only the first 256 are kept)`,
        anchors,
      );
      outRules.length = 256;
    }
    if (outRules.length > 0) spec.rules = outRules;

    if (defaultName !== undefined) {
      spec.defaultBackend = defaultName;
    } else if (mode === 'tcp' && outRules.length === 0) {
      // A tcp Frontend needs somewhere to send connections; HAProxy closes them.
      spec.rules = [{ name: 'no-backend', deny: { status: 503 } }];
      ctx.report.note(
        p.section.line,
        `${p.kind} ${p.hname} has no default_backend: connections are refused, as in HAProxy`,
        anchors,
      );
    }

    // Header edits.
    const req: Required<HeaderEditsT> = { add: [], set: [], remove: [] };
    const res: Required<HeaderEditsT> = { add: [], set: [], remove: [] };
    for (const e of p.fe.edits) {
      const tr = translateCondition(e.cond, cond);
      if (tr.kind === 'const') {
        if (!tr.value) continue;
        everApplied.add(e);
        if (mode !== 'http') {
          ctx.report.unsupported(e.line, e.text, 'header edits need mode http', anchors);
          continue;
        }
        const folded: Folded = spec.forwardFor
          ? foldIntoForwardFor(e, bind)
          : { edit: { op: e.op, name: e.name, value: e.value } };
        if (folded.note) ctx.report.note(e.line, folded.note, anchors);
        const edit = folded.edit;
        if (!edit) continue;
        const target = e.dir === 'request' ? req : res;
        if (edit.op === 'remove') target.remove.push(edit.name);
        else target[edit.op].push({ name: edit.name, value: edit.value ?? '' });
        continue;
      }
      everApplied.add(e);
      ctx.report.unsupported(
        e.line,
        e.text,
        tr.kind === 'unsupported'
          ? tr.reason
          : 'conditional header edits are only converted when the condition is known for the bind (ssl_fc, dst_port); Bascule edits headers per Frontend or per routing rule',
        anchors,
      );
    }
    const edits = (h: typeof req): HeaderEditsT | undefined => {
      const o: HeaderEditsT = {};
      if (h.add.length > 0) o.add = h.add;
      if (h.set.length > 0) o.set = h.set;
      if (h.remove.length > 0) o.remove = h.remove;
      return Object.keys(o).length > 0 ? o : undefined;
    };
    const rh = edits(req);
    const sh = edits(res);
    if (rh) spec.requestHeaders = rh;
    if (sh) spec.responseHeaders = sh;
    if (limits.rateLimit) spec.rateLimit = limits.rateLimit;
    if (limits.connectionLimit) spec.connectionLimit = limits.connectionLimit;
    out.push({ name: bind.frontendName, bind, spec });
  }

  for (const e of p.fe.edits)
    if (!everApplied.has(e))
      ctx.report.unsupported(
        e.line,
        e.text,
        'its condition never holds on any bind of this frontend',
        anchors,
      );
  for (const r of p.fe.rules) {
    if (!everRule.has(r) && !usesCounters(r, p)) {
      const tr = p.fe.binds.map((b) =>
        translateCondition(r.cond, { mode, ssl: b.ssl, port: b.port, acls: p.acls }),
      );
      if (tr.every((x) => x.kind === 'const' && !x.value))
        ctx.report.note(r.line, `${r.text}: its condition never holds on any bind of this frontend`, anchors);
    }
  }
  return out;
}

interface RuleOut {
  match?: Match;
  action: { name: string; spec: RuleActionSpec };
  /** Set on the copies that route the requests exempt from a rule: that rule's name. */
  exempt?: string;
}

interface Planned {
  r: RuleSource;
  action: RuleOut['action'];
  /** Alternatives of the condition's positive part (undefined = always). */
  matches: (Match | undefined)[];
  /** Requests matching any of these are exempt ("A and not B" / "unless B"). */
  exception?: Match[];
}

/**
 * Ordered rules. A rule with an exception E ("deny if A !B") becomes, in front of itself, copies
 * of every later rule restricted to A-and-E requests plus "A and E → the default backend": the
 * exempt requests are routed exactly as HAProxy would route them after skipping this rule, and
 * the rule itself then only sees the requests that are not exempt. Built from the last rule up.
 */
function assembleRules(
  planned: Planned[],
  fallback: RuleOut['action'],
  report: Reporter,
  anchors: ReturnType<typeof frontendAnchor>[],
): RuleOut[] {
  let out: RuleOut[] = [];
  for (let i = planned.length - 1; i >= 0; i--) {
    const pl = planned[i]!;
    const own: RuleOut[] = pl.matches.map((m) => ({ ...(m ? { match: m } : {}), action: pl.action }));
    if (!pl.exception) {
      out = [...own, ...out];
      continue;
    }
    const pre: RuleOut[] = [];
    let problem: string | undefined;
    outer: for (const pm of pl.matches) {
      for (const e of pl.exception) {
        const base = pm ? mergeMatches(pm, e) : e;
        if (base === 'never') continue;
        if (typeof base === 'string') {
          problem = base;
          break outer;
        }
        for (const x of out) {
          const m = x.match ? mergeMatches(base, x.match) : base;
          if (m === 'never') continue;
          if (typeof m === 'string') {
            problem = m;
            break outer;
          }
          pre.push({ match: m, action: x.action, exempt: pl.action.name });
        }
        pre.push({ match: base, action: fallback, exempt: pl.action.name });
      }
    }
    if (problem !== undefined || pre.length > 256) {
      report.unsupported(
        pl.r.line,
        pl.r.text,
        `its exception (a negated condition) cannot be expressed: ${problem ?? 'it expands to too many rules'}`,
        anchors,
      );
      continue;
    }
    report.note(
      pl.r.line,
      `${pl.r.text}: the negated part is expressed by ${pre.length} rule${pre.length === 1 ? '' : 's'} placed before it, which route the exempt requests as the following rules would`,
      anchors,
    );
    out = [...pre, ...own, ...out];
  }
  return out;
}

function ruleAction(
  r: RuleSource,
  ctx: FrontendBuildContext,
): { name: string; spec: RuleActionSpec } | undefined {
  const a = r.action;
  switch (a.type) {
    case 'backend': {
      const be = ctx.backendName(a.backend);
      if (be === undefined) return undefined;
      return { name: be, spec: { backend: be } };
    }
    case 'redirect':
      return {
        name:
          a.redirect.scheme === 'https' &&
          Object.keys(a.redirect).every((k) => ['scheme', 'code', 'stripQuery'].includes(k))
            ? 'redirect-https'
            : 'redirect',
        spec: { redirect: a.redirect },
      };
    case 'deny':
      return {
        name: 'deny',
        spec: { deny: a.body !== undefined ? { status: a.status, body: a.body } : { status: a.status } },
      };
  }
}

// ---------- TLS ----------

function tlsSpec(
  b: Bind,
  report: Reporter,
  anchors: ReturnType<typeof frontendAnchor>[],
): NonNullable<FrontendSpecT['tls']> {
  const tls: NonNullable<FrontendSpecT['tls']> = {
    certificates: b.certs.map((c) => ({ certFile: c, keyFile: c })),
  };
  report.note(
    b.line,
    `${b.certs.map((c) => `crt ${c}`).join(', ')}: an HAProxy PEM holds the certificate chain and the private key, so certFile and keyFile both name it (Bascule reads each part from it); ` +
      'point keyFile at a separate key file if you split it, or in Kubernetes create a kubernetes.io/tls Secret (kubectl create secret tls NAME --cert=... --key=...) and use secretName',
    anchors,
  );
  if (b.tls.minVersion) tls.minVersion = b.tls.minVersion;
  if (b.tls.maxVersion) tls.maxVersion = b.tls.maxVersion;
  if (b.tls.ciphers) tls.ciphers = b.tls.ciphers;
  if (b.alpn) tls.alpn = b.alpn;
  if (b.strictSNI) tls.strictSNI = true;
  if (b.verify && b.verify !== 'none') {
    tls.clientAuth = { mode: b.verify, ...(b.caFile ? { caFile: b.caFile } : {}) };
  }
  return tls;
}

// ---------- rate and connection limits ----------

/** The ACL lines a rule's condition refers to (named and anonymous). */
function conditionLines(r: RuleSource, p: Proxy): AclLine[] {
  const out: AclLine[] = [];
  for (const g of r.cond?.groups ?? []) {
    for (const t of g) {
      if (t.anonymous) out.push(t.anonymous);
      else out.push(...(p.acls.get(t.name!) ?? []));
    }
  }
  return out;
}

function usesCounters(r: RuleSource, p: Proxy): boolean {
  return conditionLines(r, p).some((l) => l.fetch.startsWith('counter:'));
}

/**
 * stick-table ... store http_req_rate(10s) + track-sc0 src + deny if { sc_http_req_rate(0) gt 100 }
 * → rateLimit {requests: 100, period: 10s, status}; the same with conn_cur → connectionLimit.
 */
function convertLimit(
  r: RuleSource,
  p: Proxy,
  limits: Limits,
  cond: CondContext,
  ctx: FrontendBuildContext,
  anchors: ReturnType<typeof frontendAnchor>[],
): boolean {
  const fail = (why: string) => {
    ctx.report.unsupported(r.line, r.text, why, anchors);
    return false;
  };
  if (r.action.type !== 'deny')
    return fail('stick counters are only converted in a deny rule (the rate-limit pattern)');
  const groups = r.cond?.groups ?? [];
  if (r.cond?.unless || groups.length !== 1 || groups[0]!.length !== 1 || groups[0]![0]!.negated) {
    return fail(
      'only "deny if <one counter comparison>" is converted to a rate limit: exceptions and combined conditions cannot be expressed',
    );
  }
  const lines = conditionLines(r, p);
  if (lines.length !== 1) return fail('the counter ACL must have exactly one definition');
  const l = lines[0]!;
  const counter = l.fetch.slice('counter:'.length);
  if (counter !== 'http_req_rate' && counter !== 'conn_cur')
    return fail(
      `the counter ${counter} has no Bascule equivalent (http_req_rate → rateLimit, conn_cur → connectionLimit)`,
    );
  if ((l.op !== 'gt' && l.op !== 'ge') || l.values.length !== 1 || !/^\d+$/.test(l.values[0]!))
    return fail('the counter must be compared with "gt N" or "ge N"');
  const n = Number(l.values[0]);
  const allowed = l.op === 'gt' ? n : n - 1;
  if (allowed < 1) return fail(`a limit of ${allowed} would deny every request`);

  // Which table, tracked by what key?
  const [slotText, tableName] = (l.arg ?? '0|').split('|') as [string, string];
  let table: StickTable | undefined;
  let trackLine: number | undefined;
  const lookup = (name: string | undefined) => (name ? ctx.tables.get(name) : p.table);
  if (slotText === 'src') {
    table = lookup(tableName);
  } else {
    const slot = Number(slotText);
    const track = p.fe.tracks.find((t) => t.slot === slot);
    if (!track) return fail(`no track-sc${slot} in this proxy feeds counter ${slot}`);
    if (track.key !== 'src')
      return fail(`track-sc${slot} ${track.key}: Bascule rate limits are keyed by client address (src) only`);
    if (track.conditional)
      return fail(`track-sc${slot} (line ${track.line}) is conditional: Bascule limits every client`);
    table = lookup(tableName || track.table);
    track.used = true;
    trackLine = track.line;
  }
  if (!table) return fail(`no stick-table found for ${l.criterion}`);
  if (table.type !== 'ip' && table.type !== 'ipv6')
    return fail(`stick-table type ${table.type}: Bascule rate limits are keyed by client address`);
  if (!table.store.has(counter))
    return fail(`the stick-table (line ${table.line}) does not store ${counter}`);
  table.used = true;
  const from = `stick-table line ${table.line}${trackLine !== undefined ? `, track-sc line ${trackLine}` : ''}`;
  const status = r.action.status;
  if (counter === 'http_req_rate') {
    if (cond.mode !== 'http') return fail('a request rate limit needs mode http');
    const period = table.store.get('http_req_rate');
    if (!period) return fail('http_req_rate needs a period, e.g. http_req_rate(10s)');
    if (limits.rateLimit) return fail('only one rate limit per Frontend is supported');
    if (status < 400) return fail(`deny status ${status}: a rate limit answers 4xx or 5xx`);
    limits.rateLimit = { requests: allowed, period, key: 'source', status };
    ctx.report.note(
      r.line,
      `${r.text}: with ${from} → rateLimit ${allowed} requests per ${period} per client address, status ${status}`,
      anchors,
    );
  } else {
    if (limits.connectionLimit) return fail('only one connection limit per Frontend is supported');
    const closes = r.action.closes === true;
    limits.connectionLimit =
      cond.mode === 'http' && !closes && status >= 400
        ? { perSource: allowed, status }
        : { perSource: allowed };
    const past =
      cond.mode === 'tcp'
        ? 'further connections are closed'
        : closes
          ? 'HAProxy closes further connections, Bascule answers them with 429'
          : `further requests get ${status}`;
    ctx.report.note(
      r.line,
      `${r.text}: with ${from} → connectionLimit ${allowed} concurrent connections per client address; ${past}`,
      anchors,
    );
  }
  return true;
}
