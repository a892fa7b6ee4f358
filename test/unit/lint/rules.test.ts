// The structure rules fire: a fixture tree breaks each of them on purpose and the real lint
// configuration must report every break; the repository itself has no folder cycle; unformatted
// code fails the format check that `npm test` runs.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { ESLint } from 'eslint';
import * as prettier from 'prettier';
import { folderGraph, pathBetween } from '../../../lint/import-graph.js';

const ROOT = join(import.meta.dirname, '../../..');
const TREE = join(import.meta.dirname, 'fixtures/tree');

async function lint(rel: string): Promise<string[]> {
  const eslint = new ESLint({ cwd: ROOT, ignore: false });
  const [result] = await eslint.lintFiles([join(TREE, rel)]);
  return result!.messages.map((m) => `${m.ruleId}: ${m.message}`);
}

describe('lint: package and folder structure', function () {
  this.timeout(60_000);

  it('the dataplane may not import the controller, nor leave its package by relative path', async () => {
    const messages = await lint('dataplane/src/router/reach.ts');
    expect(messages).to.include(
      'bascule/package-boundaries: package dataplane may not import controller (not a reference in dataplane/tsconfig.json)',
    );
    expect(messages).to.include(
      "bascule/package-boundaries: '../../../controller/src/first/one.js' leaves package dataplane: import '#controller/…' instead",
    );
    expect(messages).to.include(
      "bascule/package-boundaries: '../../../protocol/src/snapshot.js' leaves package dataplane: import '#protocol/…' instead",
    );
    expect(messages).to.include(
      "bascule/package-boundaries: '#dataplane/router/other' is inside package dataplane: use a relative import",
    );
  });

  it('a folder cycle is an error at the import that closes it', async () => {
    expect(await lint('controller/src/first/one.ts')).to.deep.equal([
      'bascule/no-folder-cycle: folder cycle: controller/first → controller/second → controller/first',
    ]);
    expect(await lint('controller/src/second/two.ts')).to.deep.equal([
      'bascule/no-folder-cycle: folder cycle: controller/second → controller/first → controller/second',
    ]);
  });

  it('pure folders import no I/O module and no I/O folder', async () => {
    const messages = await lint('controller/src/compile/pure.ts');
    expect(messages).to.have.length(2);
    expect(messages[0]).to.match(
      /^@typescript-eslint\/no-restricted-imports: 'node:fs' import is restricted/,
    );
    expect(messages[1]).to.match(
      /^@typescript-eslint\/no-restricted-imports: '\.\.\/sources\/source\.js' import is restricted/,
    );
  });

  it("the controller's pipeline imports no I/O folder either: it is handed its publisher", async () => {
    expect(await lint('controller/src/pipeline/publishes.ts')).to.deep.equal([
      "@typescript-eslint/no-restricted-imports: '../publish/snapshot-server.js' import is restricted from being used by a pattern. pure folders do not import I/O folders",
    ]);
  });

  it('the tree has no folder cycle in any package', () => {
    const graph = folderGraph(ROOT);
    expect(graph.size).to.be.greaterThan(20);
    const cycles: string[] = [];
    for (const [from, targets] of graph)
      for (const to of targets) {
        const back = pathBetween(graph, to, from);
        if (back) cycles.push([from, ...back].join(' → '));
      }
    expect(cycles).to.deep.equal([]);
  });

  it('npm test checks formatting, and unformatted code fails the check', async () => {
    const scripts = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts;
    expect(scripts.test).to.match(/npm run lint/);
    expect(scripts.lint).to.match(/prettier --check \./);
    const file = join(import.meta.dirname, 'fixtures/unformatted.ts');
    const options = { ...(await prettier.resolveConfig(file)), filepath: file };
    const text = readFileSync(file, 'utf8');
    expect(await prettier.check(text, options)).to.equal(false);
    expect(await prettier.check(await prettier.format(text, options), options)).to.equal(true);
  });
});
