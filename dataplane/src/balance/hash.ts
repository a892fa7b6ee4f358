// The hash behind every hashing algorithm and the consistent-hash ring: 32-bit FNV-1a over the
// string's UTF-16 code units, finished with MurmurHash3's fmix32 avalanche so that keys differing
// in one character land far apart (HAProxy likewise adds "avalanche" to its default sdbm).
// Deterministic across processes and platforms: every dataplane maps a key to the same server.

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** fmix32 from MurmurHash3: full avalanche of a 32-bit value. */
export function avalanche(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Unsigned 32-bit hash of a string. */
export function hash32(key: string): number {
  let h = FNV_OFFSET;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    h ^= c & 0xff;
    h = Math.imul(h, FNV_PRIME);
    if (c > 0xff) {
      h ^= c >>> 8;
      h = Math.imul(h, FNV_PRIME);
    }
  }
  return avalanche(h);
}
