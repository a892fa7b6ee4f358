// The one golden-file check: compare with the recorded file, or (UPDATE_GOLDEN=1) record it.
// Regenerate with UPDATE_GOLDEN=1 and review the diff before committing it.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import { expect } from 'chai';

export const UPDATE_GOLDEN = process.env.UPDATE_GOLDEN === '1';

export function checkGolden(file: string, actual: string): void {
  const name = relative(process.cwd(), file);
  if (UPDATE_GOLDEN) {
    writeFileSync(file, actual);
    return;
  }
  if (!existsSync(file)) throw new Error(`${name} is missing: run UPDATE_GOLDEN=1 and review it`);
  expect(actual, `${name} differs (UPDATE_GOLDEN=1 to regenerate, then review the diff)`).to.equal(
    readFileSync(file, 'utf8'),
  );
}
