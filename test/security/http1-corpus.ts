// The hostile HTTP/1.1 corpus: raw request bytes, what Bascule must answer, and exactly which
// requests the server behind it may receive. test/security/http1-corpus.test.ts sends every case
// to Bascule and to HAProxy (the reference) and compares; where the two differ on purpose the
// case says why (`differs`), and docs/security.md shows the table the suite generates.
//
// Both proxies run with the same policy: requests for /admin… and for host admin.example are
// denied with 403, a request head must arrive within 1 s (408), the head is at most 16 KiB.

export interface CorpusCase {
  /** Stable id, used in test names and in the docs table. */
  id: string;
  group: string;
  what: string;
  /** The bytes, written at once (or in `pieces`, `pauseMs` apart). */
  bytes: string;
  pieces?: string[];
  pauseMs?: number;
  /** The requests are HEAD (responses carry no body). */
  head?: boolean;
  /** Bascule's statuses, in order. */
  status: number[];
  /**
   * The requests the server must receive, in order: "METHOD target" plus ` body=<JSON>` when the
   * request has a body. Targets are compared in origin-form.
   */
  origin: string[];
  /** Fields the server must see on the first request (lower-case names). */
  originHas?: string[];
  /** Values the server must see within these fields of the first request (lower-case names). */
  originValues?: Record<string, string>;
  /** Fields the server must not see on the first request (lower-case names). */
  originLacks?: string[];
  /**
   * The request was refused part-way through its body: the server may have received a prefix of
   * it (bodies are streamed), never a complete request, and that server connection is closed.
   */
  partial?: boolean;
  /** Why HAProxy answers differently, when it does. A difference without a reason fails. */
  differs?: string;
}

const request = (line: string, fields: string[], body = ''): string =>
  `${line}\r\n${fields.map((f) => `${f}\r\n`).join('')}\r\n${body}`;
const get = (fields: string[] = [], target = '/'): string =>
  request(`GET ${target} HTTP/1.1`, ['Host: x', ...fields]);
const post = (fields: string[], body: string, target = '/'): string =>
  request(`POST ${target} HTTP/1.1`, ['Host: x', ...fields], body);

const WEBSOCKET = [
  'Connection: Upgrade',
  'Upgrade: websocket',
  'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
  'Sec-WebSocket-Version: 13',
];
const SMUGGLED = 'GET /admin/secret HTTP/1.1\r\nHost: x\r\n\r\n';
const smuggledBody = `body=${JSON.stringify(SMUGGLED)}`;
const chunk = (s: string): string => `${s.length.toString(16)}\r\n${s}\r\n`;

// Reasons shared by several cases.
const LLHTTP_METHODS =
  "Node's parser (llhttp) knows a fixed list of methods (RFC 9110's and the registered WebDAV ones) and refuses others; HAProxy forwards any token";
const STRICTER_DUP_CL =
  'identical repeated Content-Length fields are refused (RFC 9112 §6.3 lets a recipient reject them); HAProxy merges them';
const OBS_FOLD = 'obs-fold is refused (RFC 9112 §5.2 allows rejecting it); HAProxy unfolds it into one value';
const CHUNK_BWS =
  'whitespace after a chunk size is only allowed before a chunk extension (RFC 9112 §7.1.1); HAProxy tolerates it';
const HTTP09 =
  'HTTP/0.9 (a request line without a version) gets 505 HTTP Version Not Supported; HAProxy answers 400';
const HOST_SYNTAX =
  'a Host that is not uri-host[:port] is refused (RFC 9112 §3.2: 400 for an invalid Host): the server could read another name than the router did; HAProxy forwards it';
const CTL_VALUE =
  'control bytes in a field value are refused (RFC 9110 §5.5); HAProxy 2.6 forwards them (the server refused them here)';
const NO_HOST =
  'an HTTP/1.1 request without Host is refused (RFC 9112 §3.2); HAProxy forwards it (the server refused it here)';
const BARE_LF =
  'a bare LF line ending is refused (RFC 9112 §2.2 lets a recipient reject it); HAProxy accepts LF as a line end';

/** Every framing, routing and forwarding field the proxy must keep whatever Connection says. */
const PROTECTED = [
  'Host',
  'X-Forwarded-For',
  'X-Forwarded-Host',
  'X-Forwarded-Proto',
  'X-Forwarded-Port',
  'Forwarded',
  'Via',
];
const PROTECTED_VALUES: Record<string, string> = {
  Host: 'x',
  'X-Forwarded-For': '192.0.2.1',
  'X-Forwarded-Host': 'upstream.example',
  'X-Forwarded-Proto': 'https',
  'X-Forwarded-Port': '8443',
  Forwarded: 'for=192.0.2.1',
  Via: '1.1 edge',
};

