// `bascule import haproxy.cfg [--namespace NS]`: an existing HAProxy configuration → Bascule
// resources as YAML on stdout. What cannot be expressed is listed on stderr and as comments in
// the YAML; a malformed line fails the import (exit 1) with "file:line: message".
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { convertHaproxyConfig, type ConvertResult } from './convert.js';
import { emitYaml } from './emit.js';
import { formatMessage } from './report.js';

/** Where the command writes: stdout and stderr in the CLI, buffers in tests. */
export interface ImportIo {
  out: (s: string) => void;
  err: (s: string) => void;
}

export interface ImportOptions {
  namespace?: string;
}

export interface ImportOutput {
  /** The YAML (empty when there are errors). */
  yaml: string;
  /** What goes to stderr, one message per line. */
  stderr: string[];
  result: ConvertResult;
}

const NAMESPACE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Pure: configuration text in, YAML and messages out. `file` is how messages name the source. */
export function importHaproxy(text: string, file: string, opts: ImportOptions = {}): ImportOutput {
  const result = convertHaproxyConfig(text);
  const errors = [...result.report.errors].sort((a, b) => a.line - b.line);
  if (errors.length > 0) {
    return {
      yaml: '',
      stderr: [
        ...errors.map((e) => `${file}:${e.line}: ${e.message}`),
        `${file}: ${errors.length} error${errors.length === 1 ? '' : 's'}; nothing was imported`,
      ],
      result,
    };
  }
  const messages = [...result.report.messages].sort((a, b) => a.line - b.line);
  const count = (k: string) => result.resources.filter((r) => r.kind === k).length;
  const notConverted = messages.filter((m) => m.severity === 'not converted').length;
  const notes = messages.length - notConverted;
  const stderr = [
    ...messages.map((m) => formatMessage(file, m)),
    `imported ${count('Frontend')} frontends, ${count('Backend')} backends, ${count('HealthPolicy')} health policies from ${file}; ` +
      `${notConverted} line${notConverted === 1 ? '' : 's'} not converted, ${notes} note${notes === 1 ? '' : 's'} (also as comments in the YAML)`,
  ];
  return {
    yaml: emitYaml(result, {
      file: basename(file),
      ...(opts.namespace ? { namespace: opts.namespace } : {}),
    }),
    stderr,
    result,
  };
}

/** Returns the exit code: 0 when the file was converted (even with lines reported as not converted). */
export async function importCommand(file: string, opts: ImportOptions, io: ImportIo): Promise<number> {
  if (opts.namespace !== undefined && !NAMESPACE.test(opts.namespace)) {
    io.err(`bascule import: invalid namespace "${opts.namespace}": use lowercase letters, digits and '-'\n`);
    return 2;
  }
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    io.err(
      `${file}: cannot read: ${e.code === 'ENOENT' ? 'no such file' : e.code === 'EISDIR' ? 'is a directory' : (e.code ?? e.message)}\n`,
    );
    return 1;
  }
  const out = importHaproxy(text, file, opts);
  if (out.yaml) io.out(out.yaml);
  for (const line of out.stderr) io.err(`${line}\n`);
  return out.result.report.errors.length > 0 ? 1 : 0;
}
