// Which Frontend of a shared HTTP listener wins each host + match (listeners.ts states the rules),
// kept from one compile to the next. A Frontend's outcome depends only on the Frontends ranked
// before it that name the same conflict keys, so after an edit of one member only that member and
// the members that name one of its keys (before or after the edit) are decided again: an edit of
// one team's 50 rules on a listener of 2,500 costs its own rules, not a walk of every rule.
import { canonicalItem, canonicalJson, deepFreeze } from '#protocol/canonical';
import { ErrorCodes } from '#protocol/errors';
import type { FrontendSnap, RuleSnap } from '#protocol/snapshot';
import { derive } from './derived.js';
import type { ListenerProblem } from './listeners.js';

/** A member's snapshot object as served (its rules won, `listener` set) and what it lost. */
export interface MemberOutcome {
  snap: FrontendSnap;
  problems: ReadonlyArray<Omit<ListenerProblem, 'contender'>>;
}

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

/** A host-less rule scoped to one host (frozen: its canonical JSON, the conflict key, is remembered). */
const scopedTo = (r: RuleSnap, host: string): RuleSnap =>
  derive(r, `host:${host}`, () => deepFreeze({ ...r, match: { ...r.match, host } }));

const keysMemo = new WeakMap<FrontendSnap, readonly string[]>();

/**
 * Every conflict key a Frontend names, each once: a rule's host + match (a host-less rule's once
 * per host its Frontend names), and a catch-all per host when it has a defaultBackend.
 */
function keysOf(f: FrontendSnap): readonly string[] {
  let keys = keysMemo.get(f);
  if (!keys) {
    const all = new Set<string>();
    for (const r of f.rules) {
      if (r.match.host !== undefined) all.add(canonicalItem(r.match));
      else for (const host of hostsOf(f)) all.add(canonicalItem(scopedTo(r, host).match));
    }
    if (f.defaultBackend !== undefined) for (const host of hostsOf(f)) all.add(defaultKey(host));
    keysMemo.set(f, (keys = [...all]));
  }
  return keys;
}

const defaultKey = (host: string): string => canonicalJson({ host, default: true });

/** The members of one shared HTTP listener and who won what, updated member by member. */
export class ListenerClaims {
  private members: readonly FrontendSnap[] = [];
  /** Conflict key → the ranks of the members naming it, ascending: the first one wins it. */
  private readonly claimants = new Map<string, number[]>();
  private outcomes: MemberOutcome[] = [];

  /** Each member's outcome, members owner first (oldest first). */
  share(members: readonly FrontendSnap[]): readonly MemberOutcome[] {
    const sameIds =
      members.length === this.members.length && members.every((m, i) => m.id === this.members[i]!.id);
    if (!sameIds) return this.rebuild(members);
    const affected = new Set<number>();
    members.forEach((m, rank) => {
      const old = this.members[rank]!;
      if (m === old) return;
      affected.add(rank);
      for (const key of keysOf(old)) this.withdraw(key, rank, affected);
      for (const key of keysOf(m)) this.claim(key, rank, affected);
    });
    if (affected.size === 0) return this.outcomes;
    this.members = [...members];
    this.outcomes = [...this.outcomes];
    for (const rank of affected) this.outcomes[rank] = this.outcome(rank);
    return this.outcomes;
  }

  private rebuild(members: readonly FrontendSnap[]): readonly MemberOutcome[] {
    this.members = [...members];
    this.claimants.clear();
    members.forEach((m, rank) => {
      for (const key of keysOf(m)) this.claim(key, rank);
    });
    this.outcomes = members.map((_, rank) => this.outcome(rank));
    return this.outcomes;
  }

  /** `rank` names `key`; every member naming it is `affected`. */
  private claim(key: string, rank: number, affected?: Set<number>): void {
    let ranks = this.claimants.get(key);
    if (!ranks) this.claimants.set(key, (ranks = []));
    let at = ranks.length;
    while (at > 0 && ranks[at - 1]! > rank) at--;
    if (ranks[at - 1] !== rank) {
      // Inserted at `at` by hand: splice returns a list (of nothing) per call.
      ranks.push(rank);
      for (let j = ranks.length - 1; j > at; j--) ranks[j] = ranks[j - 1]!;
      ranks[at] = rank;
    }
    if (affected) for (const r of ranks) affected.add(r);
  }

  /** `rank` no longer names `key`; every member still naming it is `affected`. */
  private withdraw(key: string, rank: number, affected: Set<number>): void {
    const ranks = this.claimants.get(key);
    if (!ranks) return;
    const at = ranks.indexOf(rank);
    if (at !== -1) {
      for (let j = at; j < ranks.length - 1; j++) ranks[j] = ranks[j + 1]!;
      ranks.pop();
    }
    if (ranks.length === 0) this.claimants.delete(key);
    for (const r of ranks) affected.add(r);
  }

  /** The id of the older member that won `key` from `rank`, or undefined when `rank` wins it. */
  private winner(key: string, rank: number): string | undefined {
    const first = this.claimants.get(key)![0]!;
    return first < rank ? this.members[first]!.id : undefined;
  }

  /** One member's served snapshot and its problems, from the claims as they stand. */
  private outcome(rank: number): MemberOutcome {
    const f = this.members[rank]!;
    const hosts = hostsOf(f);
    const problems: Array<Omit<ListenerProblem, 'contender'>> = [];
    const lost: string[] = []; // "<rule index>@<host>" of every scoped rule left out
    const rules: RuleSnap[] = [];
    f.rules.forEach((r, i) => {
      const lose = (host: string | undefined, winner: string): void => {
        lost.push(`${i}@${host ?? ''}`);
        problems.push({
          code: ErrorCodes.ROUTE_CONFLICT,
          field: `spec.rules[${i}]`,
          message: `rule ${r.name} (host ${host ?? '*'}) has the same host and match as a rule of Frontend ${winner}, which is older and wins; this rule is not served`,
        });
      };
      if (r.match.host !== undefined) {
        const winner = this.winner(canonicalItem(r.match), rank);
        if (winner === undefined) rules.push(r);
        else lose(r.match.host, winner);
        return;
      }
      const won = hosts.filter((host) => {
        const winner = this.winner(canonicalItem(scopedTo(r, host).match), rank);
        if (winner !== undefined) lose(host, winner);
        return winner === undefined;
      });
      if (won.length === hosts.length) rules.push(r);
      else rules.push(...won.map((host) => scopedTo(r, host)));
    });
    const defaultHosts: string[] = [];
    if (f.defaultBackend !== undefined)
      for (const host of hosts) {
        const winner = this.winner(defaultKey(host), rank);
        if (winner === undefined) defaultHosts.push(host);
        else
          problems.push({
            code: ErrorCodes.ROUTE_CONFLICT,
            field: 'spec.defaultBackend',
            message: `host ${host} is also named by Frontend ${winner}, which is older: its defaultBackend answers that host, not this one`,
          });
      }
    const listener: NonNullable<FrontendSnap['listener']> = {
      owner: this.members[0]!.id,
      ...(rank === 0 ? { members: this.members.slice(1).map((x) => x.id) } : {}),
      hosts,
      defaultHosts,
    };
    const snap = derive(f, `listener:${JSON.stringify([listener, lost])}`, () => ({
      ...f,
      rules: lost.length > 0 ? rules : f.rules,
      listener,
    }));
    return { snap, problems };
  }
}
