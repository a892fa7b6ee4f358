// HAProxy "first": the first server (in configuration order) with a free connection slot takes
// the request; the next one is used only once it is full. Weights are ignored (a weight-0 server
// is still never chosen). Meant to be used with servers' maxConnections, so that spare servers
// stay idle and can be scaled down.
import type { Balancer, Candidate } from './balancer.js';

export class First implements Balancer {
  readonly algorithm = 'first' as const;

  pick<C extends Candidate>(candidates: readonly C[]): C | undefined {
    for (const c of candidates) if (!c.full()) return c;
    return undefined;
  }
}
