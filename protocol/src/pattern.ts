// User-supplied regular expressions (path/header/query matchers, health-check expectations).
// They run on attacker-controlled input, so they run on RE2 semantics (re2js, a port of RE2):
// matching time is linear in the subject, there is no backtracking, and no lookaround or
// backreference. The controller (validate) and the dataplane (router, health checks) compile
// every pattern through this one function, so what validate accepts is exactly what runs.
import { createRequire } from 'node:module';
import type * as Re2js from 're2js';

// re2js loads with the first pattern compiled (a synchronous require of its CommonJS build): a
// dataplane whose configuration has no regular expression never holds it, ~0.5 MiB of heap (its
// code and source; docs/memory.md).
let re2js: typeof Re2js | undefined;
function engine(): typeof Re2js.RE2JS {
  return (re2js ??= createRequire(import.meta.url)('re2js') as typeof Re2js).RE2JS;
}

/**
 * The largest compiled program accepted (RE2's "program size": roughly one instruction per
 * literal, class or operator). Matching costs O(program size × subject length) in the worst
 * case, so this bounds the work one pattern can do per request. Envoy's default is 100; ours
 * leaves room for the alternations the HAProxy importer generates. Figures: docs/security.md.
 */
export const MAX_PATTERN_PROGRAM_SIZE = 200;

export interface Pattern {
  readonly source: string;
  /** An unanchored search, like JavaScript's RegExp.test and HAProxy's -m reg. */
  test(subject: string): boolean;
}

export class PatternError extends Error {
  override name = 'PatternError';
}

/** Constructs RE2 has no equivalent for, with the reason users need (RE2's own text is terse). */
const UNSUPPORTED: ReadonlyArray<[RegExp, string]> = [
  [/\(\?<[=!]/, 'lookbehind assertions are not supported'],
  [/\(\?[=!]/, 'lookahead assertions are not supported'],
  [/\\[1-9]|\\k</, 'backreferences are not supported'],
  [/\\u[0-9a-fA-F{]/, 'write \\uHHHH as \\x{HHHH}'],
];

function explain(source: string, re2Message: string): string {
  const hint = UNSUPPORTED.find(([probe]) => probe.test(source))?.[1];
  const text = re2Message.replace(/^error parsing regexp: /, '');
  return hint ? `${hint} (RE2 syntax): ${text}` : text;
}

/** Compiles a pattern, or throws PatternError saying why it is not accepted. */
export function compilePattern(source: string): Pattern {
  let re: Re2js.RE2JS;
  try {
    re = engine().compile(source);
  } catch (err) {
    throw new PatternError(explain(source, (err as Error).message));
  }
  const size = re.programSize();
  if (size > MAX_PATTERN_PROGRAM_SIZE) {
    throw new PatternError(
      `too complex: compiles to ${size} instructions, more than ${MAX_PATTERN_PROGRAM_SIZE} (simplify it, or split it over several rules)`,
    );
  }
  return { source, test: (subject) => re.test(subject) };
}

/** null when the pattern is accepted, else why not. */
export function patternProblem(source: string): string | null {
  try {
    compilePattern(source);
    return null;
  } catch (err) {
    if (err instanceof PatternError) return err.message;
    throw err;
  }
}
