// Directives that may appear in "defaults" as well as in proxies. A proxy starts from a copy of
// its defaults' settings and applies its own directives on top, as HAProxy does.
import type { Directive } from './parse.js';
import { ConfigError } from './report.js';
import { isBackendSide, isFrontendSide, LOGGING, STATS, type Scope, type Settings } from './settings.js';
import { applyBalance } from './balance.js';
import { applyCookie } from './cookie.js';
import { applyHttpCheck } from './health-checks.js';
import { applyOption } from './options.js';
import { parseServerOptions, unsupportedServerOptions } from './server-options.js';
import { applyTimeout } from './timeouts.js';
import { parseInteger } from './values.js';

/**
 * Applies a directive that may come from defaults. Returns false when the keyword is not one of
 * these (the caller then tries section-specific keywords).
 */
export function applyCommon(d: Directive, s: Settings, scope: Scope): boolean {
  const [kw, ...a] = d.words;
  const { report } = scope;
  const fa = scope.frontendAnchors;
  const ba = scope.backendAnchors;
  const anyAnchors = [...fa, ...ba];
  const text = d.text;
  const onlyIn = (side: 'frontend' | 'backend') => {
    if (side === 'frontend' && !isFrontendSide(scope.kind)) {
      report.unsupported(d.line, text, `has no effect in a backend section (HAProxy ignores it too)`, ba);
      return false;
    }
    if (side === 'backend' && !isBackendSide(scope.kind)) {
      report.unsupported(d.line, text, `has no effect in a frontend section (HAProxy ignores it too)`, fa);
      return false;
    }
    return true;
  };

  switch (kw) {
    case 'mode': {
      const m = a[0];
      if (m === 'http' || m === 'tcp') s.mode = { value: m, line: d.line };
      else if (m === 'health')
        report.unsupported(d.line, text, 'mode health (answer "OK" and close) is not supported', anyAnchors);
      else throw new ConfigError(d.line, `mode: expected http or tcp, got ${JSON.stringify(m ?? '')}`);
      return true;
    }
    case 'maxconn':
      if (!onlyIn('frontend')) return true;
      s.maxconn = { value: parseInteger(a[0], d.line, 'maxconn', 1), line: d.line };
      return true;
    case 'contimeout':
    case 'clitimeout':
    case 'srvtimeout':
      applyTimeout(kw, a[0], d, s, scope);
      return true;
    case 'timeout': {
      if (a[0] === undefined) throw new ConfigError(d.line, 'timeout: missing timeout name');
      applyTimeout(a[0], a[1], d, s, scope);
      return true;
    }
    case 'retries':
      if (!onlyIn('backend')) return true;
      {
        let n = parseInteger(a[0], d.line, 'retries', 0);
        if (n > 10) {
          report.note(d.line, `retries ${n}: Bascule allows at most 10 attempts; using 10`, ba);
          n = 10;
        }
        s.retries = { value: n, line: d.line };
      }
      return true;
    case 'balance':
      if (!onlyIn('backend')) return true;
      applyBalance(d, s, scope);
      return true;
    case 'hash-type': {
      if (!onlyIn('backend')) return true;
      const t = a[0];
      if (t !== 'map-based' && t !== 'consistent')
        throw new ConfigError(
          d.line,
          `hash-type: expected map-based or consistent, got ${JSON.stringify(t ?? '')}`,
        );
      s.hashType = { value: t, line: d.line };
      if (a.length > 1 && !(a[1] === 'sdbm' && a.length === 2))
        report.unsupported(
          d.line,
          text,
          `hash function "${a.slice(1).join(' ')}" is not configurable (Bascule picks its own hash)`,
          ba,
        );
      return true;
    }
    case 'cookie':
      if (!onlyIn('backend')) return true;
      applyCookie(d, s, scope);
      return true;
    case 'default-server':
      if (!onlyIn('backend')) return true;
      {
        const { params, unsupported } = parseServerOptions(a, d.line);
        Object.assign(s.defaultServer, params);
        if (unsupported.length > 0)
          report.unsupported(d.line, text, unsupportedServerOptions(unsupported), ba);
      }
      return true;
    case 'http-check':
      if (!onlyIn('backend')) return true;
      applyHttpCheck(d, s, scope);
      return true;
    case 'tcp-check':
      if (!onlyIn('backend')) return true;
      if (a[0] === 'connect' && a.length === 1) return true; // a plain connect is what a TCP check does
      report.unsupported(
        d.line,
        text,
        'tcp-check send/expect sequences are not supported: Bascule runs a TCP connect check',
        ba,
      );
      return true;
    case 'stats':
      report.unsupported(d.line, text, STATS, anyAnchors);
      return true;
    case 'log':
    case 'log-format':
    case 'log-format-sd':
    case 'error-log-format':
    case 'log-tag':
      report.unsupported(d.line, text, LOGGING, anyAnchors);
      return true;
    case 'option':
    case 'no': {
      let negated = false;
      let words = d.words;
      if (kw === 'no') {
        if (words[1] !== 'option') throw new ConfigError(d.line, `"no" must be followed by "option"`);
        negated = true;
        words = words.slice(1);
      }
      return applyOption(words[1], words.slice(2), negated, d, s, scope);
    }
    default:
      return false;
  }
}
