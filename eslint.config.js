import tseslint from 'typescript-eslint';
import bascule from './lint/plugin.js';

// Modules that do I/O (files, sockets, processes, the Kubernetes API, HTTP frameworks). The pure
// folders below decide from data only; they may still import types from these.
const IO_MODULES = [
  'fs',
  'node:fs',
  'node:fs/promises',
  'node:http',
  'node:https',
  'node:http2',
  'node:dgram',
  'node:child_process',
  'node:cluster',
  'node:worker_threads',
  'ws',
  'express',
  'undici',
  '@kubernetes/client-node',
  'pino',
].map((name) => ({
  name,
  allowTypeImports: true,
  message: 'pure folders do no I/O: take the data as input',
}));

/**
 * no-restricted-syntax entries for modules named by `pattern` when taken at run time rather than
 * imported: any call whose first argument is such a name (process.getBuiltinModule, require,
 * a createRequire'd function) and import().
 */
function loadedAtRunTime(pattern, message) {
  const re = `/${pattern.source}/`;
  return [
    { selector: `CallExpression[arguments.0.value=${re}]`, message },
    { selector: `ImportExpression[source.value=${re}]`, message },
  ];
}

// Folders of the same package that do I/O, as seen from a sibling folder.
const IO_FOLDERS = [
  // controller
  '../sources/*',
  '../kube/*',
  '../publish/*',
  '../leader/*',
  '../admin/*',
  '../metrics/*',
  '../cli/*',
  // dataplane
  '../agent/*',
  '../serving/*',
  '../http/*',
  '../tcp/*',
  '../tls/*',
  '../access-log/*',
  '../workers/*',
];

export default tseslint.config(
  // The lint fixtures break the rules on purpose; test/unit/lint lints them explicitly. The
  // generated validators are ajv's code, written by `npm run gen:validators`.
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'crds/**',
      'test/unit/lint/fixtures/**',
      'protocol/src/generated/**',
    ],
  },
  ...tseslint.configs.recommended,
  {
    // Tests poke at JSON documents and fixtures; typing every one of them adds nothing.
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // The engine-neutral boundary (dataplane/src/http/message.ts): Node's HTTP objects stay inside
    // the protocol engines and the admin server. Health checks are no data path; they keep Node's
    // client (health/probe.ts).
    files: ['dataplane/src/**/*.ts'],
    ignores: ['dataplane/src/http/engine/**', 'dataplane/src/admin/**', 'dataplane/src/health/probe.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: ['node:http', 'http', 'node:https', 'https'].map((name) => ({
            name,
            message:
              'Node HTTP objects stay inside dataplane/src/http/engine/ (the protocol engines) and admin/: use the neutral types of http/message.ts.',
          })),
        },
      ],
      // The same modules taken without an import statement (process.getBuiltinModule, a require
      // made with createRequire, import()), which the sources use to keep Node.js 22+ from loading
      // http2 and undici with node:http.
      'no-restricted-syntax': [
        'error',
        ...loadedAtRunTime(
          /^(node:)?https?$/,
          'Node HTTP objects stay inside dataplane/src/http/engine/ and admin/: use the neutral types of http/message.ts.',
        ),
      ],
    },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Package boundaries and one-way folder dependencies (lint/).
    files: ['**/src/**/*.ts'],
    plugins: { bascule },
    rules: {
      'bascule/package-boundaries': 'error',
      'bascule/no-folder-cycle': 'error',
    },
  },
  {
    // Pure stages: same input, same output, no I/O (docs/architecture.md). The controller's
    // pipeline runs them and does I/O only through what it is handed (publisher, logger).
    files: [
      '**/dataplane/src/router/**/*.ts',
      '**/dataplane/src/balance/**/*.ts',
      '**/controller/src/compile/**/*.ts',
      '**/controller/src/validate/**/*.ts',
      '**/controller/src/pipeline/**/*.ts',
    ],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: IO_MODULES,
          patterns: [{ group: IO_FOLDERS, message: 'pure folders do not import I/O folders' }],
        },
      ],
      'no-restricted-syntax': [
        'error',
        ...loadedAtRunTime(
          // With or without the node: prefix (require('https') is node:https).
          new RegExp(
            `^(node:)?(${[...new Set(IO_MODULES.map((m) => m.name.replace(/^node:/, '').replace(/[/]/g, '\\/')))].join('|')})$`,
          ),
          'pure folders do no I/O: take the data as input',
        ),
      ],
    },
  },
);
