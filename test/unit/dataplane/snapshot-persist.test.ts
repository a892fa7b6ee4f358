// The persisted snapshot (agent/persist.ts): a whole snapshot plus a journal of the changes
// since. Loading must give the newest version whose journal line is whole, never a body a torn
// append or a journal left from an older snapshot would make; a journal that outgrows its bound
// is folded into a new snapshot; files another writer replaced are never appended to.
import { expect } from 'chai';
import { copyFile, mkdtemp, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { JOURNAL_FILE, loadPersisted, persistSnapshot, SNAPSHOT_FILE } from '#dataplane/agent/persist';
import { bodyVersion, deepFreeze, makeSnapshot } from '#protocol/canonical';
import type { Snapshot, SnapshotBody } from '#protocol/snapshot';
import { backend, body, frontend, server } from './helpers.js';

/** Version n: one frontend over backends b0..b3, b(n % 4) with n servers. */
function version(n: number): Snapshot {
  const backends = [0, 1, 2, 3].map((b) =>
    backend(
      `default/b${b}`,
      Array.from({ length: b === n % 4 ? n : 1 }, (_, s) => server(`s${s}`, 1000 + s)),
    ),
  );
  return makeSnapshot(body([frontend('default/fe', 8080, { defaultBackend: 'default/b0' })], backends));
}

/** What loading gives, with the version its body hashes to. */
async function loaded(dir: string): Promise<{ version: unknown; hashed: string }> {
  const doc = await loadPersisted(dir);
  expect(doc).to.not.equal(null);
  return { version: doc!.version, hashed: bodyVersion(deepFreeze(doc!.body as SnapshotBody)) };
}

const journalLines = async (dir: string): Promise<number> =>
  (await readFile(path.join(dir, JOURNAL_FILE), 'utf8').catch(() => '')).split('\n').length - 1;

describe('dataplane: persisted snapshot and its journal', () => {
  const dirs: string[] = [];
  const tempDir = async (): Promise<string> => {
    const d = await mkdtemp(path.join(os.tmpdir(), 'bascule-persist-'));
    dirs.push(d);
    return d;
  };
  after(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it('writes the first snapshot whole and appends each change after it', async () => {
    const dir = await tempDir();
    const [v1, v2, v3] = [1, 2, 3].map(version);
    await persistSnapshot(dir, v1!);
    await persistSnapshot(dir, v2!);
    await persistSnapshot(dir, v3!);
    await persistSnapshot(dir, v3!); // the same version again: nothing written
    const whole = JSON.parse(await readFile(path.join(dir, SNAPSHOT_FILE), 'utf8')) as { version: string };
    expect(whole.version).to.equal(v1!.version);
    expect(await journalLines(dir)).to.equal(2);
    expect((await stat(path.join(dir, JOURNAL_FILE))).mode & 0o777).to.equal(0o600);
    expect(await loaded(dir)).to.deep.equal({ version: v3!.version, hashed: v3!.version });
  });

  it('stops the replay at a line a crash cut short', async () => {
    const dir = await tempDir();
    const [v1, v2, v3] = [1, 2, 3].map(version);
    for (const v of [v1!, v2!, v3!]) await persistSnapshot(dir, v);
    const file = path.join(dir, JOURNAL_FILE);
    const { size } = await stat(file);
    // The last line without its end (and a few bytes of it): the append that a crash interrupted.
    await truncate(file, size - 7);
    expect(await loaded(dir)).to.deep.equal({ version: v2!.version, hashed: v2!.version });
    // A line that is whole but is not JSON ends it as well.
    await writeFile(file, '{"version":\n');
    expect(await loaded(dir)).to.deep.equal({ version: v1!.version, hashed: v1!.version });
  });

  it('ignores a journal whose first line is not on the snapshot it sits beside', async () => {
    const old = await tempDir();
    const dir = await tempDir();
    const [v1, v2, v5] = [1, 2, 5].map(version);
    await persistSnapshot(old, v1!);
    await persistSnapshot(old, v2!);
    await persistSnapshot(dir, v5!);
    // A crash after a new snapshot's rename and before the old journal's removal.
    await copyFile(path.join(old, JOURNAL_FILE), path.join(dir, JOURNAL_FILE));
    expect(await loaded(dir)).to.deep.equal({ version: v5!.version, hashed: v5!.version });
  });

  it('folds the journal into a new snapshot once it outgrows its bound', async () => {
    const dir = await tempDir();
    await persistSnapshot(dir, version(1));
    // Each change adds a backend with 300 servers (a ~25 KB line) to a snapshot that stays small
    // beside the journal's floor (256 KiB): a dozen lines or so, then a whole write.
    const big = (n: number): Snapshot => {
      const v = version(1);
      const extra = Array.from({ length: n }, (_, i) =>
        backend(
          `default/x${String(i).padStart(3, '0')}`,
          Array.from({ length: 300 }, (_, s) => server(`s${s}`, 2000 + s)),
        ),
      );
      return makeSnapshot({ ...v.body, backends: [...v.body.backends, ...extra] });
    };
    let folded = false;
    let last = version(1);
    for (let n = 1; n <= 40 && !folded; n++) {
      const lines = await journalLines(dir);
      last = big(n);
      await persistSnapshot(dir, last);
      folded = (await journalLines(dir)) === 0 && lines > 0;
    }
    expect(folded, 'the journal was never folded').to.equal(true);
    const whole = JSON.parse(await readFile(path.join(dir, SNAPSHOT_FILE), 'utf8')) as { version: string };
    expect(whole.version).to.equal(last.version);
    expect(await loaded(dir)).to.deep.equal({ version: last.version, hashed: last.version });
  });

  it('writes whole again when another writer replaced the snapshot file', async () => {
    const dir = await tempDir();
    const [v1, v2, v3] = [1, 2, 3].map(version);
    await persistSnapshot(dir, v1!);
    // Another process (or an operator) put another snapshot there.
    await writeFile(path.join(dir, SNAPSHOT_FILE), JSON.stringify({ version: v2!.version, body: v2!.body }));
    await persistSnapshot(dir, v3!);
    const whole = JSON.parse(await readFile(path.join(dir, SNAPSHOT_FILE), 'utf8')) as { version: string };
    expect(whole.version).to.equal(v3!.version);
    expect(await journalLines(dir)).to.equal(0);
    expect(await loaded(dir)).to.deep.equal({ version: v3!.version, hashed: v3!.version });
  });
});
