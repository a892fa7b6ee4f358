// Packages meet only through package imports ('#protocol/snapshot'), and only those listed as
// references in the importing package's tsconfig.json: the dataplane never reaches into the
// controller, nothing climbs out of its package with '../../../'.
import { declaredDependencies, packageOf, resolveSpecifier } from '../import-graph.js';
import { forEachImport } from './import-sources.js';

export default {
  meta: {
    type: 'problem',
    docs: { description: 'packages import each other only by package import, and only declared ones' },
    schema: [],
    messages: {
      leaves: "'{{spec}}' leaves package {{pkg}}: import '#{{target}}/…' instead",
      self: "'{{spec}}' is inside package {{pkg}}: use a relative import",
      undeclared: 'package {{pkg}} may not import {{target}} (not a reference in {{pkg}}/tsconfig.json)',
    },
  },
  create(context) {
    const pkg = packageOf(context.filename);
    if (!pkg) return {};
    const allowed = new Set(declaredDependencies(pkg.dir));
    return forEachImport((node, spec) => {
      const target = resolveSpecifier(pkg.root, context.filename, spec);
      if (!target) return;
      const targetPkg = target.split('/')[0];
      const data = { spec, pkg: pkg.name, target: targetPkg };
      if (spec.startsWith('.') && targetPkg !== pkg.name) context.report({ node, messageId: 'leaves', data });
      else if (spec.startsWith('#') && targetPkg === pkg.name)
        context.report({ node, messageId: 'self', data });
      else if (targetPkg !== pkg.name && !allowed.has(targetPkg))
        context.report({ node, messageId: 'undeclared', data });
    });
  },
};
