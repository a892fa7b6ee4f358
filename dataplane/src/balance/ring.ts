// Consistent hashing ring (HAProxy "hash-type consistent"). Every server owns points on a 32-bit
// ring, as many as its configured weight times POINTS_PER_WEIGHT, each at hash("name#i"). A key
// goes to the owner of the first point at or after hash(key), walking on past servers that
// cannot take traffic now. Points depend only on the server's own name and weight, so when a
// server leaves (down, removed) only the keys it owned move, and a new server only takes keys.

import { hash32 } from './hash.js';

/** Points per unit of weight. More points, smoother shares (relative spread ~ 1/sqrt(points)). */
export const POINTS_PER_WEIGHT = 100;
/** Upper bound on ring size; past it every server's share of points is scaled down evenly. */
export const MAX_POINTS = 1 << 20;

export interface RingMember {
  /** Ring identity: points are placed from it (the server name). */
  readonly name: string;
  /** Who the point designates (the server key). */
  readonly key: string;
  readonly weight: number;
}

export class HashRing {
  private readonly hashes: Uint32Array;
  private readonly owners: Int32Array;
  private readonly keys: string[];

  constructor(members: readonly RingMember[]) {
    const total = members.reduce((t, m) => t + Math.max(0, m.weight), 0) * POINTS_PER_WEIGHT;
    const scale = total > MAX_POINTS ? MAX_POINTS / total : 1;
    const points: Array<[hash: number, owner: number]> = [];
    this.keys = members.map((m) => m.key);
    members.forEach((m, owner) => {
      const n = m.weight > 0 ? Math.max(1, Math.floor(m.weight * POINTS_PER_WEIGHT * scale)) : 0;
      for (let i = 0; i < n; i++) points.push([hash32(`${m.name}#${i}`), owner]);
    });
    // Ties (vanishingly rare) are broken by name so every process builds the same ring.
    points.sort((a, b) => a[0] - b[0] || (members[a[1]]!.name < members[b[1]]!.name ? -1 : 1));
    this.hashes = Uint32Array.from(points, (p) => p[0]);
    this.owners = Int32Array.from(points, (p) => p[1]);
  }

  get size(): number {
    return this.hashes.length;
  }

  /** The key of the first member at or after `hash` (clockwise) that `accept` takes. */
  lookup(hash: number, accept: (key: string) => boolean): string | undefined {
    const n = this.hashes.length;
    if (n === 0) return undefined;
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.hashes[mid]! < hash) lo = mid + 1;
      else hi = mid;
    }
    const tried = new Set<number>();
    for (let i = 0; i < n; i++) {
      const owner = this.owners[(lo + i) % n]!;
      if (tried.has(owner)) continue;
      tried.add(owner);
      if (accept(this.keys[owner]!)) return this.keys[owner];
      if (tried.size === this.keys.length) return undefined;
    }
    return undefined;
  }
}
