// The directory source: manifests in a directory tree, watched. fs.watch events only say
// "look again"; a look is a walk that compares stat signatures, so editors that write via
// rename, new subdirectories and missed events are all handled the same way. A periodic rescan
// is the safety net for file systems where watching is unreliable (network mounts, overlays).
// When the events name only manifest files (an edit, a rename into place, a deletion), the
// look is just those files; anything else (a directory, a symlink swap, an unnamed event) walks
// the tree. The periodic safety walk stats the tree beside the feed and hands the files that
// differ from what was read to the next look, like files an event named: a difference is most
// often an edit whose event is still queued, and a look at one file costs what the event's own
// look costs, where a walk of the tree read 1,100 files.
import {
  closeSync,
  constants as fsConstants,
  fstatSync,
  lstatSync,
  openSync,
  readSync,
  watch,
  type FSWatcher,
  type Stats,
} from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { canonicalJson, sha256Hex } from '#protocol/canonical';
import { ErrorCodes } from '#protocol/errors';
import type { CompileInput } from '../compile/types.js';
import { formatDiagnostic } from '../validate/diagnostic.js';
import type { Logger } from '../log.js';
import { silentLogger } from '../log.js';
import type { StoreFeed } from '../store/feed.js';
import { fileDiagnostic } from './diagnostics.js';
import { referencedFiles, resolveFileRefs, type FileContent } from './file-refs.js';
import { isManifestName, sameSig, signature, SyncStats, walk, type FileSig } from './dir-walk.js';
import { MANIFEST_LIMITS, parseManifestFile } from './parse-file.js';
import type { Source } from './source.js';

export interface DirSourceOptions {
  dir: string;
  logger?: Logger;
  /** Safety-net rescan period (default 2 s; 0 disables). */
  rescanMs?: number;
  /** Larger files are refused (keeping their last good content). Default MANIFEST_LIMITS.maxBytes (8 MiB). */
  maxFileBytes?: number;
}

interface FileState {
  sig: FileSig;
  /** Hash of the last content read; undefined when the last read failed. */
  hash?: string;
}

/**
 * Stats in flight during the periodic safety walk: it runs beside the feed, and an edit's read
 * must find a thread of libuv's pool (4) free rather than wait behind the walk's ~1,100 stats.
 */
const SAFETY_WALK_STATS_IN_FLIGHT = 2;

/** More files named by one batch of events than this: walk the tree instead. */
const MAX_QUICK_LOOK = 64;

/**
 * Largest file the quick look reads synchronously. A quick look is at most MAX_QUICK_LOOK files
 * the watcher named, and a manifest of one object is a few KiB: reading it on the main thread
 * takes microseconds, where lstat + open + fstat + read + close through libuv's pool are five
 * hand-offs between threads, each waiting for a CPU on a loaded machine (tens of ms at the
 * churn bench's tail). Larger files, and every walk, stay asynchronous.
 */
export const SYNC_READ_MAX_BYTES = 256 * 1024;

/**
 * A manifest that had content and is found empty is applied (its objects removed) only when it
 * is still empty this long after: a file rewritten in place is truncated, then written, and a
 * look between the two (the watcher reports the truncation) would otherwise remove its objects
 * for one version and put them back in the next, a full recompile each, and routes to a removed
 * Backend answered 503 in between. The write's own event normally comes first.
 */
export const EMPTY_FILE_SETTLE_MS = 250;

const EMPTY_HASH = sha256Hex('');

/** Bucket for problems with the directory itself; sorts before every file path. */
const ROOT_BUCKET = '';

