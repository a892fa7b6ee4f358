// Listeners: the Frontends of one dataplane group that bind the same address and port share
// one listener (the way many HTTPRoutes share a Gateway listener). Decided oldest first
// (creation time, then namespace/name):
//
// - the oldest Frontend on a bind owns it: its mode, TLS settings, timeouts, limits and header
//   edits are the listener's, its defaultBackend answers hosts nobody claimed, and its
//   spec.allowedNamespaces says which other namespaces may attach (its own always may);
//   like every member's, its defaultBackend also answers its own hosts before any wildcard;
// - a later HTTP Frontend joins when its namespace is allowed, every listener-level setting
//   agrees with the owner's (else it is refused, naming the first field that differs), and it
//   claims at least one host;
// - each joined Frontend's rules stay scoped to its own hosts (a rule without a host is repeated
//   for each host the Frontend names), its defaultBackend becomes a catch-all for those hosts,
//   and its certificates are added to the listener's (served by SNI); the owner's rules without
//   a host also stay as they are, after every host-scoped rule, for hosts nobody claimed;
// - two rules of different Frontends with the same host and the same match conflict: the older
//   Frontend's rule wins, the later one is left out and its Frontend is told which won;
// - exact hosts (and the catch-alls of the Frontends that claim them) are tried before wildcard
//   hosts, so a Frontend claiming shop.example.com is not shadowed by another's *.example.com;
// - TCP Frontends (TLS passthrough, or TLS terminated in mode tcp) share a port only by SNI:
//   each claims the server names of its rules' match.sni, and the listener dispatches on the
//   ClientHello's server name (sni-merge.ts); a TCP Frontend claiming no server name neither
//   joins nor lets others join;
// - binds that overlap without being equal (0.0.0.0:80 and 10.0.0.1:80) do not share: the later
//   one is refused, as before shared listeners.
import { canonicalItem, canonicalJson } from '#protocol/canonical';
import { ErrorCodes, type ErrorCode } from '#protocol/errors';
import type { FrontendSnap, RuleSnap } from '#protocol/snapshot';
import { derive } from './derived.js';
import { mergeSni, serverNamesOf } from './sni-merge.js';

const WILDCARDS = new Set(['0.0.0.0', '::']);

export const bindsOverlap = (a: FrontendSnap['bind'], b: FrontendSnap['bind']): boolean =>
  a.port === b.port && (a.address === b.address || WILDCARDS.has(a.address) || WILDCARDS.has(b.address));

export interface Contender {
  snap: FrontendSnap;
  created?: string;
  /** spec.allowedNamespaces: who may attach to a bind this Frontend owns ('*': every namespace). */
  allowedNamespaces?: readonly string[];
}

export interface ListenerProblem {
  contender: Contender;
  code: ErrorCode;
  field: string;
  message: string;
}

export interface Listener {
  /** The snapshot frontend serving the bind (the owner's, with the members' rules merged in). */
  snap: FrontendSnap;
  /** Every Frontend served by it, owner first. */
  members: Contender[];
}

/** Settings of the listener itself: every Frontend sharing a bind must agree on them. */
const LISTENER_FIELDS = [
  ['mode', (f: FrontendSnap) => f.mode],
  ['maxConnections', (f: FrontendSnap) => f.maxConnections ?? null],
  ['forwardFor', (f: FrontendSnap) => f.forwardFor],
  ['via', (f: FrontendSnap) => f.via],
  ['timeouts', (f: FrontendSnap) => f.timeouts],
  ['tls', (f: FrontendSnap) => (f.tls ? { ...f.tls, certificates: undefined } : null)],
  ['rateLimit', (f: FrontendSnap) => f.rateLimit ?? null],
  ['connectionLimit', (f: FrontendSnap) => f.connectionLimit ?? null],
  ['requestHeaders', (f: FrontendSnap) => f.requestHeaders],
  ['responseHeaders', (f: FrontendSnap) => f.responseHeaders],
] as const;

const byAge = (a: Contender, b: Contender): number => {
  // Objects without a creation time (directory source) sort after those with one.
  const ca = a.created ?? '\uffff';
  const cb = b.created ?? '\uffff';
  if (ca !== cb) return ca < cb ? -1 : 1;
  return a.snap.id < b.snap.id ? -1 : a.snap.id > b.snap.id ? 1 : 0;
};

/** The hosts a Frontend's rules name, in rule order, each once. */
export const hostsOf = (f: FrontendSnap): string[] => [
  ...new Set(f.rules.flatMap((r) => (r.match.host !== undefined ? [r.match.host] : []))),
];