export const CORPUS: CorpusCase[] = [
  // --- Baseline: the suite's own sanity.
  { id: 'get', group: 'baseline', what: 'plain GET', bytes: get(), status: [200], origin: ['GET /'] },
  {
    id: 'post-cl',
    group: 'baseline',
    what: 'POST with Content-Length',
    bytes: post(['Content-Length: 5'], 'hello'),
    status: [200],
    origin: ['POST / body="hello"'],
  },
  {
    id: 'post-chunked',
    group: 'baseline',
    what: 'POST chunked',
    bytes: post(['Transfer-Encoding: chunked'], `${chunk('hello')}0\r\n\r\n`),
    status: [200],
    origin: ['POST / body="hello"'],
  },
  {
    id: 'deny-path',
    group: 'baseline',
    what: 'denied path',
    bytes: get([], '/admin/x'),
    status: [403],
    origin: [],
  },
  {
    id: 'deny-host',
    group: 'baseline',
    what: 'denied host',
    bytes: request('GET / HTTP/1.1', ['Host: admin.example']),
    status: [403],
    origin: [],
  },

  // --- Content-Length and Transfer-Encoding together, repeated, malformed.
  {
    id: 'cl-te',
    group: 'CL/TE',
    what: 'Content-Length then Transfer-Encoding',
    bytes: post(['Content-Length: 4', 'Transfer-Encoding: chunked'], `0\r\n\r\n${SMUGGLED}`),
    status: [400],
    origin: [],
    differs:
      'RFC 9112 §6.3 allows either rejecting or letting chunked win and closing afterwards; HAProxy forwards with chunked framing, Bascule (llhttp) rejects: nothing ambiguous is forwarded',
  },
  {
    id: 'te-cl',
    group: 'CL/TE',
    what: 'Transfer-Encoding then Content-Length',
    bytes: post(['Transfer-Encoding: chunked', 'Content-Length: 4'], `0\r\n\r\n${SMUGGLED}`),
    status: [400],
    origin: [],
    differs:
      'RFC 9112 §6.3 allows either rejecting or letting chunked win and closing afterwards; HAProxy forwards with chunked framing, Bascule (llhttp) rejects: nothing ambiguous is forwarded',
  },
  {
    id: 'cl-dup-same',
    group: 'CL/TE',
    what: 'two identical Content-Length fields',
    bytes: post(['Content-Length: 5', 'Content-Length: 5'], 'hello'),
    status: [400],
    origin: [],
    differs: STRICTER_DUP_CL,
  },
  {
    id: 'cl-list-same',
    group: 'CL/TE',
    what: 'Content-Length: 5, 5',
    bytes: post(['Content-Length: 5, 5'], 'hello'),
    status: [400],
    origin: [],
    differs: STRICTER_DUP_CL,
  },
  {
    id: 'cl-dup-different',
    group: 'CL/TE',
    what: 'two different Content-Length fields',
    bytes: post(['Content-Length: 5', 'Content-Length: 6'], 'hello!'),
    status: [400],
    origin: [],
  },
  {
    id: 'cl-negative',
    group: 'CL/TE',
    what: 'Content-Length: -1',
    bytes: post(['Content-Length: -1'], 'x'),
    status: [400],
    origin: [],
  },
  {
    id: 'cl-plus',
    group: 'CL/TE',
    what: 'Content-Length: +5',
    bytes: post(['Content-Length: +5'], 'hello'),
    status: [400],
    origin: [],
  },
  {
    id: 'cl-hex',
    group: 'CL/TE',
    what: 'Content-Length: 0x5',
    bytes: post(['Content-Length: 0x5'], 'hello'),
    status: [400],
    origin: [],
  },
  {
    id: 'cl-inner-space',
    group: 'CL/TE',
    what: 'Content-Length: 1 0',
    bytes: post(['Content-Length: 1 0'], 'helloworld'),
    status: [400],
    origin: [],
  },
  {
    id: 'cl-empty',
    group: 'CL/TE',
    what: 'empty Content-Length',
    bytes: post(['Content-Length:'], ''),
    status: [400],
    origin: [],
  },
  {
    id: 'cl-overflow',
    group: 'CL/TE',
    what: 'Content-Length beyond 64 bits',
    bytes: post(['Content-Length: 99999999999999999999999'], 'x'),
    status: [400],
    origin: [],
  },
  {
    id: 'cl-leading-zeros',
    group: 'CL/TE',
    what: 'Content-Length: 005',
    bytes: post(['Content-Length: 005'], 'hello'),
    status: [200],
    origin: ['POST / body="hello"'],
  },
  {
    id: 'cl-space-before-colon',
    group: 'CL/TE',
    what: '"Content-Length :" (space before the colon)',
    bytes: post(['Content-Length : 5'], 'hello'),
    status: [400],
    origin: [],
  },
  {
    id: 'get-with-body',
    group: 'CL/TE',
    what: 'GET with a Content-Length body',
    bytes: request('GET / HTTP/1.1', ['Host: x', `Content-Length: ${SMUGGLED.length}`], SMUGGLED),
    status: [200],
    origin: [`GET / ${smuggledBody}`],
  },

  // --- Transfer-Encoding variants.
  {
    id: 'te-uppercase',
    group: 'Transfer-Encoding',
    what: 'Transfer-Encoding: CHUNKED',
    bytes: post(['Transfer-Encoding: CHUNKED'], `${chunk('hello')}0\r\n\r\n`),
    status: [200],
    origin: ['POST / body="hello"'],
  },
  {
    id: 'te-gzip',
    group: 'Transfer-Encoding',
    what: 'Transfer-Encoding: gzip (not chunked last)',
    bytes: post(['Transfer-Encoding: gzip'], 'hello'),
    status: [400],
    origin: [],
  },
  {
    id: 'te-chunked-gzip',
    group: 'Transfer-Encoding',
    what: 'Transfer-Encoding: chunked, gzip',
    bytes: post(['Transfer-Encoding: chunked, gzip'], `${chunk('hello')}0\r\n\r\n`),
    status: [400],
    origin: [],
  },
  {
    id: 'te-gzip-chunked',
    group: 'Transfer-Encoding',
    what: 'Transfer-Encoding: gzip, chunked',
    bytes: post(['Transfer-Encoding: gzip, chunked'], `${chunk('hello')}0\r\n\r\n`),
    status: [422],
    origin: [],
  },
  {
    id: 'te-identity-chunked',
    group: 'Transfer-Encoding',
    what: 'Transfer-Encoding: identity, chunked',
    bytes: post(['Transfer-Encoding: identity, chunked'], `${chunk('hello')}0\r\n\r\n`),
    status: [422],
    origin: [],
  },
  {
    id: 'te-chunked-twice',
    group: 'Transfer-Encoding',
    what: 'Transfer-Encoding: chunked, chunked',
    bytes: post(['Transfer-Encoding: chunked, chunked'], `${chunk('hello')}0\r\n\r\n`),
    status: [400],
    origin: [],
  },
  {
    id: 'te-two-fields',
    group: 'Transfer-Encoding',
    what: 'two Transfer-Encoding: chunked fields',
    bytes: post(['Transfer-Encoding: chunked', 'Transfer-Encoding: chunked'], `${chunk('hello')}0\r\n\r\n`),
    status: [400],
    origin: [],
  },
  {
    id: 'te-xchunked',
    group: 'Transfer-Encoding',
    what: 'Transfer-Encoding: xchunked',
    bytes: post(['Transfer-Encoding: xchunked'], `${chunk('hello')}0\r\n\r\n`),
    status: [400],
    origin: [],
  },
  {
    id: 'te-vtab',
    group: 'Transfer-Encoding',
    what: 'Transfer-Encoding:<VT>chunked',
    bytes: post(['Transfer-Encoding:\x0bchunked'], `${chunk('hello')}0\r\n\r\n`),
    status: [400],
    origin: [],
  },
  {
    id: 'te-tab',
    group: 'Transfer-Encoding',
    what: 'Transfer-Encoding:<TAB>chunked (whitespace allowed)',
    bytes: post(['Transfer-Encoding:\tchunked'], `${chunk('hello')}0\r\n\r\n`),
    status: [200],
    origin: ['POST / body="hello"'],
  },
  {
    id: 'te-space-before-colon',
    group: 'Transfer-Encoding',
    what: '"Transfer-Encoding :" (space before the colon)',
    bytes: post(['Transfer-Encoding : chunked'], `${chunk('hello')}0\r\n\r\n`),
    status: [400],
    origin: [],
  },
  {
    id: 'te-empty',
    group: 'Transfer-Encoding',
    what: 'empty Transfer-Encoding',
    bytes: post(['Transfer-Encoding:'], ''),
    status: [400],
    origin: [],
  },
  {
    id: 'te-http10',
    group: 'Transfer-Encoding',
    what: 'HTTP/1.0 request with Transfer-Encoding: chunked',
    bytes: request(
      'POST / HTTP/1.0',
      ['Host: x', 'Transfer-Encoding: chunked'],
      `${chunk('hello')}0\r\n\r\n`,
    ),
    status: [200],
    origin: ['POST / body="hello"'],
  },

  // --- Chunked body edge cases.
  {
    id: 'chunk-extension',
    group: 'chunks',
    what: 'chunk extension',
    bytes: post(['Transfer-Encoding: chunked'], '5;name=value\r\nhello\r\n0\r\n\r\n'),
    status: [200],
    origin: ['POST / body="hello"'],
  },
  {
    id: 'chunk-upper-hex',
    group: 'chunks',
    what: 'chunk size in upper-case hex',
    bytes: post(['Transfer-Encoding: chunked'], `A\r\n${'a'.repeat(10)}\r\n0\r\n\r\n`),
    status: [200],
    origin: [`POST / body="${'a'.repeat(10)}"`],
  },
  {
    id: 'chunk-leading-zeros',
    group: 'chunks',
    what: 'chunk size 0005',
    bytes: post(['Transfer-Encoding: chunked'], '0005\r\nhello\r\n0\r\n\r\n'),
    status: [200],
    origin: ['POST / body="hello"'],
  },
  {
    id: 'chunk-overflow',
    group: 'chunks',
    what: 'chunk size beyond 64 bits',
    bytes: post(['Transfer-Encoding: chunked'], 'fffffffffffffffff1\r\nhello\r\n0\r\n\r\n'),
    status: [400],
    origin: [],
  },
  {
    id: 'chunk-negative',
    group: 'chunks',
    what: 'chunk size -5',
    bytes: post(['Transfer-Encoding: chunked'], '-5\r\nhello\r\n0\r\n\r\n'),
    status: [400],
    origin: [],
  },
  {
    id: 'chunk-0x',
    group: 'chunks',
    what: 'chunk size 0x5',
    bytes: post(['Transfer-Encoding: chunked'], '0x5\r\nhello\r\n0\r\n\r\n'),
    status: [400],
    origin: [],
  },
  {
    id: 'chunk-size-space',
    group: 'chunks',
    what: 'space after the chunk size',
    bytes: post(['Transfer-Encoding: chunked'], '5 \r\nhello\r\n0\r\n\r\n'),
    status: [400],
    origin: [],
    differs: CHUNK_BWS,
  },
  {
    id: 'chunk-bare-lf',
    group: 'chunks',
    what: 'chunk lines ending in bare LF',
    bytes: post(['Transfer-Encoding: chunked'], '5\nhello\n0\n\n'),
    status: [400],
    origin: [],
    differs: BARE_LF,
  },
  {
    id: 'chunk-data-too-long',
    group: 'chunks',
    what: 'more chunk data than the size says',
    bytes: post(['Transfer-Encoding: chunked'], `5\r\nhelloXX\r\n0\r\n\r\n`),
    status: [400],
    origin: [],
    partial: true,
  },
  {
    id: 'chunk-missing-size',
    group: 'chunks',
    what: 'empty chunk-size line',
    bytes: post(['Transfer-Encoding: chunked'], '\r\nhello\r\n0\r\n\r\n'),
    status: [400],
    origin: [],
  },
  {
    id: 'chunk-smuggle-after-last',
    group: 'chunks',
    what: 'a request after the last chunk is a pipelined request, routed on its own',
    bytes: post(['Transfer-Encoding: chunked'], `${chunk('hello')}0\r\n\r\n${SMUGGLED}`),
    status: [200, 403],
    origin: ['POST / body="hello"'],
  },
  {
    id: 'trailer',
    group: 'trailers',
    what: 'chunked body with a trailer field',
    bytes: post(['Transfer-Encoding: chunked'], `${chunk('hello')}0\r\nX-Checksum: abc\r\n\r\n`),
    status: [200],
    origin: ['POST / body="hello"'],
  },
  {
    id: 'trailer-content-length',
    group: 'trailers',
    what: 'Content-Length in the trailer section has no effect on framing',
    bytes: post(
      ['Transfer-Encoding: chunked'],
      `${chunk('hello')}0\r\nContent-Length: 39\r\n\r\n${SMUGGLED}`,
    ),
    status: [400],
    origin: [],
    partial: true,
  },
  {
    id: 'trailer-invalid-name',
    group: 'trailers',
    what: 'trailer field with a space in its name',
    bytes: post(['Transfer-Encoding: chunked'], `${chunk('hello')}0\r\nX Bad: a\r\n\r\n`),
    status: [400],
    origin: [],
    partial: true,
  },

  // --- Field syntax: obs-fold, line endings, control bytes, names.
  {
    id: 'obs-fold',
    group: 'field syntax',
    what: 'obs-fold continuation line',
    bytes: request('GET / HTTP/1.1', ['Host: x', 'X-A: a', ' b']),
    status: [400],
    origin: [],
    differs: OBS_FOLD,
  },
  {
    id: 'obs-fold-te',
    group: 'field syntax',
    what: 'Transfer-Encoding folded over two lines',
    bytes: post(['Transfer-Encoding:', ' chunked'], `${chunk('hello')}0\r\n\r\n`),
    status: [400],
    origin: [],
    differs: OBS_FOLD,
  },
  {
    id: 'fold-first-line',
    group: 'field syntax',
    what: 'a field line starting with whitespace right after the request line',
    bytes: request('GET / HTTP/1.1', [' X-A: a', 'Host: x']),
    status: [400],
    origin: [],
  },
  {
    id: 'bare-lf',
    group: 'field syntax',
    what: 'head with bare LF line endings',
    bytes: 'GET / HTTP/1.1\nHost: x\n\n',
    status: [400],
    origin: [],
    differs: BARE_LF,
  },
  {
    id: 'bare-cr',
    group: 'field syntax',
    what: 'bare CR inside a field value',
    bytes: get(['X-A: a\rb']),
    status: [400],
    origin: [],
  },
  {
    id: 'nul-value',
    group: 'field syntax',
    what: 'NUL in a field value',
    bytes: get(['X-A: a\x00b']),
    status: [400],
    origin: [],
    differs: CTL_VALUE,
  },
  {
    id: 'ctl-value',
    group: 'field syntax',
    what: 'control byte 0x01 in a field value',
    bytes: get(['X-A: a\x01b']),
    status: [400],
    origin: [],
    differs: CTL_VALUE,
  },
  {
    id: 'del-value',
    group: 'field syntax',
    what: 'DEL in a field value',
    bytes: get(['X-A: a\x7fb']),
    status: [400],
    origin: [],
    differs: CTL_VALUE,
  },
  {
    id: 'obs-text-value',
    group: 'field syntax',
    what: 'obs-text (0xE9) in a field value',
    bytes: get(['X-A: caf\xe9']),
    status: [200],
    origin: ['GET /'],
  },
  {
    id: 'space-in-name',
    group: 'field syntax',
    what: 'space inside a field name',
    bytes: get(['X A: b']),
    status: [400],
    origin: [],
  },
  {
    id: 'empty-name',
    group: 'field syntax',
    what: 'empty field name',
    bytes: get([': b']),
    status: [400],
    origin: [],
  },
  {
    id: 'no-colon',
    group: 'field syntax',
    what: 'field line without a colon',
    bytes: get(['X-A b']),
    status: [400],
    origin: [],
  },
  {
    id: 'name-separator',
    group: 'field syntax',
    what: 'field name with "(" in it',
    bytes: get(['X(A): b']),
    status: [400],
    origin: [],
  },
  {
    id: 'name-non-ascii',
    group: 'field syntax',
    what: 'field name with a non-ASCII byte',
    bytes: get(['X-\xe9: b']),
    status: [400],
    origin: [],
  },
  {
    id: 'ctl-in-name',
    group: 'field syntax',
    what: 'control byte in a field name',
    bytes: get(['X-\x01A: b']),
    status: [400],
    origin: [],
  },

  // --- Methods and versions.
  {
    id: 'method-trace',
    group: 'request line',
    what: 'TRACE',
    bytes: request('TRACE / HTTP/1.1', ['Host: x']),
    status: [200],
    origin: ['TRACE /'],
  },
  {
    id: 'method-lowercase',
    group: 'request line',
    what: 'lower-case method "get"',
    bytes: request('get / HTTP/1.1', ['Host: x']),
    status: [400],
    origin: [],
    differs: LLHTTP_METHODS,
  },
  {
    id: 'method-unknown',
    group: 'request line',
    what: 'unregistered method token FOO',
    bytes: request('FOO / HTTP/1.1', ['Host: x']),
    status: [400],
    origin: [],
    differs: LLHTTP_METHODS,
  },
  {
    id: 'method-invalid-char',
    group: 'request line',
    what: 'method with "@"',
    bytes: request('G@T / HTTP/1.1', ['Host: x']),
    status: [400],
    origin: [],
  },
  {
    id: 'method-connect',
    group: 'request line',
    what: 'CONNECT',
    bytes: request('CONNECT x:443 HTTP/1.1', ['Host: x:443']),
    status: [405],
    origin: [],
    differs:
      'CONNECT tunnels are not offered (405, RFC 9110 §15.5.6); HAProxy forwards CONNECT to the server, which refused it here',
  },
  {
    id: 'version-1.0',
    group: 'request line',
    what: 'HTTP/1.0 without Host',
    bytes: 'GET / HTTP/1.0\r\n\r\n',
    status: [200],
    origin: ['GET /'],
  },
  {
    id: 'version-1.2',
    group: 'request line',
    what: 'HTTP/1.2',
    bytes: request('GET / HTTP/1.2', ['Host: x']),
    status: [400],
    origin: [],
    differs:
      'llhttp accepts only HTTP/1.0 and HTTP/1.1; RFC 9112 §2.3 asks to treat 1.2 as 1.1, as HAProxy does',
  },
  {
    id: 'version-2.0',
    group: 'request line',
    what: 'HTTP/2.0 in an HTTP/1 request line',
    bytes: request('GET / HTTP/2.0', ['Host: x']),
    status: [505],
    origin: [],
    differs:
      'a request line naming a version Bascule does not speak over HTTP/1 gets 505 (RFC 9110 §15.6.6); HAProxy forwards it as HTTP/1.1',
  },
  {
    id: 'version-0.9',
    group: 'request line',
    what: 'HTTP/0.9 simple request',
    bytes: 'GET /\r\n\r\n',
    status: [505],
    origin: [],
    differs: HTTP09,
  },
  {
    id: 'version-lowercase',
    group: 'request line',
    what: 'http/1.1 in lower case',
    bytes: request('GET / http/1.1', ['Host: x']),
    status: [400],
    origin: [],
  },
  {
    id: 'version-10',
    group: 'request line',
    what: 'HTTP/10.0',
    bytes: request('GET / HTTP/10.0', ['Host: x']),
    status: [400],
    origin: [],
  },
  {
    id: 'double-space',
    group: 'request line',
    what: 'two spaces after the method',
    bytes: request('GET  / HTTP/1.1', ['Host: x']),
    status: [200],
    origin: ['GET /'],
  },
  {
    id: 'tab-separator',
    group: 'request line',
    what: 'TAB as the separator',
    bytes: request('GET\t/\tHTTP/1.1', ['Host: x']),
    status: [400],
    origin: [],
    differs:
      'only SP separates the parts of the request line (RFC 9112 §3 allows either); HAProxy also accepts HTAB',
  },
  {
    id: 'no-version',
    group: 'request line',
    what: 'no version',
    bytes: request('GET /', ['Host: x']),
    status: [505],
    origin: [],
    differs: HTTP09,
  },
  {
    id: 'leading-crlf',
    group: 'request line',
    what: 'an empty line before the request line',
    bytes: `\r\n${get()}`,
    status: [200],
    origin: ['GET /'],
  },
  {
    id: 'target-space',
    group: 'request target',
    what: 'space inside the target',
    bytes: get([], '/a b'),
    status: [400],
    origin: [],
  },
  {
    id: 'target-fragment',
    group: 'request target',
    what: 'fragment in the target',
    bytes: get([], '/a#frag'),
    status: [400],
    origin: [],
  },
  {
    id: 'target-fragment-admin',
    group: 'request target',
    what: 'fragment hiding a denied path',
    bytes: get([], '/ok#/../admin/x'),
    status: [400],
    origin: [],
  },
  {
    id: 'target-relative',
    group: 'request target',
    what: 'target without a leading slash',
    bytes: get([], 'a/b'),
    status: [400],
    origin: [],
  },
  {
    id: 'target-nul',
    group: 'request target',
    what: 'NUL in the target',
    bytes: get([], '/a\x00b'),
    status: [400],
    origin: [],
  },
  {
    id: 'target-non-ascii',
    group: 'request target',
    what: 'raw 0xE9 in the target',
    bytes: get([], '/caf\xe9'),
    status: [400],
    origin: [],
  },
  {
    id: 'target-dotdot',
    group: 'request target',
    what: 'dot segments are forwarded as sent',
    bytes: get([], '/a/../b'),
    status: [200],
    origin: ['GET /a/../b'],
  },
  {
    id: 'asterisk-options',
    group: 'request target',
    what: 'OPTIONS *',
    bytes: request('OPTIONS * HTTP/1.1', ['Host: x']),
    status: [200],
    origin: ['OPTIONS *'],
  },
  {
    id: 'asterisk-get',
    group: 'request target',
    what: 'GET *',
    bytes: request('GET * HTTP/1.1', ['Host: x']),
    status: [400],
    origin: [],
    differs: 'the asterisk-form is only for OPTIONS (RFC 9112 §3.2.4); HAProxy forwards GET *',
  },
  {
    id: 'target-long',
    group: 'request target',
    what: 'an 8 KiB target',
    bytes: get([], `/${'a'.repeat(8192)}`),
    status: [200],
    origin: [`GET /${'a'.repeat(8192)}`],
  },

  // --- Absolute-form and authority.
  {
    id: 'absolute-same-host',
    group: 'authority',
    what: 'absolute-form target, same Host',
    bytes: request('GET http://x/a HTTP/1.1', ['Host: x']),
    status: [200],
    origin: ['GET /a'],
  },
  {
    id: 'absolute-other-host',
    group: 'authority',
    what: 'absolute-form authority differs from Host',
    bytes: request('GET http://public.example/a HTTP/1.1', ['Host: x']),
    status: [400],
    origin: [],
  },
  {
    id: 'absolute-hides-denied-host',
    group: 'authority',
    what: 'absolute-form public.example with Host: admin.example (deny rule on the host)',
    bytes: request('GET http://public.example/a HTTP/1.1', ['Host: admin.example']),
    status: [400],
    origin: [],
  },
  {
    id: 'absolute-denied-host',
    group: 'authority',
    what: 'absolute-form admin.example with Host: admin.example',
    bytes: request('GET http://admin.example/a HTTP/1.1', ['Host: admin.example']),
    status: [403],
    origin: [],
  },
  {
    id: 'absolute-host-case',
    group: 'authority',
    what: 'absolute-form authority equal to Host except for case',
    bytes: request('GET http://X/a HTTP/1.1', ['Host: x']),
    status: [200],
    origin: ['GET /a'],
  },
  {
    id: 'absolute-default-port',
    group: 'authority',
    what: 'absolute-form http://x:80/ with Host: x (the default port)',
    bytes: request('GET http://x:80/a HTTP/1.1', ['Host: x']),
    status: [200],
    origin: ['GET /a'],
  },
  {
    id: 'absolute-https',
    group: 'authority',
    what: 'absolute-form https://x/ with Host: x',
    bytes: request('GET https://x/a HTTP/1.1', ['Host: x']),
    status: [200],
    origin: ['GET /a'],
  },
  {
    id: 'absolute-other-scheme',
    group: 'authority',
    what: 'absolute-form ftp://x/',
    bytes: request('GET ftp://x/a HTTP/1.1', ['Host: x']),
    status: [400],
    origin: [],
    differs:
      'only http and https targets are accepted: Bascule is no gateway to other schemes; HAProxy forwards the request',
  },
  {
    id: 'absolute-no-host',
    group: 'authority',
    what: 'absolute-form without Host (HTTP/1.1)',
    bytes: 'GET http://x/a HTTP/1.1\r\n\r\n',
    status: [400],
    origin: [],
    differs: NO_HOST,
  },
  {
    id: 'absolute-http10',
    group: 'authority',
    what: 'absolute-form in HTTP/1.0 without Host',
    bytes: 'GET http://x/a HTTP/1.0\r\n\r\n',
    status: [200],
    origin: ['GET /a'],
  },
  {
    id: 'absolute-userinfo',
    group: 'authority',
    what: 'absolute-form with userinfo',
    bytes: request('GET http://u@x/a HTTP/1.1', ['Host: x']),
    status: [400],
    origin: [],
    differs:
      'userinfo in an http(s) URI is refused (RFC 9110 §4.2.4: treat it as an error); HAProxy forwards it',
  },
  {
    id: 'absolute-empty-authority',
    group: 'authority',
    what: 'absolute-form with an empty authority',
    bytes: request('GET http:///a HTTP/1.1', ['Host: x']),
    status: [400],
    origin: [],
    differs: 'an http URI with an empty host is invalid (RFC 9110 §4.2.1: reject); HAProxy forwards it',
  },
  {
    id: 'authority-form-get',
    group: 'authority',
    what: 'authority-form target with GET',
    bytes: request('GET x:80 HTTP/1.1', ['Host: x']),
    status: [400],
    origin: [],
  },
  {
    id: 'host-empty',
    group: 'authority',
    what: 'empty Host',
    bytes: request('GET / HTTP/1.1', ['Host:']),
    status: [200],
    origin: ['GET /'],
  },
  {
    id: 'host-two',
    group: 'authority',
    what: 'two Host fields',
    bytes: request('GET / HTTP/1.1', ['Host: x', 'Host: admin.example']),
    status: [400],
    origin: [],
  },
  {
    id: 'host-missing',
    group: 'authority',
    what: 'no Host (HTTP/1.1)',
    bytes: 'GET / HTTP/1.1\r\n\r\n',
    status: [400],
    origin: [],
    differs: NO_HOST,
  },
  {
    id: 'host-space',
    group: 'authority',
    what: 'Host with a space',
    bytes: request('GET / HTTP/1.1', ['Host: a b']),
    status: [400],
    origin: [],
    differs: HOST_SYNTAX,
  },
  {
    id: 'host-slash',
    group: 'authority',
    what: 'Host with a slash',
    bytes: request('GET / HTTP/1.1', ['Host: x/y']),
    status: [400],
    origin: [],
    differs: HOST_SYNTAX,
  },
  {
    id: 'host-userinfo',
    group: 'authority',
    what: 'Host with userinfo',
    bytes: request('GET / HTTP/1.1', ['Host: u@admin.example']),
    status: [400],
    origin: [],
    differs: HOST_SYNTAX,
  },
  {
    id: 'host-port',
    group: 'authority',
    what: 'Host with a port',
    bytes: request('GET / HTTP/1.1', ['Host: x:8080']),
    status: [200],
    origin: ['GET /'],
  },
  {
    id: 'host-denied-port',
    group: 'authority',
    what: 'denied host with a port and a trailing dot',
    bytes: request('GET / HTTP/1.1', ['Host: admin.example.:80']),
    status: [403],
    origin: [],
  },

  // --- Fields a Connection option tries to remove: framing, routing, forwarding.
  {
    id: 'connection-content-length',
    group: 'Connection-nominated',
    what: 'Connection: Content-Length with a request in the body',
    bytes: request(
      'GET / HTTP/1.1',
      ['Host: x', `Content-Length: ${SMUGGLED.length}`, 'Connection: Content-Length'],
      SMUGGLED,
    ),
    status: [200],
    origin: [`GET / ${smuggledBody}`],
  },
  {
    id: 'connection-close-content-length',
    group: 'Connection-nominated',
    what: 'Connection: close, Content-Length',
    bytes: request(
      'DELETE / HTTP/1.1',
      ['Host: x', `Content-Length: ${SMUGGLED.length}`, 'Connection: close, Content-Length'],
      SMUGGLED,
    ),
    status: [200],
    origin: [`DELETE / ${smuggledBody}`],
  },
  {
    id: 'connection-te',
    group: 'Connection-nominated',
    what: 'Connection: Transfer-Encoding',
    bytes: post(
      ['Transfer-Encoding: chunked', 'Connection: Transfer-Encoding'],
      `${chunk(SMUGGLED)}0\r\n\r\n`,
    ),
    status: [200],
    origin: [`POST / ${smuggledBody}`],
  },
  ...PROTECTED.map((name): CorpusCase => ({
    id: `connection-${name.toLowerCase()}`,
    group: 'Connection-nominated',
    what: `Connection: ${name}`,
    bytes: request('GET / HTTP/1.1', [
      ...(name === 'Host' ? [] : ['Host: x']),
      `${name}: ${PROTECTED_VALUES[name]}`,
      `Connection: ${name}`,
    ]),
    status: [200],
    origin: ['GET /'],
    originHas: [name.toLowerCase()],
    // The client's value survives (the proxy may append to it, as X-Forwarded-For and Via do,
    // or replace the X-Forwarded-* fields it sets itself).
    ...(name.startsWith('X-Forwarded-') && name !== 'X-Forwarded-For'
      ? {}
      : { originValues: { [name.toLowerCase()]: PROTECTED_VALUES[name]! } }),
  })),
  {
    id: 'connection-custom',
    group: 'Connection-nominated',
    what: 'Connection: X-Hop removes X-Hop (RFC 9110 §7.6.1)',
    bytes: get(['X-Hop: 1', 'Connection: X-Hop']),
    status: [200],
    origin: ['GET /'],
    originLacks: ['x-hop'],
  },
  {
    id: 'connection-hop-by-hop',
    group: 'Connection-nominated',
    what: 'Keep-Alive, TE and Proxy-Connection are not forwarded',
    bytes: get(['Keep-Alive: timeout=5', 'TE: trailers', 'Proxy-Connection: keep-alive']),
    status: [200],
    origin: ['GET /'],
    originLacks: ['keep-alive', 'te', 'proxy-connection'],
  },

  // --- Pipelining.
  {
    id: 'pipeline-two',
    group: 'pipelining',
    what: 'two GETs in one write',
    bytes: get([], '/1') + get([], '/2'),
    status: [200, 200],
    origin: ['GET /1', 'GET /2'],
  },
  {
    id: 'pipeline-post-get',
    group: 'pipelining',
    what: 'POST with body, then GET',
    bytes: post(['Content-Length: 5'], 'hello', '/1') + get([], '/2'),
    status: [200, 200],
    origin: ['POST /1 body="hello"', 'GET /2'],
  },
  {
    id: 'pipeline-denied-between',
    group: 'pipelining',
    what: 'allowed, denied, allowed',
    bytes: get([], '/1') + get([], '/admin/x') + get([], '/3'),
    status: [200, 403, 200],
    origin: ['GET /1', 'GET /3'],
  },
  {
    id: 'pipeline-then-garbage',
    group: 'pipelining',
    what: 'a good request, then garbage',
    bytes: `${get([], '/1')}GARBAGE\r\n\r\n`,
    status: [200, 400],
    origin: ['GET /1'],
  },
  {
    id: 'pipeline-after-close',
    group: 'pipelining',
    what: 'requests after one with Connection: close are ignored',
    bytes: get(['Connection: close'], '/1') + get([], '/2'),
    status: [200],
    origin: ['GET /1'],
  },

  // --- Upgrade.
  {
    id: 'upgrade-without-connection',
    group: 'Upgrade',
    what: 'Upgrade without Connection: upgrade is a plain request',
    bytes: get(['Upgrade: websocket']),
    status: [200],
    origin: ['GET /'],
    originLacks: ['upgrade'],
  },
  {
    id: 'upgrade-refused-pipelined',
    group: 'Upgrade',
    what: 'refused Upgrade followed by a pipelined denied request',
    bytes: get(WEBSOCKET, '/1') + get([], '/admin/x'),
    status: [200],
    origin: ['GET /1'],
    differs:
      'after a refused Upgrade the connection is closed: bytes pipelined behind an Upgrade request are never parsed as requests; HAProxy goes on parsing them',
  },
  {
    id: 'upgrade-websocket-no-key',
    group: 'Upgrade',
    what: 'WebSocket Upgrade without Sec-WebSocket-Key',
    bytes: get(['Connection: Upgrade', 'Upgrade: websocket'], '/1'),
    status: [200],
    origin: ['GET /1'],
    differs:
      'the WebSocket handshake is left to the server (which refused the upgrade here); HAProxy checks Sec-WebSocket-Key itself and answers 400',
  },
  {
    id: 'upgrade-h2c',
    group: 'Upgrade',
    what: 'Upgrade: h2c (cleartext HTTP/2 upgrade)',
    bytes: get(
      ['Connection: Upgrade, HTTP2-Settings', 'Upgrade: h2c', 'HTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA'],
      '/1',
    ),
    status: [200],
    origin: ['GET /1'],
  },
  {
    id: 'upgrade-with-body',
    group: 'Upgrade',
    what: 'Upgrade request with a Content-Length body',
    bytes: request(
      'GET / HTTP/1.1',
      ['Host: x', ...WEBSOCKET, `Content-Length: ${SMUGGLED.length}`],
      SMUGGLED,
    ),
    status: [400],
    origin: [],
    differs:
      'an Upgrade request with a body is refused: after a switch the bytes that follow belong to the new protocol; HAProxy forwards the body',
  },
  {
    id: 'upgrade-denied',
    group: 'Upgrade',
    what: 'Upgrade to a denied path',
    bytes: get(WEBSOCKET, '/admin/x'),
    status: [403],
    origin: [],
  },

  // --- Expect: 100-continue.
  {
    id: 'expect-continue',
    group: '100-continue',
    what: 'Expect: 100-continue with the body sent at once',
    bytes: post(['Content-Length: 5', 'Expect: 100-continue'], 'hello'),
    status: [100, 200],
    origin: ['POST / body="hello"'],
  },
  {
    id: 'expect-continue-denied',
    group: '100-continue',
    what: 'Expect: 100-continue to a denied path',
    bytes: request('POST /admin/x HTTP/1.1', ['Host: x', 'Content-Length: 5', 'Expect: 100-continue']),
    status: [403],
    origin: [],
  },

  // --- Oversized heads.
  {
    id: 'head-oversized',
    group: 'size',
    what: 'a 20 KiB field value',
    bytes: get([`X-Big: ${'a'.repeat(20_000)}`]),
    status: [400],
    origin: [],
  },
  {
    id: 'target-oversized',
    group: 'size',
    what: 'a 20 KiB target',
    bytes: get([], `/${'a'.repeat(20_000)}`),
    status: [400],
    origin: [],
  },
  {
    id: 'fields-100',
    group: 'size',
    what: '100 fields',
    bytes: get(Array.from({ length: 99 }, (_, i) => `X-F${i}: v`)),
    status: [200],
    origin: ['GET /'],
  },
  {
    id: 'fields-101',
    group: 'size',
    what: '101 fields',
    bytes: get(Array.from({ length: 100 }, (_, i) => `X-F${i}: v`)),
    status: [400],
    origin: [],
  },
  {
    id: 'fields-too-many',
    group: 'size',
    what: '2,100 short fields (Content-Length last)',
    bytes: post(
      [...Array.from({ length: 2100 }, (_, i) => `a${i}:`), `Content-Length: ${SMUGGLED.length}`],
      SMUGGLED,
    ),
    status: [400],
    origin: [],
  },

  // --- Slow heads.
  {
    id: 'slow-head-stalled',
    group: 'slow heads',
    what: 'a head that stops half way (408 after timeouts.httpRequest)',
    bytes: 'GET / HTTP/1.1\r\nHost: x\r\n',
    status: [408],
    origin: [],
  },
  {
    id: 'slow-head-trickle',
    group: 'slow heads',
    what: 'a head sent a few bytes at a time past the head timeout',
    bytes: '',
    pieces: [
      'GET / HTTP/1.1\r\n',
      'Host: x\r\n',
      'X-A: 1\r\n',
      'X-B: 2\r\n',
      'X-C: 3\r\n',
      'X-D: 4\r\n',
      'X-E: 5\r\n',
      '\r\n',
    ],
    pauseMs: 400,
    status: [408],
    origin: [],
  },
  {
    id: 'slow-head-second-stalled',
    group: 'slow heads',
    what: 'on a kept-alive connection, a second head that stops half way (408 after timeouts.httpRequest)',
    bytes: `${get()}GET /b HTTP/1.1\r\nHost: x\r\n`,
    status: [200, 408],
    origin: ['GET /'],
  },
  {
    id: 'slow-head-second-trickle',
    group: 'slow heads',
    what: 'on a kept-alive connection, a second head sent a few bytes at a time past the head timeout',
    bytes: '',
    pieces: [
      get(),
      'GET /b HTTP/1.1\r\n',
      'Host: x\r\n',
      'X-A: 1\r\n',
      'X-B: 2\r\n',
      'X-C: 3\r\n',
      'X-D: 4\r\n',
      '\r\n',
    ],
    pauseMs: 400,
    status: [200, 408],
    origin: ['GET /'],
  },
  {
    id: 'slow-head-second-in-time',
    group: 'slow heads',
    what: 'on a kept-alive connection, a second head sent in pieces within the head timeout',
    bytes: '',
    pieces: [get(), 'GET /b HTTP/1.1\r\n', 'Host: x\r\n', '\r\n'],
    pauseMs: 100,
    status: [200, 200],
    origin: ['GET /', 'GET /b'],
  },
  {
    id: 'slow-head-in-time',
    group: 'slow heads',
    what: 'a head sent in pieces within the head timeout',
    bytes: '',
    pieces: ['GET / HTTP/1.1\r\n', 'Host: x\r\n', '\r\n'],
    pauseMs: 100,
    status: [200],
    origin: ['GET /'],
  },
];
