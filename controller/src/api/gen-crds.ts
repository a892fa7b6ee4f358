// Writes crds/*.yaml from the schema. Run with `npm run gen:crds`.
import { writeFileSync, mkdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderCrdFiles } from './crd.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const dir = join(root, 'crds');
mkdirSync(dir, { recursive: true });
for (const [name, text] of Object.entries(renderCrdFiles())) {
  writeFileSync(join(dir, name), text);
  process.stdout.write(`wrote crds/${name}\n`);
}
