#!/usr/bin/env node
// Thin launcher: the CLI is compiled to dist/ by `npm run build`.
import('../dist/controller/src/cli/main.js')
  .then((m) => m.main(process.argv))
  .catch((err) => {
    process.stderr.write(`bascule: ${err && err.message ? err.message : String(err)}\n`);
    process.exit(1);
  });
