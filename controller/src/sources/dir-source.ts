// The directory source: manifests in a directory tree, watched. fs.watch events only say
// "look again"; every look is a walk that compares stat signatures, so editors that write via
// rename, new subdirectories and missed events are all handled the same way. A periodic rescan
// is the safety net for file systems where watching is unreliable (network mounts, overlays).
import { EventEmitter } from 'node:events';
import { watch, type FSWatcher } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { canonicalJson, sha256Hex } from '#protocol/canonical';
import { ErrorCodes } from '#protocol/errors';
import type { CompileInput } from '../compile/types.js';
import { formatDiagnostic, type Diagnostic } from '../validate/diagnostic.js';
import type { Logger } from '../log.js';
import { silentLogger } from '../log.js';
import { Coalescer } from '../store/coalescer.js';
import type { StoreRecord } from '../store/records.js';
import { ResourceStore } from '../store/store.js';
import { fileDiagnostic } from './diagnostics.js';
import { referencedFiles, resolveFileRefs, type FileContent } from './file-refs.js';
import { sameSig, walk, type FileSig } from './dir-walk.js';
import { MANIFEST_LIMITS, parseManifestFile } from './parse-file.js';
import type { Source, SourceEvents } from './source.js';

export interface DirSourceOptions {
  dir: string;
  logger?: Logger;
  /** Coalescing of file-system events (defaults 20 ms / 200 ms). */
  holdoffMs?: number;
  maxDelayMs?: number;
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

/** Bucket for problems with the directory itself; sorts before every file path. */
const ROOT_BUCKET = '';

export class DirSource extends EventEmitter<SourceEvents> implements Source {
  readonly name: string;
  private readonly root: string;
  private readonly log: Logger;
  private readonly rescanMs: number;
  private readonly maxFileBytes: number;
  private readonly store = new ResourceStore();
  private readonly files = new Map<string, FileState>();
  /** PEM files named by certFile/keyFile/caFile, which may live outside the directory. */
  private readonly refFiles = new Map<string, { sig?: FileSig; content: FileContent }>();
  private readonly coalescer: Coalescer;
  private dirty = new Set<string>();
  private allDirty = false;
  private readonly watchers = new Map<string, FSWatcher>();
  private timer: NodeJS.Timeout | undefined;
  private input: CompileInput = { resources: [], secrets: [], services: [], sourceDiagnostics: [] };
  /**
   * Fingerprints of each bucket's records and diagnostics, and whether any bucket or referenced
   * file changed since the input was last built: the input is a function of exactly these, so
   * comparing them (in proportion to what was re-read) replaces hashing the whole input on every
   * rescan, which at thousands of objects cost about as much as compiling it.
   */
  private readonly fingerprints = new Map<string, { records: string; diagnostics: string }>();
  private inputChanged = true;
  private starting: Promise<void> | undefined;
  private stopped = false;
  private _synced = false;

  constructor(opts: DirSourceOptions) {
    super();
    this.root = path.normalize(opts.dir);
    this.name = `dir:${this.root}`;
    this.log = (opts.logger ?? silentLogger()).child({ source: this.name });
    this.rescanMs = opts.rescanMs ?? 2000;
    this.maxFileBytes = opts.maxFileBytes ?? MANIFEST_LIMITS.maxBytes;
    this.coalescer = new Coalescer(() => this.rescan(), {
      holdoffMs: opts.holdoffMs ?? 20,
      maxDelayMs: opts.maxDelayMs ?? 200,
      onError: (err) => this.log.error({ err }, 'directory rescan failed'),
    });
  }

  get synced(): boolean {
    return this._synced;
  }

  start(): Promise<void> {
    this.starting ??= this.doStart();
    return this.starting;
  }

  current(): CompileInput {
    return this.input;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    for (const w of this.watchers.values()) w.close();
    this.watchers.clear();
    await this.coalescer.close();
  }

  /** Look at the directory now instead of waiting for an event (tests, SIGHUP). */
  async rescanNow(): Promise<void> {
    this.allDirty = true;
    this.coalescer.trigger();
    await this.coalescer.flush();
  }

