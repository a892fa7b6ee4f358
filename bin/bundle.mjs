#!/usr/bin/env node
// Writes the dataplane's bundles from the compiled JavaScript (run by `npm run build` after
// `tsc -b`, and by the image build):
//
//   dist/bundle/dataplane.js    `bascule dataplane` (controller/src/cli/main.js and what it imports)
//   dist/bundle/worker-main.js  a worker process of `--workers N` (workers/worker-main.js)
//
// Why: an idle dataplane loaded ~130 ES modules and ~55 CommonJS files (ws, pino, negotiator), and
// resolving them ran Node's path and URL code often enough for V8 to optimise it with TurboFan
// before the first request; one optimisation makes the process touch ~3.3 MiB of the node
// binary's TurboFan code, which it otherwise never runs while idle. One file per process resolves
// nothing (bench/history/2026-12-03-idle-rss.md). bin/bascule.js runs a bundle only when it is
// newer than every tsc build of the packages in it, so a `tsc -b` after it falls back to dist/.
//
// The CommonJS packages of the start path (ws, pino, negotiator), which the sources load with
// `createRequire(import.meta.url)(name)` so that dist/ does not run Node's CommonJS export scanner,
// are bundled: that call becomes `require(name)` for esbuild, and the build fails if one of them
// is not in a bundle. What stays outside: what a process loads only on first use (prom-client
// with the first scrape, re2js with the first pattern, hpack.js with HTTP/2) and ws's optional
// native helpers, loaded at run time; the full command line (program.js), loaded by main.js only
// when the dataplane's own argument reader declines; and the snapshot validators' JSON, read and
// parsed at run time as Node's JSON modules do (as text inside the bundle it would stay in V8's
// heap beside the parsed object).
import { build, transform } from 'esbuild';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire, isBuiltin } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = join(ROOT, 'dist/bundle');

const BUNDLED_COMMONJS = ['ws', 'pino', 'negotiator'];
const RUN_TIME_REQUIRE = new RegExp(
  `createRequire\\(import\\.meta\\.url\\)\\((['"])(${BUNDLED_COMMONJS.join('|')})\\1\\)`,
  'g',
);

