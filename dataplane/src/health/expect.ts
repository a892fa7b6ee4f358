// HTTP check expectations (HAProxy http-check expect status / rstatus / string / rstring),
// compiled once per policy. Every expectation given must hold (HAProxy evaluates its expect
// rules in sequence and the first one that fails fails the check).
import { compilePattern, type Pattern } from '#protocol/pattern';
import type { HealthSnap } from '#protocol/snapshot';

type Expect = NonNullable<HealthSnap['http']>['expect'];

export interface CompiledExpect {
  /** null when the status is acceptable, else why not. */
  status(code: number): string | null;
  /** Whether the body has to be read at all. */
  readonly needsBody: boolean;
  /** null when the body is acceptable, else why not. */
  body(text: string): string | null;
  /** Printable form, for logs and the admin view. */
  readonly describe: string;
}

/** HAProxy reads at most one buffer of a check response; we read at most this much body. */
export const MAX_CHECK_BODY = 16 * 1024;

export class ExpectationError extends Error {}

function regex(source: string, what: string): Pattern {
  try {
    return compilePattern(source);
  } catch (err) {
    throw new ExpectationError(`invalid ${what} regex ${JSON.stringify(source)}: ${(err as Error).message}`);
  }
}

function parseRange(range: string): [number, number] {
  const m = /^(\d{3})-(\d{3})$/.exec(range.trim());
  if (!m) throw new ExpectationError(`invalid status range ${JSON.stringify(range)}`);
  const lo = Number(m[1]);
  const hi = Number(m[2]);
  return lo <= hi ? [lo, hi] : [hi, lo];
}

const quote = (s: string, max = 64): string => JSON.stringify(s.length > max ? `${s.slice(0, max)}…` : s);

/** Throws ExpectationError on an expectation that cannot be evaluated (bad regex or range). */
export function compileExpect(e: Expect | undefined): CompiledExpect {
  const x = e ?? {};
  const statusChecks: Array<{ ok: (c: number) => boolean; text: string }> = [];
  if (x.status && x.status.length > 0) {
    const set = new Set(x.status);
    statusChecks.push({ ok: (c) => set.has(c), text: [...set].join(',') });
  }
  if (x.statusRange) {
    const [lo, hi] = parseRange(x.statusRange);
    statusChecks.push({ ok: (c) => c >= lo && c <= hi, text: `${lo}-${hi}` });
  }
  if (x.statusRegex) {
    const re = regex(x.statusRegex, 'status');
    statusChecks.push({ ok: (c) => re.test(String(c)), text: `/${x.statusRegex}/` });
  }
  // The compiler defaults to 200-399; a hand-made snapshot without any keeps HAProxy's rule too.
  if (statusChecks.length === 0) statusChecks.push({ ok: (c) => c >= 200 && c < 400, text: '200-399' });

  const bodyChecks: Array<(t: string) => string | null> = [];
  const bodyText: string[] = [];
  if (x.bodyContains !== undefined && x.bodyContains !== '') {
    const needle = x.bodyContains;
    bodyChecks.push((t) => (t.includes(needle) ? null : `body does not contain ${quote(needle)}`));
    bodyText.push(`body contains ${quote(needle)}`);
  }
  if (x.bodyRegex) {
    const re = regex(x.bodyRegex, 'body');
    bodyChecks.push((t) => (re.test(t) ? null : `body does not match /${x.bodyRegex}/`));
    bodyText.push(`body matches /${x.bodyRegex}/`);
  }
  const expected = statusChecks.map((s) => s.text).join(' and ');
  return {
    status: (code) =>
      statusChecks.every((s) => s.ok(code)) ? null : `wrong status ${code} (expected ${expected})`,
    needsBody: bodyChecks.length > 0,
    body: (text) => {
      for (const check of bodyChecks) {
        const why = check(text);
        if (why) return why;
      }
      return null;
    },
    describe: [`status ${expected}`, ...bodyText].join(', '),
  };
}
