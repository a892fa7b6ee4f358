// Weighted least connections (HAProxy leastconn): the server with the fewest in-flight
// requests/sessions relative to its weight, (active + 1) / weight, receives the next one. Servers
// with the same load take turns (the one picked least recently wins), so every server is used.
// Full servers are skipped. Dynamic: reads the effective weight on every pick.
import { withCapacity, type Balancer, type Candidate } from './balancer.js';

let sequence = 0;

export class LeastConnections implements Balancer {
  readonly algorithm = 'leastconn' as const;

  pick<C extends Candidate>(all: readonly C[]): C | undefined {
    let best: C | undefined;
    let bestLoad = Infinity;
    for (const c of withCapacity(all)) {
      if (c.weight <= 0) continue;
      const load = (c.state.active + 1) / c.weight;
      if (
        best === undefined ||
        load < bestLoad ||
        (load === bestLoad && c.state.lastPick < best.state.lastPick)
      ) {
        best = c;
        bestLoad = load;
      }
    }
    if (best) best.state.lastPick = ++sequence;
    return best;
  }
}
