// bin/bundle-crypto.mjs, node:crypto in the dataplane's bundles: its SHA-256 and SHA-1 give
// node:crypto's digests for every input (differential, seeded), it answers without loading
// node:crypto while it may (the path an idle dataplane takes) and hands over to it otherwise.
import * as crypto from 'node:crypto';
import { expect } from 'chai';
import { JS_HASH_BYTES, onDemandCrypto } from '../../../bin/bundle-crypto.mjs';

/** node:crypto, counting how often the stand-in had to load it. */
function counted(): { load: () => typeof crypto; loads: () => number } {
  let n = 0;
  return { load: () => (n++, crypto), loads: () => n };
}

/** Seeded strings: ASCII, Latin-1, BMP, astral pairs, lone surrogates of both kinds. */
function sampleText(seed: number, count: number, maxLength: number): string[] {
  let s = seed;
  const next = (): number => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const length = Math.floor(next() * maxLength);
    let t = '';
    while (t.length < length) {
      const kind = next();
      if (kind < 0.5) t += String.fromCharCode(0x20 + Math.floor(next() * 0x5f));
      else if (kind < 0.65) t += String.fromCharCode(0x80 + Math.floor(next() * 0x780));
      else if (kind < 0.8) t += String.fromCharCode(0x800 + Math.floor(next() * 0xd000));
      else if (kind < 0.92) t += String.fromCodePoint(0x10000 + Math.floor(next() * 0xfffff));
      else t += String.fromCharCode(0xd800 + Math.floor(next() * 0x800));
    }
    out.push(t);
  }
  return out;
}

/** A split point of `t` that does not cut a surrogate pair in two. */
function splitAt(t: string, at: number): number {
  const high = (c: number): boolean => (c & 0xfc00) === 0xd800;
  const low = (c: number): boolean => (c & 0xfc00) === 0xdc00;
  return at > 0 && at < t.length && high(t.charCodeAt(at - 1)) && low(t.charCodeAt(at)) ? at - 1 : at;
}

