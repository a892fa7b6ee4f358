// The last good snapshot on disk, so a restarted dataplane serves before the controller answers.
//
// Two files: `snapshot.json`, a whole snapshot, written atomically (temp file + fsync + rename:
// a crash leaves the old file or the new one), and `snapshot.journal`, the changes since, one
// delta per line (the objects that differ from the version before, as the control channel sends
// them) appended and fsynced. A write after a change appends what changed (a few KB at 5,000
// routes) instead of serialising the whole snapshot again (~1.25 MB, ~18 ms of the main thread);
// the journal is folded into a new `snapshot.json` once it outgrows the snapshot or
// MAX_JOURNAL_RECORDS, and removed after the rename.
//
// Loading replays the journal onto the snapshot while each line is whole (ends in a newline),
// parses, and names as its base the version reached so far: a line torn by a crash mid-append,
// or a journal left from before the last rename, ends the replay there. What comes out is
// unverified: the caller checks its schema and that its version is its content address.
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { applyDelta, diffBodies, type SnapshotDelta } from '#protocol/delta';
import type { Snapshot, SnapshotBody } from '#protocol/snapshot';

export const SNAPSHOT_FILE = 'snapshot.json';
export const JOURNAL_FILE = 'snapshot.journal';

/** Most lines in the journal before it is folded into the snapshot (bounds the replay at start). */
export const MAX_JOURNAL_RECORDS = 1024;
/** Characters serialised between two writes of a whole snapshot (see writeWhole). */
const WRITE_CHUNK = 16_384;
/** The journal may always grow to this, however small the snapshot. */
const MIN_JOURNAL_BYTES = 256 * 1024;

/** What this process last wrote to a directory: the base for the next append. */
interface Written {
  readonly version: string;
  readonly body: SnapshotBody;
  readonly records: number;
  readonly journalBytes: number;
  readonly snapshotBytes: number;
  /** The snapshot file as written (inode, size, mtime): another writer makes the next write whole. */
  readonly stamp: string;
}

/** By resolved directory. An entry is there only while the files are known to be what it says. */
const written = new Map<string, Written>();

const stampOf = (s: { ino: number; size: number; mtimeMs: number }): string =>
  `${s.ino}:${s.size}:${s.mtimeMs}`;

export async function persistSnapshot(dir: string, snapshot: Snapshot): Promise<void> {
  const key = path.resolve(dir);
  const last = written.get(key);
  // Until this write has succeeded, the next one is a whole snapshot.
  written.delete(key);
  if (last?.version === snapshot.version) {
    written.set(key, last);
    return;
  }
  if (last && (await appendChange(key, last, snapshot))) return;
  await mkdir(dir, { recursive: true });
  const snapshotBytes = await writeWhole(dir, snapshot);
  // After the rename: a crash between the two leaves a journal whose first line names another
  // base, which loading ignores.
  await unlink(path.join(dir, JOURNAL_FILE)).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOENT') throw err;
  });
  const st = await stat(path.join(dir, SNAPSHOT_FILE));
  written.set(key, {
    version: snapshot.version,
    body: snapshot.body,
    records: 0,
    journalBytes: 0,
    snapshotBytes,
    stamp: stampOf(st),
  });
}

/** Appends the change from `last` to `snapshot` to the journal; false when a whole write is due. */
async function appendChange(dir: string, last: Written, snapshot: Snapshot): Promise<boolean> {
  if (last.records >= MAX_JOURNAL_RECORDS) return false;
  const delta = diffBodies(last.body, snapshot.body);
  if (!delta) return false;
  const line = `${JSON.stringify({ version: snapshot.version, baseVersion: last.version, ...delta })}\n`;
  const bytes = Buffer.byteLength(line);
  if (last.journalBytes + bytes > Math.max(last.snapshotBytes, MIN_JOURNAL_BYTES)) return false;
  const journal = path.join(dir, JOURNAL_FILE);
  // The files must be the ones this process wrote (nobody replaced the snapshot or cut the journal).
  const [snap, jour] = await Promise.all([
    stat(path.join(dir, SNAPSHOT_FILE)).catch(() => undefined),
    stat(journal).catch(() => undefined),
  ]);
  if (!snap || stampOf(snap) !== last.stamp || (jour?.size ?? 0) !== last.journalBytes) return false;
  const fh = await open(journal, 'a', 0o600);
  try {
    await fh.write(line);
    await fh.sync();
  } finally {
    await fh.close();
  }
  written.set(dir, {
    ...last,
    version: snapshot.version,
    body: snapshot.body,
    records: last.records + 1,
    journalBytes: last.journalBytes + bytes,
  });
  return true;
}

/** Writes `snapshot.json` atomically; resolves with its size in bytes. */
async function writeWhole(dir: string, snapshot: Snapshot): Promise<number> {
  const final = path.join(dir, SNAPSHOT_FILE);
  const tmp = path.join(dir, `.${SNAPSHOT_FILE}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  let size = 0;
  try {
    // 0600: snapshots can carry TLS private keys.
    const fh = await open(tmp, 'w', 0o600);
    try {
      // Written object by object in chunks of about 16 KiB, never as one string the size of the
      // snapshot: each chunk is one stretch of the event loop (~0.2 ms at 5,000 routes), so a
      // frame or a request that arrives during a whole write waits for one chunk at most (64 KiB
      // chunks took ~0.7 ms). Plain JSON, not canonical: loading checks the version against the
      // parsed body.
      const { frontends, backends, ...rest } = snapshot.body;
      const put = async (text: string): Promise<void> => {
        size += Buffer.byteLength(text);
        await fh.write(text);
      };
      let chunk = `{"version":${JSON.stringify(snapshot.version)},"body":${JSON.stringify(rest).slice(0, -1)}`;
      for (const [k, items] of [
        ['frontends', frontends],
        ['backends', backends],
      ] as const) {
        chunk += `${chunk.endsWith('{') ? '' : ','}${JSON.stringify(k)}:[`;
        for (const [i, item] of items.entries()) {
          chunk += (i > 0 ? ',' : '') + JSON.stringify(item);
          if (chunk.length >= WRITE_CHUNK) {
            await put(chunk);
            chunk = '';
          }
        }
        chunk += ']';
      }
      await put(`${chunk}}}`);
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
  return size;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The raw persisted document: the snapshot with the journal's whole lines replayed onto it
 * (unverified: the caller checks hash and schema), or null if there is none.
 */
export async function loadPersisted(dir: string): Promise<{ version: unknown; body: unknown } | null> {
  let text: string;
  try {
    text = await readFile(path.join(dir, SNAPSHOT_FILE), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  const doc = JSON.parse(text) as unknown;
  if (!isObject(doc)) throw new Error('persisted snapshot is not an object');
  let { version, body } = doc;
  let journal = '';
  try {
    journal = await readFile(path.join(dir, JOURNAL_FILE), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const lines = journal.split('\n');
  lines.pop(); // after the last newline: nothing, or a line a crash cut short
  for (const line of lines) {
    try {
      const r = JSON.parse(line) as unknown;
      if (!isObject(r) || typeof r.version !== 'string' || r.baseVersion !== version) break;
      const { group, frontends, backends } = r;
      body = applyDelta(body as SnapshotBody, { group, frontends, backends } as SnapshotDelta);
      version = r.version;
    } catch {
      break; // what the replay reached so far stands; the caller verifies it
    }
  }
  return { version, body };
}
