#!/usr/bin/env node
// Writes the dataplane's bundles from the compiled JavaScript (run by `npm run build` after
// `tsc -b`, and by the image build):
//
//   dist/bundle/dataplane.js    `bascule dataplane` (controller/src/cli/main.js and what it imports)
//   dist/bundle/worker-main.js  a worker process of `--workers N` (workers/worker-main.js)
//   dist/bundle/{dataplane,worker}-{termination,h2-client,tcp-proxy}.js (and -on-demand-<hash>.js)
//                               what each loads with the first snapshot that needs it (ON_DEMAND below)
//
// Why: an idle dataplane loaded ~130 ES modules and ~55 CommonJS files (ws, pino, negotiator), and
// resolving them ran Node's path and URL code often enough for V8 to optimise it with TurboFan
// before the first request; one optimisation makes the process touch ~3.3 MiB of the node
// binary's TurboFan code, which it otherwise never runs while idle. One file per process at
// start-up resolves nothing (bench/history/2026-12-03-idle-rss.md). bin/bascule.js runs a bundle only when it is
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
import { dirname, join, relative, sep } from 'node:path';
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
/**
 * What a process loads with the first snapshot that needs it (dataplane/src/serving/code-on-demand.ts
 * imports each with import()) is not in its bundle but in a file of its own beside it,
 * `<process>-<name>.js`, which that import() loads: an idle process without TLS or TCP frontends
 * never reads it, so its source is not in V8's heap and its top level never runs.
 *
 * Not esbuild's code splitting: with it the modules a process's entry shares with such a file go
 * into chunks the entry imports at start-up (~10 more ES modules), and resolving them ran Node's
 * path code often enough for TurboFan to optimise it before the first request: +6.5 MiB of the
 * node binary's pages on Node.js 26 (bench/history/2026-12-04-idle-rss-node26-8.md). Here the
 * entry stays one file, and the on-demand files take what they share with it from it: each import
 * of a module that is in the entry's bundle becomes a read of the binding the entry exposes, through
 * one function on globalThis (Symbol.for(SHARED)) that the entry defines and an on-demand file calls
 * when it loads. Only the bindings those files import are exposed, and only constants (functions,
 * classes, `const`): the build fails on an exported `let`, whose later values a copy would miss.
 * The on-demand files of one process are one esbuild build, so a module only they use exists once
 * (in a chunk of theirs when two of them use it).
 */
const ON_DEMAND = {
  termination: 'dist/dataplane/src/tls/termination.js',
  'h2-client': 'dist/dataplane/src/http/engine/h2-client.js',
  'tcp-proxy': 'dist/dataplane/src/tcp/proxy.js',
};
const ON_DEMAND_IMPORTER = join('dist', 'dataplane', 'src', 'serving', 'code-on-demand.js');
const SHARED = 'bascule.bundle.shared';

const common = {
  absWorkingDir: ROOT,
  outdir: OUT,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // The bundled CommonJS files (ws, pino, negotiator) and the built-in modules' stand-ins require
  // Node's built-in modules (process.getBuiltinModule: an ES module import of node:module would
  // read all its exports, see builtins above). Every file written gets it.
  banner: {
    js: "const require = process.getBuiltinModule('node:module').createRequire(import.meta.url);",
  },
  external: ['prom-client', 're2js', 'hpack.js', 'bufferutil', 'utf-8-validate'],
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
};

const rel = (path) => relative(ROOT, path).split(sep).join('/');
const quoted = (text) => JSON.stringify(text);

