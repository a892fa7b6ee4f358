// Finds manifest files under a directory. Follows symlinks (Kubernetes mounts ConfigMaps as
// symlinks into a hidden ..data directory) but skips hidden entries and symlink loops.
import type { Stats } from 'node:fs';
import { readdir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';

export interface FileSig {
  mtimeMs: number;
  ctimeMs: number;
  size: number;
  ino: number;
}

const MANIFEST = /\.(ya?ml|json)$/i;
const MAX_DEPTH = 32;
/** Stats in flight at once while walking one directory (default). */
const STATS_IN_FLIGHT = 256;

export const sameSig = (a: FileSig, b: FileSig): boolean =>
  a.mtimeMs === b.mtimeMs && a.ctimeMs === b.ctimeMs && a.size === b.size && a.ino === b.ino;

export interface WalkOptions {
  /**
   * Stats in flight at once (default 256). Each is a job of libuv's thread pool (4 threads), which
   * also reads the files an edit changed: a background walk keeps this low so that a read does
   * not queue behind a thousand stats.
   */
  statsInFlight?: number;
}

/** Every manifest file under root with its stat signature. Rejects only if root itself is unreadable. */
export async function walk(root: string, opts: WalkOptions = {}): Promise<Map<string, FileSig>> {
  const found = new Map<string, FileSig>();
  const visited = new Set<string>();
  await visit(root, 0, found, visited, true, Math.max(1, opts.statsInFlight ?? STATS_IN_FLIGHT));
  return found;
}

/** stat() of every path, at most `inFlight` at once; undefined for one that failed. */
async function statAll(paths: readonly string[], inFlight: number): Promise<Array<Stats | undefined>> {
  const out = new Array<Stats | undefined>(paths.length);
  let next = 0;
  const worker = async () => {
    while (next < paths.length) {
      const i = next++;
      out[i] = await stat(paths[i]!).catch(() => undefined);
    }
  };
  await Promise.all(Array.from({ length: Math.min(inFlight, paths.length) }, worker));
  return out;
}

async function visit(
  dir: string,
  depth: number,
  found: Map<string, FileSig>,
  visited: Set<string>,
  isRoot: boolean,
  inFlight: number,
) {
  let entries;
  try {
    const real = await realpath(dir);
    if (visited.has(real) || depth > MAX_DEPTH) return;
    visited.add(real);
    entries = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    if (isRoot) throw err;
    return; // a subdirectory vanished or is unreadable: its files count as gone
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const wanted = entries.filter(
    (e) =>
      !e.name.startsWith('.') &&
      (e.isDirectory() || e.isSymbolicLink() || (e.isFile() && MANIFEST.test(e.name))),
  );
  // The stats of a directory's entries run together: one by one, each would wait a turn of an
  // event loop that may be busy serving traffic (1,000 files: seconds).
  const stats = await statAll(
    wanted.map((e) => path.join(dir, e.name)),
    inFlight,
  );
  for (const [i, entry] of wanted.entries()) {
    const st = stats[i];
    const full = path.join(dir, entry.name);
    if (st?.isDirectory()) await visit(full, depth + 1, found, visited, false, inFlight);
    else if (st?.isFile() && MANIFEST.test(entry.name)) found.set(full, signature(st));
  }
}

export const signature = (st: Stats): FileSig => ({
  mtimeMs: st.mtimeMs,
  ctimeMs: st.ctimeMs,
  size: st.size,
  ino: st.ino,
});

/** A name the walk would read (a manifest that is not hidden). */
export const isManifestName = (name: string): boolean => !name.startsWith('.') && MANIFEST.test(name);
