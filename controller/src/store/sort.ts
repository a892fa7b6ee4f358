// Deterministic ordering helpers (plain code-unit order: locale-independent, same on every host).
import { refKey, type Diagnostic } from '../validate/diagnostic.js';

export const compareStrings = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export function sortDiagnostics(diagnostics: Diagnostic[]): Diagnostic[] {
  return diagnostics.sort(
    (a, b) =>
      compareStrings(a.file ?? '', b.file ?? '') ||
      (a.line ?? 0) - (b.line ?? 0) ||
      compareStrings(refKey(a.object), refKey(b.object)) ||
      compareStrings(a.field, b.field) ||
      compareStrings(a.code, b.code) ||
      compareStrings(a.message, b.message),
  );
}
