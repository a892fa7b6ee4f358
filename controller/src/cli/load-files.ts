// One-shot loading of manifest files and directories into a CompileInput, for the
// validate/compile commands and golden tests (the same parser and store as the directory source).
import { readFile, stat } from 'node:fs/promises';
import { ErrorCodes } from '../../../protocol/src/errors.js';
import type { CompileInput } from '../compile/types.js';
import { fileDiagnostic } from '../sources/diagnostics.js';
import { walk } from '../sources/dir-walk.js';
import { referencedFiles, resolveFileRefs, type FileContent } from '../sources/file-refs.js';
import { parseManifestFile } from '../sources/parse-file.js';
import { ResourceStore } from '../store/store.js';

export async function loadInput(paths: string[]): Promise<CompileInput> {
  const store = new ResourceStore();
  for (const p of paths) {
    let files: string[];
    try {
      files = (await stat(p)).isDirectory() ? [...(await walk(p)).keys()] : [p];
    } catch (err) {
      store.set(`missing:${p}`, [], [fileDiagnostic(p, undefined, ErrorCodes.CONFIG_PARSE, `cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`)]);
      continue;
    }
    for (const file of files) {
      const parsed = parseManifestFile(await readFile(file, 'utf8'), file);
      store.set(file, parsed.ok ? parsed.records : [], parsed.diagnostics);
    }
  }
  // certFile/keyFile/caFile are read the same way the directory source reads them.
  const input = store.build();
  const contents = new Map<string, FileContent>();
  for (const file of referencedFiles(input)) {
    try {
      contents.set(file, { text: await readFile(file, 'utf8') });
    } catch (err) {
      contents.set(file, { error: (err as NodeJS.ErrnoException).code ?? (err as Error).message });
    }
  }
  return contents.size > 0 ? resolveFileRefs(input, contents) : input;
}
