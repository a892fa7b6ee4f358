// The HTTP router of one frontend: ordered rules, first match wins (HAProxy use_backend /
// redirect / deny). Compiled once per build; route() is pure and allocation-light, and finds the
// rule through a host/path index whose cost does not grow with the number of rules.
import type { FrontendSnap, RuleSnap } from '#protocol/snapshot';
import { compileHeaderEdits } from './header-edits.js';
import {
  compileHeaderMatch,
  compileHost,
  compileMethods,
  compilePath,
  compileQueryMatch,
  compileSni,
  compileSource,
  type Predicate,
} from './matchers.js';
import { redirectLocation, type RedirectSnap } from './redirect.js';
import { buildRuleIndex } from './rule-index.js';
import type { CompiledHeaderEdits, RequestHead, RouteDecision, Router } from './types.js';

interface CompiledRule {
  readonly name: string;
  readonly predicates: readonly Predicate[];
  /**
   * The predicates a candidate found through the rule index still has to pass: the index already
   * proved the host and an exact or prefix path (see rule-index.ts), so those are left out. Most
   * rules have none, and their match costs no call at all (with traffic spread over thousands
   * of rules, every closure touched is a likely cache miss).
   */
  readonly residual: readonly Predicate[];
  readonly matchedPrefix?: string;
  readonly redirect?: Readonly<RedirectSnap>;
  /** Precomputed decision for backend and deny actions. */
  readonly decision?: RouteDecision;
  readonly requestHeaders: readonly CompiledHeaderEdits[];
  readonly responseHeaders: readonly CompiledHeaderEdits[];
}

const editsOf = (...e: Array<CompiledHeaderEdits | undefined>): readonly CompiledHeaderEdits[] =>
  Object.freeze(e.filter((x): x is CompiledHeaderEdits => x !== undefined));

function compileRule(
  rule: Readonly<RuleSnap>,
  frontend: Readonly<FrontendSnap>,
  fe: {
    req?: CompiledHeaderEdits;
    res?: CompiledHeaderEdits;
  },
): CompiledRule {
  const what = `frontend ${frontend.id} rule ${rule.name}`;
  const m = rule.match;
  const predicates: Predicate[] = [];
  const residual: Predicate[] = [];
  const both = (p: Predicate): void => {
    predicates.push(p);
    residual.push(p);
  };
  let matchedPrefix: string | undefined;
  // Cheap checks first.
  if (m.methods && m.methods.length > 0) both(compileMethods(m.methods));
  if (m.host !== undefined) predicates.push(compileHost(m.host));
  if (m.path) {
    const p = compilePath(m.path, what);
    if (m.path.regex !== undefined) both(p.test);
    else predicates.push(p.test);
    matchedPrefix = p.prefix;
  }
  for (const h of m.headers ?? []) both(compileHeaderMatch(h, what));
  for (const q of m.queryParams ?? []) both(compileQueryMatch(q, what));
  if (m.sourceCIDRs && m.sourceCIDRs.length > 0) both(compileSource(m.sourceCIDRs, what));
  if (m.sni && m.sni.length > 0) both(compileSni(m.sni));

  const requestHeaders = editsOf(fe.req, compileHeaderEdits(rule.requestHeaders));
  const responseHeaders = editsOf(fe.res, compileHeaderEdits(rule.responseHeaders));
  const a = rule.action;
  const base = { name: rule.name, predicates, residual, matchedPrefix, requestHeaders, responseHeaders };
  switch (a.type) {
    case 'backend':
      return {
        ...base,
        decision: Object.freeze({
          rule: rule.name,
          action: Object.freeze({ type: 'backend', backend: a.backend }),
          requestHeaders,
          responseHeaders,
        }),
      };
    case 'deny':
      return {
        ...base,
        decision: Object.freeze({
          rule: rule.name,
          action: Object.freeze({ type: 'deny', status: a.status, body: a.body }),
          requestHeaders,
          responseHeaders,
        }),
      };
    case 'redirect':
      return { ...base, redirect: a };
  }
}

export interface RouterOptions {
  /**
   * How the first matching rule is found: 'index' (default) or 'linear', the plain ordered scan
   * kept as the reference the index is checked against.
   */
  readonly lookup?: 'index' | 'linear';
}

export function compileRouter(frontend: Readonly<FrontendSnap>, options: RouterOptions = {}): Router {
  const fe = {
    req: compileHeaderEdits(frontend.requestHeaders),
    res: compileHeaderEdits(frontend.responseHeaders),
  };
  const rules = frontend.rules.map((r) => compileRule(r, frontend, fe));
  const fallback: RouteDecision = Object.freeze({
    rule: undefined,
    action: Object.freeze(
      frontend.defaultBackend !== undefined
        ? { type: 'backend' as const, backend: frontend.defaultBackend }
        : { type: 'no-route' as const },
    ),
    requestHeaders: editsOf(fe.req),
    responseHeaders: editsOf(fe.res),
  });

  const matchesRule = (i: number, head: RequestHead): boolean => rules[i]!.predicates.every((p) => p(head));
  let firstMatch: (head: RequestHead) => number;
  if (options.lookup === 'linear') {
    firstMatch = (head) => rules.findIndex((_, i) => matchesRule(i, head));
  } else {
    const index = buildRuleIndex(frontend.rules);
    // Compact, so the common case (nothing left to check) touches one byte, not the rule object.
    const checked = Uint8Array.from(rules, (r) => (r.residual.length > 0 ? 1 : 0));
    firstMatch = (head) =>
      index.first(head, (i) => checked[i] === 0 || rules[i]!.residual.every((p) => p(head)));
  }

  const decisions = rules.map((r) => r.decision);
  return {
    frontendId: frontend.id,
    route(head: RequestHead): RouteDecision {
      const found = firstMatch(head);
      if (found !== -1) {
        const decision = decisions[found];
        if (decision) return decision;
        const rule = rules[found]!;
        const r = rule.redirect!;
        return {
          rule: rule.name,
          action: {
            type: 'redirect',
            status: r.code,
            location: redirectLocation(r, head, rule.matchedPrefix),
          },
          requestHeaders: rule.requestHeaders,
          responseHeaders: rule.responseHeaders,
        };
      }
      return fallback;
    },
  };
}
