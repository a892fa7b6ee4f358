// option NAME / no option NAME: the proxy options (HAProxy's cfg_opts and cfg_opts2).
import type { Directive } from './parse.js';
import { ConfigError } from './report.js';
import { isBackendSide, LOGGING, type Scope, type Settings } from './settings.js';
import { parseHttpchk, PROTOCOL_CHECKS } from './health-checks.js';

/** Options that are valid HAProxy but have no Bascule equivalent, with the reason shown to the operator. */
export const UNSUPPORTED_OPTIONS: Record<string, string> = {
  httplog: LOGGING,
  httpslog: LOGGING,
  tcplog: LOGGING,
  dontlognull: LOGGING,
  'dontlog-normal': LOGGING,
  'log-separate-errors': LOGGING,
  'log-health-checks': LOGGING,
  logasap: LOGGING,
  abortonclose:
    "Bascule always forwards an aborted request's close to the server connection; there is no option",
  'accept-invalid-http-request': 'Bascule does not relax HTTP parsing',
  'accept-invalid-http-response': 'Bascule does not relax HTTP parsing',
  checkcache: 'cacheable-response checks are not supported',
  clitcpka: 'TCP keep-alive probes are not configurable',
  srvtcpka: 'TCP keep-alive probes are not configurable',
  tcpka: 'TCP keep-alive probes are not configurable',
  contstats: 'statistics are reported by the dataplane admin endpoint',
  'socket-stats': 'statistics are reported by the dataplane admin endpoint',
  'disable-h2-upgrade': 'not configurable',
  'h1-case-adjust-bogus-client': 'header case adjustment is not supported',
  'h1-case-adjust-bogus-server': 'header case adjustment is not supported',
  'http-buffer-request': 'request buffering is not configurable',
  'http-ignore-probes': 'not configurable',
  'http-no-delay': 'not configurable',
  'http-pretend-keepalive': 'not configurable',
  'http-restrict-req-hdr-names': 'not configurable',
  'http-use-proxy-header': 'not supported',
  http_proxy: 'Bascule is not a forward proxy',
  'http-use-htx': 'not applicable',
  'http-tunnel': 'not applicable',
  'idle-close-on-response': 'not configurable',
  'independent-streams': 'not configurable',
  nolinger: 'not configurable',
  originalto: 'X-Original-To is not supported (forwardFor adds X-Forwarded-*)',
  persist: 'forcing persistence to a down server is not supported',
  'prefer-last-server': 'not supported',
  'splice-auto': 'not applicable to a Node.js dataplane',
  'splice-request': 'not applicable to a Node.js dataplane',
  'splice-response': 'not applicable to a Node.js dataplane',
  'tcp-smart-accept': 'not configurable',
  'tcp-smart-connect': 'not configurable',
  transparent: 'transparent proxying is not supported',
  'http-drop-request-trailers': 'not configurable',
  'http-drop-response-trailers': 'not configurable',
  'ssl-hello-chk': 'protocol-specific checks are not supported: Bascule runs a TCP connect check instead',
  'mysql-check': 'protocol-specific checks are not supported: Bascule runs a TCP connect check instead',
  'pgsql-check': 'protocol-specific checks are not supported: Bascule runs a TCP connect check instead',
  'redis-check': 'protocol-specific checks are not supported: Bascule runs a TCP connect check instead',
  smtpchk: 'protocol-specific checks are not supported: Bascule runs a TCP connect check instead',
  'ldap-check': 'protocol-specific checks are not supported: Bascule runs a TCP connect check instead',
  'spop-check': 'protocol-specific checks are not supported: Bascule runs a TCP connect check instead',
  'external-check': 'external check scripts are not supported: Bascule runs a TCP connect check instead',
};

export function applyOption(
  name: string | undefined,
  args: string[],
  negated: boolean,
  d: Directive,
  s: Settings,
  scope: Scope,
): boolean {
  if (name === undefined) throw new ConfigError(d.line, 'option: missing option name');
  const { report } = scope;
  const fa = scope.frontendAnchors;
  const ba = scope.backendAnchors;
  const anyAnchors = [...fa, ...ba];
  const at = (value: boolean) => ({ value, line: d.line });
  switch (name) {
    case 'redispatch':
      if (!isBackendSide(scope.kind)) {
        report.unsupported(
          d.line,
          d.text,
          'has no effect in a frontend section (HAProxy ignores it too)',
          fa,
        );
        return true;
      }
      s.redispatch = at(!negated);
      if (args.length > 0 && args[0] !== '-1' && args[0] !== '1')
        report.unsupported(
          d.line,
          d.text,
          `redispatch interval ${args[0]}: Bascule redispatches on the last retry`,
          ba,
        );
      return true;
    case 'httpclose':
    case 'forceclose':
    case 'http-server-close':
      if (!isBackendSide(scope.kind)) {
        if (!negated)
          report.unsupported(
            d.line,
            d.text,
            'Bascule keeps client connections alive; closing applies to server connections: set keepAlive: false on the Backends this frontend uses',
            fa,
          );
        return true;
      }
      s.keepAlive = at(negated);
      if (!negated && name !== 'http-server-close') {
        report.note(
          d.line,
          `${d.text}: server connections close after each response (keepAlive: false); client connections stay kept-alive in Bascule`,
          ba,
        );
      }
      return true;
    case 'http-keep-alive':
      if (isBackendSide(scope.kind)) s.keepAlive = at(!negated);
      return true;
    case 'forwardfor':
      // In a backend it is resolved once the frontends routing there are known (see convert.ts).
      s.forwardFor = at(!negated);
      if (args.length > 0)
        report.unsupported(
          d.line,
          d.text,
          `"${args.join(' ')}" is not supported: forwardFor always sets X-Forwarded-For (and -Proto, -Host, -Port)`,
          anyAnchors,
        );
      return true;
    case 'allbackups':
      if (!isBackendSide(scope.kind)) return true;
      s.allBackups = at(!negated);
      return true;
    case 'httpchk':
      if (!isBackendSide(scope.kind)) {
        report.unsupported(
          d.line,
          d.text,
          'has no effect in a frontend section (HAProxy ignores it too)',
          fa,
        );
        return true;
      }
      if (negated) {
        delete s.check;
        return true;
      }
      s.check = { value: parseHttpchk(args, d), line: d.line };
      return true;
    case 'tcp-check':
      if (isBackendSide(scope.kind)) {
        if (negated) delete s.check;
        else s.check = { value: { type: 'tcp' }, line: d.line };
      }
      return true;
    default: {
      const reason = UNSUPPORTED_OPTIONS[name];
      if (reason === undefined) throw new ConfigError(d.line, `unknown option "${name}"`);
      if (negated) return true; // turning off something Bascule does not do
      if (PROTOCOL_CHECKS.has(name) && isBackendSide(scope.kind))
        s.check = { value: { type: 'tcp' }, line: d.line };
      report.unsupported(d.line, d.text, reason, anyAnchors);
      return true;
    }
  }
}
