// Request fields kept as lines (http/field-lines.ts) against the same head parsed as pairs: the
// parser must accept and refuse exactly the same bytes either way and give the same fields, and
// the field lines sent to a server (http/headers.ts requestFieldLines) must be byte for byte what
// the proxy's list path sends (endToEnd, addForwarded, header edits, withFraming, Host) — over a
// corpus of client requests, forwardFor on and off, header edits, and seeded mutations.
import { expect } from 'chai';
import { FieldLines } from '#dataplane/http/field-lines';
import { addForwarded, endToEnd, hasHeader, requestFieldLines, withFraming } from '#dataplane/http/headers';
import { hostValue, type HttpRequestHead } from '#dataplane/http/message';
import { ParseError, parseRequestHead, type Head } from '#dataplane/http/engine/h1-parser';
import { applyHeaderEdits, compileHeaderEdits } from '#dataplane/router/header-edits';
import type { CompiledHeaderEdits } from '#dataplane/router/types';
import { mutateHead } from '../../support/head-mutation.js';
import { prng } from '../../support/prng.js';

const REQUESTS = [
  'GET / HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n',
  'GET /a?b=c HTTP/1.1\r\nHost: example.com\r\nUser-Agent: wrk\r\nAccept: */*\r\n\r\n',
  'POST /up HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nContent-Type: text/plain\r\n\r\n',
  'POST /up HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nTE: trailers\r\nTrailer: X-T\r\n\r\n',
  'GET / HTTP/1.1\r\nHost: h\r\nX-Forwarded-For: 10.0.0.1\r\nx-forwarded-for: 10.0.0.2, 10.0.0.3\r\nX-Forwarded-Proto: https\r\nX-Forwarded-Host: other\r\nX-Forwarded-Port: 1\r\n\r\n',
  'GET / HTTP/1.1\r\nHost: h\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\nProxy-Connection: keep-alive\r\n\r\n',
  'GET / HTTP/1.1\r\nHost:h\r\nFoo:bar\r\nBaz:   spaced   \r\nTab:\tv\t\r\nEmpty:\r\n\r\n',
  'GET / HTTP/1.1\r\nConnection: close, X-Private\r\nX-Private: secret\r\nHost: h\r\n\r\n',
  'GET / HTTP/1.1\r\nHost: h\r\nCookie: a=1\r\nCookie: b=2\r\nX-Obs: \xe9t\xe9\r\n\r\n',
  'GET / HTTP/1.0\r\nUser-Agent: old\r\n\r\n',
  'GET / HTTP/1.0\r\nHost: h\r\nConnection: keep-alive\r\n\r\n',
  'GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n',
  'OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n',
  'GET http://h/x HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n',
  // refused either way
  'GET / HTTP/1.1\r\nHost: h\r\nFoo: a\r\n b\r\n\r\n',
  'GET / HTTP/1.1\r\nHost : h\r\n\r\n',
  'GET / HTTP/1.1\r\nHost: h\rx\r\n\r\n',
  'POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n',
  'POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n',
  'POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip\r\n\r\n',
  'GET / HTTP/1.1\r\nHost: h\r\nX\x00: a\r\n\r\n',
  'GET /\x7f HTTP/1.1\r\nHost: h\r\n\r\n',
];
const ACCEPTED = 14;

const EDITS: Array<readonly CompiledHeaderEdits[]> = [
  [],
  [compileHeaderEdits({ add: [], set: [{ name: 'X-Served-By', value: 'bascule' }], remove: [] })!],
  [compileHeaderEdits({ add: [{ name: 'X-A', value: '2' }], set: [], remove: ['user-agent', 'HOST'] })!],
  [compileHeaderEdits({ add: [], set: [{ name: 'Host', value: 'rewritten' }], remove: [] })!],
  [compileHeaderEdits({ add: [{ name: 'Content-Length', value: '99' }], set: [], remove: [] })!],
  [
    compileHeaderEdits({ add: [{ name: 'X-Added', value: 'one' }], set: [], remove: ['x-forwarded-for'] })!,
    compileHeaderEdits({ add: [], set: [{ name: 'x-added', value: 'two' }], remove: ['cookie'] })!,
  ],
  [
    compileHeaderEdits({
      add: [],
      set: [],
      remove: ['a1', 'a2', 'a3', 'a4', 'a5', 'a6', 'a7', 'a8', 'x-forwarded-proto', 'accept'],
    })!,
  ],
];

const FORWARD = { clientAddress: '192.0.2.7', proto: 'http' as const, port: 8080 };

interface Case {
  edits: readonly CompiledHeaderEdits[];
  forwardFor: boolean;
  routedHost: string;
}

