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
  /** Every condition of the rule; built only for the linear lookup (the index proves host and path). */
  readonly predicates?: readonly Predicate[];
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

const NO_PREDICATES: readonly Predicate[] = Object.freeze([]);

/**
 * What the rules of one frontend share, so a rule without its own header edits, residual
 * conditions or a new backend adds no object for them: at thousands of rules per frontend these
 * were most of the router's objects (and closures) per rule.
 */
interface Shared {
  readonly linear: boolean;
  readonly req?: CompiledHeaderEdits;
  readonly res?: CompiledHeaderEdits;
  /** The frontend's own edits alone, for rules that add none. */
  readonly reqOnly: readonly CompiledHeaderEdits[];
  readonly resOnly: readonly CompiledHeaderEdits[];
  /** One frozen backend action per backend id. */
  readonly actions: Map<string, RouteDecision['action']>;
}

function compileRule(rule: Readonly<RuleSnap>, frontend: Readonly<FrontendSnap>, fe: Shared): CompiledRule {
  const what = `frontend ${frontend.id} rule ${rule.name}`;
  const m = rule.match;
  // The host and an exact or prefix path are proved by the index: their closures are made only
  // for the linear lookup.
  const predicates: Predicate[] | undefined = fe.linear ? [] : undefined;
  let residual: Predicate[] | undefined;
  const both = (p: Predicate): void => {
    predicates?.push(p);
    (residual ??= []).push(p);
  };
  let matchedPrefix: string | undefined;
  // Cheap checks first.
  if (m.methods && m.methods.length > 0) both(compileMethods(m.methods));
  if (m.host !== undefined && predicates) predicates.push(compileHost(m.host));
  if (m.path) {
    if (m.path.regex !== undefined) both(compilePath(m.path, what).test);
    else {
      matchedPrefix = m.path.prefix;
      if (predicates) predicates.push(compilePath(m.path, what).test);
    }
  }
  for (const h of m.headers ?? []) both(compileHeaderMatch(h, what));
  for (const q of m.queryParams ?? []) both(compileQueryMatch(q, what));
  if (m.sourceCIDRs && m.sourceCIDRs.length > 0) both(compileSource(m.sourceCIDRs, what));
  if (m.sni && m.sni.length > 0) both(compileSni(m.sni));

  const ruleReq = compileHeaderEdits(rule.requestHeaders);
  const ruleRes = compileHeaderEdits(rule.responseHeaders);
  const requestHeaders = ruleReq ? editsOf(fe.req, ruleReq) : fe.reqOnly;
  const responseHeaders = ruleRes ? editsOf(fe.res, ruleRes) : fe.resOnly;
  const a = rule.action;
  const base = {
    name: rule.name,
    ...(predicates ? { predicates } : {}),
    residual: residual ?? NO_PREDICATES,
    matchedPrefix,
    requestHeaders,
    responseHeaders,
  };
  switch (a.type) {
    case 'backend': {
      let action = fe.actions.get(a.backend);
      if (!action)
        fe.actions.set(a.backend, (action = Object.freeze({ type: 'backend', backend: a.backend })));
      return {
        ...base,
        decision: Object.freeze({ rule: rule.name, action, requestHeaders, responseHeaders }),
      };
    }
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
  const req = compileHeaderEdits(frontend.requestHeaders);
  const res = compileHeaderEdits(frontend.responseHeaders);
  const fe: Shared = {
    linear: options.lookup === 'linear',
    ...(req ? { req } : {}),
    ...(res ? { res } : {}),
    reqOnly: editsOf(req),
    resOnly: editsOf(res),
    actions: new Map(),
  };
  const rules = frontend.rules.map((r) => compileRule(r, frontend, fe));
  const fallback: RouteDecision = Object.freeze({
    rule: undefined,
    action: Object.freeze(
      frontend.defaultBackend !== undefined
        ? { type: 'backend' as const, backend: frontend.defaultBackend }
        : { type: 'no-route' as const },
    ),
    requestHeaders: fe.reqOnly,
    responseHeaders: fe.resOnly,
  });

  const matchesRule = (i: number, head: RequestHead): boolean => rules[i]!.predicates!.every((p) => p(head));
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
