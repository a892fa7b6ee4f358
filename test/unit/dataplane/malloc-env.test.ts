// glibc malloc settings of dataplane processes (dataplane/src/malloc-env.ts): what a primary adds
// to the environment of the workers it forks, and that the dataplane image sets the same ones.
// That workers really start with them is checked on real processes in test/e2e/idle-modules.test.ts.
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DATAPLANE_MALLOC_ENV, mallocEnvFor } from '#dataplane/malloc-env';
import { ROOT } from '../../support/process.js';

describe('dataplane malloc settings', () => {
  it('a worker gets each setting its primary was started without', () => {
    expect(mallocEnvFor({})).to.deep.equal(DATAPLANE_MALLOC_ENV);
    expect(mallocEnvFor({ PATH: '/bin' })).to.deep.equal(DATAPLANE_MALLOC_ENV);
  });

  it("the primary's own settings win (a worker inherits them unchanged)", () => {
    expect(mallocEnvFor({ MALLOC_TRIM_THRESHOLD_: '1048576' })).to.deep.equal({});
    expect(mallocEnvFor({ ...DATAPLANE_MALLOC_ENV })).to.deep.equal({});
  });

  it('the dataplane image sets the same ones in its runtime stage', () => {
    const dockerfile = readFileSync(join(ROOT, 'dataplane/Dockerfile'), 'utf8');
    const runtime = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
    const set = Object.fromEntries(
      [...runtime.matchAll(/^ENV (.+)$/gm)]
        .flatMap((m) => m[1]!.split(/\s+/))
        .map((pair) => pair.split('=') as [string, string])
        .filter(([name]) => name.startsWith('MALLOC_')),
    );
    expect(set).to.deep.equal(DATAPLANE_MALLOC_ENV);
  });
});
