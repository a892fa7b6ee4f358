// Types of bin/bundle-crypto.mjs (node:crypto in the dataplane's bundles), for its tests.
import type { Hash } from 'node:crypto';

export declare const JS_HASH_BYTES: number;
export interface OnDemandCrypto {
  jsHashedBytes(): number;
  createHash(algorithm: string, options?: object): Hash;
  randomBytes(size: number): Buffer;
  randomFillSync<T extends NodeJS.ArrayBufferView>(buf: T, offset?: number, size?: number): T;
}
export declare function onDemandCrypto(
  load: () => typeof import('node:crypto'),
  options?: { jsHashBytes?: number; random?: (b: Buffer) => boolean },
): OnDemandCrypto;
