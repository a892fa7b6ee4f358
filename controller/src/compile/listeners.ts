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
import { canonicalEqual } from '#protocol/canonical';
import { ErrorCodes, type ErrorCode } from '#protocol/errors';
import { listenerTls } from '#protocol/listener';
import type { FrontendSnap, RuleSnap } from '#protocol/snapshot';
import { derive } from './derived.js';
import { hostsOf, ListenerClaims } from './listener-claims.js';
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

type Refusal = Omit<ListenerProblem, 'contender'> | undefined;
const refusals = new WeakMap<
  FrontendSnap,
  { owner: FrontendSnap; allowed: readonly string[]; group: string; why: Refusal }
>();

const NOBODY: readonly string[] = [];

/** Whether two lists hold the same strings in the same order (no text made to compare them). */
const sameStrings = (a: readonly string[], b: readonly string[]): boolean =>
  a === b || (a.length === b.length && a.every((x, i) => x === b[i]));

/** refusal(), remembered per joining snapshot object while the owner (and what it allows) is the same. */
function refusalOnce(owner: Contender, c: Contender, group: string): Refusal {
  // Checked for every member after every edit of the group: compared as they are, not as JSON.
  const allowed = owner.allowedNamespaces ?? NOBODY;
  const prev = refusals.get(c.snap);
  if (prev && prev.owner === owner.snap && sameStrings(prev.allowed, allowed) && prev.group === group)
    return prev.why;
  const why = refusal(owner, c, group);
  refusals.set(c.snap, {
    owner: owner.snap,
    allowed: Object.isFrozen(allowed) ? allowed : [...allowed],
    group,
    why,
  });
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
    if (!canonicalEqual(get(f), get(o)))
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

/**
 * What the listener merges of earlier runs keep: per shared HTTP listener (by group, bind and
 * owner) who won what (listener-claims.ts), decided again only for the members an edit touches;
 * per shared TCP listener, the merge itself while its members are the very same objects.
 */
export class ListenerMemo {
  private readonly http = new Map<string, { claims: ListenerClaims; used: boolean }>();
  private readonly tcp = new WeakMap<
    FrontendSnap,
    { members: readonly FrontendSnap[]; snaps: readonly FrontendSnap[]; problems: readonly ListenerProblem[] }
  >();

  claims(key: string): ListenerClaims {
    let entry = this.http.get(key);
    if (!entry) this.http.set(key, (entry = { claims: new ListenerClaims(), used: true }));
    entry.used = true;
    return entry.claims;
  }

  tcpMerge(owner: FrontendSnap) {
    return this.tcp.get(owner);
  }

  rememberTcp(
    owner: FrontendSnap,
    merged: {
      members: readonly FrontendSnap[];
      snaps: readonly FrontendSnap[];
      problems: readonly ListenerProblem[];
    },
  ): void {
    this.tcp.set(owner, merged);
  }

  /** Forgets the listeners no run used since the last sweep (their owner is gone or moved). */
  sweep(): void {
    for (const [key, entry] of this.http) {
      if (!entry.used) this.http.delete(key);
      entry.used = false;
    }
  }
}

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
  for (const l of listeners) if (l.members.length > 1) l.snaps = shareOnce(l.members, group, problems, memo);
  return { listeners, problems };
}

/** The members' snapshot objects, from what was decided for them in earlier runs where it still holds. */
function shareOnce(
  members: Contender[],
  group: string,
  problems: ListenerProblem[],
  memo: ListenerMemo | undefined,
): readonly FrontendSnap[] {
  const owner = members[0]!.snap;
  if (owner.mode !== 'tcp') {
    const { address, port } = owner.bind;
    const claims = memo?.claims(`${group}\u0000${address}:${port}\u0000${owner.id}`) ?? new ListenerClaims();
    const outcomes = claims.share(members.map((m) => m.snap));
    outcomes.forEach((o, i) => {
      for (const p of o.problems) problems.push({ contender: members[i]!, ...p });
    });
    return outcomes.map((o) => o.snap);
  }
  const prev = memo?.tcpMerge(owner);
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
  const snaps = [mergeSni(members, found)];
  problems.push(...found);
  memo?.rememberTcp(owner, { members: members.map((m) => m.snap), snaps, problems: found });
  return snaps;
}

/** A member's rule under its listener name ("<frontend id>:<rule name>"), the same object while `r` is. */
export const renamed = (r: RuleSnap, frontendId: string): RuleSnap =>
  derive(r, `name:${frontendId}`, () => ({ ...r, name: `${frontendId}:${r.name}` }));

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