export class DirSource implements Source {
  readonly name: string;
  private readonly root: string;
  private readonly log: Logger;
  private readonly rescanMs: number;
  private readonly maxFileBytes: number;
  private feed: StoreFeed | undefined;
  private detach: (() => void) | undefined;
  private readonly files = new Map<string, FileState>();
  /** PEM files named by certFile/keyFile/caFile, which may live outside the directory. */
  private readonly refFiles = new Map<string, { sig?: FileSig; content: FileContent }>();
  private dirty = new Set<string>();
  private allDirty = false;
  /** The whole tree must be walked at the next look (start, a safety walk that found a difference). */
  private walkDue = true;
  /** A safety walk is running. */
  private walking = false;
  /** Batches that walked the whole tree (the first read included). */
  private treeWalks = 0;
  /** The safety walk's stats are made on the main thread while the file system is quick. */
  private readonly safetyStats = new SyncStats();
  private readonly watchers = new Map<string, FSWatcher>();
  private timer: NodeJS.Timeout | undefined;
  /** Files that had content and were found empty: when first seen empty, and the re-look. */
  private readonly emptied = new Map<string, { since: number; timer: NodeJS.Timeout; due: boolean }>();
  /** The last input finish() saw and what it made of it (file references resolved). */
  private resolved: { base: CompileInput; input: CompileInput } | undefined;
  private starting: Promise<void> | undefined;
  private stopped = false;
  private _synced = false;

  constructor(opts: DirSourceOptions) {
    this.root = path.normalize(opts.dir);
    this.name = `dir:${this.root}`;
    this.log = (opts.logger ?? silentLogger()).child({ source: this.name });
    this.rescanMs = opts.rescanMs ?? 2000;
    this.maxFileBytes = opts.maxFileBytes ?? MANIFEST_LIMITS.maxBytes;
  }

  get synced(): boolean {
    return this._synced;
  }

  /** How many batches walked the whole tree instead of looking at named files (the first read included). */
  get walks(): number {
    return this.treeWalks;
  }

  start(feed: StoreFeed): Promise<void> {
    this.starting ??= this.doStart(feed);
    return this.starting;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    for (const w of this.watchers.values()) w.close();
    this.watchers.clear();
    for (const e of this.emptied.values()) clearTimeout(e.timer);
    this.emptied.clear();
    this.detach?.();
  }

  /** Look at the directory now instead of waiting for an event (tests, SIGHUP). */
  async rescanNow(): Promise<void> {
    if (!this.feed) return;
    this.allDirty = true;
    this.feed.trigger();
    await this.feed.flush();
  }

  private async doStart(feed: StoreFeed): Promise<void> {
    const st = await stat(this.root).catch((err: NodeJS.ErrnoException) => {
      throw new Error(`configuration directory ${this.root}: ${err.code ?? err.message}`, { cause: err });
    });
    if (!st.isDirectory()) throw new Error(`configuration directory ${this.root}: not a directory`);
    // Watch before the first read so nothing written meanwhile is missed; the feed serialises
    // the initial read with any rescan those events cause.
    this.feed = feed;
    this.detach = feed.attach({ refresh: () => this.rescan(), finish: (base) => this.resolveFiles(base) });
    this.allDirty = true;
    this.ensureWatcher();
    feed.trigger();
    await feed.flush();
    if (this.stopped) return;
    this._synced = true;
    if (this.rescanMs > 0) {
      this.timer = setInterval(() => {
        this.ensureWatcher();
        void this.safetyWalk();
      }, this.rescanMs);
      this.timer.unref();
    }
    const { resources, secrets, services, sourceDiagnostics } = feed.current();
    this.log.info(
      {
        files: this.files.size,
        resources: resources.length,
        secrets: secrets.length,
        services: services.length,
        diagnostics: sourceDiagnostics?.length ?? 0,
      },
      'directory source synced',
    );
  }

  /**
   * One non-recursive watcher per directory that holds manifests (plus the root). Node 20's
   * recursive fs.watch on Linux misses files replaced by rename — exactly how editors and
   * ConfigMap mounts write — so directories are watched one by one.
   */
  private ensureWatcher(dirs: Iterable<string> = [this.root]): void {
    if (this.stopped) return;
    for (const dir of dirs) {
      if (this.watchers.has(dir)) continue;
      try {
        const w = watch(dir, { persistent: false }, (_event, filename) => {
          if (filename) this.dirty.add(path.join(dir, filename.toString()));
          else this.allDirty = true;
          this.feed?.trigger();
        });
        w.on('error', (err) => {
          // Typically the directory was removed or replaced; the periodic rescan re-creates the watch.
          this.log.warn({ dir, err: err.message }, 'directory watch failed; relying on periodic rescan');
          w.close();
          if (this.watchers.get(dir) === w) this.watchers.delete(dir);
        });
        this.watchers.set(dir, w);
      } catch (err) {
        this.log.warn(
          { dir, err: (err as Error).message },
          'cannot watch directory; relying on periodic rescan',
        );
      }
    }
  }

