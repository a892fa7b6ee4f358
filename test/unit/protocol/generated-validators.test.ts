// The committed ahead-of-time validators are what the schemas generate now: a schema edit without
// `npm run gen:validators` (or UPDATE_GOLDEN=1 here) fails, so the two can never drift apart.
import { join } from 'node:path';
import { GENERATED_VALIDATORS_PATH, renderValidatorsModule } from '#protocol/validators-codegen';
import { ROOT } from '../../support/process.js';
import { checkGolden } from '../../support/golden.js';

describe('protocol: generated validators', () => {
  it(`${GENERATED_VALIDATORS_PATH} is what the schemas generate`, () => {
    checkGolden(join(ROOT, GENERATED_VALIDATORS_PATH), renderValidatorsModule());
  });
});
