#!/usr/bin/env node
// Thin launcher: the CLI is compiled to dist/ by `npm run build`. `bascule dataplane` runs from
// dist/bundle/dataplane.js (bin/bundle.mjs: one file, so an idle dataplane does not spend start-up
// resolving ~190 modules, which got V8 to compile TurboFan code it then keeps resident) when that
// bundle is newer than the last tsc build of every package in it; otherwise from dist/ as any
// other command.
//
// node:fs is taken with process.getBuiltinModule, not imported: an ES module import of a built-in
// module reads all its exports, and node:fs's `promises` getter loads fs/promises and the REPL's
// readline with it (~0.8 MiB of an idle dataplane on Node.js 26; bin/bundle.mjs).
const { statSync } = process.getBuiltinModule('node:fs');

const BUNDLE = '../dist/bundle/dataplane.js';

function bundleIsCurrent() {
  if (process.env.BASCULE_NO_BUNDLE) return false;
  try {
    const built = statSync(new URL(BUNDLE, import.meta.url)).mtimeMs;
    return ['protocol', 'dataplane', 'controller'].every(
      (pkg) => statSync(new URL(`../dist/${pkg}/tsconfig.tsbuildinfo`, import.meta.url)).mtimeMs <= built,
    );
  } catch {
    return false;
  }
}

import(process.argv[2] === 'dataplane' && bundleIsCurrent() ? BUNDLE : '../dist/controller/src/cli/main.js')
  .then((m) => m.main(process.argv))
  .catch((err) => {
    process.stderr.write(`bascule: ${err && err.message ? err.message : String(err)}\n`);
    process.exit(1);
  });
