// node:crypto in the dataplane's bundles (bin/bundle.mjs): the few calls an idle dataplane makes
// answered without loading node:crypto, everything else by the real module on first use.
//
// Why: loading node:crypto costs an idle dataplane on Node.js 26 ~1.5–2 MiB of RSS, most of it
// the node binary's pages that the crypto binding's start-up (the templates of its ~40 classes)
// and the hashing touch, the rest its 20 JavaScript modules in V8's heap
// (bench/history/2026-12-03-idle-rss-node26-4.md).
// What an idle dataplane with a small configuration asks of it is: SHA-256 of the snapshots'
// canonical JSON (protocol/src/canonical.ts: the version check and the per-object digests),
// SHA-1 of the control channel's handshake key and 16 random bytes for that key (ws's client),
// and 4 random bytes per frame it sends (ws masks every client frame). So:
//   - createHash('sha256' | 'sha1') without options is a hasher in JavaScript (the same digests:
//     FIPS 180-4; a differential test holds it to node:crypto) until `JS_HASH_BYTES` bytes in all
//     have gone through such hashers; after that createHash is node:crypto's, which is ~10×
//     faster on long inputs: a large configuration pays the module once, a small one never;
//   - randomBytes(n) (no callback) and randomFillSync come from /dev/urandom (the kernel's
//     CSPRNG, what OpenSSL seeds from on Linux), read 4 KiB at a time; where it cannot be
//     read (not Linux), from node:crypto;
//   - anything else (timingSafeEqual, createHmac, the TLS code's use…) loads node:crypto.
// A hasher made in JavaScript stays in JavaScript (copy() included); it never mixes with
// node:crypto's, which is fine: both give the same bytes.

/** Bytes hashed in JavaScript, in all, before createHash hands over to node:crypto for good. */
export const JS_HASH_BYTES = 64 * 1024;

const K256 = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98,
  0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
  0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8,
  0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
  0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
  0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
  0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
  0xc67178f2,
]);
const W = new Int32Array(80);

/** SHA-256 compression of the 64-byte blocks of `b` from `off` to `end` into `h` (8 words). */
function sha256Blocks(h, b, off, end) {
  let h0 = h[0],
    h1 = h[1],
    h2 = h[2],
    h3 = h[3],
    h4 = h[4],
    h5 = h[5],
    h6 = h[6],
    h7 = h[7];
  for (; off < end; off += 64) {
    for (let i = 0; i < 16; i++) {
      const j = off + i * 4;
      W[i] = (b[j] << 24) | (b[j + 1] << 16) | (b[j + 2] << 8) | b[j + 3];
    }
    for (let i = 16; i < 64; i++) {
      const x = W[i - 15],
        y = W[i - 2];
      const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
      const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
      W[i] = (W[i - 16] + s0 + W[i - 7] + s1) | 0;
    }
    let a = h0,
      bb = h1,
      c = h2,
      d = h3,
      e = h4,
      f = h5,
      g = h6,
      hh = h7;
    for (let i = 0; i < 64; i++) {
      const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
      const t1 = (hh + S1 + ((e & f) ^ (~e & g)) + K256[i] + W[i]) | 0;
      const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
      const t2 = (S0 + ((a & bb) ^ (a & c) ^ (bb & c))) | 0;
      hh = g;
      g = f;
      f = e;
      e = (d + t1) | 0;
      d = c;
      c = bb;
      bb = a;
      a = (t1 + t2) | 0;
    }
    h0 = (h0 + a) | 0;
    h1 = (h1 + bb) | 0;
    h2 = (h2 + c) | 0;
    h3 = (h3 + d) | 0;
    h4 = (h4 + e) | 0;
    h5 = (h5 + f) | 0;
    h6 = (h6 + g) | 0;
    h7 = (h7 + hh) | 0;
  }
  h[0] = h0;
  h[1] = h1;
  h[2] = h2;
  h[3] = h3;
  h[4] = h4;
  h[5] = h5;
  h[6] = h6;
  h[7] = h7;
}

