// The import graph of the packages (protocol/, api/, controller/, dataplane/, ...), read from
// the sources themselves, for the boundary rules. A package is a directory with a tsconfig.json
// and a src/ folder; `#name/x` imports resolve to <root>/name/src/x.ts (package.json "imports").
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';

const SOURCE_EXT = /\.(ts|mts|js|mjs)$/;

/** The package a file belongs to: { root, name, dir } or null outside any package's src/. */
export function packageOf(file) {
  let dir = dirname(resolve(file));
  while (dir !== dirname(dir)) {
    if (existsSync(join(dir, 'src')) && existsSync(join(dir, 'tsconfig.json'))) {
      const src = join(dir, 'src') + sep;
      if (!resolve(file).startsWith(src)) return null;
      return { root: dirname(dir), name: relative(dirname(dir), dir), dir };
    }
    dir = dirname(dir);
  }
  return null;
}

/** Names of the packages a package may import: the references in its tsconfig.json. */
export function declaredDependencies(pkgDir) {
  const text = readFileSync(join(pkgDir, 'tsconfig.json'), 'utf8');
  const { config } = ts.parseConfigFileTextToJson(join(pkgDir, 'tsconfig.json'), text);
  return (config?.references ?? []).map((r) => relative(dirname(pkgDir), resolve(pkgDir, r.path)));
}

/**
 * Where a specifier leads, as a path relative to the repository root (extension dropped), or
 * null for a third-party or built-in module.
 */
export function resolveSpecifier(root, fromFile, spec) {
  let target;
  if (spec.startsWith('#')) {
    const m = /^#([^/]+)(?:\/(.*))?$/.exec(spec);
    if (!m) return null;
    target = join(root, m[1], 'src', m[2] ?? 'index');
  } else if (spec.startsWith('.')) {
    target = resolve(dirname(fromFile), spec);
  } else return null;
  return relative(root, target).replace(SOURCE_EXT, '').split(sep).join('/');
}

/**
 * The node a module counts as in the folder graph: its package plus its first folder under src/
 * ("controller/compile"); a file directly in src/ is a node of its own ("controller/log").
 */
export function folderOf(relPath) {
  const parts = relPath.split('/');
  if (parts[1] !== 'src' || parts.length < 3) return null;
  return `${parts[0]}/${parts[2].replace(SOURCE_EXT, '')}`;
}

const IMPORT_RE = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)(['"])([^'"\n]+)\1/gm;

function listSources(dir, out) {
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) listSources(path, out);
    else if (SOURCE_EXT.test(entry) && !entry.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

const graphs = new Map();

/**
 * Folder → set of folders it imports, over every package under root. Built once per root and
 * process (a lint run); the rules read the current file's own imports from its AST.
 */
export function folderGraph(root) {
  let graph = graphs.get(root);
  if (graph) return graph;
  graph = new Map();
  for (const name of readdirSync(root)) {
    const dir = join(root, name);
    if (!existsSync(join(dir, 'src')) || !existsSync(join(dir, 'tsconfig.json'))) continue;
    for (const file of listSources(join(dir, 'src'), [])) {
      const from = folderOf(relative(root, file).split(sep).join('/'));
      for (const m of readFileSync(file, 'utf8').matchAll(IMPORT_RE)) {
        const target = resolveSpecifier(root, file, m[2]);
        const to = target && folderOf(target);
        if (!from || !to || to === from) continue;
        if (!graph.has(from)) graph.set(from, new Set());
        graph.get(from).add(to);
      }
    }
  }
  graphs.set(root, graph);
  return graph;
}

/** A path of folders from `from` back to `to`, or null: the rest of a cycle through from→to. */
export function pathBetween(graph, from, to) {
  const seen = new Set([from]);
  const queue = [[from]];
  while (queue.length > 0) {
    const path = queue.shift();
    for (const next of graph.get(path.at(-1)) ?? []) {
      if (next === to) return [...path, next];
      if (seen.has(next)) continue;
      seen.add(next);
      queue.push([...path, next]);
    }
  }
  return null;
}
