// Writes crds/*.yaml from the schema. Run with `npm run gen:crds`.
// The same files are written into the Helm chart's crds/ directory (Helm installs CRDs only
// from inside the chart) and, as one file, into the kustomize base.
import { writeFileSync, mkdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderCrdFiles, renderCrdBundle } from './crd.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
for (const rel of ['crds', 'manifests/helm/bascule/crds']) {
  const dir = join(root, rel);
  mkdirSync(dir, { recursive: true });
  for (const [name, text] of Object.entries(renderCrdFiles())) {
    writeFileSync(join(dir, name), text);
    process.stdout.write(`wrote ${rel}/${name}\n`);
  }
}
const kustomize = join(root, 'manifests/kustomize/base');
mkdirSync(kustomize, { recursive: true });
writeFileSync(join(kustomize, 'crds.yaml'), renderCrdBundle());
process.stdout.write('wrote manifests/kustomize/base/crds.yaml\n');
