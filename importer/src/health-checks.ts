// option httpchk and http-check: the active health check of a backend → HealthPolicy.
import type { Directive } from './parse.js';
import { ConfigError } from './report.js';
import type { Expect, HttpCheck, Scope, Settings } from './settings.js';

export const PROTOCOL_CHECKS = new Set([
  'ssl-hello-chk',
  'mysql-check',
  'pgsql-check',
  'redis-check',
  'smtpchk',
  'ldap-check',
  'spop-check',
  'external-check',
]);

/** option httpchk [<method>] [<uri>] [<version>[\r\nHeader: value...]] */
export function parseHttpchk(args: string[], d: Directive): HttpCheck {
  const check: HttpCheck = { type: 'http', method: 'OPTIONS', path: '/', headers: [] };
  if (args.length === 1) check.path = args[0]!;
  else if (args.length >= 2) {
    check.method = args[0]!.toUpperCase();
    check.path = args[1]!;
  }
  if (args.length >= 3) {
    // The version may carry headers: "HTTP/1.1\r\nHost:\ www" (HAProxy < 2.2 idiom).
    const parts = args.slice(2).join(' ').split(/\r?\n/);
    for (const h of parts.slice(1)) addCheckHeader(check, h, d);
  }
  if (!/^[A-Z]+$/.test(check.method))
    throw new ConfigError(d.line, `option httpchk: invalid method "${check.method}"`);
  return check;
}

function addCheckHeader(check: HttpCheck, raw: string, d: Directive): void {
  const line = raw.trim();
  if (line === '') return;
  const colon = line.indexOf(':');
  if (colon <= 0) throw new ConfigError(d.line, `health check header "${line}" is not "Name: value"`);
  setCheckHeader(check, line.slice(0, colon).trim(), line.slice(colon + 1).trim());
}

function setCheckHeader(check: HttpCheck, name: string, value: string): void {
  if (name.toLowerCase() === 'host') check.host = value;
  else check.headers.push({ name, value });
}

export function applyHttpCheck(d: Directive, s: Settings, scope: Scope): void {
  const [, sub, ...a] = d.words;
  const ba = scope.backendAnchors;
  switch (sub) {
    case 'send': {
      const base: HttpCheck =
        s.check?.value.type === 'http'
          ? { ...s.check.value, headers: [...s.check.value.headers] }
          : { type: 'http', method: 'GET', path: '/', headers: [] };
      // "http-check send" replaces the request line pieces it names.
      const dropped: string[] = [];
      for (let i = 0; i < a.length; i++) {
        const w = a[i]!;
        const v = a[i + 1];
        if (v === undefined && w !== 'body')
          throw new ConfigError(d.line, `http-check send: "${w}" needs a value`);
        if (w === 'meth') base.method = v!.toUpperCase();
        else if (w === 'uri') base.path = v!;
        else if (w === 'ver') {
          /* the version is not configurable in Bascule */
        } else if (w === 'hdr') {
          const value = a[i + 2];
          if (value === undefined)
            throw new ConfigError(d.line, 'http-check send: hdr needs a name and a value');
          setCheckHeader(base, v!, value);
          i++;
        } else if (w === 'body' || w === 'body-lf' || w === 'uri-lf' || w === 'comment')
          dropped.push(`${w} ${v ?? ''}`.trim());
        else throw new ConfigError(d.line, `http-check send: unknown argument "${w}"`);
        i++;
      }
      s.check = { value: base, line: d.line };
      if (dropped.length > 0)
        scope.report.unsupported(
          d.line,
          d.text,
          `${dropped.join(', ')}: health check requests carry no body in Bascule`,
          ba,
        );
      return;
    }
    case 'expect': {
      let i = 0;
      const opts: string[] = [];
      while (
        a[i] === 'min-recv' ||
        a[i] === 'ok-status' ||
        a[i] === 'error-status' ||
        a[i] === 'tout-status' ||
        a[i] === 'on-success' ||
        a[i] === 'on-error' ||
        a[i] === 'status-code' ||
        a[i] === 'comment'
      ) {
        opts.push(`${a[i]} ${a[i + 1] ?? ''}`);
        i += 2;
      }
      let negate = false;
      if (a[i] === '!') {
        negate = true;
        i++;
      }
      const what = a[i];
      const pattern = a.slice(i + 1).join(' ');
      if (what === undefined || pattern === '')
        throw new ConfigError(
          d.line,
          'http-check expect: needs a match (status, rstatus, string, rstring) and a pattern',
        );
      if (negate) {
        scope.report.unsupported(
          d.line,
          d.text,
          "negated expectations are not supported: Bascule keeps HAProxy's default (2xx and 3xx are healthy)",
          ba,
        );
        return;
      }
      if (opts.length > 0)
        scope.report.unsupported(
          d.line,
          `${opts.join(', ')} (in: ${d.text})`,
          'expect options are not supported',
          ba,
        );
      const e: Expect = {};
      switch (what) {
        case 'status': {
          const parts = pattern.split(',');
          const codes = parts.filter((p) => /^\d{3}$/.test(p)).map(Number);
          const ranges = parts.filter((p) => /^\d{3}-\d{3}$/.test(p));
          if (codes.length + ranges.length !== parts.length)
            throw new ConfigError(d.line, `http-check expect status: invalid status "${pattern}"`);
          if (ranges.length === 0) e.status = codes;
          else if (ranges.length === 1 && codes.length === 0) e.statusRange = ranges[0]!;
          else e.statusRegex = `^(?:${parts.map((p) => (p.includes('-') ? rangeRegex(p) : p)).join('|')})$`;
          break;
        }
        case 'rstatus':
          e.statusRegex = pattern;
          break;
        case 'string':
          e.bodyContains = pattern;
          break;
        case 'rstring':
          e.bodyRegex = pattern;
          break;
        default:
          scope.report.unsupported(
            d.line,
            d.text,
            `expect ${what} is not supported (status, rstatus, string and rstring are)`,
            ba,
          );
          return;
      }
      if (s.expect && s.expect.line !== d.line && scope.kind !== 'defaults') {
        scope.report.unsupported(
          d.line,
          d.text,
          'only one http-check expect is supported per backend; this one replaces the previous',
          ba,
        );
      }
      s.expect = { value: e, line: d.line };
      return;
    }
    case 'disable-on-404':
      scope.report.unsupported(d.line, d.text, 'draining on 404 is not supported', ba);
      return;
    case 'send-state':
      scope.report.unsupported(d.line, d.text, 'the X-Haproxy-Server-State header is not sent', ba);
      return;
    case 'connect':
    case 'comment':
    case 'set-var':
    case 'set-var-fmt':
    case 'unset-var':
      scope.report.unsupported(d.line, d.text, 'multi-step health checks are not supported', ba);
      return;
    default:
      throw new ConfigError(d.line, `http-check: unknown action "${sub ?? ''}"`);
  }
}

/** "200-399" → a regex over status codes, for lists mixing codes and ranges. */
function rangeRegex(range: string): string {
  const [lo, hi] = range.split('-').map(Number) as [number, number];
  const codes: string[] = [];
  for (let c = lo; c <= hi; c++) codes.push(String(c));
  return codes.join('|');
}
