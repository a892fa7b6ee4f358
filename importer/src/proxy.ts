// Walks the directives of one frontend/backend/listen section into the intermediate model.
// Malformed lines throw ConfigError (collected by the caller); valid HAProxy that Bascule cannot
// express is reported with the line it came from.
import { condOf, parseAclWords, splitCondition } from './acl.js';
import { addBind } from './bind.js';
import { applyCommon } from './common-directives.js';
import { addEdit, blockedByAllow, httpRequest, httpResponse } from './http-rules.js';
import { backendAnchor, frontendAnchor, PHASE, type GlobalSettings, type Proxy } from './model.js';
import type { Directive } from './parse.js';
import { addRedirect } from './redirect.js';
import { ConfigError, type Anchor, type Reporter } from './report.js';
import { parseServerOptions, unsupportedServerOptions } from './server-options.js';
import type { Scope } from './settings.js';
import { parseStickTable } from './stick-table.js';
import { tcpRequest } from './tcp-rules.js';
import { LEGACY_REQ_RSP, UNSUPPORTED_KEYWORDS } from './unsupported-keywords.js';
import { parseHostPort } from './values.js';

export function newProxy(
  section: Proxy['section'],
  settings: Proxy['settings'],
  feName: string,
  beName: string,
): Proxy {
  return {
    section,
    kind: section.kind as Proxy['kind'],
    hname: section.name,
    settings,
    acls: new Map(),
    fe: { name: feName, binds: [], rules: [], edits: [], tracks: [] },
    be: { name: beName, servers: [] },
  };
}

export function scopeOf(p: Proxy, report: Reporter): Scope {
  // Messages about the frontend side fall back to the backend (a listen without bind) and back.
  const fa: Anchor[] = [frontendAnchor(p), backendAnchor(p)];
  const ba: Anchor[] = [backendAnchor(p), frontendAnchor(p)];
  return {
    kind: p.kind,
    report,
    frontendAnchors: p.kind === 'backend' ? ba : fa,
    backendAnchors: p.kind === 'frontend' ? fa : ba,
  };
}

export function collectProxy(p: Proxy, global: GlobalSettings, report: Reporter): void {
  const scope = scopeOf(p, report);
  // Old style "listen NAME ADDR:PORT" carries its bind in the header.
  if (p.kind === 'listen' && p.section.args.length > 0) {
    try {
      for (const b of p.section.args.join(' ').split(',').filter(Boolean))
        addBind(p, [b], p.section.line, p.section.text, global, scope);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      report.error(err.line, err.message);
    }
  }
  let allowLine: number | undefined;
  for (const d of p.section.directives) {
    try {
      if (d.envVars.length > 0)
        report.note(
          d.line,
          `${d.text}: environment variable${d.envVars.length > 1 ? 's' : ''} ${d.envVars.map((v) => `$${v}`).join(', ')} kept verbatim (not expanded by the importer)`,
          scope.frontendAnchors,
        );
      if (applyCommon(d, p.settings, scope)) continue;
      const r = applyProxyDirective(p, d, global, scope, allowLine);
      if (r === 'allow') allowLine = d.line;
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      report.error(err.line, err.message);
    }
  }
}

function frontendOnly(p: Proxy, d: Directive): void {
  if (p.kind === 'backend')
    throw new ConfigError(d.line, `"${d.words[0]}" is not allowed in a backend section`);
}
function backendOnly(p: Proxy, d: Directive): void {
  if (p.kind === 'frontend')
    throw new ConfigError(d.line, `"${d.words[0]}" is not allowed in a frontend section`);
}