/** The entry: the process's module, and after it (no top-level await in either) the shared bindings. */
function entryPlugin(entry, shared) {
  return {
    name: 'bascule-entry',
    setup(b) {
      b.onResolve({ filter: /^bascule-entry$/ }, () => ({ path: 'entry', namespace: 'bascule-entry' }));
      b.onLoad({ filter: /.*/, namespace: 'bascule-entry' }, () => {
        const lines = [`export * from ${quoted(join(ROOT, entry))};`];
        // Sorted: esbuild resolves in parallel, and the bundle's text should not depend on its order.
        const modules = [...shared.entries()]
          .sort(([a], [b]) => (a < b ? -1 : 1))
          .map(([path, names]) => [path, [...names].sort()]);
        modules.forEach(([path, names], m) =>
          lines.push(
            `import { ${names.map((n, i) => `${n} as $${m}_${i}`).join(', ')} } from ${quoted(join(ROOT, path))};`,
          ),
        );
        const table = modules
          .map(
            ([path, names], m) =>
              `${quoted(path)}: { ${names.map((n, i) => `${n}: $${m}_${i}`).join(', ')} }`,
          )
          .join(', ');
        if (modules.length > 0)
          lines.push(
            `let made; globalThis[Symbol.for(${quoted(SHARED)})] = (path) => (made ??= { ${table} })[path];`,
          );
        return { contents: `${lines.join('\n')}\n`, loader: 'js', resolveDir: ROOT };
      });
    },
  };
}

/** In the entry's build: code-on-demand.js's import()s load the on-demand files. */
function onDemandExternal(prefix) {
  return {
    name: 'bascule-on-demand-external',
    setup(b) {
      b.onResolve({ filter: /^\.\.?\// }, (args) => {
        if (args.kind !== 'dynamic-import' || !args.importer.endsWith(ON_DEMAND_IMPORTER)) return undefined;
        const target = rel(join(dirname(args.importer), args.path));
        const name = Object.keys(ON_DEMAND).find((k) => ON_DEMAND[k] === target);
        if (!name) return { errors: [{ text: `${args.path}: not an on-demand module of bin/bundle.mjs` }] };
        return { path: `./${prefix}-${name}.js`, external: true };
      });
    },
  };
}

/** The names `importer` (compiled JavaScript) imports or re-exports from `specifier`. */
function importedNames(importer, specifier) {
  const text = readFileSync(importer, 'utf8');
  const names = new Set();
  const spec = specifier.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  for (const m of text.matchAll(
    new RegExp(`^(import|export)\\s+([^;]*?)\\s+from\\s+(['"])${spec}\\3;`, 'gm'),
  )) {
    const clause = m[2];
    const named = /^(?:([\w$]+)\s*,\s*)?\{([^}]*)\}$/.exec(clause);
    if (named) {
      if (named[1]) names.add('default');
      for (const part of named[2]
        .split(',')
        .map((p) => p.trim())
        .filter(Boolean))
        names.add(part.split(/\s+as\s+/)[0]);
    } else if (m[1] === 'import' && /^[\w$]+$/.test(clause)) names.add('default');
    else
      throw new Error(
        `${rel(importer)}: ${m[0]}: only named or default imports of a module the entry shares`,
      );
  }
  if (names.size === 0) throw new Error(`${rel(importer)}: no import of ${specifier} found to share`);
  return names;
}

/**
 * In the on-demand files' build: an import of a module that is in the entry's bundle becomes a
 * module reading the entry's bindings (one per importer: it exports what that importer imports).
 */
