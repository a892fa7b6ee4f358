// Types of import-graph.js, for the tests that use it.
export function folderGraph(root: string): Map<string, Set<string>>;
export function pathBetween(graph: Map<string, Set<string>>, from: string, to: string): string[] | null;
export function folderOf(relPath: string): string | null;
export function resolveSpecifier(root: string, fromFile: string, spec: string): string | null;
export function packageOf(file: string): { root: string; name: string; dir: string } | null;
export function declaredDependencies(pkgDir: string): string[];
