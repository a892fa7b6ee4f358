// Bascule's own lint rules: the package and folder structure, checked on every `npm run lint`.
import noFolderCycle from './rules/no-folder-cycle.js';
import packageBoundaries from './rules/package-boundaries.js';

export default {
  meta: { name: 'bascule' },
  rules: { 'no-folder-cycle': noFolderCycle, 'package-boundaries': packageBoundaries },
};