/** The list path: http/proxy.ts Exchange.requestHeaders (no cookie persistence, no Via). */
function listPath(h: Head, c: Case): string {
  let out = endToEnd(h.headers);
  if (c.forwardFor) {
    const host = h.headers.find(([n]) => n.toLowerCase() === 'host')?.[1] ?? '';
    out = addForwarded(out, { ...FORWARD, host });
  }
  out = applyHeaderEdits(out, c.edits);
  out = withFraming(out, {
    chunked: h.framing === 'chunked',
    contentLength: h.framing === 'length' ? String(h.contentLength) : undefined,
  });
  if (!hasHeader(out, 'host')) out = [...out, ['Host', c.routedHost || 'localhost']];
  return out.map(([n, v]) => `${n}: ${v}\r\n`).join('');
}

type Parsed = { ok: true; head: Head } | { ok: false; code: string };

function parse(bytes: Buffer, asLines: boolean): Parsed {
  try {
    return { ok: true, head: parseRequestHead(bytes, 0, bytes.length, asLines) };
  } catch (e) {
    if (!(e instanceof ParseError)) throw e;
    return { ok: false, code: e.code };
  }
}

/** Both parses agree; when the lines path applies, it sends what the list path sends. */
function check(bytes: Buffer, c: Case): boolean {
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
  expect(fl.headers()).to.deep.equal(p.headers);
  for (const k of [
    'method',
    'target',
    'version',
    'framing',
    'contentLength',
    'close',
    'keepAlive',
    'upgrade',
    'connectionUpgrade',
    'expectContinue',
  ] as const)
    expect(l[k], k).to.equal(p[k]);
  // What admission and routing read of the lines: the Host fields.
  const hosts = p.headers.filter(([n]) => n.toLowerCase() === 'host');
  expect(fl.hosts).to.equal(hosts.length);
  const head = { headers: p.headers, lines: fl } as unknown as HttpRequestHead;
  expect(hostValue(head)).to.equal(hosts[0]?.[1]);
  // The proxy takes the list path for these (http/proxy.ts).
  if (fl.nominates || fl.hosts !== 1) return true;
  const sent = requestFieldLines(fl, {
    forwarded: c.forwardFor ? { ...FORWARD, host: fl.value(fl.firstHost) } : undefined,
    edits: c.edits,
    chunked: l.framing === 'chunked',
    contentLength: l.framing === 'length' ? l.contentLength : -1,
    host: c.routedHost,
  });
  expect(sent, JSON.stringify(bytes.toString('latin1'))).to.equal(listPath(p, c));
  return true;
}

describe('dataplane/http: request fields as lines', () => {
  it('parse the same bytes as pairs do, and send what the list path sends, under every edit', () => {
    let accepted = 0;
    for (const text of REQUESTS)
      for (const edits of EDITS)
        for (const forwardFor of [false, true])
          if (check(Buffer.from(text, 'latin1'), { edits, forwardFor, routedHost: 'routed' })) accepted++;
    expect(accepted).to.equal(ACCEPTED * EDITS.length * 2);
  });

  it('copy the client lines that read "name: value" as they are, in one run', () => {
    const bytes = Buffer.from(REQUESTS[1]!, 'latin1');
    const fl = parseRequestHead(bytes, 0, bytes.length, true).lines!;
    const sent = requestFieldLines(fl, {
      forwarded: undefined,
      edits: [],
      chunked: false,
      contentLength: -1,
      host: '',
    });
    expect(sent).to.equal('Host: example.com\r\nUser-Agent: wrk\r\nAccept: */*\r\n');
  });

  it('never send the client framing or hop-by-hop fields: the parser framing is written', () => {
    const bytes = Buffer.from(REQUESTS[3]!, 'latin1');
    const l = parseRequestHead(bytes, 0, bytes.length, true);
    const sent = requestFieldLines(l.lines!, {
      forwarded: undefined,
      edits: EDITS[4]!,
      chunked: l.framing === 'chunked',
      contentLength: -1,
      host: '',
    });
    expect(sent).to.equal('Host: h\r\nTransfer-Encoding: chunked\r\n');
  });

  it('seeded mutations: the two forms never disagree', () => {
    const rnd = prng(0x72716c6e);
    const bases = REQUESTS.map((t) => Buffer.from(t, 'latin1'));
    let n = 0;
    for (let i = 0; i < 4000; i++) {
      let b: Buffer = bases[Math.floor(rnd() * bases.length)]!;
      const edits = Math.floor(rnd() * 3);
      for (let k = 0; k <= edits; k++) b = mutateHead(b, rnd);
      // Only whole heads (what findHeadEnd hands the parser): ending in an empty line.
      if (!b.toString('latin1').endsWith('\r\n\r\n')) continue;
      check(b, {
        edits: EDITS[Math.floor(rnd() * EDITS.length)]!,
        forwardFor: rnd() < 0.5,
        routedHost: rnd() < 0.5 ? '' : 'routed',
      });
      n++;
    }
    expect(n).to.be.greaterThan(1000);
  });
});
