// Case-insensitive comparison of HTTP field names (ASCII only: field names are tokens).

/**
 * `name` is the field name `lower` (given in lower case) in any ASCII case. Compared in place:
 * lower-casing would allocate a string per field and, for a Set lookup, hash it.
 */
export function isFieldName(name: string, lower: string): boolean {
  const n = lower.length;
  if (name.length !== n) return false;
  for (let i = 0; i < n; i++) {
    const c = name.charCodeAt(i);
    const l = lower.charCodeAt(i);
    if (c !== l && !(l >= 0x61 && l <= 0x7a && c === l - 0x20)) return false;
  }
  return true;
}