/** SHA-1 compression (FIPS 180-4 6.1.2) of the 64-byte blocks of `b` from `off` to `end` into `h` (5 words). */
function sha1Blocks(h, b, off, end) {
  let h0 = h[0],
    h1 = h[1],
    h2 = h[2],
    h3 = h[3],
    h4 = h[4];
  for (; off < end; off += 64) {
    for (let i = 0; i < 16; i++) {
      const j = off + i * 4;
      W[i] = (b[j] << 24) | (b[j + 1] << 16) | (b[j + 2] << 8) | b[j + 3];
    }
    for (let i = 16; i < 80; i++) {
      const x = W[i - 3] ^ W[i - 8] ^ W[i - 14] ^ W[i - 16];
      W[i] = (x << 1) | (x >>> 31);
    }
    let a = h0,
      bb = h1,
      c = h2,
      d = h3,
      e = h4;
    for (let i = 0; i < 80; i++) {
      let f, k;
      if (i < 20) {
        f = (bb & c) | (~bb & d);
        k = 0x5a827999;
      } else if (i < 40) {
        f = bb ^ c ^ d;
        k = 0x6ed9eba1;
      } else if (i < 60) {
        f = (bb & c) | (bb & d) | (c & d);
        k = 0x8f1bbcdc;
      } else {
        f = bb ^ c ^ d;
        k = 0xca62c1d6;
      }
      const t = (((a << 5) | (a >>> 27)) + f + e + k + W[i]) | 0;
      e = d;
      d = c;
      c = (bb << 30) | (bb >>> 2);
      bb = a;
      a = t;
    }
    h0 = (h0 + a) | 0;
    h1 = (h1 + bb) | 0;
    h2 = (h2 + c) | 0;
    h3 = (h3 + d) | 0;
    h4 = (h4 + e) | 0;
  }
  h[0] = h0;
  h[1] = h1;
  h[2] = h2;
  h[3] = h3;
  h[4] = h4;
}

const SHA256_IV = [
  0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
];
const SHA1_IV = [0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0];
const ALGORITHMS = {
  sha256: { iv: SHA256_IV, blocks: sha256Blocks },
  sha1: { iv: SHA1_IV, blocks: sha1Blocks },
};

/** Strings are hashed as node:crypto does by default: their UTF-8 (a lone surrogate as U+FFFD). */
const TEXT_CHUNK = 16 * 1024;
const textBuf = Buffer.allocUnsafe(TEXT_CHUNK * 3);

function hashError(code, message, Type = Error) {
  const err = new Type(message);
  err.code = code;
  return err;
}

/** A hasher with node:crypto's Hash methods the bundle uses: update, digest, copy. */
class JsHash {
  constructor(alg, counter, from) {
    this.alg = alg;
    this.counter = counter;
    this.h = Int32Array.from(from ? from.h : alg.iv);
    this.block = Buffer.alloc(64);
    if (from) from.block.copy(this.block);
    this.used = from ? from.used : 0;
    this.length = from ? from.length : 0;
    this.done = false;
  }