function sharedFromEntry(entryInputs, shared) {
  return {
    name: 'bascule-shared-from-entry',
    setup(b) {
      b.onResolve({ filter: /^(\.\.?\/|#)/ }, async (args) => {
        if (args.pluginData?.shared || args.namespace !== 'file') return undefined;
        const found = await b.resolve(args.path, {
          kind: args.kind,
          importer: args.importer,
          resolveDir: args.resolveDir,
          pluginData: { shared: true },
        });
        if (found.errors.length > 0 || !entryInputs.has(rel(found.path))) return undefined;
        const path = rel(found.path);
        const names = importedNames(args.importer, args.path);
        const text = readFileSync(found.path, 'utf8');
        for (const n of names)
          if (new RegExp(`^export\\s+(let|var)\\s+${n.replace(/\$/g, '\\$')}\\b`, 'm').test(text))
            throw new Error(`${path}: ${n} is an exported let; an on-demand file would keep its first value`);
        const all = shared.get(path) ?? new Set();
        for (const n of names) all.add(n);
        shared.set(path, all);
        return {
          path: `${path}?from=${rel(args.importer)}`,
          namespace: 'bascule-shared',
          pluginData: { path, names: [...names] },
        };
      });
      b.onLoad({ filter: /.*/, namespace: 'bascule-shared' }, (args) => {
        const { path, names } = args.pluginData;
        const plain = names.filter((n) => n !== 'default');
        return {
          contents:
            `const shared = globalThis[Symbol.for(${quoted(SHARED)})];\n` +
            `if (typeof shared !== 'function') throw new Error('bundle: ${path} is not shared by the entry (an on-demand file loaded without its bundle)');\n` +
            `const m = shared(${quoted(path)});\n` +
            (plain.length > 0 ? `export const { ${plain.join(', ')} } = m;\n` : '') +
            (names.includes('default') ? 'export default m.default;\n' : ''),
          loader: 'js',
        };
      });
    },
  };
}

/** No module behind a lazy initialiser beyond `most` (the Prometheus series, loaded on first scrape). */
function checkLazyInitialisers(outputs, most) {
  for (const file of outputs) {
    const lazy = [...readFileSync(join(ROOT, file), 'utf8').matchAll(/\bvar init_[\w$]+\s*=\s*__esm\b/g)];
    if (lazy.length > most)
      throw new Error(
        `${file}: ${lazy.length} modules bundled behind lazy initialisers (an import() of the dataplane?)`,
      );
  }
}

/**
 * One process's bundle: `<name>.js`, and its on-demand files `<prefix>-<module>.js` (with chunks
 * `<prefix>-on-demand-<hash>.js` for what two of them share). Built in three steps: the entry (to
 * learn which modules it holds), the on-demand files (which learn which of their bindings they take
 * from it), the entry again exposing those.
 */
async function bundleProcess(name, prefix, entry) {
  const entryBuild = (shared) =>
    build({
      ...common,
      entryPoints: { [name]: 'bascule-entry' },
      plugins: [entryPlugin(entry, shared), onDemandExternal(prefix), atRunTime, builtins],
    });
  const first = await entryBuild(new Map());
  const file = `dist/bundle/${name}.js`;
  const entryInputs = new Set(Object.keys(first.metafile.outputs[file].inputs));
  const shared = new Map();
  const onDemand = await build({
    ...common,
    entryPoints: Object.fromEntries(Object.entries(ON_DEMAND).map(([k, path]) => [`${prefix}-${k}`, path])),
    splitting: true,
    chunkNames: `${prefix}-on-demand-[hash]`,
    plugins: [sharedFromEntry(entryInputs, shared), atRunTime, builtins],
  });
  const result = await entryBuild(shared);
  const inputs = Object.keys(result.metafile.outputs[file].inputs);
  if (inputs.length !== entryInputs.size || inputs.some((i) => !entryInputs.has(i)))
    throw new Error(`${file}: exposing the shared bindings changed what the bundle holds`);
  const missing = BUNDLED_COMMONJS.filter((pkg) => !inputs.some((i) => i.includes(`node_modules/${pkg}/`)));
  if (name === 'dataplane' && missing.length)
    throw new Error(
      `${file}: ${missing.join(', ')} not bundled (loaded otherwise than createRequire(import.meta.url)(name)?)`,
    );
  // Lazy initialisers are left only for what loads on first use (the Prometheus series).
  checkLazyInitialisers([file], 5);
  checkLazyInitialisers(
    Object.keys(onDemand.metafile.outputs).filter((f) => f.endsWith('.js')),
    0,
  );
  // No module on demand is in the entry too (it would exist twice, its classes and state apart);
  // the built-in modules' stand-ins may (each requires Node's one module).
  const onDemandInputs = Object.values(onDemand.metafile.outputs).flatMap((o) => Object.keys(o.inputs));
  const twice = onDemandInputs.filter((i) => entryInputs.has(i) && !i.startsWith('bascule-builtin'));
  if (twice.length > 0) throw new Error(`${file}: ${twice.join(', ')} both in the bundle and on demand`);
}

await bundleProcess('dataplane', 'dataplane', 'dist/controller/src/cli/main.js');
await bundleProcess('worker-main', 'worker', 'dist/dataplane/src/workers/worker-main.js');
