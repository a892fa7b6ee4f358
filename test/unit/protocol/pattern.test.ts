// The one pattern compiler shared by validate, the router and health checks: RE2 syntax, linear
// time, a bounded program size, and errors that say what to change.
import { expect } from 'chai';
import { compileExpect } from '#dataplane/health/expect';
import { compilePattern, MAX_PATTERN_PROGRAM_SIZE, patternProblem } from '#protocol/pattern';

describe('protocol: user patterns (RE2)', () => {
  it('searches unanchored, like RegExp.test and HAProxy -m reg', () => {
    const api = compilePattern('/api/v[0-9]+/');
    expect(['/api/v2/x', '/x/api/v10/', '/api/vx/'].map((s) => api.test(s))).to.deep.equal([
      true,
      true,
      false,
    ]);
    const anchored = compilePattern('^/(shop|cart)/[a-z0-9-]+$');
    expect(['/shop/a-1', '/shop/a-1/', 'x/shop/a'].map((s) => anchored.test(s))).to.deep.equal([
      true,
      false,
      false,
    ]);
  });

  it('accepts RE2 syntax: (?i), \\d \\w \\s, POSIX and Unicode classes, named groups, \\x{…}', () => {
    for (const src of [
      '(?i)^/admin',
      '\\d+\\w\\s',
      '[[:alpha:]]+',
      '\\p{Greek}',
      '(?P<v>v[0-9])',
      '\\x{41}',
      '(?s)a.b',
    ])
      expect(patternProblem(src), src).to.equal(null);
    expect(compilePattern('(?i)^/admin').test('/ADMIN/x')).to.equal(true);
    // $ is the end of the text, never before a trailing newline.
    expect(compilePattern('\\.css$').test('/a.css\n')).to.equal(false);
  });

  it('rejects lookaround and backreferences with a reason, keeping RE2’s own text', () => {
    expect(patternProblem('(?<=/api)/v1')).to.match(
      /^lookbehind assertions are not supported \(RE2 syntax\): .*`\(\?<=\/api\)\/v1`/,
    );
    expect(patternProblem('(?<!x)y')).to.match(/^lookbehind assertions are not supported/);
    expect(patternProblem('^(?!admin)')).to.match(/^lookahead assertions are not supported .*`\(\?!`/);
    expect(patternProblem('(a)\\1')).to.match(
      /^backreferences are not supported .*invalid escape sequence: `\\1`/,
    );
    expect(patternProblem('\\u0041')).to.match(/write \\uHHHH as \\x\{HHHH\}/);
    expect(patternProblem('([a-z')).to.equal('missing closing ]: `[a-z`');
    expect(patternProblem('a{1001}')).to.match(/invalid repeat count/);
  });

  it(`bounds the program size at ${MAX_PATTERN_PROGRAM_SIZE} instructions`, () => {
    expect(patternProblem('[a-z]{150}')).to.equal(null);
    expect(patternProblem('(?:[a-z]{100}|[0-9]{100})$')).to.match(
      new RegExp(`^too complex: compiles to \\d+ instructions, more than ${MAX_PATTERN_PROGRAM_SIZE}`),
    );
  });

  it('matches nested quantifiers in linear time (a backtracking engine needs hours here)', () => {
    const hostile = `/${'a'.repeat(100_000)}!`;
    expect(compilePattern('(a+)+$').test(hostile)).to.equal(false);
    expect(compilePattern('^(a|aa)+$').test(hostile)).to.equal(false);
    expect(compilePattern('(x+x+)+y').test('x'.repeat(100_000))).to.equal(false);
  });

  it('health-check expectations use the same compiler', () => {
    expect(() => compileExpect({ bodyRegex: '(?=ok)' })).to.throw(
      /invalid body regex .*lookahead assertions are not supported/,
    );
    const e = compileExpect({ statusRegex: '^2\\d\\d$', bodyRegex: '(?i)HEALTHY' });
    expect([e.status(204), e.status(301) === null, e.body('all healthy')]).to.deep.equal([null, false, null]);
  });
});
