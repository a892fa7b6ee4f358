// Response fields kept as lines (http/field-lines.ts) against the same head parsed as pairs: the
// parser must accept and refuse exactly the same bytes either way, give the same fields, and the
// lines written to a client must be byte for byte what the list path writes (hop-by-hop fields
// removed, header edits applied, framing fields left to the engine) — over a corpus of server
// responses, header edits, and seeded mutations of both.
import { expect } from 'chai';
import { FieldLines } from '#dataplane/http/field-lines';
import { endToEnd } from '#dataplane/http/headers';
import { isFieldName } from '#dataplane/http/message';
import { ParseError, parseResponseHead, type Head } from '#dataplane/http/engine/h1-parser';
import { applyHeaderEdits, compileHeaderEdits } from '#dataplane/router/header-edits';
import type { CompiledHeaderEdits, HeaderList } from '#dataplane/router/types';
import { mutateHead } from '../../support/head-mutation.js';
import { prng } from '../../support/prng.js';

const RESPONSES = [
  'HTTP/1.1 200 OK\r\nServer: nginx\r\nDate: Thu, 03 Dec 2026 00:00:00 GMT\r\nContent-Type: text/plain\r\nContent-Length: 64\r\nConnection: keep-alive\r\nX-Upstream: a\r\nX-Seen-XFF: \r\n\r\n',
  'HTTP/1.1 204 No Content\r\n\r\n',
  'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nKeep-Alive: timeout=5\r\nTrailer: X-T\r\nX-A: 1\r\n\r\n',
  'HTTP/1.0 200 OK\r\nContent-Type: text/html\r\n\r\n',
  'HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\nETag: "x"\r\n\r\n',
  'HTTP/1.1 200 OK\r\nFoo:bar\r\nBaz:   spaced   \r\nTab:\tv\t\r\nEmpty:\r\nContent-Length:  5 \r\n\r\n',
  'HTTP/1.1 200 OK\r\nConnection: close, X-Private\r\nX-Private: secret\r\nContent-Length: 0\r\n\r\n',
  'HTTP/1.1 200 OK\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nProxy-Connection: keep-alive\r\nTE: trailers\r\nContent-Length: 0\r\n\r\n',
  'HTTP/1.1 200 OK\r\nset-cookie: a=1\r\nSet-Cookie: b=2\r\nX-Served-By: old\r\nx-served-by: older\r\nContent-Length: 000\r\n\r\n',
  'HTTP/1.1 200 OK\r\nX-Obs: \xe9t\xe9\r\nContent-Length: 1\r\n\r\n',
  'HTTP/1.1 200\r\nContent-Length: 1\r\n\r\n',
  // refused either way
  'HTTP/1.1 200 OK\r\nFoo: a\r\n b\r\n\r\n',
  'HTTP/1.1 200 OK\r\nFoo : a\r\n\r\n',
  'HTTP/1.1 200 OK\r\nFoo: a\rb\r\n\r\n',
  'HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n',
  'HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n',
  'HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n',
  'HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n',
  'HTTP/1.1 200 OK\r\nX\x00: a\r\n\r\n',
  'HTTP/1.1 20 OK\r\n\r\n',
];

const EDITS: Array<readonly CompiledHeaderEdits[]> = [
  [],
  [compileHeaderEdits({ add: [], set: [{ name: 'X-Served-By', value: 'bascule' }], remove: [] })!],
  [compileHeaderEdits({ add: [{ name: 'X-A', value: '2' }], set: [], remove: ['server', 'DATE'] })!],
  [
    compileHeaderEdits({ add: [{ name: 'X-Added', value: 'one' }], set: [], remove: [] })!,
    compileHeaderEdits({ add: [], set: [{ name: 'x-added', value: 'two' }], remove: ['set-cookie'] })!,
  ],
  [
    compileHeaderEdits({
      add: [],
      set: [],
      remove: ['a1', 'a2', 'a3', 'a4', 'a5', 'a6', 'a7', 'a8', 'x-upstream', 'content-type'],
    })!,
  ],
];