  /**
   * The periodic safety walk, for what the watchers missed. It runs beside the feed, not as one
   * of its refresh steps: a walk stats every file (1,100 in the churn bench), and an edit whose
   * batch waited behind it paid for all of them. The files whose stat differs from what was
   * read (new, gone, changed) are looked at by the next batch, as if an event had named them:
   * a stat often sees a write whose event is not handled yet (an edit every 100 ms meets a walk
   * of tens of ms), and a walk of the tree for it cost 23–115 ms of reads. A truly missed event
   * is caught all the same: its file differs, and the look reads it (or, for what a look does
   * not cover, walks the tree). More than MAX_QUICK_LOOK differences, or a walk that failed,
   * walk the tree. Its stats are made on the main thread, in chunks, while the file system
   * answers quickly (dir-walk.ts, SyncStats).
   */
  private async safetyWalk(): Promise<void> {
    if (this.walking || this.stopped) return;
    this.walking = true;
    try {
      // Started, and each chunk of its stats made, when no edit is on its way (StoreFeed.whenQuiet).
      const feed = this.feed;
      const between = feed ? () => feed.whenQuiet() : undefined;
      await between?.();
      if (this.stopped) return;
      const found = await walk(this.root, {
        statsInFlight: SAFETY_WALK_STATS_IN_FLIGHT,
        sync: this.safetyStats,
        ...(between ? { between } : {}),
      }).catch(() => undefined);
      if (this.stopped) return;
      if (!found) {
        this.walkDue = true;
        this.feed?.trigger();
        return;
      }
      // New subdirectories get their watcher now, whatever else differs.
      this.ensureWatcher(new Set([...found.keys()].map((f) => path.dirname(f))));
      const differ = differingFiles(found, this.files);
      if (differ.length > 0) {
        this.log.debug({ files: differ.length }, 'safety walk: files differ from what was read');
        if (differ.length > MAX_QUICK_LOOK) this.walkDue = true;
        else for (const file of differ) this.dirty.add(file);
        this.feed?.trigger();
        return;
      }
      // Referenced PEM files are watched by nobody (they may live anywhere): every batch re-checks
      // them, so one is due when one of them moved (a certificate rotated on disk).
      if (await this.referencedFilesMoved()) this.feed?.trigger();
    } finally {
      this.walking = false;
    }
  }

  /** Whether a referenced file's stat signature differs from when it was last read. */
  private async referencedFilesMoved(): Promise<boolean> {
    const looks = await Promise.all(
      [...this.refFiles].map(async ([file, f]) => {
        const st = await stat(file).catch(() => undefined);
        if (!st || !f.sig) return st !== undefined || f.sig !== undefined;
        return !sameSig(f.sig, { mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs, size: st.size, ino: st.ino });
      }),
    );
    return looks.some(Boolean);
  }

  private async rescan(): Promise<void> {
    if (this.stopped) return;
    const dirty = this.dirty;
    const all = this.allDirty;
    const walkDue = this.walkDue;
    this.dirty = new Set();
    this.allDirty = false;
    this.walkDue = false;
    if (!all && !walkDue && dirty.size <= MAX_QUICK_LOOK && (await this.lookAt(dirty))) return;

    let found: Map<string, FileSig>;
    this.treeWalks++;
    try {
      found = await walk(this.root);
    } catch (err) {
      // The directory vanished or became unreadable: keep serving what we have, never wipe routing.
      const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
      const diag = fileDiagnostic(
        this.root,
        undefined,
        ErrorCodes.CONFIG_PARSE,
        `cannot read directory: ${code}`,
      );
      this.store.setDiagnostics(ROOT_BUCKET, [diag]);
      return;
    }
    this.store.delete(ROOT_BUCKET);
    this.ensureWatcher([this.root, ...new Set([...found.keys()].map((f) => path.dirname(f)))]);

    for (const file of [...this.files.keys()]) {
      if (!found.has(file)) this.forget(file);
    }
    for (const [file, sig] of found) {
      const prev = this.files.get(file);
      if (prev && sameSig(prev.sig, sig) && !all && !dirty.has(file)) continue;
      await this.readOne(file, sig, prev);
      if (this.stopped) return;
    }
  }

