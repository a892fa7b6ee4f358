// Index of a frontend's ordered rules by host and path, so finding the first matching rule does
// not scan every rule. Hosts: exact names by hash, "*.suffix" wildcards by hashing each suffix
// of the request's host at a label boundary; paths: exact by hash, prefixes by a radix tree.
// Regex paths, rules without host or path, and every other condition (methods, headers, query,
// source, SNI) are not indexed: the index only narrows the rules to candidate lists, each in rule
// order, and the first rule (lowest index) whose full predicate holds wins — exactly the rule a
// linear scan would pick.
import type { RuleSnap } from '#protocol/snapshot';
import { PrefixTree } from './prefix-tree.js';
import type { RequestHead } from './types.js';

/**
 * Rule indexes in ascending order. A list starts as a literal of its first rule: one pushed
 * onto an empty array gets room for 17, and most lists (a host's prefix) hold one rule.
 */
type Candidates = number[];

/**
 * Rules sharing one host key, by path. Each kind of path has its structure only once a rule
 * needs it: a host usually has a few prefix rules and nothing else, and at thousands of hosts
 * (a listener shared by many teams) empty maps and lists were a third of the index's memory.
 */
class PathIndex {
  private exact: Map<string, Candidates> | undefined;
  /**
   * The prefixes: while there is one, it is kept as it is (most hosts of a large listener have
   * a single prefix: a tree of a root, a leaf and their arrays per host was half the index).
   */
  private onePrefix: string | undefined;
  private oneList: Candidates | undefined;
  private prefixes: PrefixTree<Candidates> | undefined;
  /** Rules whose path is a regex or absent. */
  private other: Candidates | undefined;

  add(path: RuleSnap['match']['path'], rule: number): void {
    if (path?.exact !== undefined) {
      const exact = (this.exact ??= new Map());
      const list = exact.get(path.exact);
      if (list) list.push(rule);
      else exact.set(path.exact, [rule]);
    } else if (path?.prefix !== undefined) {
      const prefix = path.prefix;
      if (this.prefixes === undefined && (this.onePrefix === undefined || this.onePrefix === prefix)) {
        if (this.oneList) this.oneList.push(rule);
        else {
          this.onePrefix = prefix;
          this.oneList = [rule];
        }
        return;
      }
      if (this.prefixes === undefined) {
        const list = this.oneList!;
        (this.prefixes = new PrefixTree()).upsert(this.onePrefix!, () => list);
        this.onePrefix = this.oneList = undefined;
      }
      let created = false;
      const list = this.prefixes.upsert(prefix, () => {
        created = true;
        return [rule];
      });
      if (!created) list.push(rule);
    } else if (this.other) this.other.push(rule);
    else this.other = [rule];
  }

  /** Offers every candidate list for `path` to the search. */
  collect(path: string, search: Search): void {
    const exact = this.exact?.get(path);
    if (exact) search.offer(exact);
    if (this.oneList !== undefined) {
      if (path.startsWith(this.onePrefix!)) search.offer(this.oneList);
    } else this.prefixes?.prefixesOf(path, search.visit);
    if (this.other !== undefined) search.offer(this.other);
  }
}

/**
 * One lookup: the lowest rule seen so far whose full condition holds. Lists are offered as
 * they are found (no array of lists per request); each is in rule order, so its scan stops at
 * the first match or at a rule no better than the best so far.
 */
const noMatch = (): boolean => false;

class Search {
  best = -1;
  matches: (rule: number) => boolean = noMatch;
  readonly visit = (list: Candidates): void => this.offer(list);

  offer(list: Candidates): void {
    for (const rule of list) {
      if (this.best !== -1 && rule >= this.best) return;
      if (this.matches(rule)) {
        this.best = rule;
        return;
      }
    }
  }
}

/**
 * Which rules a lookup considers, by the kind of their host (a bit set): a shared listener tries
 * a Frontend's exact-host rules and its wildcard-host rules at different points
 * (shared-router.ts), each time with its host-less ones.
 */
export const Sections = {
  /** Rules without a host. */
  ANY: 1,
  /** Rules on an exact host. */
  EXACT: 2,
  /** Rules on a wildcard host ("*.example.com"). */
  WILDCARD: 4,
  ALL: 7,
} as const;

export interface RuleIndex {
  /** Index of the first rule of `sections` (default all) for which `matches` holds, or -1. */
  first(head: RequestHead, matches: (rule: number) => boolean, sections?: number): number;
}

export function buildRuleIndex(rules: ReadonlyArray<Readonly<RuleSnap>>): RuleIndex {
  const anyHost = new PathIndex();
  const exactHosts = new Map<string, PathIndex>();
  /** Keyed by the suffix including its leading dot: "*.example.com" → ".example.com". */
  const wildcardHosts = new Map<string, PathIndex>();

  rules.forEach((rule, i) => {
    const host = rule.match.host?.toLowerCase();
    let index: PathIndex;
    if (host === undefined || host === '*') index = anyHost;
    else if (host.startsWith('*.')) index = indexAt(wildcardHosts, host.slice(1));
    else index = indexAt(exactHosts, host);
    index.add(rule.match.path, i);
  });
  const hasWildcards = wildcardHosts.size > 0;

  // Lookups are synchronous and never nest, so one Search object serves them all.
  const search = new Search();
  return {
    first(head, matches, sections: number = Sections.ALL) {
      search.best = -1;
      search.matches = matches;
      if (sections & Sections.ANY) anyHost.collect(head.path, search);
      if (sections & Sections.EXACT) exactHosts.get(head.host)?.collect(head.path, search);
      if (hasWildcards && sections & Sections.WILDCARD) {
        // "*.s" matches a host strictly longer than ".s" ending with it: every dot but a leading one.
        const host = head.host;
        for (let dot = host.indexOf('.', 1); dot !== -1; dot = host.indexOf('.', dot + 1))
          wildcardHosts.get(host.slice(dot))?.collect(head.path, search);
      }
      search.matches = noMatch; // hold no request past its lookup
      return search.best;
    },
  };
}

function indexAt(map: Map<string, PathIndex>, key: string): PathIndex {
  let index = map.get(key);
  if (!index) map.set(key, (index = new PathIndex()));
  return index;
}
