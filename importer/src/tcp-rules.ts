// tcp-request rules: connection and content rejects, tracking (HAProxy's tcp_req_*_kws).
import { condOf, splitCondition } from './acl.js';
import { PHASE, type Proxy } from './model.js';
import type { Directive } from './parse.js';
import { ConfigError } from './report.js';
import { addTrack } from './stick-table.js';
import type { Scope } from './settings.js';
import { parseTime } from './values.js';

export function tcpRequest(p: Proxy, a: string[], d: Directive, scope: Scope): void {
  const [layer, action, ...rest] = a;
  const fa = scope.frontendAnchors;
  if (layer === 'inspect-delay') {
    parseTime(action, d.line, 'tcp-request inspect-delay');
    scope.report.note(
      d.line,
      `${d.text}: Bascule waits for the data a rule needs (e.g. the TLS ClientHello for sni) on its own`,
      fa,
    );
    return;
  }
  if (layer !== 'connection' && layer !== 'content' && layer !== 'session')
    throw new ConfigError(
      d.line,
      `tcp-request: expected connection, content, session or inspect-delay, got "${layer ?? ''}"`,
    );
  if (action === undefined) throw new ConfigError(d.line, 'tcp-request: missing action');
  const phase = layer === 'connection' ? PHASE.tcpConnection : PHASE.tcpContent;
  switch (action) {
    case 'reject': {
      const { cond } = splitCondition(rest, 0);
      p.fe.rules.push({
        line: d.line,
        text: d.text,
        phase,
        action: { type: 'deny', status: 403, closes: true },
        ...condOf(cond, d.line),
      });
      return;
    }
    case 'accept': {
      const { cond } = splitCondition(rest, 0);
      const words = cond?.words.join(' ') ?? '';
      if (/^\{ req(_|\.)ssl_hello_type 1 \}$/.test(words)) {
        scope.report.note(
          d.line,
          `${d.text}: Bascule reads the TLS ClientHello itself before matching sni`,
          fa,
        );
      } else {
        scope.report.unsupported(
          d.line,
          d.text,
          'tcp-request accept rules are not supported (connections are accepted unless a rule denies them)',
          fa,
        );
      }
      return;
    }
    case 'track-sc0':
    case 'track-sc1':
    case 'track-sc2':
      return addTrack(p, action, rest, d, `tcp-request ${layer} ${action}`);
    default:
      scope.report.unsupported(
        d.line,
        d.text,
        `tcp-request ${layer} ${action} has no Bascule equivalent`,
        fa,
      );
  }
}
