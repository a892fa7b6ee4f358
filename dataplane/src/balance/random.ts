// HAProxy "random(2)": draw two servers at random (weighted), keep the less loaded one — "power
// of two choices", which avoids the most loaded server almost always while staying stateless.
// Load is (active + 1) / weight, as for leastconn. Full servers are skipped.
import { withCapacity, type Balancer, type Candidate } from './balancer.js';

const DRAWS = 2;

function weightedDraw<C extends Candidate>(cs: readonly C[], total: number, rnd: () => number): C {
  let r = rnd() * total;
  for (const c of cs) {
    const w = Math.max(0, c.weight);
    if (r < w) return c;
    r -= w;
  }
  return cs[cs.length - 1]!;
}

export class PowerOfTwoChoices implements Balancer {
  readonly algorithm = 'random' as const;

  constructor(private readonly rnd: () => number = Math.random) {}

  pick<C extends Candidate>(all: readonly C[]): C | undefined {
    const cs = withCapacity(all).filter((c) => c.weight > 0);
    if (cs.length <= 1) return cs[0];
    const total = cs.reduce((t, c) => t + c.weight, 0);
    let best: C | undefined;
    for (let i = 0; i < DRAWS; i++) {
      const c = weightedDraw(cs, total, this.rnd);
      if (best === undefined || (c.state.active + 1) / c.weight < (best.state.active + 1) / best.weight)
        best = c;
    }
    return best;
  }
}
