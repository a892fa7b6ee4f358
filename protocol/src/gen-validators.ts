// Writes generated/validators.json from the schemas. Run with `npm run gen:validators`.
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GENERATED_VALIDATORS_PATH, renderValidatorsModule } from './validators-codegen.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
writeFileSync(join(root, GENERATED_VALIDATORS_PATH), renderValidatorsModule());
process.stdout.write(`wrote ${GENERATED_VALIDATORS_PATH}\n`);
