// The last good snapshot on disk, so a restarted dataplane serves before the controller answers.
// Written atomically (temp file + fsync + rename): a crash leaves the old file or the new one.
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import { canonicalBodyPieces } from '#protocol/canonical';
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
      // The canonical text is cached per frontend/backend: writing after a small change costs
      // the writes, not a serialisation of every route on the event loop, nor one string the
      // size of the snapshot (pieces are written in chunks of about 64 KiB).
      let chunk = `{"version":${JSON.stringify(snapshot.version)},"body":`;
      for (const piece of canonicalBodyPieces(snapshot.body)) {
        chunk += piece;
        if (chunk.length >= 65_536) {
          await fh.write(chunk);
          chunk = '';
        }
      }
      await fh.write(`${chunk}}`);
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
