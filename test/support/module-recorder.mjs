// Records which modules a Node.js process has loaded, for tests that check what a process keeps
// out of memory. Loaded with `node --import <this file>` (cluster workers inherit it through
// execArgv). On SIGUSR2 the process writes `<BASCULE_MODULE_RECORD_DIR>/<pid>.txt`, one module a
// line: every ES module (recorded by a load hook as it loads), every CommonJS module in
// require's cache, and every Node.js built-in (as node:NAME, from process.moduleLoadList).
import { appendFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';
import { join } from 'node:path';

const dir = process.env.BASCULE_MODULE_RECORD_DIR;
if (!dir) throw new Error('module-recorder: BASCULE_MODULE_RECORD_DIR is not set');
const esmLog = join(dir, `${process.pid}.esm`);

// The hooks run on their own thread; they append as modules load.
const hook = `
import { appendFileSync } from 'node:fs';
export async function load(url, context, next) {
  appendFileSync(${JSON.stringify(esmLog)}, url + '\\n');
  return next(url, context);
}`;
register(`data:text/javascript,${encodeURIComponent(hook)}`);
appendFileSync(esmLog, '');

const cjs = createRequire(import.meta.url)('node:module');
process.on('SIGUSR2', () => {
  const builtins = process.moduleLoadList
    .filter((m) => m.startsWith('NativeModule '))
    .map((m) => `node:${m.slice('NativeModule '.length)}`);
  const required = Object.keys(cjs._cache ?? {});
  // Written aside and renamed: the test reads the list as soon as the file exists, and a file
  // opened but not yet written read as an empty list (a module "not loaded" under load).
  const file = join(dir, `${process.pid}.txt`);
  writeFileSync(`${file}.tmp`, [...builtins, ...required].join('\n') + '\n');
  renameSync(`${file}.tmp`, file);
});
