// Balancer factory: one algorithm per file.
import type { Logger } from 'pino';
import type { BackendSnap } from '#protocol/snapshot';
import type { Balancer } from './balancer.js';
import { First } from './first.js';
import { HashBalancer } from './hashed.js';
import { LeastConnections } from './leastconn.js';
import { PowerOfTwoChoices } from './random.js';
import type { RingMember } from './ring.js';
import { SmoothRoundRobin, StaticRoundRobin } from './round-robin.js';

export type { Algorithm, Balancer, Candidate, CandidateState, PickContext } from './balancer.js';

/**
 * `members` are the backend's servers (name, key, configured weight), used to build the
 * consistent-hash ring when the backend asks for one.
 */
export function createBalancer(
  backend: Readonly<BackendSnap>,
  _log: Logger,
  members: readonly RingMember[] = [],
): Balancer {
  const { algorithm } = backend.balance;
  switch (algorithm) {
    case 'roundrobin':
      return new SmoothRoundRobin();
    case 'static-rr':
      return new StaticRoundRobin();
    case 'leastconn':
      return new LeastConnections();
    case 'first':
      return new First();
    case 'random':
      return new PowerOfTwoChoices();
    case 'source':
    case 'uri':
    case 'url-param':
    case 'header':
      return new HashBalancer(algorithm, backend, members);
  }
}