  update(data, encoding) {
    if (this.done) throw hashError('ERR_CRYPTO_HASH_FINALIZED', 'Digest already called');
    if (typeof data === 'string') {
      if (encoding !== undefined && encoding !== 'utf8' && encoding !== 'utf-8')
        return this.bytes(Buffer.from(data, encoding));
      // Long strings in slices: a slice boundary never splits a surrogate pair.
      for (let i = 0; i < data.length;) {
        let end = Math.min(data.length, i + TEXT_CHUNK);
        if (end < data.length && (data.charCodeAt(end - 1) & 0xfc00) === 0xd800) end--;
        const n = textBuf.write(end - i === data.length ? data : data.slice(i, end), 0, 'utf8');
        this.bytes(textBuf, 0, n);
        i = end;
      }
      return this;
    }
    if (ArrayBuffer.isView(data))
      return this.bytes(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    throw hashError(
      'ERR_INVALID_ARG_TYPE',
      'The "data" argument must be of type string or an instance of Buffer, TypedArray, or DataView.',
      TypeError,
    );
  }

  bytes(b, start = 0, end = b.length) {
    this.counter.bytes += end - start;
    this.length += end - start;
    let off = start;
    if (this.used > 0) {
      const take = Math.min(64 - this.used, end - off);
      this.block.set(b.subarray(off, off + take), this.used);
      this.used += take;
      off += take;
      if (this.used < 64) return this;
      this.alg.blocks(this.h, this.block, 0, 64);
      this.used = 0;
    }
    const whole = off + ((end - off) & ~63);
    if (whole > off) this.alg.blocks(this.h, b, off, whole);
    if (whole < end) {
      this.block.set(b.subarray(whole, end), 0);
      this.used = end - whole;
    }
    return this;
  }

  digest(encoding) {
    if (this.done) throw hashError('ERR_CRYPTO_HASH_FINALIZED', 'Digest already called');
    this.done = true;
    const bits = this.length * 8;
    const tail = Buffer.alloc(this.used < 56 ? 64 : 128);
    this.block.copy(tail, 0, 0, this.used);
    tail[this.used] = 0x80;
    tail.writeUInt32BE(Math.floor(bits / 0x100000000), tail.length - 8);
    tail.writeUInt32BE(bits >>> 0, tail.length - 4);
    this.alg.blocks(this.h, tail, 0, tail.length);
    const out = Buffer.allocUnsafe(this.h.length * 4);
    for (let i = 0; i < this.h.length; i++) out.writeInt32BE(this.h[i], i * 4);
    return encoding === undefined || encoding === 'buffer' ? out : out.toString(encoding);
  }

  copy(options) {
    if (options !== undefined)
      throw hashError('ERR_INVALID_ARG_VALUE', 'copy() options are not supported here');
    if (this.done) throw hashError('ERR_CRYPTO_HASH_FINALIZED', 'Digest already called');
    return new JsHash(this.alg, this.counter, this);
  }
}

/**
 * `load`: requires node:crypto (called at most when needed). `random`: reads random bytes into a
 * Buffer, or returns false if it cannot (the default reads /dev/urandom).
 */
export function onDemandCrypto(load, { jsHashBytes = JS_HASH_BYTES, random = urandom } = {}) {
  const counter = { bytes: 0 };
  const pool = Buffer.alloc(4096);
  let poolLeft = 0;
  let randomWorks = true;
  /** Fills b[off, off + n) from the pool, refilled from `random`; false if there is no source. */
  const fill = (b, off, n) => {
    while (n > 0) {
      if (poolLeft === 0) {
        if (!randomWorks || !random(pool)) return (randomWorks = false);
        poolLeft = pool.length;
      }
      const take = Math.min(n, poolLeft);
      pool.copy(b, off, pool.length - poolLeft, pool.length - poolLeft + take);
      // Bytes handed out are not handed out again.
      pool.fill(0, pool.length - poolLeft, pool.length - poolLeft + take);
      poolLeft -= take;
      off += take;
      n -= take;
    }
    return true;
  };
  return {
    /** How many bytes the JavaScript hashers took (tests: the JavaScript path is the one taken). */
    jsHashedBytes: () => counter.bytes,
    createHash(algorithm, options) {
      const alg =
        typeof algorithm === 'string' && options === undefined
          ? ALGORITHMS[algorithm.toLowerCase()]
          : undefined;
      if (alg === undefined || counter.bytes >= jsHashBytes) return load().createHash(algorithm, options);
      return new JsHash(alg, counter);
    },
    randomBytes(size, callback) {
      if (callback !== undefined || !Number.isSafeInteger(size) || size < 0 || size > 65536)
        return load().randomBytes(size, callback);
      const b = Buffer.alloc(size);
      return fill(b, 0, size) ? b : load().randomBytes(size);
    },
    randomFillSync(buf, offset = 0, size) {
      if (!Buffer.isBuffer(buf) || !Number.isSafeInteger(offset) || offset < 0 || offset > buf.length)
        return load().randomFillSync(buf, offset, size);
      const n = size === undefined ? buf.length - offset : size;
      if (!Number.isSafeInteger(n) || n < 0 || offset + n > buf.length)
        return load().randomFillSync(buf, offset, size);
      return fill(buf, offset, n) ? buf : load().randomFillSync(buf, offset, size);
    },
  };
}

/** Fills `b` from /dev/urandom; false where it cannot be read whole. */
function urandom(b) {
  const fs = process.getBuiltinModule('node:fs');
  let fd;
  try {
    fd = fs.openSync('/dev/urandom', 'r');
    let got = 0;
    while (got < b.length) {
      const n = fs.readSync(fd, b, got, b.length - got, null);
      if (n <= 0) return false;
      got += n;
    }
    return true;
  } catch {
    return false;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}
