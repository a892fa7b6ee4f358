// Finds manifest files under a directory. Follows symlinks (Kubernetes mounts ConfigMaps as
// symlinks into a hidden ..data directory) but skips hidden entries and symlink loops.
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

export const sameSig = (a: FileSig, b: FileSig): boolean =>
  a.mtimeMs === b.mtimeMs && a.ctimeMs === b.ctimeMs && a.size === b.size && a.ino === b.ino;

/** Every manifest file under root with its stat signature. Rejects only if root itself is unreadable. */
export async function walk(root: string): Promise<Map<string, FileSig>> {
  const found = new Map<string, FileSig>();
  const visited = new Set<string>();
  await visit(root, 0, found, visited, true);
  return found;
}

async function visit(
  dir: string,
  depth: number,
  found: Map<string, FileSig>,
  visited: Set<string>,
  isRoot: boolean,
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
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue;
    const full = path.join(dir, entry.name);
    let isDir = entry.isDirectory();
    let isFile = entry.isFile();
    if (entry.isSymbolicLink()) {
      const st = await stat(full).catch(() => undefined);
      isDir = st?.isDirectory() ?? false;
      isFile = st?.isFile() ?? false;
    }
    if (isDir) {
      await visit(full, depth + 1, found, visited, false);
    } else if (isFile && MANIFEST.test(entry.name)) {
      const st = await stat(full).catch(() => undefined);
      if (st?.isFile())
        found.set(full, { mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs, size: st.size, ino: st.ino });
    }
  }
}
