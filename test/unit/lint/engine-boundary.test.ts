// The engine-neutral boundary is enforced by ESLint: Node's http/https modules may be imported in
// the protocol engines (dataplane/src/http/engine/) and the admin server only, whether imported or
// taken at run time (process.getBuiltinModule, a createRequire'd require, import()). The same
// fixtures are linted as if they lived in several places of the tree, with the project's own
// configuration.
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ESLint } from 'eslint';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const fixture = (name: string): string =>
  readFileSync(path.join(import.meta.dirname, 'fixtures', name), 'utf8');
const IMPORTED = fixture('node-http-outside-engine.ts');
const AT_RUN_TIME = fixture('node-http-at-run-time.ts');

async function restricted(where: string, text = IMPORTED, rule = 'no-restricted-imports'): Promise<string[]> {
  const eslint = new ESLint({ cwd: ROOT });
  const [result] = await eslint.lintText(text, { filePath: path.join(ROOT, where) });
  expect(result!.messages.filter((m) => m.fatal)).to.deep.equal([]);
  return result!.messages.filter((m) => m.ruleId === rule).map((m) => m.message);
}
const restrictedAtRunTime = (where: string): Promise<string[]> =>
  restricted(where, AT_RUN_TIME, 'no-restricted-syntax');

describe('lint: Node HTTP stays inside the protocol engines', function () {
  this.timeout(60_000);

  for (const where of [
    'dataplane/src/http/proxy-fixture.ts',
    'dataplane/src/router/fixture.ts',
    'dataplane/src/tls/fixture.ts',
  ])
    it(`refuses node:http, http and node:https in ${where}`, async () => {
      const messages = await restricted(where);
      expect(messages).to.have.length(3);
      for (const m of messages) expect(m).to.contain('dataplane/src/http/engine/');
    });

  for (const where of ['dataplane/src/http/proxy-fixture.ts', 'dataplane/src/tls/fixture.ts'])
    it(`refuses them taken at run time in ${where}`, async () => {
      const messages = await restrictedAtRunTime(where);
      expect(messages).to.have.length(3);
      for (const m of messages) expect(m).to.contain('dataplane/src/http/engine/');
    });

  it('refuses them taken at run time in a pure folder (dataplane/src/router/), as any I/O module', async () => {
    const messages = await restrictedAtRunTime('dataplane/src/router/fixture.ts');
    expect(messages).to.have.length(3);
    for (const m of messages) expect(m).to.contain('pure folders do no I/O');
  });

  for (const where of ['dataplane/src/http/engine/fixture.ts', 'dataplane/src/admin/fixture.ts'])
    it(`allows them in ${where}`, async () => {
      expect(await restricted(where)).to.deep.equal([]);
      expect(await restrictedAtRunTime(where)).to.deep.equal([]);
    });
});
