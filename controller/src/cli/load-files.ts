// One-shot loading of manifest files and directories into a CompileInput, for the
// validate/compile commands and golden tests (the same parser and store as the directory source).
import { readFile, stat } from 'node:fs/promises';
import { ErrorCodes } from '#protocol/errors';
import type { CompileInput } from '../compile/types.js';
import { fileDiagnostic } from '../sources/diagnostics.js';
import { walk } from '../sources/dir-walk.js';
import { referencedFiles, resolveFileRefs, type FileContent } from '../sources/file-refs.js';
import { MANIFEST_LIMITS, parseManifestFile } from '../sources/parse-file.js';
import { ResourceStore } from '../store/store.js';

export interface LoadOptions {
  /** Reads a file named by certFile/keyFile/caFile; the file system by default. */
  readReferencedFile?: (file: string) => Promise<FileContent>;
}

async function readFromDisk(file: string): Promise<FileContent> {
  try {
    return { text: await readFile(file, 'utf8') };
  } catch (err) {
    return { error: (err as NodeJS.ErrnoException).code ?? (err as Error).message };
  }
}

export async function loadInput(paths: string[], opts: LoadOptions = {}): Promise<CompileInput> {
  const store = new ResourceStore();
  for (const p of paths) {
    let files: string[];
    try {
      files = (await stat(p)).isDirectory() ? [...(await walk(p)).keys()] : [p];
    } catch (err) {
      store.set(
        `missing:${p}`,
        [],
        [
          fileDiagnostic(
            p,
            undefined,
            ErrorCodes.CONFIG_PARSE,
            `cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
          ),
        ],
      );
      continue;
    }
    for (const file of files) {
      // Refuse a huge file before reading it into memory.
      const { size } = await stat(file);
      if (size > MANIFEST_LIMITS.maxBytes) {
        const message = `file is ${size} bytes, more than the ${MANIFEST_LIMITS.maxBytes} allowed`;
        store.set(file, [], [fileDiagnostic(file, undefined, ErrorCodes.CONFIG_PARSE, message)]);
        continue;
      }
      const parsed = parseManifestFile(await readFile(file, 'utf8'), file);
      store.set(file, parsed.ok ? parsed.records : [], parsed.diagnostics);
    }
  }
  // certFile/keyFile/caFile are read the same way the directory source reads them.
  const input = store.build();
  const contents = new Map<string, FileContent>();
  const read = opts.readReferencedFile ?? readFromDisk;
  for (const file of referencedFiles(input)) contents.set(file, await read(file));
  return contents.size > 0 ? resolveFileRefs(input, contents) : input;
}