describe('bundle-crypto: node:crypto in the bundles', () => {
  for (const alg of ['sha256', 'sha1'] as const) {
    it(`${alg}: the same digests as node:crypto for 3,000 seeded strings, whole and in two updates, and across copy()`, () => {
      const { load, loads } = counted();
      const c = onDemandCrypto(load, { jsHashBytes: Infinity });
      for (const t of sampleText(alg === 'sha256' ? 7 : 8, 3000, 300)) {
        const want = crypto.createHash(alg).update(t).digest('hex');
        expect(c.createHash(alg).update(t).digest('hex'), JSON.stringify(t)).to.equal(want);
        const at = splitAt(t, Math.floor(t.length / 3));
        const first = c.createHash(alg).update(t.slice(0, at));
        const copy = first.copy();
        expect(first.update(t.slice(at)).digest('hex')).to.equal(want);
        expect(copy.update('}').digest('base64')).to.equal(
          crypto.createHash(alg).update(t.slice(0, at)).update('}').digest('base64'),
        );
      }
      expect(loads(), 'node:crypto loaded').to.equal(0);
    });

    it(`${alg}: every length around the block and padding edges, buffers, encodings`, () => {
      const c = onDemandCrypto(() => crypto, { jsHashBytes: Infinity });
      const bytes = crypto.randomBytes(300);
      for (let n = 0; n <= 300; n++) {
        const b = bytes.subarray(0, n);
        expect(c.createHash(alg).update(b).digest('hex'), `${n} bytes`).to.equal(
          crypto.createHash(alg).update(b).digest('hex'),
        );
        // One byte at a time (the partial block carried between updates).
        const h = c.createHash(alg);
        for (const byte of b) h.update(new Uint8Array([byte]));
        expect(
          (h.digest() as Buffer).equals(crypto.createHash(alg).update(b).digest()),
          `${n} bytes singly`,
        ).to.equal(true);
      }
      expect(c.createHash(alg).update('ff00', 'hex').digest('hex')).to.equal(
        crypto.createHash(alg).update('ff00', 'hex').digest('hex'),
      );
      expect(c.createHash(alg.toUpperCase()).update('a').digest('base64url')).to.equal(
        crypto.createHash(alg).update('a').digest('base64url'),
      );
    });

    it(`${alg}: a long string in several slices, with pairs at the slice edges`, () => {
      const c = onDemandCrypto(() => crypto, { jsHashBytes: Infinity });
      for (const t of [
        'é'.repeat(70_000),
        `a${'\u{1F600}'.repeat(40_000)}`,
        `${'x'.repeat(16_383)}\u{1F600}\ud800`,
      ]) {
        expect(c.createHash(alg).update(t).digest('hex')).to.equal(
          crypto.createHash(alg).update(t).digest('hex'),
        );
      }
    });
  }

  it("is node:crypto's once JS_HASH_BYTES went through its own hashers, and for what it does not do itself", () => {
    const { load, loads } = counted();
    const c = onDemandCrypto(load, { jsHashBytes: 1000 });
    c.createHash('sha256').update('x'.repeat(999)).digest('hex');
    expect(loads()).to.equal(0);
    expect(c.jsHashedBytes()).to.equal(999);
    const copyAfter = c.createHash('sha256').update('y');
    expect(c.createHash('sha256')).to.be.instanceOf(crypto.Hash);
    expect(loads()).to.equal(1);
    // A hasher made before goes on in JavaScript, copies included, with the same digest.
    expect(copyAfter.copy().update('z').digest('hex')).to.equal(
      crypto.createHash('sha256').update('yz').digest('hex'),
    );
    const other = onDemandCrypto(load);
    expect(other.createHash('md5').update('a').digest('hex')).to.equal(
      crypto.createHash('md5').update('a').digest('hex'),
    );
    expect(other.createHash('sha256', { outputLength: 32 })).to.be.instanceOf(crypto.Hash);
    expect(loads()).to.equal(3);
    expect(JS_HASH_BYTES).to.be.greaterThan(0);
  });

  it('refuses what node:crypto refuses: a second digest, an update after it, data of another type', () => {
    const c = onDemandCrypto(() => crypto, { jsHashBytes: Infinity });
    const h = c.createHash('sha256').update('a');
    h.digest();
    expect(() => h.digest())
      .to.throw()
      .with.property('code', 'ERR_CRYPTO_HASH_FINALIZED');
    expect(() => h.update('b'))
      .to.throw()
      .with.property('code', 'ERR_CRYPTO_HASH_FINALIZED');
    expect(() => c.createHash('sha256').update(42 as unknown as string))
      .to.throw(TypeError)
      .with.property('code', 'ERR_INVALID_ARG_TYPE');
  });

  it('random bytes from /dev/urandom without node:crypto on this machine, never the same bytes twice', () => {
    const { load, loads } = counted();
    const c = onDemandCrypto(load);
    const seen = new Set<string>();
    for (let i = 0; i < 600; i++) {
      const key = c.randomBytes(16);
      expect(key.length).to.equal(16);
      seen.add(key.toString('hex'));
    }
    expect(seen.size).to.equal(600);
    const b = Buffer.alloc(9000);
    c.randomFillSync(b, 8, 8190);
    expect(b.subarray(0, 8).equals(Buffer.alloc(8)), 'before the range').to.equal(true);
    expect(b.subarray(8198).equals(Buffer.alloc(802)), 'after the range').to.equal(true);
    expect(b.subarray(8, 8198).equals(Buffer.alloc(8190)), 'the range').to.equal(false);
    expect(loads(), 'node:crypto loaded').to.equal(0);
  });

  it('random bytes from node:crypto where no other source answers, or for what it does not do itself', () => {
    const { load, loads } = counted();
    const c = onDemandCrypto(load, { random: () => false });
    expect(c.randomBytes(16).length).to.equal(16);
    expect(c.randomFillSync(Buffer.alloc(4)).length).to.equal(4);
    expect(loads()).to.equal(2);
    const d = onDemandCrypto(load);
    expect(() => d.randomBytes(-1)).to.throw(RangeError);
    expect(d.randomFillSync(new Uint32Array(2)).length).to.equal(2);
    expect(() => d.randomFillSync(Buffer.alloc(4), 2, 3)).to.throw(RangeError);
    expect(loads()).to.equal(5);
  });
});
