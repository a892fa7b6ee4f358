// Folders depend on each other in one direction only: an import from folder A to folder B is
// an error when B (through any chain of imports) already imports A. Files directly in a
// package's src/ count as folders of their own. Type-only imports count too: a type that two
// folders both need belongs in a lower folder (a type-only module), not in either of them.
import { relative, sep } from 'node:path';
import { folderGraph, folderOf, packageOf, pathBetween, resolveSpecifier } from '../import-graph.js';
import { forEachImport } from './import-sources.js';

export default {
  meta: {
    type: 'problem',
    docs: { description: 'forbid imports that close a cycle between folders' },
    schema: [],
    messages: { cycle: 'folder cycle: {{cycle}}' },
  },
  create(context) {
    const pkg = packageOf(context.filename);
    if (!pkg) return {};
    const from = folderOf(relative(pkg.root, context.filename).split(sep).join('/'));
    return forEachImport((node, spec) => {
      const target = resolveSpecifier(pkg.root, context.filename, spec);
      const to = target && folderOf(target);
      if (!from || !to || to === from) return;
      const back = pathBetween(folderGraph(pkg.root), to, from);
      if (back) context.report({ node, messageId: 'cycle', data: { cycle: [from, ...back].join(' → ') } });
    });
  },
};