/** Why `c` cannot join the listener `owner` holds, or undefined when it can. */
function refusal(
  owner: Contender,
  c: Contender,
  group: string,
): Omit<ListenerProblem, 'contender'> | undefined {
  const o = owner.snap;
  const f = c.snap;
  const where = `${f.bind.address}:${f.bind.port}`;
  if (o.bind.address !== f.bind.address)
    return {
      code: ErrorCodes.PORT_CONFLICT,
      field: 'spec.bind.port',
      message: `port ${f.bind.port} on ${f.bind.address} is already bound by Frontend ${o.id} in dataplane group ${group} (only equal addresses share a port)`,
    };
  if (o.mode === 'tcp' && serverNamesOf(o).length === 0)
    return {
      code: ErrorCodes.PORT_CONFLICT,
      field: 'spec.bind.port',
      message: `port ${f.bind.port} on ${f.bind.address} is already bound by Frontend ${o.id} in dataplane group ${group} (a tcp Frontend that claims no server name in rules[].match.sni does not share its port)`,
    };
  const allowed = owner.allowedNamespaces ?? [];
  if (f.namespace !== o.namespace && !allowed.includes('*') && !allowed.includes(f.namespace)) {
    return {
      code: ErrorCodes.LISTENER_NOT_ALLOWED,
      field: 'spec.bind',
      message: `namespace ${f.namespace} may not attach to ${where}: its owner, Frontend ${o.id}, allows ${
        allowed.length > 0 ? allowed.join(', ') : 'only its own namespace'
      } (spec.allowedNamespaces)`,
    };
  }
  for (const [field, get] of LISTENER_FIELDS) {
    if (canonicalJson(get(f)) !== canonicalJson(get(o)))
      return {
        code: ErrorCodes.LISTENER_CONFLICT,
        field: `spec.${field}`,
        message: `${where} is shared with Frontend ${o.id}, which owns it, and ${field} is a listener-level setting: it must be the same as the owner's`,
      };
  }
  if (f.mode === 'tcp' && serverNamesOf(f).length === 0)
    return {
      code: ErrorCodes.LISTENER_CONFLICT,
      field: 'spec.rules',
      message: `${where} is shared with Frontend ${o.id}: a tcp Frontend shares a port only by SNI, and this one claims no server name (rules[].match.sni)`,
    };
  if (f.mode === 'http' && hostsOf(f).length === 0)
    return {
      code: ErrorCodes.LISTENER_CONFLICT,
      field: 'spec.rules',
      message: `${where} is shared with Frontend ${o.id}: a Frontend joining a shared port must name hosts in its rules`,
    };
  return undefined;
}

/** Groups contenders into listeners, oldest first; returns the refused ones and the conflicts. */
/** Merged listeners of earlier runs, by owner snapshot: reused while the members are the same objects. */
export type ListenerMemo = WeakMap<
  FrontendSnap,
  { members: readonly FrontendSnap[]; snap: FrontendSnap; problems: readonly ListenerProblem[] }
>;

export function resolveListeners(
  list: readonly Contender[],
  group: string,
  memo?: ListenerMemo,
): {
  listeners: Listener[];
  problems: ListenerProblem[];
} {
  const listeners: Listener[] = [];
  const problems: ListenerProblem[] = [];
  for (const c of [...list].sort(byAge)) {
    const shared = listeners.find((l) => bindsOverlap(l.members[0]!.snap.bind, c.snap.bind));
    if (!shared) {
      listeners.push({ snap: c.snap, members: [c] });
      continue;
    }
    const why = refusal(shared.members[0]!, c, group);
    if (why) problems.push({ contender: c, ...why });
    else shared.members.push(c);
  }
  for (const l of listeners) if (l.members.length > 1) l.snap = mergeOnce(l.members, problems, memo);
  return { listeners, problems };
}

/** merge(), or its result from an earlier run with the very same member objects. */
function mergeOnce(
  members: Contender[],
  problems: ListenerProblem[],
  memo: ListenerMemo | undefined,
): FrontendSnap {
  const owner = members[0]!.snap;
  const prev = memo?.get(owner);
  if (
    prev &&
    prev.members.length === members.length &&
    prev.members.every((m, i) => m === members[i]!.snap)
  ) {
    // The problems name contenders of that run: the same objects' contenders of this one.
    const now = new Map(members.map((m) => [m.snap, m]));
    for (const p of prev.problems) problems.push({ ...p, contender: now.get(p.contender.snap)! });
    return prev.snap;
  }
  const found: ListenerProblem[] = [];
  const snap = owner.mode === 'tcp' ? mergeSni(members, found) : merge(members, found);
  problems.push(...found);
  memo?.set(owner, { members: members.map((m) => m.snap), snap, problems: found });
  return snap;
}

