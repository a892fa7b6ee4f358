// One TCP listener from several TCP Frontends on the same address:port, dispatched by the TLS
// server name (SNI) of each connection's ClientHello — the way TLSRoutes share a Gateway's TLS
// listener. The dataplane already routes a TCP frontend by `match.sni` rules (passthrough: it
// peeks at the ClientHello; with `tls`: after terminating), so sharing is decided here, in the
// merged rules:
//
// - a Frontend claims the server names its rules' `match.sni` list (exact or "*.suffix");
// - a server name belongs to the oldest Frontend claiming it; a later one's rules for that name
//   are left out and it is told which Frontend won (Conflicted);
// - each member's rules keep only the names it owns; a rule without `match.sni` is scoped to all
//   of its Frontend's names (the owner's also stays as it is, after every named rule, for
//   connections whose name nobody claimed), and a member's defaultBackend answers its own names;
// - exact names are tried before wildcards, and a longer wildcard before a shorter one
//   (*.api.example.com before *.example.com), as Envoy's filter-chain match does;
// - a connection with no server name, or one nobody claimed, goes to the owner's defaultBackend
//   when it declares one, and is closed otherwise (Envoy Gateway and Contour close it: a TLS
//   listener without a matching filter chain has nowhere to send it).
import { ErrorCodes } from '#protocol/errors';
import type { FrontendSnap, RuleSnap } from '#protocol/snapshot';
import { derive } from './derived.js';
import { renamed, withMembersTls, type Contender, type ListenerProblem } from './listeners.js';

/** The server names a TCP Frontend claims: its rules' match.sni, in rule order, each once. */
export const serverNamesOf = (f: FrontendSnap): string[] => [
  ...new Set(f.rules.flatMap((r) => r.match.sni ?? [])),
];

const isWildcard = (name: string): boolean => name.startsWith('*.');

interface Placed {
  rule: RuleSnap;
  /** '' for exact names (and for fallbacks); the wildcard otherwise, to order by its length. */
  wildcard: string;
}

/**
 * `rule` limited to `names` (which it may match on), as an exact-names rule and one rule per
 * wildcard, so that each can take its place in the listener's order.
 */
function split(rule: RuleSnap, names: readonly string[]): Placed[] {
  const exact = names.filter((n) => !isWildcard(n));
  const out: Placed[] = [];
  if (exact.length > 0)
    out.push({
      rule: derive(rule, `sni:${exact.join(',')}`, () => ({ ...rule, match: { ...rule.match, sni: exact } })),
      wildcard: '',
    });
  for (const w of names.filter(isWildcard))
    out.push({
      rule: derive(rule, `wildcard:${w}`, () => ({
        ...rule,
        name: `${rule.name}@${w}`,
        match: { ...rule.match, sni: [w] },
      })),
      wildcard: w,
    });
  return out;
}

export function mergeSni(members: readonly Contender[], problems: ListenerProblem[]): FrontendSnap {
  const owner = members[0]!.snap;
  const ownerOf = new Map<string, string>(); // server name → id of the Frontend that owns it
  const named: Placed[] = [];
  const fallbacks: RuleSnap[] = [];
  for (const member of members) {
    const f = member.snap;
    const lost = new Set<string>();
    f.rules.forEach((r, i) => {
      for (const name of r.match.sni ?? []) {
        const winner = ownerOf.get(name);
        if (winner === undefined) ownerOf.set(name, f.id);
        else if (winner !== f.id && !lost.has(name)) {
          lost.add(name);
          problems.push({
            contender: member,
            code: ErrorCodes.ROUTE_CONFLICT,
            field: `spec.rules[${i}].match.sni`,
            message: `server name ${name} is also claimed by Frontend ${winner}, which is older and wins; connections for ${name} do not reach this Frontend`,
          });
        }
      }
    });
    const own = serverNamesOf(f).filter((n) => !lost.has(n));
    for (const r of f.rules) {
      const rule = renamed(r, f.id);
      if (r.match.sni === undefined || r.match.sni.length === 0) {
        if (f === owner) fallbacks.push(rule);
        named.push(...split(rule, own));
      } else
        named.push(
          ...split(
            rule,
            r.match.sni.filter((n) => !lost.has(n)),
          ),
        );
    }
    if (f.defaultBackend !== undefined)
      named.push(
        ...split(
          derive(f, 'default', () => ({
            name: `${f.id}:defaultBackend`,
            match: {},
            action: { type: 'backend' as const, backend: f.defaultBackend! },
          })),
          own,
        ),
      );
  }
  // Exact names first (member age, then rule order); then wildcards, longest first (stable).
  const exact = named.filter((p) => p.wildcard === '');
  const wild = named.filter((p) => p.wildcard !== '').sort((a, b) => b.wildcard.length - a.wildcard.length);
  return withMembersTls(owner, members, [...[...exact, ...wild].map((p) => p.rule), ...fallbacks]);
}