  private async doStart(): Promise<void> {
    const st = await stat(this.root).catch((err: NodeJS.ErrnoException) => {
      throw new Error(`configuration directory ${this.root}: ${err.code ?? err.message}`, { cause: err });
    });
    if (!st.isDirectory()) throw new Error(`configuration directory ${this.root}: not a directory`);
    // Watch before the first read so nothing written meanwhile is missed; the coalescer
    // serialises the initial read with any rescan those events cause.
    this.ensureWatcher();
    this.coalescer.trigger();
    await this.coalescer.flush();
    if (this.stopped) return;
    this._synced = true;
    if (this.rescanMs > 0) {
      this.timer = setInterval(() => {
        this.ensureWatcher();
        this.coalescer.trigger();
      }, this.rescanMs);
      this.timer.unref();
    }
    const { resources, secrets, services, sourceDiagnostics } = this.input;
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
          this.coalescer.trigger();
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

  private async rescan(): Promise<void> {
    if (this.stopped) return;
    const dirty = this.dirty;
    const all = this.allDirty;
    this.dirty = new Set();
    this.allDirty = false;

    let found: Map<string, FileSig>;
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
      this.setBucketDiagnostics(ROOT_BUCKET, [diag]);
      await this.update();
      return;
    }
    this.deleteBucket(ROOT_BUCKET);
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
    await this.update();
  }

  private forget(file: string): void {
    this.files.delete(file);
    this.deleteBucket(file);
    this.log.info({ file }, 'manifest file removed');
  }

  private async readOne(file: string, sig: FileSig, prev: FileState | undefined): Promise<void> {
    if (sig.size > this.maxFileBytes) {
      // Refused before it is read into memory; its last good content keeps serving.
      const message = `file is ${sig.size} bytes, more than the ${this.maxFileBytes} allowed`;
      const diag = fileDiagnostic(file, undefined, ErrorCodes.CONFIG_PARSE, message);
      this.setBucketDiagnostics(file, [diag]);
      this.files.set(file, { sig });
      this.log.warn(formatDiagnostic(diag));
      return;
    }
    let text: string;
    try {
      text = await readFile(file, 'utf8');
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
      this.setBucketDiagnostics(file, [diag]);
      this.files.set(file, { sig });
      this.log.warn(formatDiagnostic(diag));
      return;
    }
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    const hash = sha256Hex(text);
    this.files.set(file, { sig, hash });
    if (prev?.hash === hash) return; // touched, not changed

    const parsed = parseManifestFile(text, file, { ...MANIFEST_LIMITS, maxBytes: this.maxFileBytes });
    if (parsed.ok) {
      this.setBucket(file, parsed.records, parsed.diagnostics);
    } else {
      this.setBucketDiagnostics(file, parsed.diagnostics);
      const kept = prev ? 'keeping its last good content' : 'nothing loaded from it';
      for (const d of parsed.diagnostics) this.log.warn({ code: d.code }, `${formatDiagnostic(d)}; ${kept}`);
    }
  }

  private setBucket(bucket: string, records: StoreRecord[], diagnostics: Diagnostic[]): void {
    this.store.set(bucket, records, diagnostics);
    this.noteFingerprint(bucket, { records: fingerprint(records), diagnostics: fingerprint(diagnostics) });
  }

  /** Replaces only the diagnostics, keeping the bucket's last good records. */
  private setBucketDiagnostics(bucket: string, diagnostics: Diagnostic[]): void {
    this.store.setDiagnostics(bucket, diagnostics);
    const records = this.fingerprints.get(bucket)?.records ?? fingerprint([]);
    this.noteFingerprint(bucket, { records, diagnostics: fingerprint(diagnostics) });
  }

  private deleteBucket(bucket: string): void {
    this.store.delete(bucket);
    if (this.fingerprints.delete(bucket)) this.inputChanged = true;
  }

  private noteFingerprint(bucket: string, next: { records: string; diagnostics: string }): void {
    const prev = this.fingerprints.get(bucket);
    if (prev?.records === next.records && prev.diagnostics === next.diagnostics) return;
    this.fingerprints.set(bucket, next);
    this.inputChanged = true;
  }

  /** Rebuild the input and emit it if it differs from the last one. */
  private async update(): Promise<void> {
    // Which files are referenced changes only with the manifests; their contents are re-checked
    // on every rescan (a certificate rotated on disk changes no manifest).
    let base = this.inputChanged ? this.store.build() : undefined;
    const paths = base ? referencedFiles(base) : [...this.refFiles.keys()];
    const refsChanged = await this.refreshReferencedFiles(paths);
    if (this.stopped || (!base && !refsChanged)) return;
    base ??= this.store.build();
    this.inputChanged = false;
    const contents = new Map([...this.refFiles].map(([file, f]) => [file, f.content]));
    const input = resolveFileRefs(base, contents);
    this.input = input;
    if (this._synced) this.emit('change', input);
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

/** A short, stable digest of plain data (records or diagnostics of one bucket). */
const fingerprint = (value: unknown): string => sha256Hex(canonicalJson(value));