function applyProxyDirective(
  p: Proxy,
  d: Directive,
  global: GlobalSettings,
  scope: Scope,
  allowLine: number | undefined,
): 'allow' | void {
  const [kw, ...a] = d.words;
  const { report } = scope;
  const fa = scope.frontendAnchors;
  const ba = scope.backendAnchors;
  switch (kw) {
    case 'bind':
      frontendOnly(p, d);
      if (a[0] === undefined) throw new ConfigError(d.line, 'bind: missing address');
      for (const addr of a[0].split(',').filter(Boolean))
        addBind(p, [addr, ...a.slice(1)], d.line, d.text, global, scope);
      return;
    case 'acl': {
      const name = a[0];
      if (name === undefined || a.length < 2)
        throw new ConfigError(d.line, 'acl: expected "acl NAME CRITERION [VALUES]"');
      if (!/^[A-Za-z0-9_.:-]+$/.test(name)) throw new ConfigError(d.line, `acl: invalid name "${name}"`);
      const line = parseAclWords(a.slice(1), d.line, d.text);
      const list = p.acls.get(name) ?? [];
      list.push(line);
      p.acls.set(name, list);
      return;
    }
    case 'use_backend': {
      frontendOnly(p, d);
      const { args, cond } = splitCondition(a, 1);
      if (args.length !== 1)
        throw new ConfigError(d.line, 'use_backend: expected "use_backend BACKEND [if|unless CONDITION]"');
      if (args[0]!.includes('%[')) {
        report.unsupported(
          d.line,
          d.text,
          'dynamic backend names (%[...]) are not supported: write one rule per backend',
          fa,
        );
        return;
      }
      p.fe.rules.push({
        line: d.line,
        text: d.text,
        phase: PHASE.useBackend,
        action: { type: 'backend', backend: args[0]! },
        ...condOf(cond, d.line),
      });
      return;
    }
    case 'default_backend':
      frontendOnly(p, d);
      if (a.length !== 1) throw new ConfigError(d.line, 'default_backend: expected one backend name');
      if (a[0]!.includes('%[')) {
        report.unsupported(d.line, d.text, 'dynamic backend names (%[...]) are not supported', fa);
        return;
      }
      p.fe.defaultBackend = { value: a[0]!, line: d.line };
      return;
    case 'redirect':
      if (p.kind === 'backend') return backendRule(d, scope);
      if (allowLine !== undefined) return blockedByAllow(d, allowLine, fa, report);
      addRedirect(p, a, d, PHASE.redirect, scope);
      return;
    case 'block': {
      if (p.kind === 'backend') return backendRule(d, scope);
      const { cond } = splitCondition(a, 0);
      if (!cond) throw new ConfigError(d.line, 'block: expected "block if|unless CONDITION"');
      p.fe.rules.push({
        line: d.line,
        text: d.text,
        phase: PHASE.block,
        action: { type: 'deny', status: 403 },
        ...condOf(cond, d.line),
      });
      return;
    }
    case 'http-request':
      if (p.kind === 'backend') {
        report.unsupported(
          d.line,
          d.text,
          'http-request rules in a backend are not supported: Bascule applies them on the Frontend (move them to the frontend, or to a rule of it)',
          ba,
        );
        return;
      }
      return httpRequest(p, a, d, scope, allowLine);
    case 'http-response':
      if (p.kind === 'backend') {
        report.unsupported(
          d.line,
          d.text,
          'http-response rules in a backend are not supported: Bascule applies header edits on the Frontend or per rule',
          ba,
        );
        return;
      }
      return httpResponse(p, a, d, scope);
    case 'tcp-request':
      if (p.kind === 'backend') {
        report.unsupported(d.line, d.text, 'tcp-request rules in a backend are not supported', ba);
        return;
      }
      return tcpRequest(p, a, d, scope);
    case 'reqadd':
    case 'rspadd': {
      if (p.kind === 'backend') return backendRule(d, scope);
      const { args, cond } = splitCondition(a, 1);
      const h = args[0] ?? '';
      const colon = h.indexOf(':');
      if (args.length !== 1 || colon <= 0)
        throw new ConfigError(d.line, `${kw}: expected "${kw} Name:\\ value [if|unless CONDITION]"`);
      addEdit(
        p,
        {
          line: d.line,
          text: d.text,
          dir: kw === 'reqadd' ? 'request' : 'response',
          op: 'add',
          name: h.slice(0, colon).trim(),
          value: h.slice(colon + 1).trim(),
          ...condOf(cond, d.line),
        },
        scope,
      );
      report.note(
        d.line,
        `${d.text}: ${kw} was removed in HAProxy 2.1; converted as ${kw === 'reqadd' ? 'http-request' : 'http-response'} add-header`,
        fa,
      );
      return;
    }
    case 'server': {
      backendOnly(p, d);
      const [name, addr, ...opts] = a;
      if (name === undefined || addr === undefined)
        throw new ConfigError(d.line, 'server: expected "server NAME ADDRESS[:PORT] [options]"');
      const hp = parseHostPort(addr, d.line, `server ${name}`);
      if (hp.unsupported) {
        report.unsupported(d.line, d.text, `server address: ${hp.unsupported}`, ba);
        return;
      }
      if (hp.host === '') throw new ConfigError(d.line, `server ${name}: missing address`);
      const { params, unsupported } = parseServerOptions(opts, d.line);
      if (unsupported.length > 0)
        report.unsupported(d.line, d.text, unsupportedServerOptions(unsupported), ba);
      p.be.servers.push({
        line: d.line,
        text: d.text,
        name,
        host: hp.host,
        ...(hp.port !== undefined ? { port: hp.port } : {}),
        params: { ...p.settings.defaultServer, ...params },
      });
      return;
    }
    case 'stick': {
      backendOnly(p, d);
      const [verb, pattern, ...rest] = a;
      if (!['on', 'match', 'store-request', 'store-response'].includes(verb ?? '') || pattern === undefined)
        throw new ConfigError(d.line, 'stick: expected "stick on|match|store-request PATTERN [table NAME]"');
      let table: string | undefined;
      const ti = rest.indexOf('table');
      if (ti >= 0) table = rest[ti + 1];
      const condAt = rest.findIndex((w) => w === 'if' || w === 'unless');
      if (pattern !== 'src' || condAt >= 0) {
        report.unsupported(
          d.line,
          d.text,
          'only unconditional "stick on src" (source persistence) is supported',
          ba,
        );
        return;
      }
      if (p.be.stick && p.be.stick.line !== d.line) {
        // "stick match src" + "stick store-request src" together are "stick on src".
        return;
      }
      p.be.stick = { line: d.line, text: d.text, ...(table !== undefined ? { table } : {}) };
      return;
    }
    case 'stick-table':
      p.table = parseStickTable(p, a, d);
      return;
    case 'disabled':
      p.disabled = d.line;
      return;
    case 'enabled':
      return;
    default:
      if (kw !== undefined && LEGACY_REQ_RSP.test(kw)) {
        report.unsupported(
          d.line,
          d.text,
          `${kw} was removed in HAProxy 2.1 and has no Bascule equivalent (regex header rewriting)`,
          fa,
        );
        return;
      }
      if (kw !== undefined && UNSUPPORTED_KEYWORDS[kw]) {
        report.unsupported(
          d.line,
          d.text,
          UNSUPPORTED_KEYWORDS[kw]!,
          kw === 'server-template' || kw === 'use-server' || kw === 'fullconn' || kw === 'http-reuse'
            ? ba
            : fa,
        );
        return;
      }
      throw new ConfigError(d.line, `unknown keyword "${kw}" in ${p.kind} section "${p.hname}"`);
  }
}

/** Request rules that HAProxy also accepts in a backend section; Bascule has them on the Frontend. */
function backendRule(d: Directive, scope: Scope): void {
  scope.report.unsupported(
    d.line,
    d.text,
    `${d.words[0]} in a backend is not supported: Bascule applies rules and header edits on the Frontend (move it to the frontends that use this backend)`,
    scope.backendAnchors,
  );
}