// dataplane-command.js imports the dataplane with import() (the full command line loads it only
// for that command). esbuild bundles a module reached by import() inside a lazy initialiser, and
// every module it imports too: their top-level classes and constants become variables assigned
// when it runs, which V8 optimises less well than a module's own bindings (keep-alive CPU per
// request was higher from such a bundle). In the bundle, where the dataplane is what runs, those
// imports become static ones.
const COMMAND = join('controller', 'src', 'cli', 'dataplane-command.js');
const LAZY_DATAPLANE_IMPORT = /await import\((['"])(#dataplane\/[a-z/-]+)\1\)/g;

/**
 * Node's built-in modules in the bundle: required, and some only on first use.
 *
 * An ES module import of a built-in module (`import http from 'node:http'`) reads every one of
 * its exports, and on Node.js 26 some of those are getters that load other modules on first
 * read: `import 'node:http'` alone loads 114 built-in modules there (http2, zlib, undici, web
 * streams, worker_threads, tls, crypto…) against 32 for `require('node:http')`; `node:fs` loads
 * fs/promises and the REPL's readline, `node:util` worker_threads. So each built-in module an ES
 * module of the bundle imports becomes a CommonJS module of the bundle that requires it;
 * esbuild's interop reads an export only when the code does.
 *
 * LAZY ones are not even required until a property of theirs is read: an idle dataplane with
 * a ws:// control channel, plain frontends and no state directory writes never runs them, and on
 * Node.js 26 they cost ~4 MiB of RSS (tls and https 2.1, zlib with its zip modules 0.7,
 * fs/promises with readline 0.8; bench/history/2026-12-03-idle-rss-node26.md). ws requires
 * https, tls and zlib whatever the URL (wss://, permessage-deflate); the TLS frontends and
 * upstreams, the HTTPS health checks and the state directory import them. Such a module is a
 * Proxy that requires the real one on its first property read (every use in the bundle reads a
 * property: `tls.connect(…)`, `zlib.createInflateRaw(…)`); an ES module may import its default
 * export and, as named imports, only its functions whose names start lower-case (each becomes a
 * function calling the real one: a class or a constant imported by name fails the build, as
 * would any use other than reading a property).
 */
const LAZY = ['tls', 'https', 'zlib', 'fs/promises', 'assert', 'worker_threads'];
// Modules that are called themselves (`assert(…)`, pino's sonic-boom when it closes a file, its
// thread-stream with a transport): their stand-in is a function too (+0.8 MiB on Node.js 26).
const CALLABLE = ['assert'];
// What a stand-in answers without loading its module. pino reads worker_threads' `isMainThread`
// when it makes a logger (to flush its stream at exit) and thread-stream takes `Worker` when it
// loads (to start a transport's thread, which Bascule never configures); nothing else in the
// bundles uses worker_threads (+0.3 MiB on Node.js 26). A bundle runs only as a process's entry
// (bin/bascule.js; the workers of --workers N are processes), never in a worker thread, so its
// `isMainThread` is true; `Worker` is a function that constructs the real one.
const EARLY = {
  worker_threads:
    '{ isMainThread: true, Worker: function Worker(...args) { return new (load().Worker)(...args); } }',
};
// Modules whose export lookups load other modules. esbuild's interop for an ES module importing
// a CommonJS one (__toESM) reads the property descriptor of every export, and on Node.js 26
// `node:util` and `node:fs` define some exports as lazy data properties that load their module
// when their descriptor is read: util's loaded parse_args, the diff modules, the SIGINT tracer
// and with it worker_threads (+0.7 MiB), fs's its directory reader. An ES module importing one of
// these gets an ES module instead (no interop): the real module as its default export and, by
// name, only its functions whose names start lower-case (each a function calling the real one).
const FACADE = ['util', 'fs'];
const bareName = (name) => (name.startsWith('node:') ? name.slice(5) : name);
const lazyName = (name) => (LAZY.includes(bareName(name)) ? bareName(name) : undefined);
/** The lower-case function exports of built-in `name` on the Node.js that builds. */
function callableExports(name) {
  const mod = createRequire(import.meta.url)(`node:${name}`);
  return Object.keys(mod).filter((k) => {
    const d = Object.getOwnPropertyDescriptor(mod, k);
    return d && 'value' in d && typeof d.value === 'function' && /^[a-z][A-Za-z0-9]*$/.test(k);
  });
}
const lazyModule = (name) =>
  `let loaded; const load = () => (loaded ??= require(${JSON.stringify(`node:${name}`)}));\n` +
  (EARLY[name]
    ? `const early = ${EARLY[name]};\n` +
      `const lazy = new Proxy({}, { get: (_, key) => (Object.hasOwn(early, key) ? early[key] : load()[key]), `
    : `const lazy = new Proxy(${CALLABLE.includes(name) ? '() => {}' : '{}'}, { get: (_, key) => load()[key], `) +
  'has: (_, key) => key in load(), set: (_, key, value) => ((load()[key] = value), true), ' +
  'apply: (_, self, args) => Reflect.apply(load(), self, args) });\n';
/** Its lower-case functions as ES exports, each calling the same function of `load()`. */
const functionExports = (name) =>
  callableExports(name)
    .map((k) => `export function ${k}(...args) { return load().${k}(...args); }\n`)
    .join('');
const builtins = {
  name: 'bascule-builtins',
  setup(b) {
    b.onResolve({ filter: /^[a-z_:/0-9]+$/ }, (args) => {
      if (!isBuiltin(args.path)) return undefined;
      // The require() inside the modules made here: Node's own module.
      if (args.namespace.startsWith('bascule-builtin')) return { path: args.path, external: true };
      const lazy = lazyName(args.path);
      if (args.kind === 'require-call')
        return lazy ? { path: lazy, namespace: 'bascule-builtin-lazy-cjs' } : undefined;
      if (args.kind !== 'import-statement' && args.kind !== 'dynamic-import') return undefined;
      if (lazy) return { path: lazy, namespace: 'bascule-builtin-lazy-esm' };
      if (FACADE.includes(bareName(args.path)))
        return { path: bareName(args.path), namespace: 'bascule-builtin-facade' };
      return {
        path: args.path.startsWith('node:') ? args.path : `node:${args.path}`,
        namespace: 'bascule-builtin',
      };
    });
    b.onLoad({ filter: /.*/, namespace: 'bascule-builtin' }, (args) => ({
      contents: `module.exports = require(${JSON.stringify(args.path)});`,
      loader: 'js',
    }));
    b.onLoad({ filter: /.*/, namespace: 'bascule-builtin-lazy-cjs' }, (args) => ({
      contents: `${lazyModule(args.path)}module.exports = lazy;\n`,
      loader: 'js',
    }));
    b.onLoad({ filter: /.*/, namespace: 'bascule-builtin-lazy-esm' }, (args) => ({
      contents: `${lazyModule(args.path)}export default lazy;\n${functionExports(args.path)}`,
      loader: 'js',
    }));
    b.onLoad({ filter: /.*/, namespace: 'bascule-builtin-facade' }, (args) => ({
      contents:
        `const real = require(${JSON.stringify(`node:${args.path}`)});\nconst load = () => real;\n` +
        `export default real;\n${functionExports(args.path)}`,
      loader: 'js',
    }));
  },
};

/** Imports left to run time, with the path they take from dist/bundle/. */
const atRunTime = {
  name: 'bascule-run-time-imports',
  setup(b) {
    b.onLoad({ filter: /[\\/]dist[\\/].*\.js$/ }, (args) => {
      const text = readFileSync(args.path, 'utf8');
      if (args.path.endsWith(COMMAND)) {
        const imports = [];
        const contents = text.replace(LAZY_DATAPLANE_IMPORT, (_, quote, specifier) => {
          imports.push(`import * as __basculeStatic${imports.length} from ${quote}${specifier}${quote};`);
          return `__basculeStatic${imports.length - 1}`;
        });
        if (!imports.some((i) => i.includes("'#dataplane/dataplane'")))
          throw new Error(`${args.path}: no import('#dataplane/dataplane') to make static`);
        return { contents: `${imports.join('\n')}\n${contents}`, loader: 'js' };
      }
      const contents = text.replace(RUN_TIME_REQUIRE, 'require($1$2$1)');
      return contents === text ? undefined : { contents, loader: 'js' };
    });
    b.onResolve({ filter: /^\.\/program\.js$/ }, (args) =>
      args.importer.endsWith(join('controller', 'src', 'cli', 'main.js'))
        ? { path: '../controller/src/cli/program.js', external: true }
        : undefined,
    );
    b.onResolve({ filter: /\/generated\/validators\.json$/ }, () => ({
      path: 'validators.json',
      namespace: 'bascule-json-at-run-time',
    }));
    b.onLoad({ filter: /.*/, namespace: 'bascule-json-at-run-time' }, () => ({
      contents: `export default JSON.parse(process.getBuiltinModule('node:fs').readFileSync(new URL('./${VALIDATORS_OUT}', import.meta.url), 'utf8'));\n`,
      loader: 'js',
      resolveDir: OUT,
    }));
  },
};

/**
 * The generated validators' code (protocol/src/generated/validators.json: a function body that
 * protocol/src/validators.ts makes into functions), minified for the bundles: V8 keeps that
 * function's source text in the heap for the process's life (lazy compilation compiles each
 * inner function from it when it first runs), and ajv's code has long local names and one
 * statement a line: 244 KB as generated, ~170 KB minified. Its names (`validate21`, `vErrors`)
 * appear in no message: the errors it reports are its string literals, which minification keeps.
 * The body is wrapped in a function assigned to a global, so that nothing is dropped as unused,
 * and taken out again; the result is checked to be one function body that returns the same
 * validators.
 */
const VALIDATORS_OUT = 'validators.json';
async function writeMinifiedValidators() {
  const doc = JSON.parse(readFileSync(join(ROOT, 'dist/protocol/src/generated/validators.json'), 'utf8'));
  if (typeof doc.source !== 'string') throw new Error('generated validators: no source');
  const head = 'globalThis.__basculeValidators=function(){';
  const tail = '};\n';
  const { code } = await transform(`${head}${doc.source}\n};\n`, { minify: true, target: 'node20' });
  if (!code.startsWith(head) || !code.endsWith(tail) || code.indexOf(head, 1) !== -1)
    throw new Error(`generated validators: unexpected minified form ${code.slice(0, 60)}…`);
  const source = code.slice(head.length, code.length - tail.length);
  const names = (body) => Object.keys(new Function(body)()).sort().join();
  if (names(source) !== names(doc.source))
    throw new Error('generated validators: minified form exports other names');
  writeFileSync(join(OUT, VALIDATORS_OUT), JSON.stringify({ ...doc, source }));
}

rmSync(OUT, { recursive: true, force: true });
mkdirSync(OUT, { recursive: true });
await writeMinifiedValidators();
const result = await build({
  absWorkingDir: ROOT,
  entryPoints: {
    dataplane: 'dist/controller/src/cli/main.js',
    'worker-main': 'dist/dataplane/src/workers/worker-main.js',
  },
  outdir: OUT,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // The bundled CommonJS files (ws, pino, negotiator) and the built-in modules' stand-ins require
  // Node's built-in modules (process.getBuiltinModule: an ES module import of node:module would
  // read all its exports, see builtins above).
  banner: {
    js: "const require = process.getBuiltinModule('node:module').createRequire(import.meta.url);",
  },
  external: ['prom-client', 're2js', 'hpack.js', 'bufferutil', 'utf-8-validate'],
  plugins: [atRunTime, builtins],
  // The source of every loaded script stays in V8's heap: no indentation, no comments but the
  // licences (at the end of each file). Names are not minified: stack traces and pino's error
  // `type` (`err.constructor.name`) name them, and esbuild's keepNames, which would keep them,
  // costs more heap than the shorter source saves (a name set on every function at run time:
  // +0.3 MB of old space for −0.12 MB of source, bench/history/2026-12-04-idle-rss-node26-7.md).
  minifyWhitespace: true,
  // Stack traces name bundle columns; `node --enable-source-maps` maps them back to the
  // TypeScript sources (through tsc's maps, which esbuild reads).
  sourcemap: 'linked',
  legalComments: 'eof',
  logLevel: 'warning',
  // A named import a stand-in above does not export (a class of node:util, say) fails the build
  // instead of being undefined at run time.
  logOverride: { 'import-is-undefined': 'error' },
  metafile: true,
});

for (const [file, output] of Object.entries(result.metafile.outputs)) {
  const inputs = Object.keys(output.inputs);
  const missing = BUNDLED_COMMONJS.filter((name) => !inputs.some((i) => i.includes(`node_modules/${name}/`)));
  // Lazy initialisers are left only for what loads on first use (the Prometheus series).
  const lazy = [...readFileSync(join(ROOT, file), 'utf8').matchAll(/\bvar init_[\w$]+\s*=\s*__esm\b/g)];
  if (lazy.length > 5)
    throw new Error(
      `${file}: ${lazy.length} modules bundled behind lazy initialisers (an import() of the dataplane?)`,
    );
  if (file.endsWith('dataplane.js') && missing.length)
    throw new Error(
      `${file}: ${missing.join(', ')} not bundled (loaded otherwise than createRequire(import.meta.url)(name)?)`,
    );
}
