// The directory walk (controller/src/sources/dir-walk.ts): stats through libuv's pool, or on the
// main thread in chunks while the file system answers quickly (the safety walk's way), give the
// same files and signatures; a slow chunk sends the rest of the walk through the pool, and
// walks that keep meeting one stop using the main thread.
import { expect } from 'chai';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SLOW_WALKS_TO_STOP, SyncStats, walk } from '#controller/sources/dir-walk';

describe('directory walk', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'bascule-walk-'));
    await mkdir(path.join(dir, 'a/b'), { recursive: true });
    for (let i = 0; i < 150; i++) await writeFile(path.join(dir, `f${i}.yaml`), `n: ${i}\n`);
    await writeFile(path.join(dir, 'a/x.yml'), 'x: 1\n');
    await writeFile(path.join(dir, 'a/b/y.json'), '{}');
    await writeFile(path.join(dir, 'notes.txt'), 'not a manifest');
    await writeFile(path.join(dir, '.hidden.yaml'), 'hidden: 1\n');
    await symlink('a', path.join(dir, 'linked')); // a directory through a symlink
    await symlink('f0.yaml', path.join(dir, 'alias.yaml')); // a file through a symlink
    await symlink('missing.yaml', path.join(dir, 'dangling.yaml'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('finds the same files and signatures with stats on the main thread as through the pool', async () => {
    const pooled = await walk(dir);
    const sync = new SyncStats(16, 10_000);
    const onThread = await walk(dir, { sync });
    // 150, a/x.yml, a/b/y.json and alias.yaml; linked/ is a/ again (walked once), the rest skipped.
    expect(pooled.size).to.equal(153);
    expect([...onThread]).to.deep.equal([...pooled]);
    // The fast way was taken: every stat of this walk (the files and directories of each level).
    expect(sync.made).to.be.greaterThan(150);
    expect(sync.slow).to.equal(false);
    expect(sync.slowWalks).to.equal(0);
  });

  it('sends the rest of a walk through the pool after a slow chunk, and stops after walks in a row meet one', async () => {
    const pooled = await walk(dir);
    const sync = new SyncStats(1, -1); // every chunk counts as slow
    for (let n = 1; n <= SLOW_WALKS_TO_STOP; n++) {
      const made = sync.made;
      expect([...(await walk(dir, { sync }))]).to.deep.equal([...pooled]);
      // One stat per directory level on the main thread, then the pool.
      expect(sync.made - made).to.be.within(1, 4);
      expect(sync.slowWalks).to.equal(n);
    }
    const made = sync.made;
    expect([...(await walk(dir, { sync }))]).to.deep.equal([...pooled]);
    expect(sync.made).to.equal(made);
  });

  it('counts only slow walks in a row', async () => {
    const sync = new SyncStats(1, -1);
    await walk(dir, { sync });
    expect(sync.slowWalks).to.equal(1);
    const quick = Object.assign(sync, { maxChunkMs: 10_000 }) as SyncStats;
    await walk(dir, { sync: quick });
    expect(quick.slowWalks).to.equal(0);
  });
});
