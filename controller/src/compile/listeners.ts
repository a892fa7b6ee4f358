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
// - each joined Frontend's rules stay scoped to its own hosts (a rule without a host applies to
//   each host the Frontend names), its defaultBackend becomes a catch-all for those hosts,
//   and its certificates are added to the listener's (served by SNI); the owner's rules without
//   a host also stay as they are, after every host-scoped rule, for hosts nobody claimed;
// - each HTTP Frontend of a shared listener travels in the snapshot as its own object (with
//   `listener` set), so editing one changes only that object; protocol/src/listener.ts defines
//   the order they are served in together;
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
import { canonicalItem, canonicalJson, deepFreeze } from '#protocol/canonical';
import { ErrorCodes, type ErrorCode } from '#protocol/errors';
import { listenerTls } from '#protocol/listener';
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
  /**
   * The snapshot frontends serving the bind: the Frontend alone; every Frontend of a shared HTTP
   * listener, each with `listener` set; or a shared TCP listener's one merged frontend.
   */
  snaps: readonly FrontendSnap[];
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

const hostsMemo = new WeakMap<FrontendSnap, string[]>();

/** The hosts a Frontend's rules name, in rule order, each once (remembered per snapshot object). */
export function hostsOf(f: FrontendSnap): string[] {
  let hosts = hostsMemo.get(f);
  if (!hosts) {
    hosts = [...new Set(f.rules.flatMap((r) => (r.match.host !== undefined ? [r.match.host] : [])))];
    hostsMemo.set(f, hosts);
  }
  return hosts;
}

type Refusal = Omit<ListenerProblem, 'contender'> | undefined;
const refusals = new WeakMap<
  FrontendSnap,
  { owner: FrontendSnap; allowed: string; group: string; why: Refusal }
>();

/** refusal(), remembered per joining snapshot object while the owner (and what it allows) is the same. */
function refusalOnce(owner: Contender, c: Contender, group: string): Refusal {
  const allowed = JSON.stringify(owner.allowedNamespaces ?? []);
  const prev = refusals.get(c.snap);
  if (prev && prev.owner === owner.snap && prev.allowed === allowed && prev.group === group) return prev.why;
  const why = refusal(owner, c, group);
  refusals.set(c.snap, { owner: owner.snap, allowed, group, why });
  return why;
}

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

/** Merged listeners of earlier runs, by owner snapshot: reused while the members are the same objects. */
export type ListenerMemo = WeakMap<
  FrontendSnap,
  { members: readonly FrontendSnap[]; snaps: readonly FrontendSnap[]; problems: readonly ListenerProblem[] }
>;

/** Groups contenders into listeners, oldest first; returns the refused ones and the conflicts. */
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
      listeners.push({ snaps: [c.snap], members: [c] });
      continue;
    }
    const why = refusalOnce(shared.members[0]!, c, group);
    if (why) problems.push({ contender: c, ...why });
    else shared.members.push(c);
  }
  for (const l of listeners) if (l.members.length > 1) l.snaps = shareOnce(l.members, problems, memo);
  return { listeners, problems };
}

/** share(), or its result from an earlier run with the very same member objects. */
function shareOnce(
  members: Contender[],
  problems: ListenerProblem[],
  memo: ListenerMemo | undefined,
): readonly FrontendSnap[] {
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
    return prev.snaps;
  }
  const found: ListenerProblem[] = [];
  const snaps = owner.mode === 'tcp' ? [mergeSni(members, found)] : share(members, found);
  problems.push(...found);
  memo?.set(owner, { members: members.map((m) => m.snap), snaps, problems: found });
  return snaps;
}

/** A member's rule under its listener name ("<frontend id>:<rule name>"), the same object while `r` is. */
export const renamed = (r: RuleSnap, frontendId: string): RuleSnap =>
  derive(r, `name:${frontendId}`, () => ({ ...r, name: `${frontendId}:${r.name}` }));

