// Hashing algorithms: source, uri, url-param, header (HAProxy balance source / uri / url_param /
// hdr). The key is hashed and mapped to a server:
//   map-based   hash mod the total configured weight of the candidates (smooth shares, but most
//               keys move when the set of servers changes — HAProxy's default);
//   consistent  a ring with points proportional to weight (only the keys of a server that
//               leaves move; see ring.ts).
// A request without a key (no such header or query parameter) falls back to round robin, as in
// HAProxy. The chosen server may be full: the request then waits for it (see balancer.ts).
import type { BackendSnap } from '#protocol/snapshot';
import type { Algorithm, Balancer, Candidate, PickContext } from './balancer.js';
import { hash32 } from './hash.js';
import { HashRing, type RingMember } from './ring.js';
import { SmoothRoundRobin } from './round-robin.js';

export type HashAlgorithm = Extract<Algorithm, 'source' | 'uri' | 'url-param' | 'header'>;

const first = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v.join(',') : v);

/** The value hashed for a request, or undefined when it has none (round robin then applies). */
export function hashKeyOf(
  algorithm: HashAlgorithm,
  param: string | undefined,
  ctx: PickContext,
): string | undefined {
  switch (algorithm) {
    case 'source':
      return ctx.sourceAddress || undefined;
    case 'uri':
      return ctx.path; // the part before '?', as HAProxy's default (no "whole")
    case 'url-param': {
      if (!param || !ctx.query) return undefined;
      const v = new URLSearchParams(ctx.query).get(param);
      return v === null || v === '' ? undefined : v;
    }
    case 'header': {
      if (!param) return undefined;
      const v = first(ctx.headers?.[param.toLowerCase()]);
      return v === undefined || v.trim() === '' ? undefined : v;
    }
  }
}

/** Map-based: hash mod total weight, over the candidates in configuration order. */
export function mapBased<C extends Candidate>(candidates: readonly C[], hash: number): C | undefined {
  let total = 0;
  for (const c of candidates) total += Math.max(0, c.staticWeight);
  if (total === 0) return undefined;
  let slot = hash % total;
  for (const c of candidates) {
    const w = Math.max(0, c.staticWeight);
    if (slot < w) return c;
    slot -= w;
  }
  return undefined;
}

export class HashBalancer implements Balancer {
  private readonly fallback = new SmoothRoundRobin();
  private readonly ring: HashRing | undefined;
  private readonly param: string | undefined;

  constructor(
    readonly algorithm: HashAlgorithm,
    backend: Readonly<Pick<BackendSnap, 'balance'>>,
    members: readonly RingMember[],
  ) {
    this.param = backend.balance.hashKey;
    this.ring = backend.balance.hashType === 'consistent' ? new HashRing(members) : undefined;
  }

  pick<C extends Candidate>(candidates: readonly C[], ctx: PickContext): C | undefined {
    const key = hashKeyOf(this.algorithm, this.param, ctx);
    if (key === undefined) return this.fallback.pick(candidates);
    return this.pickByKey(candidates, key);
  }

  pickByKey<C extends Candidate>(candidates: readonly C[], key: string): C | undefined {
    const h = hash32(key);
    if (!this.ring) return mapBased(candidates, h);
    const byKey = new Map<string, C>();
    for (const c of candidates) byKey.set(c.key, c);
    const owner = this.ring.lookup(h, (k) => byKey.has(k));
    // A candidate the ring does not know (cannot happen with one build) still gets traffic.
    return owner === undefined ? mapBased(candidates, h) : byKey.get(owner);
  }
}
