// The router of a shared HTTP listener: several Frontends on one bind, each of which arrives as
// its own snapshot object (protocol/src/listener.ts). Each Frontend is compiled into a part of
// its own, kept across builds while its snapshot object is unchanged, and the parts are put
// together by host: an edit of one Frontend of a 2,500-rule listener compiles that Frontend's
// rules, not the listener's, and keeps the host maps unless some Frontend's hosts moved.
//
// The lookup gives the decision of flattenListener's ordered rules (checked against that linear
// scan in test/unit/dataplane/shared-router.test.ts): for the request's host,
// 1. the parts claiming it exactly, oldest first, each with its exact-host and host-less rules;
// 2. the catch-all of that exact host;
// 3. the parts claiming a wildcard that matches it (the oldest part with a match wins; within a
//    part, rule order), each with its wildcard and host-less rules;
// 4. the first catch-all of those wildcards;
// 5. the owner's host-less rules; then the owner's defaultBackend.
import { flattenListener, listenerDefaultName, listenerRuleName } from '#protocol/listener';
import type { FrontendSnap } from '#protocol/snapshot';
import { sameItem } from '#protocol/canonical';
import {
  backendDecision,
  compileRouter,
  noRoute,
  ruleContext,
  RuleSet,
  type RouterOptions,
  type RuleContext,
} from './router.js';
import { Sections } from './rule-index.js';
import type { RequestHead, RouteDecision, Router } from './types.js';

/** One Frontend's rules in a shared listener. */
class Part {
  constructor(
    readonly snap: Readonly<FrontendSnap>,
    readonly rules: RuleSet,
  ) {}
}

class WildcardDefault {
  constructor(
    /** Position among the listener's wildcard catch-alls: the lowest matching one answers. */
    readonly order: number,
    readonly decision: RouteDecision,
  ) {}
}

/**
 * Where the parts of a listener answer, by rank (owner 0, then the members in order): the host
 * maps and the catch-all decisions. It depends on each Frontend's id, position, hosts, default
 * hosts and defaultBackend (and the owner's header edits), not on its rules, so an edit of one
 * Frontend's rules keeps it and the build costs that Frontend's rules, not a re-keying of every
 * host of the listener (50 Frontends in the churn bench: ~0.7 ms per version).
 */
interface Layout {
  /** Per rank, the Frontend whose hosts, default hosts and defaultBackend it was made from. */
  readonly made: readonly Readonly<FrontendSnap>[];
  readonly exactParts: ReadonlyMap<string, readonly number[]>;
  readonly wildcardParts: ReadonlyMap<string, readonly number[]>;
  readonly exactDefaults: ReadonlyMap<string, RouteDecision>;
  readonly wildcardDefaults: ReadonlyMap<string, WildcardDefault>;
  readonly hasWildcards: boolean;
}

export interface SharedRouter extends Router {
  readonly owner: Readonly<FrontendSnap>;
  /** The parts by Frontend id, for the next build to keep. */
  readonly parts: ReadonlyMap<string, Part>;
  readonly context: RuleContext;
  /** The host maps, for the next build to keep while no Frontend's hosts moved. */
  readonly layout: Layout;
}

/** The same snapshot object, or one with the same content (its digest, cached per frozen object). */
const sameSnap = sameItem;

const sameEdits = (a: Readonly<FrontendSnap>, b: Readonly<FrontendSnap>): boolean =>
  sameSnap(a.requestHeaders, b.requestHeaders) && sameSnap(a.responseHeaders, b.responseHeaders);

const wildcardSuffix = (host: string): string | undefined =>
  host.startsWith('*.') ? host.slice(1) : undefined;

const sameStrings = (a: readonly string[], b: readonly string[]): boolean =>
  a === b || (a.length === b.length && a.every((x, i) => x === b[i]));

/** Whether a layout made from `was` holds for `f` (same id, hosts, default hosts, defaultBackend). */
const sameHosts = (was: Readonly<FrontendSnap>, f: Readonly<FrontendSnap>): boolean =>
  was === f ||
  (was.id === f.id &&
    was.defaultBackend === f.defaultBackend &&
    sameStrings(was.listener?.hosts ?? [], f.listener?.hosts ?? []) &&
    sameStrings(was.listener?.defaultHosts ?? [], f.listener?.defaultHosts ?? []));