  /**
   * Looks at just the files the watcher named. Returns false, having changed nothing, when that
   * is not enough and the tree must be walked: a directory, a symlink, a hidden entry that
   * still exists (a ConfigMap's ..data swap), a name that vanished with files under it.
   */
  private async lookAt(paths: ReadonlySet<string>): Promise<boolean> {
    // lstat on the main thread (see SYNC_READ_MAX_BYTES): null when gone, undefined on any
    // other error (then the tree is walked).
    const looks = [...paths].map((file) => {
      let st: Stats | null | undefined;
      try {
        st = lstatSync(file, { throwIfNoEntry: false }) ?? null;
      } catch {
        st = undefined;
      }
      return { file, st };
    });
    const gone: string[] = [];
    const changed: Array<[string, FileSig]> = [];
    for (const { file, st } of looks) {
      const name = path.basename(file);
      if (st === undefined) return false;
      if (st === null) {
        if (this.files.has(file)) gone.push(file);
        else if ([...this.files.keys()].some((f) => f.startsWith(file + path.sep))) return false;
        continue; // a temporary file already renamed away
      }
      if (!st.isFile() || name.startsWith('.')) return false;
      if (isManifestName(name)) changed.push([file, signature(st)]);
    }
    for (const file of gone) this.forget(file);
    // Read even when the signature looks the same (as the walk does for named files): an edit
    // within the timestamp's granularity that keeps the size would otherwise be missed.
    for (const [file, sig] of changed) {
      await this.readOne(file, sig, this.files.get(file), sig.size <= SYNC_READ_MAX_BYTES);
      if (this.stopped) return true;
    }
    return true;
  }

  private forget(file: string): void {
    clearTimeout(this.emptied.get(file)?.timer);
    this.emptied.delete(file);
    this.files.delete(file);
    this.store.delete(file);
    this.log.info({ file }, 'manifest file removed');
  }

  /** `small`: the file was at most SYNC_READ_MAX_BYTES when looked at; read it synchronously. */
  private async readOne(
    file: string,
    sig: FileSig,
    prev: FileState | undefined,
    small = false,
  ): Promise<void> {
    if (sig.size > this.maxFileBytes) {
      // Refused before it is read into memory; its last good content keeps serving.
      const message = `file is ${sig.size} bytes, more than the ${this.maxFileBytes} allowed`;
      const diag = fileDiagnostic(file, undefined, ErrorCodes.CONFIG_PARSE, message);
      this.store.setDiagnostics(file, [diag]);
      this.files.set(file, { sig });
      this.log.warn(formatDiagnostic(diag));
      return;
    }
    let text: string;
    try {
      text = (small ? readSmallSync(file) : undefined) ?? (await readFile(file, 'utf8'));
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      if (e.code === 'ENOENT') {
        if (prev) this.forget(file);
        return;
      }
      const diag = fileDiagnostic(
        file,
        undefined,
        ErrorCodes.CONFIG_PARSE,
        `cannot read file: ${e.code ?? e.message}`,
      );
      this.store.setDiagnostics(file, [diag]);
      this.files.set(file, { sig });
      this.log.warn(formatDiagnostic(diag));
      return;
    }
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    if (text.length === 0 && prev?.hash !== undefined && prev.hash !== EMPTY_HASH && this.settling(file))
      return; // its last content stays until the re-look
    const emptied = this.emptied.get(file);
    if (emptied) {
      clearTimeout(emptied.timer);
      this.emptied.delete(file);
    }
    const hash = sha256Hex(text);
    this.files.set(file, { sig, hash });
    if (prev?.hash === hash) return; // touched, not changed

    const parsed = parseManifestFile(text, file, { ...MANIFEST_LIMITS, maxBytes: this.maxFileBytes });
    if (parsed.ok) {
      this.store.set(file, parsed.records, parsed.diagnostics);
    } else {
      this.store.setDiagnostics(file, parsed.diagnostics);
      const kept = prev ? 'keeping its last good content' : 'nothing loaded from it';
      for (const d of parsed.diagnostics) this.log.warn({ code: d.code }, `${formatDiagnostic(d)}; ${kept}`);
    }
  }

