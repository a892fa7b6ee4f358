// docs/architecture.md and the README describe the tree as it is: every folder of every
// package's src/ is on the architecture map (and nothing that does not exist), the README
// names every package and folder, and every import between the dataplane's folders goes down
// the layer table of docs/architecture.md.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { folderGraph } from '../../../lint/import-graph.js';

const ROOT = join(import.meta.dirname, '../../..');
const PACKAGES = ['protocol', 'api', 'importer', 'dataplane', 'controller'];

function treeFolders(): string[] {
  const out: string[] = [];
  for (const pkg of PACKAGES) {
    out.push(`${pkg}/src/`);
    for (const entry of readdirSync(join(ROOT, pkg, 'src')))
      if (statSync(join(ROOT, pkg, 'src', entry)).isDirectory()) out.push(`${pkg}/src/${entry}/`);
  }
  return out.sort();
}

describe('docs: the layout maps match the tree', () => {
  it('every package is a TypeScript project the build references', () => {
    const root = readFileSync(join(ROOT, 'tsconfig.json'), 'utf8');
    for (const pkg of PACKAGES) {
      expect(statSync(join(ROOT, pkg, 'tsconfig.json')).isFile(), pkg).to.equal(true);
      expect(root, `tsconfig.json references ${pkg}`).to.contain(`{ "path": "${pkg}" }`);
    }
  });

  it('docs/architecture.md lists exactly the folders of the packages', () => {
    const doc = readFileSync(join(ROOT, 'docs/architecture.md'), 'utf8');
    const section = doc.slice(doc.indexOf('## 5. Layout'), doc.indexOf('## 6.'));
    const listed = [...section.matchAll(/^([a-z]+\/src\/(?:[a-z-]+\/)?)\s/gm)].map((m) => m[1]!);
    expect([...listed].sort()).to.deep.equal(treeFolders());
  });

  it("the README's layout names every package and folder", () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Layout'), readme.indexOf('## Docs'));
    for (const folder of treeFolders()) {
      const [pkg, , sub] = folder.split('/');
      const line = section.split('\n').find((l) => l.startsWith(`${pkg}/src/`));
      expect(line, `README layout line for ${pkg}`).to.not.equal(undefined);
      if (sub) {
        const block = section.slice(section.indexOf(`${pkg}/src/`)).split(/\n(?=[a-z]+\/)/)[0]!;
        expect(block, `README layout of ${pkg}`).to.match(new RegExp(`(^|\\s)${sub}/`));
      }
    }
  });

  it("the dataplane's folders import only folders on lower lines of the layer table", () => {
    const doc = readFileSync(join(ROOT, 'docs/architecture.md'), 'utf8');
    const intro = doc.indexOf("The dataplane's folders in layers");
    expect(intro, 'the layer table').to.be.greaterThan(0);
    const start = doc.indexOf('```\n', intro) + 4;
    const rows = doc.slice(start, doc.indexOf('```', start)).trim().split('\n');
    const layer = new Map<string, number>(); // higher number: higher layer
    rows.forEach((row, i) => {
      for (const name of row.split(/\s{2,}/)[0]!.split(' '))
        layer.set(`dataplane/${name.replace(/\/$|\.ts$/, '')}`, rows.length - i);
    });
    // The graph's nodes: each folder of dataplane/src/ and each file directly in it.
    const nodes = readdirSync(join(ROOT, 'dataplane/src'))
      .filter(
        (e) =>
          !e.endsWith('.d.ts') &&
          (e.endsWith('.ts') || statSync(join(ROOT, 'dataplane/src', e)).isDirectory()),
      )
      .map((e) => `dataplane/${e.replace(/\.ts$/, '')}`);
    expect([...layer.keys()].sort(), 'every folder and file of dataplane/src/ on one line').to.deep.equal(
      nodes.sort(),
    );
    const upward: string[] = [];
    for (const [from, targets] of folderGraph(ROOT))
      for (const to of targets)
        if (
          from.startsWith('dataplane/') &&
          to.startsWith('dataplane/') &&
          !(layer.get(from)! > layer.get(to)!)
        )
          upward.push(`${from} -> ${to}`);
    expect(upward, 'imports that go up the layer table').to.deep.equal([]);
  });
});
