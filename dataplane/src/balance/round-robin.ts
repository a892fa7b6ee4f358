// Smooth weighted round robin (nginx, ngx_http_upstream_get_peer): every pick adds each
// candidate's weight to its current weight, takes the largest, and subtracts the total from it.
// Over any window of sum(weights) picks each server is chosen exactly `weight` times, and
// picks are interleaved (a a b a c ... rather than a a a b b c).
//
// roundrobin reads the effective weight on every pick (dynamic: slow start, weight changes take
// effect at once); static-rr reads the configured weight (HAProxy static-rr ignores run-time
// weight changes). Full servers are skipped.
import { withCapacity, type Balancer, type Candidate } from './balancer.js';

/** One smooth-WRR step over `candidates` using `weightOf`; undefined when no weight is positive. */
export function smoothPick<C extends Candidate>(
  candidates: readonly C[],
  weightOf: (c: C) => number,
): C | undefined {
  let best: C | undefined;
  let total = 0;
  for (const c of candidates) {
    const w = weightOf(c);
    if (w <= 0) continue; // weight 0 takes no new traffic
    c.state.rrCurrent += w;
    total += w;
    if (best === undefined || c.state.rrCurrent > best.state.rrCurrent) best = c;
  }
  if (best) best.state.rrCurrent -= total;
  return best;
}

export class SmoothRoundRobin implements Balancer {
  readonly algorithm = 'roundrobin' as const;

  pick<C extends Candidate>(candidates: readonly C[]): C | undefined {
    return smoothPick(withCapacity(candidates), (c) => c.weight);
  }
}

export class StaticRoundRobin implements Balancer {
  readonly algorithm = 'static-rr' as const;

  pick<C extends Candidate>(candidates: readonly C[]): C | undefined {
    return smoothPick(withCapacity(candidates), (c) => c.staticWeight);
  }
}