  /**
   * True while a file that had content has been empty for less than EMPTY_FILE_SETTLE_MS (the
   * first time, a re-look is scheduled for then); false once it has stayed empty that long.
   */
  private settling(file: string): boolean {
    const now = performance.now();
    const seen = this.emptied.get(file);
    if (seen) return !seen.due && now - seen.since < EMPTY_FILE_SETTLE_MS;
    const entry = {
      since: now,
      due: false,
      timer: setTimeout(() => {
        entry.due = true;
        if (this.stopped) return;
        this.dirty.add(file);
        this.feed?.trigger();
      }, EMPTY_FILE_SETTLE_MS),
    };
    entry.timer.unref();
    this.emptied.set(file, entry);
    return true;
  }

  private get store() {
    return this.feed!.store;
  }

  /**
   * The feed's finish step. Which files are referenced changes only with the manifests; their
   * contents are re-checked on every batch (a certificate rotated on disk changes no manifest).
   */
  private async resolveFiles(base: CompileInput): Promise<CompileInput> {
    const same = this.resolved?.base === base;
    const paths = same ? [...this.refFiles.keys()] : referencedFiles(base);
    const refsChanged = await this.refreshReferencedFiles(paths);
    if (same && !refsChanged) return this.resolved!.input;
    const contents = new Map([...this.refFiles].map(([file, f]) => [file, f.content]));
    this.resolved = { base, input: resolveFileRefs(base, contents) };
    return this.resolved.input;
  }

  /**
   * Re-reads referenced PEM files whose stat changed (certificate rotation on disk); true when
   * any content (or the set of files) differs from before.
   */
  private async refreshReferencedFiles(paths: string[]): Promise<boolean> {
    let changed = false;
    const wanted = new Set(paths);
    for (const file of [...this.refFiles.keys()]) {
      if (!wanted.has(file)) changed = this.refFiles.delete(file) || changed;
    }
    for (const file of paths) {
      const prev = this.refFiles.get(file);
      let next: { sig?: FileSig; content: FileContent };
      try {
        const st = await stat(file);
        const sig = { mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs, size: st.size, ino: st.ino };
        if (prev?.sig && sameSig(prev.sig, sig)) continue;
        if (!st.isFile()) throw Object.assign(new Error('not a file'), { code: 'EISDIR' });
        if (st.size > this.maxFileBytes) throw Object.assign(new Error('too large'), { code: 'EFBIG' });
        next = { sig, content: { text: await readFile(file, 'utf8') } };
      } catch (err) {
        const e = err as NodeJS.ErrnoException;
        next = { content: { error: e.code ?? e.message } };
      }
      this.refFiles.set(file, next);
      if (!prev || canonicalJson(prev.content) !== canonicalJson(next.content)) changed = true;
    }
    return changed;
  }
}

/** The files of `found` that are new or whose signature differs from `known`'s, then those gone. */
export function differingFiles(
  found: ReadonlyMap<string, FileSig>,
  known: ReadonlyMap<string, { sig: FileSig }>,
): string[] {
  const differ: string[] = [];
  let present = 0;
  for (const [file, sig] of found) {
    const prev = known.get(file);
    if (prev) present++;
    if (!prev || !sameSig(prev.sig, sig)) differ.push(file);
  }
  if (present !== known.size) for (const file of known.keys()) if (!found.has(file)) differ.push(file);
  return differ;
}

/**
 * The file's text read on the main thread, or undefined when it has grown past
 * SYNC_READ_MAX_BYTES or is no longer a regular file since it was looked at (then it is read
 * asynchronously, as any other). Reads at most the
 * size fstat saw: a file still being written is read again on its next event.
 */
export function readSmallSync(file: string): string | undefined {
  // Non-blocking: a file swapped for a FIFO since it was looked at must not stall the thread.
  const fd = openSync(file, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK);
  try {
    const st = fstatSync(fd);
    if (!st.isFile() || st.size > SYNC_READ_MAX_BYTES) return undefined;
    const { size } = st;
    const buf = Buffer.allocUnsafe(size);
    let read = 0;
    while (read < size) {
      const n = readSync(fd, buf, read, size - read, read);
      if (n === 0) break;
      read += n;
    }
    return buf.toString('utf8', 0, read);
  } finally {
    closeSync(fd);
  }
}
