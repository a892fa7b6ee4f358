// The engine-neutral boundary is enforced by ESLint: Node's http/https modules may be imported in
// the protocol engines (dataplane/src/http/engine/) and the admin server only. The same fixture is
// linted as if it lived in several places of the tree, with the project's own configuration.
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ESLint } from 'eslint';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const FIXTURE = readFileSync(path.join(import.meta.dirname, 'fixtures/node-http-outside-engine.ts'), 'utf8');

async function restricted(where: string): Promise<string[]> {
  const eslint = new ESLint({ cwd: ROOT });
  const [result] = await eslint.lintText(FIXTURE, { filePath: path.join(ROOT, where) });
  return result!.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

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

  for (const where of ['dataplane/src/http/engine/fixture.ts', 'dataplane/src/admin/fixture.ts'])
    it(`allows them in ${where}`, async () => {
      expect(await restricted(where)).to.deep.equal([]);
    });
});
