// http-request and http-response rules: deny, redirect, header edits, tracking (HAProxy's
// http_req_kws and http_res_kws).
import { condOf, splitCondition } from './acl.js';
import { PHASE, type HeaderEdit, type Proxy, type RuleAction } from './model.js';
import type { Directive } from './parse.js';
import { addRedirect } from './redirect.js';
import { addTrack } from './stick-table.js';
import { ConfigError, type Anchor, type Reporter } from './report.js';
import type { Scope } from './settings.js';
import { parseInteger } from './values.js';

export function blockedByAllow(d: Directive, allowLine: number, anchors: Anchor[], report: Reporter): void {
  report.unsupported(
    d.line,
    d.text,
    `follows "http-request allow" (line ${allowLine}), which could not be converted; converting this rule alone would also apply it to the requests that allow exempts`,
    anchors,
  );
}

// ---------- http-request / http-response / tcp-request ----------

function literalValue(v: string): string | undefined {
  if (/%(?!%)/.test(v.replace(/%%/g, ''))) return undefined;
  return v.replace(/%%/g, '%');
}

export function addEdit(p: Proxy, e: HeaderEdit, scope: Scope): void {
  if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(e.name))
    throw new ConfigError(e.line, `invalid header name "${e.name}"`);
  if (e.value !== undefined) {
    const lit = literalValue(e.value);
    if (lit === undefined) {
      scope.report.unsupported(
        e.line,
        e.text,
        'header values with log-format expressions (%[...], %ci...) are not supported: Bascule sets literal values (forwardFor adds X-Forwarded-For/-Proto/-Host/-Port)',
        scope.frontendAnchors,
      );
      return;
    }
    e.value = lit;
  }
  p.fe.edits.push(e);
}

function headerAction(
  p: Proxy,
  dir: 'request' | 'response',
  action: string,
  a: string[],
  d: Directive,
  scope: Scope,
): boolean {
  if (action !== 'add-header' && action !== 'set-header' && action !== 'del-header') return false;
  const { args, cond } = splitCondition(a, 1);
  const op = action === 'add-header' ? 'add' : action === 'set-header' ? 'set' : 'remove';
  if (op === 'remove') {
    if (args.length === 3 && args[1] === '-m' && args[2] === 'str') args.splice(1, 2);
    if (args.length !== 1) {
      if (args[1] === '-m') {
        scope.report.unsupported(
          d.line,
          d.text,
          `del-header ${args.slice(1).join(' ')}: only exact header names can be removed`,
          scope.frontendAnchors,
        );
        return true;
      }
      throw new ConfigError(d.line, `${action}: expected a header name`);
    }
    addEdit(p, { line: d.line, text: d.text, dir, op, name: args[0]!, ...condOf(cond, d.line) }, scope);
    return true;
  }
  if (args.length < 1) throw new ConfigError(d.line, `${action}: expected a header name and a value`);
  // The value may have been split on unescaped spaces by a sloppy config: HAProxy rejects that too.
  if (args.length > 2)
    throw new ConfigError(d.line, `${action}: too many words; quote or escape spaces in the value`);
  addEdit(
    p,
    { line: d.line, text: d.text, dir, op, name: args[0]!, value: args[1] ?? '', ...condOf(cond, d.line) },
    scope,
  );
  return true;
}

export function httpRequest(
  p: Proxy,
  a: string[],
  d: Directive,
  scope: Scope,
  allowLine: number | undefined,
): 'allow' | void {
  const [action, ...rest] = a;
  const fa = scope.frontendAnchors;
  if (action === undefined) throw new ConfigError(d.line, 'http-request: missing action');
  if (headerAction(p, 'request', action, rest, d, scope)) return;
  switch (action) {
    case 'redirect':
      if (allowLine !== undefined) return blockedByAllow(d, allowLine, fa, scope.report);
      addRedirect(p, rest, d, PHASE.httpRequest, scope);
      return;
    case 'deny':
    case 'reject': {
      if (allowLine !== undefined) return blockedByAllow(d, allowLine, fa, scope.report);
      const { args, cond } = splitCondition(rest, 0);
      const deny: RuleAction & { type: 'deny' } = { type: 'deny', status: 403 };
      const dropped: string[] = [];
      for (let i = 0; i < args.length; i++) {
        const w = args[i]!;
        if (w === 'deny_status' || w === 'status') deny.status = parseInteger(args[++i], d.line, w, 200, 599);
        else if (w === 'string') deny.body = args[++i] ?? '';
        else if (
          w === 'content-type' ||
          w === 'hdr' ||
          w === 'lf-string' ||
          w === 'file' ||
          w === 'lf-file' ||
          w === 'errorfile' ||
          w === 'errorfiles'
        ) {
          dropped.push(`${w} ${args[++i] ?? ''}${w === 'hdr' ? ` ${args[++i] ?? ''}` : ''}`);
        } else throw new ConfigError(d.line, `http-request ${action}: unknown argument "${w}"`);
      }
      if (action === 'reject') {
        deny.closes = true;
        scope.report.note(
          d.line,
          `${d.text}: HAProxy closes the connection without a response; Bascule answers ${deny.status}`,
          fa,
        );
      }
      if (dropped.length > 0)
        scope.report.unsupported(
          d.line,
          d.text,
          `${dropped.join(', ')}: a deny answers with a status and an optional literal body`,
          fa,
        );
      p.fe.rules.push({
        line: d.line,
        text: d.text,
        phase: PHASE.httpRequest,
        action: deny,
        ...condOf(cond, d.line),
      });
      return;
    }
    case 'track-sc0':
    case 'track-sc1':
    case 'track-sc2':
      return addTrack(p, action, rest, d, `http-request ${action}`);
    case 'allow':
      scope.report.unsupported(
        d.line,
        d.text,
        'Bascule rules have no "allow" (stop evaluating) action; the deny and redirect rules that follow are not converted either',
        fa,
      );
      return 'allow';
    case 'tarpit':
      if (allowLine !== undefined) return blockedByAllow(d, allowLine, fa, scope.report);
      scope.report.unsupported(d.line, d.text, 'tarpit is not supported (a deny rule answers at once)', fa);
      return;
    default:
      if (/^[a-z0-9_.-]+$/.test(action)) {
        scope.report.unsupported(d.line, d.text, `http-request ${action} has no Bascule equivalent`, fa);
        return;
      }
      throw new ConfigError(d.line, `http-request: unknown action "${action}"`);
  }
}

export function httpResponse(p: Proxy, a: string[], d: Directive, scope: Scope): void {
  const [action, ...rest] = a;
  if (action === undefined) throw new ConfigError(d.line, 'http-response: missing action');
  if (headerAction(p, 'response', action, rest, d, scope)) return;
  scope.report.unsupported(
    d.line,
    d.text,
    `http-response ${action} has no Bascule equivalent (response header add/set/remove are supported)`,
    scope.frontendAnchors,
  );
}
