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

/** Rule indexes in ascending order. */
type Candidates = number[];

/** Rules sharing one host key, by path. */
class PathIndex {
  private readonly exact = new Map<string, Candidates>();
  private readonly prefixes = new PrefixTree<Candidates>();
  /** Rules whose path is a regex or absent. */
  private readonly other: Candidates = [];

  add(path: RuleSnap['match']['path'], rule: number): void {
    if (path?.exact !== undefined) listAt(this.exact, path.exact).push(rule);
    else if (path?.prefix !== undefined) this.prefixes.upsert(path.prefix, () => []).push(rule);
    else this.other.push(rule);
  }

  collect(path: string, out: Candidates[]): void {
    const exact = this.exact.get(path);
    if (exact) out.push(exact);
    this.prefixes.prefixesOf(path, (c) => out.push(c));
    if (this.other.length > 0) out.push(this.other);
  }
}

export interface RuleIndex {
  /** Index of the first rule for which `matches` holds, or -1. */
  first(head: RequestHead, matches: (rule: number) => boolean): number;
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

  return {
    first(head, matches) {
      const lists: Candidates[] = [];
      anyHost.collect(head.path, lists);
      exactHosts.get(head.host)?.collect(head.path, lists);
      if (hasWildcards) {
        // "*.s" matches a host strictly longer than ".s" ending with it: every dot but a leading one.
        const host = head.host;
        for (let dot = host.indexOf('.', 1); dot !== -1; dot = host.indexOf('.', dot + 1))
          wildcardHosts.get(host.slice(dot))?.collect(head.path, lists);
      }
      let best = -1;
      for (const list of lists) {
        for (const rule of list) {
          if (best !== -1 && rule >= best) break;
          if (matches(rule)) {
            best = rule;
            break;
          }
        }
      }
      return best;
    },
  };
}

function listAt(map: Map<string, Candidates>, key: string): Candidates {
  let list = map.get(key);
  if (!list) map.set(key, (list = []));
  return list;
}

function indexAt(map: Map<string, PathIndex>, key: string): PathIndex {
  let index = map.get(key);
  if (!index) map.set(key, (index = new PathIndex()));
  return index;
}
