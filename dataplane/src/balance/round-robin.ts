// Smooth weighted round robin (nginx, ngx_http_upstream_get_peer): every pick adds each
// candidate's weight to its current weight, takes the largest, and subtracts the total from it.
// Over any window of sum(weights) picks each server is chosen exactly `weight` times, and
// picks are interleaved (a a b a c ... rather than a a a b b c).
import type { Balancer, Candidate } from './balancer.js';

export class SmoothRoundRobin implements Balancer {
  readonly algorithm = 'roundrobin';

  pick<C extends Candidate>(candidates: readonly C[]): C | undefined {
    let best: C | undefined;
    let total = 0;
    for (const c of candidates) {
      if (c.weight <= 0) continue; // weight 0 takes no new traffic
      c.state.rrCurrent += c.weight;
      total += c.weight;
      if (best === undefined || c.state.rrCurrent > best.state.rrCurrent) best = c;
    }
    if (best) best.state.rrCurrent -= total;
    return best;
  }
}
