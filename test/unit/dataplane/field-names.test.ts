// Field-name comparisons on the request path compare in place instead of lower-casing; they must
// agree with the plain `name.toLowerCase() === lower` they replace, for every byte a field name
// (or anything else) may hold, and hop-by-hop removal must drop what it dropped before.
import { expect } from 'chai';
import { endToEnd } from '#dataplane/http/headers';
import { isFieldName } from '#dataplane/http/message';

const NAMES = [
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'content-length',
  'x-forwarded-for',
  'host',
];

/** Deterministic variants of `lower`: random case, and single bytes swapped for any latin1 byte. */
function variants(lower: string, seed: number): string[] {
  const out: string[] = [lower, lower.toUpperCase()];
  let x = seed;
  const next = (): number => (x = (x * 1103515245 + 12345) % 2 ** 31);
  for (let k = 0; k < 300; k++) {
    let s = '';
    for (const ch of lower) s += next() % 2 ? ch.toUpperCase() : ch;
    if (k % 2) {
      const at = next() % s.length;
      s = s.slice(0, at) + String.fromCharCode(next() % 256) + s.slice(at + 1);
    }
    out.push(s);
  }
  return out;
}

describe('dataplane/field names compared in place', () => {
  it('isFieldName agrees with toLowerCase() === lower for any case and any byte', () => {
    let matches = 0;
    for (const [i, lower] of NAMES.entries())
      for (const name of [...variants(lower, i + 1), lower.slice(1), `${lower}x`]) {
        const expected = name.toLowerCase() === lower;
        expect(isFieldName(name, lower), JSON.stringify(name)).to.equal(expected);
        if (expected) matches++;
      }
    expect(matches).to.be.greaterThan(1000);
    // Bytes that differ from a non-letter by 0x20 are not equal ("\r" vs "-", "\x0c" vs ",").
    expect(isFieldName('keep\ralive', 'keep-alive')).to.equal(false);
    expect(isFieldName('X-FORWARDED-FOR', 'x-forwarded-for')).to.equal(true);
  });

  it('endToEnd drops hop-by-hop fields and what Connection nominates, in any case, and nothing else', () => {
    const headers: Array<[string, string]> = [
      ['Host', 'a'],
      ['CONNECTION', 'Keep-Alive, X-Private, close, Content-Length'],
      ['Keep-Alive', 'timeout=5'],
      ['x-private', '1'],
      ['X-PRIVATE', '2'],
      ['Content-Length', '3'],
      ['TE', 'trailers'],
      ['Trailer', 'x'],
      ['Transfer-Encoding', 'chunked'],
      ['Upgrade', 'websocket'],
      ['Proxy-Connection', 'keep-alive'],
      ['X-Kept', 'yes'],
    ];
    expect(endToEnd(headers)).to.deep.equal([
      ['Host', 'a'],
      ['Content-Length', '3'],
      ['X-Kept', 'yes'],
    ]);
    // The usual options nominate nothing: every other field stays.
    const plain: Array<[string, string]> = [
      ['Connection', 'keep-alive'],
      ['Server', 'nginx'],
      ['Content-Type', 'text/plain'],
    ];
    expect(endToEnd(plain)).to.deep.equal(plain.slice(1));
  });
});
