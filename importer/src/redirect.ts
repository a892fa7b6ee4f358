// redirect scheme|location|prefix TARGET [options] (also as an http-request action).
import { condOf, splitCondition } from './acl.js';
import type { Proxy, RedirectSpec } from './model.js';
import type { Directive } from './parse.js';
import { ConfigError } from './report.js';
import type { Scope } from './settings.js';
import { parseInteger } from './values.js';

// ---------- redirect ----------

export function addRedirect(p: Proxy, a: string[], d: Directive, phase: number, scope: Scope): void {
  const { args, cond } = splitCondition(a, 2);
  const [kind, target, ...opts] = args;
  if ((kind !== 'scheme' && kind !== 'location' && kind !== 'prefix') || target === undefined) {
    throw new ConfigError(
      d.line,
      'redirect: expected "redirect scheme|location|prefix TARGET [code N] [drop-query] [if|unless CONDITION]"',
    );
  }
  const r: RedirectSpec = {};
  const dropped: string[] = [];
  let code = 302;
  let dropQuery = false;
  for (let i = 0; i < opts.length; i++) {
    const w = opts[i]!;
    if (w === 'code') {
      code = parseInteger(opts[++i], d.line, 'redirect code');
      if (![301, 302, 303, 307, 308].includes(code))
        throw new ConfigError(d.line, `redirect code ${code}: expected 301, 302, 303, 307 or 308`);
    } else if (w === 'drop-query') dropQuery = true;
    else if (w === 'append-slash' || w === 'ignore-empty' || w === 'keep-query') {
      if (w !== 'keep-query') dropped.push(w);
    } else if (w === 'set-cookie' || w === 'clear-cookie') dropped.push(`${w} ${opts[++i] ?? ''}`);
    else throw new ConfigError(d.line, `redirect: unknown option "${w}"`);
  }
  if (target.includes('%[') || /%[a-zA-Z{]/.test(target)) {
    scope.report.unsupported(
      d.line,
      d.text,
      'redirect targets with log-format expressions are not supported',
      scope.frontendAnchors,
    );
    return;
  }
  if (kind === 'scheme') {
    if (target !== 'http' && target !== 'https') {
      scope.report.unsupported(
        d.line,
        d.text,
        `redirect scheme ${target}: only http and https`,
        scope.frontendAnchors,
      );
      return;
    }
    r.scheme = target;
  } else if (kind === 'location' || kind === 'prefix') {
    const abs = /^(https?):\/\/([^/:]+)(?::(\d+))?(\/.*)?$/.exec(target);
    if (abs) {
      r.scheme = abs[1] as 'http' | 'https';
      r.host = abs[2];
      if (abs[3]) r.port = Number(abs[3]);
      if (abs[4] && abs[4] !== '/') r[kind === 'location' ? 'path' : 'prefix'] = abs[4];
      else if (kind === 'location') r.path = '/';
    } else if (target.startsWith('/')) {
      if (kind === 'location') r.path = target;
      else if (target !== '/') r.prefix = target.replace(/\/$/, '');
    } else {
      scope.report.unsupported(
        d.line,
        d.text,
        `redirect ${kind} ${target}: expected an absolute URL or a path`,
        scope.frontendAnchors,
      );
      return;
    }
  }
  r.code = code;
  // "location" replaces the whole URI, query included.
  if (dropQuery || kind === 'location') r.stripQuery = true;
  if (dropped.length > 0)
    scope.report.unsupported(
      d.line,
      d.text,
      `redirect options not supported: ${dropped.join(', ')}`,
      scope.frontendAnchors,
    );
  p.fe.rules.push({
    line: d.line,
    text: d.text,
    phase,
    action: { type: 'redirect', redirect: r },
    ...condOf(cond, d.line),
  });
}
