// The balancing contract. The backend hands an algorithm the servers of the active tier that may
// take new traffic (healthy, ready, weight > 0, not excluded for this request); an algorithm only
// chooses among them.
//
// Capacity: round-robin style algorithms skip servers that are full (at maxConnections) and
// return undefined when all are, so the request waits in the backend queue. Hashing algorithms
// ignore fullness — the key decides the server, and a full one makes the request wait in that
// server's queue (HAProxy does the same: map/chash lookups ignore maxconn, fwrr/leastconn skip
// saturated servers).
import type { Algorithm } from '#protocol/snapshot';

/** Mutable per-server state that outlives routers (carried across swaps by stable identity). */
export interface CandidateState {
  /** In-flight requests or sessions on this server (leastconn, random read it). */
  active: number;
  /** Smooth weighted round robin (roundrobin, static-rr): the server's current weight. */
  rrCurrent: number;
  /** leastconn tie-break: pick sequence number of the last time this server was chosen. */
  lastPick: number;
}

export interface Candidate {
  /** Stable identity: backend id + server name + address:port. */
  readonly key: string;
  /** Effective weight (may change at run time, e.g. slow start). */
  readonly weight: number;
  /** Configured weight (static-rr and map-based hashing ignore run-time changes). */
  readonly staticWeight: number;
  readonly state: CandidateState;
  /** At maxConnections: no slot for one more request right now. */
  full(): boolean;
}

/** What algorithms look at (hashing keys: source, uri, url-param, header). */
export interface PickContext {
  readonly sourceAddress?: string;
  readonly path?: string;
  readonly query?: string;
  readonly headers?: Readonly<Record<string, string | string[] | undefined>>;
}

export type { Algorithm };

export interface Balancer {
  readonly algorithm: Algorithm;
  /**
   * Chooses a server, or undefined when none of the candidates can take the request now (all
   * full: the request waits in the backend queue) or there are no candidates. A hashing
   * algorithm may return a full server: the request then waits for that server.
   */
  pick<C extends Candidate>(candidates: readonly C[], ctx: PickContext): C | undefined;
}

/** Candidates with a free slot. Returns the input array when none is full (the common case). */
export function withCapacity<C extends Candidate>(candidates: readonly C[]): readonly C[] {
  let i = 0;
  while (i < candidates.length && !candidates[i]!.full()) i++;
  if (i === candidates.length) return candidates;
  const out = candidates.slice(0, i);
  for (i++; i < candidates.length; i++) if (!candidates[i]!.full()) out.push(candidates[i]!);
  return out;
}
