// Balancer factory. One algorithm per file; the ones not written yet fall back to round robin
// and say so once, rather than pretending.
import type { Logger } from 'pino';
import type { BackendSnap } from '../../../protocol/src/snapshot.js';
import { warnOnce } from '../util/warn-once.js';
import type { Balancer } from './balancer.js';
import { SmoothRoundRobin } from './round-robin.js';

export type { Balancer, Candidate, CandidateState, PickContext } from './balancer.js';

export function createBalancer(backend: Readonly<BackendSnap>, log: Logger): Balancer {
  const { algorithm } = backend.balance;
  switch (algorithm) {
    case 'roundrobin':
      return new SmoothRoundRobin();
    default:
      warnOnce(
        log,
        `balance:${algorithm}`,
        { algorithm, backend: backend.id },
        `balance algorithm "${algorithm}" is not implemented in this dataplane yet; using roundrobin`,
      );
      return new SmoothRoundRobin();
  }
}
