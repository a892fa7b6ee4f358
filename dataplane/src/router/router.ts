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
import { buildRuleIndex, Sections, type RuleIndex } from './rule-index.js';
import type { CompiledHeaderEdits, RequestHead, RouteDecision, Router } from './types.js';

/**
 * One compiled rule. A class, every field always set, so the thousands of rules of a large
 * listener share one V8 hidden class (object literals spread from optional parts gave each
 * combination its own: ~12,700 maps in a 1,000-route heap).
 */
class CompiledRule {
  constructor(
    readonly name: string,
    /** Every condition of the rule; built only for the linear lookup (the index proves host and path). */
    readonly predicates: readonly Predicate[] | undefined,
    /**
     * The predicates a candidate found through the rule index still has to pass: the index
     * already proved the host and an exact or prefix path (see rule-index.ts), so those are left
     * out. Most rules have none, and their match costs no call at all (with traffic spread over
     * thousands of rules, every closure touched is a likely cache miss).
     */
    readonly residual: readonly Predicate[],
    readonly matchedPrefix: string | undefined,
    readonly redirect: Readonly<RedirectSnap> | undefined,
    /** Precomputed decision for backend and deny actions. */
    readonly decision: RouteDecision | undefined,
    readonly requestHeaders: readonly CompiledHeaderEdits[],
    readonly responseHeaders: readonly CompiledHeaderEdits[],
  ) {}
}

const editsOf = (...e: Array<CompiledHeaderEdits | undefined>): readonly CompiledHeaderEdits[] =>
  Object.freeze(e.filter((x): x is CompiledHeaderEdits => x !== undefined));

const NO_PREDICATES: readonly Predicate[] = Object.freeze([]);

/**
 * What the rules of one frontend (or of every frontend of a shared listener) share, so a rule
 * without its own header edits, residual conditions or a new backend adds no object for them:
 * at thousands of rules per frontend these were most of the router's objects (and closures) per rule.
 */
export interface RuleContext {
  readonly linear: boolean;
  readonly req?: CompiledHeaderEdits;
  readonly res?: CompiledHeaderEdits;
  /** The frontend's own edits alone, for rules that add none. */
  readonly reqOnly: readonly CompiledHeaderEdits[];
  readonly resOnly: readonly CompiledHeaderEdits[];
  /** One frozen backend action per backend id. */
  readonly actions: Map<string, RouteDecision['action']>;
}

/** The context of the rules served under `frontend`'s header edits. */
export function ruleContext(frontend: Readonly<FrontendSnap>, options: RouterOptions = {}): RuleContext {
  const req = compileHeaderEdits(frontend.requestHeaders);
  const res = compileHeaderEdits(frontend.responseHeaders);
  return {
    linear: options.lookup === 'linear',
    ...(req ? { req } : {}),
    ...(res ? { res } : {}),
    reqOnly: editsOf(req),
    resOnly: editsOf(res),
    actions: new Map(),
  };
}

/** The one frozen decision sending a request to `backend` under the frontend's own edits. */
export function backendDecision(fe: RuleContext, rule: string | undefined, backend: string): RouteDecision {
  return Object.freeze({
    rule,
    action: backendAction(fe, backend),
    requestHeaders: fe.reqOnly,
    responseHeaders: fe.resOnly,
  });
}

function backendAction(fe: RuleContext, backend: string): RouteDecision['action'] {
  let action = fe.actions.get(backend);
  if (!action) fe.actions.set(backend, (action = Object.freeze({ type: 'backend', backend })));
  return action;
}

function compileRule(
  rule: Readonly<RuleSnap>,
  frontendId: string,
  name: string,
  fe: RuleContext,
): CompiledRule {
  const what = `frontend ${frontendId} rule ${rule.name}`;
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
  let decision: RouteDecision | undefined;
  if (a.type === 'backend')
    decision = Object.freeze({
      rule: name,
      action: backendAction(fe, a.backend),
      requestHeaders,
      responseHeaders,
    });
  else if (a.type === 'deny')
    decision = Object.freeze({
      rule: name,
      action: Object.freeze({ type: 'deny', status: a.status, body: a.body }),
      requestHeaders,
      responseHeaders,
    });
  return new CompiledRule(
    name,
    predicates,
    residual ?? NO_PREDICATES,
    matchedPrefix,
    a.type === 'redirect' ? a : undefined,
    decision,
    requestHeaders,
    responseHeaders,
  );
}

/**
 * The compiled, indexed rules of one frontend (a whole listener, or one Frontend's part of a
 * shared one): which rule matches a request first, and what it decides.
 */
export class RuleSet {
  private readonly rules: readonly CompiledRule[];
  /** Compact, so the common case (nothing left to check) touches one byte, not the rule object. */
  private readonly checked: Uint8Array;
  private readonly index: RuleIndex | undefined;

  /** `prefix` is put before every rule's name ("<frontend id>:" on a shared listener). */
  constructor(rules: ReadonlyArray<Readonly<RuleSnap>>, frontendId: string, fe: RuleContext, prefix = '') {
    this.rules = rules.map((r) => compileRule(r, frontendId, prefix + r.name, fe));
    this.checked = Uint8Array.from(this.rules, (r) => (r.residual.length > 0 ? 1 : 0));
    this.index = fe.linear ? undefined : buildRuleIndex(rules);
  }

  /** The request being looked up (see `matches`); held only during first(). */
  private head: RequestHead | undefined;
  /**
   * Whether rule `i`, a candidate the index found, matches the request being looked up: made once
   * per rule set rather than a closure per request (lookups are synchronous and never nest).
   */
  private readonly matches = (i: number): boolean =>
    this.checked[i] === 0 || this.rules[i]!.residual.every((p) => p(this.head!));

  /** The first rule matching `head` among those of the index's `sections`, or -1. */
  first(head: RequestHead, sections: number = Sections.ALL): number {
    const { rules, index } = this;
    if (rules.length === 0) return -1;
    if (!index) return rules.findIndex((r) => r.predicates!.every((p) => p(head)));
    this.head = head;
    try {
      return index.first(head, this.matches, sections);
    } finally {
      this.head = undefined; // hold no request past its lookup
    }
  }

  decide(found: number, head: RequestHead): RouteDecision {
    const rule = this.rules[found]!;
    if (rule.decision) return rule.decision;
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
}

export interface RouterOptions {
  /**
   * How the first matching rule is found: 'index' (default) or 'linear', the plain ordered scan
   * kept as the reference the index is checked against.
   */
  readonly lookup?: 'index' | 'linear';
}

export function compileRouter(frontend: Readonly<FrontendSnap>, options: RouterOptions = {}): Router {
  const fe = ruleContext(frontend, options);
  const rules = new RuleSet(frontend.rules, frontend.id, fe);
  const fallback =
    frontend.defaultBackend !== undefined
      ? backendDecision(fe, undefined, frontend.defaultBackend)
      : noRoute(fe);
  return {
    frontendId: frontend.id,
    route(head: RequestHead): RouteDecision {
      const found = rules.first(head);
      return found !== -1 ? rules.decide(found, head) : fallback;
    },
  };
}

/** The decision when no rule matches and there is no default backend. */
export const noRoute = (fe: RuleContext): RouteDecision =>
  Object.freeze({
    rule: undefined,
    action: Object.freeze({ type: 'no-route' as const }),
    requestHeaders: fe.reqOnly,
    responseHeaders: fe.resOnly,
  });
