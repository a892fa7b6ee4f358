// Channel tokens live in files (a mounted Secret in Kubernetes); one token per line,
// several during a rotation. Never printed.
import { randomBytes } from 'node:crypto';

// node:fs is taken with process.getBuiltinModule, not imported: on Node.js 22+ an ES module import
// of it reads every export, which loads fs/promises and the REPL's readline (docs/memory.md).
const { readFileSync } = process.getBuiltinModule('node:fs');

export function readTokens(file: string): string[] {
  const tokens = readFileSync(file, 'utf8')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  if (tokens.length === 0) throw new Error(`token file ${file} holds no token`);
  return tokens;
}

export const randomToken = (): string => randomBytes(32).toString('base64url');
