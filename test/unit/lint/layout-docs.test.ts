// docs/architecture.md and the README describe the tree as it is: every folder of every
// package's src/ is on the architecture map (and nothing that does not exist), and the README
// names every package and folder.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';

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
});