/** The host maps of `frontends` (owner first), with the catch-alls decided in context `fe`. */
function layoutOf(frontends: readonly Readonly<FrontendSnap>[], fe: RuleContext): Layout {
  const exactParts = new Map<string, number[]>();
  const wildcardParts = new Map<string, number[]>();
  const exactDefaults = new Map<string, RouteDecision>();
  const wildcardDefaults = new Map<string, WildcardDefault>();
  let defaults = 0;
  frontends.forEach((f, rank) => {
    for (const host of new Set((f.listener?.hosts ?? []).map((h) => h.toLowerCase()))) {
      const suffix = wildcardSuffix(host);
      const map = suffix === undefined ? exactParts : wildcardParts;
      const key = suffix ?? host;
      const list = map.get(key);
      if (list) list.push(rank);
      else map.set(key, [rank]);
    }
    if (f.defaultBackend === undefined) return;
    for (const host of f.listener?.defaultHosts ?? []) {
      const decision = backendDecision(fe, listenerDefaultName(f.id, host), f.defaultBackend);
      const key = host.toLowerCase();
      const suffix = wildcardSuffix(key);
      // Several catch-alls for one host (names differing in case only): the first one answers.
      if (suffix === undefined) {
        if (!exactDefaults.has(key)) exactDefaults.set(key, decision);
      } else if (!wildcardDefaults.has(suffix))
        wildcardDefaults.set(suffix, new WildcardDefault(defaults++, decision));
    }
  });
  return {
    made: frontends,
    exactParts,
    wildcardParts,
    exactDefaults,
    wildcardDefaults,
    hasWildcards: wildcardParts.size > 0 || wildcardDefaults.size > 0,
  };
}

/**
 * The router of `owner`'s listener with `members` (in `owner.listener.members` order). The parts
 * of `previous` whose Frontend is unchanged (and whose listener-wide header edits are the same)
 * are kept, and its host maps while every Frontend keeps its place, hosts, default hosts and
 * defaultBackend (`previous`: the router of the live build). With `lookup: 'linear'` the flat
 * listener is scanned in order: the reference.
 */
export function compileSharedRouter(
  owner: Readonly<FrontendSnap>,
  members: readonly Readonly<FrontendSnap>[],
  options: RouterOptions = {},
  previous?: Router,
): Router {
  if (options.lookup === 'linear') return compileRouter(flattenListener(owner, members), options);
  // Every part's rules carry the owner's header edits: kept only while those are the same.
  const shared = previous && 'parts' in previous ? (previous as SharedRouter) : undefined;
  const reuse = shared && sameEdits(shared.owner, owner) ? shared : undefined;
  const fe = reuse?.context ?? ruleContext(owner, options);
  const frontends = [owner, ...members];
  const parts = new Map<string, Part>();
  /** The parts by rank: position in the listener (owner 0), the lower one wins among wildcards. */
  const byRank: Part[] = [];
  for (const f of frontends) {
    const kept = reuse?.parts.get(f.id);
    const part =
      kept && sameSnap(kept.snap, f)
        ? kept
        : new Part(f, new RuleSet(f.rules, f.id, fe, listenerRuleName(f.id, '')));
    parts.set(f.id, part);
    byRank.push(part);
  }
  const was = reuse?.layout;
  // Kept, it records this build's Frontends: the next build compares its unchanged ones by
  // identity, not the hosts of every Frontend edited since the maps were made.
  const layout =
    was && was.made.length === frontends.length && frontends.every((f, i) => sameHosts(was.made[i]!, f))
      ? { ...was, made: frontends }
      : layoutOf(frontends, fe);
  const { exactParts, wildcardParts, exactDefaults, wildcardDefaults, hasWildcards } = layout;
  const ownerRules = byRank[0]!.rules;
  const fallback =
    owner.defaultBackend !== undefined ? backendDecision(fe, undefined, owner.defaultBackend) : noRoute(fe);

  const router: SharedRouter = {
    frontendId: owner.id,
    owner,
    parts,
    context: fe,
    layout,
    route(head: RequestHead): RouteDecision {
      const host = head.host;
      const exact = exactParts.get(host);
      if (exact !== undefined)
        for (const rank of exact) {
          const part = byRank[rank]!;
          const found = part.rules.first(head, Sections.EXACT | Sections.ANY);
          if (found !== -1) return part.rules.decide(found, head);
        }
      const exactDefault = exactDefaults.get(host);
      if (exactDefault !== undefined) return exactDefault;
      if (hasWildcards) {
        const decision = wildcardRoute(head);
        if (decision !== undefined) return decision;
      }
      const found = ownerRules.first(head, Sections.ANY);
      return found !== -1 ? ownerRules.decide(found, head) : fallback;
    },
  };
  return router;

  /** Steps 3 and 4: the oldest part with a wildcard of the host and a match, else the first catch-all. */
  function wildcardRoute(head: RequestHead): RouteDecision | undefined {
    const host = head.host;
    let best: Part | undefined;
    let bestRank = Infinity;
    let bestFound = -1;
    let catchAll: WildcardDefault | undefined;
    // "*.s" matches a host strictly longer than ".s" ending with it: every dot but a leading one.
    for (let dot = host.indexOf('.', 1); dot !== -1; dot = host.indexOf('.', dot + 1)) {
      const suffix = host.slice(dot);
      for (const rank of wildcardParts.get(suffix) ?? []) {
        if (rank >= bestRank) continue;
        const part = byRank[rank]!;
        const found = part.rules.first(head, Sections.WILDCARD | Sections.ANY);
        if (found === -1) continue;
        best = part;
        bestRank = rank;
        bestFound = found;
      }
      const d = wildcardDefaults.get(suffix);
      if (d !== undefined && (catchAll === undefined || d.order < catchAll.order)) catchAll = d;
    }
    if (best !== undefined) return best.rules.decide(bestFound, head);
    return catchAll?.decision;
  }
}