/** A host-less rule scoped to one host (frozen: its canonical JSON, the conflict key, is remembered). */
const scopedTo = (r: RuleSnap, host: string): RuleSnap =>
  derive(r, `host:${host}`, () => deepFreeze({ ...r, match: { ...r.match, host } }));

/**
 * The Frontends of one shared HTTP listener, each as its own snapshot object with `listener`
 * set: the owner's settings are the listener's, and each Frontend keeps the rules it won. The
 * dataplane puts them together (dataplane/src/router/shared-router.ts) in the order the flat
 * listener of `flattenListener` (protocol/src/listener.ts) spells out; what is decided here is
 * which Frontend wins a host + match both name:
 *
 * - two rules of different Frontends with the same host and the same match conflict: the older
 *   Frontend's rule wins, the later one is left out and its Frontend is told which won (a rule
 *   without a host counts once for each host its Frontend names; if it loses some of them, it
 *   travels as one copy per host it won);
 * - two Frontends naming the same host: the older one's defaultBackend is that host's catch-all.
 *
 * An unchanged Frontend gives back the same object as long as what it won is the same, so a
 * delta after one member's edit carries that member alone.
 */
function share(members: Contender[], problems: ListenerProblem[]): FrontendSnap[] {
  const owner = members[0]!.snap;
  const claimed = new Map<string, string>(); // conflict key → frontend id that won it
  const claim = (key: string, id: string): string | undefined => {
    const winner = claimed.get(key);
    if (winner !== undefined && winner !== id) return winner;
    claimed.set(key, id);
    return undefined;
  };
  return members.map((m, rank) => {
    const f = m.snap;
    const hosts = hostsOf(f);
    const lost: string[] = []; // "<rule index>@<host>" of every scoped rule left out
    const rules: RuleSnap[] = [];
    f.rules.forEach((r, i) => {
      const lose = (host: string | undefined, winner: string): void => {
        lost.push(`${i}@${host ?? ''}`);
        problems.push({
          contender: m,
          code: ErrorCodes.ROUTE_CONFLICT,
          field: `spec.rules[${i}]`,
          message: `rule ${r.name} (host ${host ?? '*'}) has the same host and match as a rule of Frontend ${winner}, which is older and wins; this rule is not served`,
        });
      };
      if (r.match.host !== undefined) {
        const winner = claim(canonicalItem(r.match), f.id);
        if (winner === undefined) rules.push(r);
        else lose(r.match.host, winner);
        return;
      }
      const won = hosts.filter((host) => {
        const winner = claim(canonicalItem(scopedTo(r, host).match), f.id);
        if (winner !== undefined) lose(host, winner);
        return winner === undefined;
      });
      if (won.length === hosts.length) rules.push(r);
      else rules.push(...won.map((host) => scopedTo(r, host)));
    });
    const defaultHosts: string[] = [];
    if (f.defaultBackend !== undefined)
      for (const host of hosts) {
        const winner = claim(canonicalJson({ host, default: true }), f.id);
        if (winner === undefined) defaultHosts.push(host);
        else
          problems.push({
            contender: m,
            code: ErrorCodes.ROUTE_CONFLICT,
            field: 'spec.defaultBackend',
            message: `host ${host} is also named by Frontend ${winner}, which is older: its defaultBackend answers that host, not this one`,
          });
      }
    const listener: NonNullable<FrontendSnap['listener']> = {
      owner: owner.id,
      ...(rank === 0 ? { members: members.slice(1).map((x) => x.snap.id) } : {}),
      hosts,
      defaultHosts,
    };
    return derive(f, `listener:${JSON.stringify([listener, lost])}`, () => ({
      ...f,
      rules: lost.length > 0 ? rules : f.rules,
      listener,
    }));
  });
}

/** The owner's frontend with `rules`, and every member's certificates (each name once) when it terminates TLS. */
export function withMembersTls(
  owner: FrontendSnap,
  members: readonly Contender[],
  rules: RuleSnap[],
): FrontendSnap {
  const tls = listenerTls(
    owner,
    members.map((m) => m.snap),
  );
  return { ...owner, rules, ...(tls ? { tls } : {}) };
}