const isWildcard = (host: string | undefined): boolean => host !== undefined && host.startsWith('*.');

/** A member's rule under its listener name ("<frontend id>:<rule name>"), the same object while `r` is. */
export const renamed = (r: RuleSnap, frontendId: string): RuleSnap =>
  derive(r, `name:${frontendId}`, () => ({ ...r, name: `${frontendId}:${r.name}` }));

/** One listener's frontend from several: the owner's settings, every member's rules scoped to its hosts. */
function merge(members: Contender[], problems: ListenerProblem[]): FrontendSnap {
  const owner = members[0]!.snap;
  const claimed = new Map<string, string>(); // canonical match → frontend id that won it
  const rules: Array<{ rule: RuleSnap; wildcard: boolean }> = [];
  const defaults: Array<{ rule: RuleSnap; wildcard: boolean }> = [];
  const fallbacks: Array<{ rule: RuleSnap; wildcard: boolean }> = [];
  for (const { snap: f } of members) {
    const hosts = hostsOf(f);
    // A rule without a host is repeated for each of its Frontend's hosts, in place; the owner's
    // also stays as it is, tried after every host-scoped rule (for hosts nobody claimed).
    const scoped = (r: RuleSnap): RuleSnap[] => {
      if (r.match.host !== undefined) return [r];
      if (f === owner) fallbacks.push({ rule: renamed(r, f.id), wildcard: false });
      return hosts.map((host) => derive(r, `host:${host}`, () => ({ ...r, match: { ...r.match, host } })));
    };
    f.rules.forEach((r, i) => {
      for (const rule of scoped(r)) {
        const key = canonicalItem(rule.match);
        const winner = claimed.get(key);
        if (winner !== undefined && winner !== f.id) {
          problems.push({
            contender: members.find((m) => m.snap === f)!,
            code: ErrorCodes.ROUTE_CONFLICT,
            field: `spec.rules[${i}]`,
            message: `rule ${r.name} (host ${rule.match.host ?? '*'}) has the same host and match as a rule of Frontend ${winner}, which is older and wins; this rule is not served`,
          });
          continue;
        }
        claimed.set(key, f.id);
        rules.push({ rule: renamed(rule, f.id), wildcard: isWildcard(rule.match.host) });
      }
    });
    // Every member's defaultBackend answers its own hosts (before anyone's wildcard); the
    // owner's also stays the listener's, for hosts nobody claimed.
    if (f.defaultBackend !== undefined)
      for (const host of hosts) {
        // Two Frontends naming the same host: the older one's catch-all answers it.
        const key = canonicalJson({ host, default: true });
        const winner = claimed.get(key);
        if (winner !== undefined && winner !== f.id) {
          problems.push({
            contender: members.find((m) => m.snap === f)!,
            code: ErrorCodes.ROUTE_CONFLICT,
            field: 'spec.defaultBackend',
            message: `host ${host} is also named by Frontend ${winner}, which is older: its defaultBackend answers that host, not this one`,
          });
          continue;
        }
        claimed.set(key, f.id);
        const backend = f.defaultBackend;
        defaults.push({
          rule: derive(f, `default:${host}`, () => ({
            name: `${f.id}:defaultBackend:${host}`,
            match: { host },
            action: { type: 'backend', backend },
          })),
          wildcard: isWildcard(host),
        });
      }
  }
  // Exact hosts first (stable: member age, then rule order) with their Frontends' catch-alls,
  // then wildcard hosts likewise, then the owner's host-less rules.
  const ordered = [
    ...rules.filter((r) => !r.wildcard),
    ...defaults.filter((r) => !r.wildcard),
    ...rules.filter((r) => r.wildcard),
    ...defaults.filter((r) => r.wildcard),
    ...fallbacks,
  ].map((r) => r.rule);
  return withMembersTls(owner, members, ordered);
}

/** The owner's frontend with `rules`, and every member's certificates (each name once) when it terminates TLS. */
export function withMembersTls(
  owner: FrontendSnap,
  members: readonly Contender[],
  rules: RuleSnap[],
): FrontendSnap {
  const certificates = members.flatMap((m) => m.snap.tls?.certificates ?? []);
  return {
    ...owner,
    rules,
    ...(owner.tls
      ? {
          tls: {
            ...owner.tls,
            certificates: certificates.filter(
              (c, i) => certificates.findIndex((x) => x.name === c.name) === i,
            ),
          },
        }
      : {}),
  };
}
