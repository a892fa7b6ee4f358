// Cost per match of the linear-time regular-expression engines that could run user patterns,
// beside V8's backtracking RegExp (the baseline, unsafe for user patterns). A tool, not a test:
//   npm i --no-save re2-wasm re2   # optional engines; re2js is a dependency
//   npx tsx bench/regex-engines.ts > bench/results/regex-engines.md
// Each engine compiles each pattern once, then tests it against a matching and a non-matching
// subject in a timed loop; the figure is nanoseconds per test() call (median of 5 rounds).
import { createRequire } from 'node:module';
import { RE2JS } from 're2js';
import { median } from './stats.js';

type Tester = (subject: string) => boolean;
interface Engine {
  name: string;
  compile(pattern: string): Tester;
}

const require = createRequire(import.meta.url);
const optional = (name: string): unknown => {
  try {
    return require(name);
  } catch {
    return undefined;
  }
};

const engines: Engine[] = [
  {
    name: 'V8 RegExp (backtracking)',
    compile: (p) => {
      const re = new RegExp(p);
      return (s) => re.test(s);
    },
  },
  {
    name: 're2js (pure JS)',
    compile: (p) => {
      const re = RE2JS.compile(p);
      return (s) => re.test(s);
    },
  },
];
const wasm = optional('re2-wasm') as
  { RE2: new (p: string, f: string) => { test(s: string): boolean } } | undefined;
if (wasm)
  engines.push({
    name: 're2-wasm',
    compile: (p) => {
      const re = new wasm.RE2(p, 'u');
      return (s) => re.test(s);
    },
  });
else console.log('re2-wasm: not installed (npm i --no-save re2-wasm)');
const native = optional('re2') as (new (p: string) => { test(s: string): boolean }) | undefined;
if (native)
  engines.push({
    name: 're2 (native addon)',
    compile: (p) => {
      const re = new native(p);
      return (s) => re.test(s);
    },
  });
else console.log('re2: not installed (npm i --no-save re2)');

// backtracks: how V8's RegExp handles the miss — 'once' times one call (it takes hundreds of ms),
// 'skip' does not run it (exponential: it would not finish).
const cases: Array<{ pattern: string; hit: string; miss: string; backtracks?: 'once' | 'skip' }> = [
  { pattern: '^/api/v[0-9]+/', hit: '/api/v2/users/42', miss: '/static/app.js' },
  { pattern: '\\.(css|js|png|svg)$', hit: '/assets/site/main.css', miss: '/assets/site/main.html' },
  {
    pattern: '^/(shop|cart)/[a-z0-9-]+/checkout$',
    hit: '/shop/summer-sale-2025/checkout',
    miss: '/shop/summer-sale-2025/items',
  },
  {
    pattern: 'Chrome/[0-9]+',
    hit: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36',
    miss: 'curl/8.5.0',
  },
  // Near the program-size bound (196 of 200 instructions), on an 8 KB subject: the worst case
  // the bound allows (no DFA shortcut: every position keeps many threads alive).
  { pattern: '(?:a|b|ab|ba){28}$', hit: 'ab'.repeat(14), miss: `${'ab'.repeat(4000)}!`, backtracks: 'skip' },
  // The pattern that froze the process under backtracking; the subject is the hostile one.
  { pattern: '(a+)+$', hit: 'aaaa', miss: `/${'a'.repeat(24)}!`, backtracks: 'once' },
];

function nsPerCall(test: Tester, subject: string): number {
  let n = 1;
  for (;;) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) test(subject);
    const ns = Number(process.hrtime.bigint() - t0);
    if (ns > 50e6 || n >= 1 << 20) return ns / n;
    n *= 4;
  }
}

const rows: string[] = [
  '| pattern | subject | ' + engines.map((e) => e.name).join(' | ') + ' |',
  '| --- | --- |' + engines.map(() => ' ---: |').join(''),
];
for (const c of cases) {
  for (const [kind, subject] of [
    ['match', c.hit],
    ['no match', c.miss],
  ] as const) {
    const cells = engines.map((e) => {
      const test = e.compile(c.pattern);
      const hostile = e.name.startsWith('V8') && kind === 'no match' ? c.backtracks : undefined;
      if (hostile === 'skip') return 'not run (exponential)';
      if (hostile === 'once') {
        const t0 = process.hrtime.bigint();
        test(subject);
        return `${(Number(process.hrtime.bigint() - t0) / 1e6).toFixed(0)} ms`;
      }
      const ns = median(Array.from({ length: 5 }, () => nsPerCall(test, subject)));
      return ns >= 1e6
        ? `${(ns / 1e6).toFixed(1)} ms`
        : ns >= 1e4
          ? `${(ns / 1e3).toFixed(1)} µs`
          : `${ns.toFixed(0)} ns`;
    });
    rows.push(
      `| \`${c.pattern.replaceAll('|', '\\|')}\` | ${kind} (${subject.length} chars) | ${cells.join(' | ')} |`,
    );
  }
}
console.log(`node ${process.version}, ${process.arch}`);
console.log(rows.join('\n'));
