// Field validity in HTTP/2 requests (RFC 9113 §8.2.1), checked on the decoded field block before
// Node's http2 sees it: nghttp2 already refuses uppercase names, connection-specific fields and
// pseudo-header misuse with a stream PROTOCOL_ERROR, but Node registers an invalid-header
// callback that makes nghttp2 silently DROP a regular field whose name or value is invalid — a
// request would be forwarded without a field the client sent. Such a request is malformed and
// its stream is reset instead (tls/h2-guard.ts).

/** Lowercase token characters (RFC 9110 tchar without A–Z): what a regular field name may hold. */
const NAME_CHAR = new Uint8Array(256);
for (const c of "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyz") NAME_CHAR[c.charCodeAt(0)] = 1;

/**
 * Why a regular (non-pseudo) field is malformed, or undefined when it is valid. Names and values
 * are byte strings (one char per octet). Values may hold HTAB, visible ASCII and obs-text
 * (0x80–0xFF); never NUL, CR, LF, other controls or DEL, and never start or end with SP/HTAB.
 * Pseudo-header fields (":...") are judged by nghttp2, which is strict about them.
 */
export function invalidField(name: string, value: string): string | undefined {
  if (name.length === 0) return 'empty field name';
  if (name.charCodeAt(0) === 0x3a) return undefined;
  for (let i = 0; i < name.length; i++)
    if (!NAME_CHAR[name.charCodeAt(i)]) return `invalid character in field name ${JSON.stringify(name)}`;
  const n = value.length;
  if (n > 0) {
    const first = value.charCodeAt(0);
    const last = value.charCodeAt(n - 1);
    if (first === 0x20 || first === 0x09 || last === 0x20 || last === 0x09)
      return `field ${name}: value starts or ends with whitespace`;
  }
  for (let i = 0; i < n; i++) {
    const c = value.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09) || c === 0x7f)
      return `field ${name}: control character 0x${c.toString(16).padStart(2, '0')} in value`;
  }
  return undefined;
}
