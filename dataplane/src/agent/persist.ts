// The last good snapshot on disk, so a restarted dataplane serves before the controller answers.
// Written atomically (temp file + fsync + rename): a crash leaves the old file or the new one.
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { Snapshot } from '#protocol/snapshot';

export const SNAPSHOT_FILE = 'snapshot.json';

export async function persistSnapshot(dir: string, snapshot: Snapshot): Promise<void> {
  await mkdir(dir, { recursive: true });
  const final = path.join(dir, SNAPSHOT_FILE);
  const tmp = path.join(dir, `.${SNAPSHOT_FILE}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    // 0600: snapshots can carry TLS private keys.
    const fh = await open(tmp, 'w', 0o600);
    try {
      // Written object by object in chunks of about 64 KiB, never as one string the size of the
      // snapshot. Plain JSON, not canonical: loading checks the version against the parsed body.
      const { frontends, backends, ...rest } = snapshot.body;
      let chunk = `{"version":${JSON.stringify(snapshot.version)},"body":${JSON.stringify(rest).slice(0, -1)}`;
      for (const [key, items] of [
        ['frontends', frontends],
        ['backends', backends],
      ] as const) {
        chunk += `${chunk.endsWith('{') ? '' : ','}${JSON.stringify(key)}:[`;
        for (const [i, item] of items.entries()) {
          chunk += (i > 0 ? ',' : '') + JSON.stringify(item);
          if (chunk.length >= 65_536) {
            await fh.write(chunk);
            chunk = '';
          }
        }
        chunk += ']';
      }
      await fh.write(`${chunk}}}`);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, final);
  } catch (err) {
    await unlink(tmp).catch(() => {});
    throw err;
  }
  // Make the rename itself durable (best effort: not every platform can fsync a directory).
  const dh = await open(dir, 'r').catch(() => undefined);
  await dh?.sync().catch(() => {});
  await dh?.close();
}

/** The raw persisted document (unverified: the caller checks hash and schema), or null if none. */
export async function loadPersisted(dir: string): Promise<{ version: unknown; body: unknown } | null> {
  let text: string;
  try {
    text = await readFile(path.join(dir, SNAPSHOT_FILE), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  const doc = JSON.parse(text) as unknown;
  if (!doc || typeof doc !== 'object') throw new Error('persisted snapshot is not an object');
  const { version, body } = doc as Record<string, unknown>;
  return { version, body };
}