/** The list path: what h1-server's sendHead writes for the fields of a relayed response. */
function listPath(headers: HeaderList, edits: readonly CompiledHeaderEdits[], dropFraming: boolean): string {
  const h = applyHeaderEdits(endToEnd(headers), edits);
  let out = '';
  for (const [n, v] of h) {
    if (dropFraming && (isFieldName(n, 'content-length') || isFieldName(n, 'transfer-encoding'))) continue;
    if (isFieldName(n, 'connection')) continue;
    out += `${n}: ${v}\r\n`;
  }
  return out;
}

type Parsed = { ok: true; head: Head } | { ok: false; code: string };

function parse(bytes: Buffer, asLines: boolean): Parsed {
  try {
    return { ok: true, head: parseResponseHead(bytes, 0, bytes.length, asLines) };
  } catch (e) {
    if (!(e instanceof ParseError)) throw e;
    return { ok: false, code: e.code };
  }
}

/** Both parses agree; when accepted, the lines write what the list path writes. */
function check(bytes: Buffer, edits: readonly CompiledHeaderEdits[]): boolean {
  const pairs = parse(bytes, false);
  const lines = parse(bytes, true);
  expect(lines.ok, JSON.stringify(bytes.toString('latin1'))).to.equal(pairs.ok);
  if (!pairs.ok || !lines.ok) {
    if (!pairs.ok && !lines.ok) expect(lines.code).to.equal(pairs.code);
    return false;
  }
  const p = pairs.head;
  const l = lines.head;
  const fl = l.lines!;
  expect(fl).to.be.instanceOf(FieldLines);
  expect(l.headers).to.have.length(0);
  expect(fl.headers()).to.deep.equal(p.headers);
  for (const k of ['status', 'reason', 'version', 'framing', 'contentLength', 'close', 'keepAlive'] as const)
    expect(l[k], k).to.equal(p[k]);
  if (fl.nominates) {
    // The proxy takes the list path then; the list path drops what Connection names.
    expect(endToEnd(p.headers).length).to.be.lessThan(p.headers.length);
    return true;
  }
  const expected = listPath(p.headers, edits, true);
  const expectedKeepFraming = listPath(p.headers, edits, false);
  fl.edit(edits);
  expect(fl.serialize(true)).to.equal(expected);
  expect(fl.serialize(false)).to.equal(expectedKeepFraming);
  expect(fl.forwarded()).to.deep.equal(applyHeaderEdits(endToEnd(p.headers), edits));
  return true;
}

describe('dataplane/http: response fields as lines', () => {
  it('parse the same bytes as pairs do, and write what the list path writes, under every edit', () => {
    let accepted = 0;
    for (const text of RESPONSES)
      for (const edits of EDITS) if (check(Buffer.from(text, 'latin1'), edits)) accepted++;
    expect(accepted).to.equal(11 * EDITS.length);
  });

  it('copy a line only when it reads "name: value"; others are written from name and value', () => {
    const bytes = Buffer.from('HTTP/1.1 200 OK\r\nA:1\r\nB: 2 \r\nC: 3\r\nD:\t4\r\n\r\n', 'latin1');
    const fl = parseResponseHead(bytes, 0, bytes.length, true).lines!;
    expect(fl.serialize(true)).to.equal('A: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n');
  });

  it('leave out hop-by-hop fields, and framing fields when the engine writes its own', () => {
    const bytes = Buffer.from(RESPONSES[0]!, 'latin1');
    const fl = parseResponseHead(bytes, 0, bytes.length, true).lines!;
    const out = fl.serialize(true);
    expect(out).not.to.match(/connection|content-length/i);
    expect(out).to.match(/^Server: nginx\r\n/);
    expect(fl.serialize(false)).to.include('Content-Length: 64\r\n');
  });

  it('seeded mutations: the two forms never disagree', () => {
    const rnd = prng(0x6c696e65);
    const bases = RESPONSES.map((t) => Buffer.from(t, 'latin1'));
    let n = 0;
    for (let i = 0; i < 4000; i++) {
      let b: Buffer = bases[Math.floor(rnd() * bases.length)]!;
      const edits = Math.floor(rnd() * 3);
      for (let k = 0; k <= edits; k++) b = mutateHead(b, rnd);
      // Only whole heads (what findHeadEnd hands the parser): ending in an empty line.
      if (!b.toString('latin1').endsWith('\r\n\r\n')) continue;
      check(b, EDITS[Math.floor(rnd() * EDITS.length)]!);
      n++;
    }
    expect(n).to.be.greaterThan(1000);
  });
});
