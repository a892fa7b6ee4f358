// The balancing contract. Candidates arrive already filtered (usable, backup tier chosen,
// failed servers excluded for a retry); an algorithm only chooses among them.

/** Mutable per-server state that outlives routers (carried across swaps by stable identity). */
export interface CandidateState {
  /** In-flight requests or sessions on this server (leastconn reads it). */
  active: number;
  /** Smooth weighted round robin: the server's current weight. */
  rrCurrent: number;
}

export interface Candidate {
  /** Stable identity: backend id + server name + address:port. */
  readonly key: string;
  readonly weight: number;
  readonly state: CandidateState;
}

/** What hash-based algorithms will look at (source, uri, url-param, header). */
export interface PickContext {
  readonly sourceAddress?: string;
  readonly path?: string;
  readonly query?: string;
  readonly headers?: Readonly<Record<string, string | string[] | undefined>>;
}

export interface Balancer {
  readonly algorithm: string;
  pick<C extends Candidate>(candidates: readonly C[], ctx: PickContext): C | undefined;
  /** A connection or request was started on / released from a server. */
  onStart?(server: Candidate): void;
  onEnd?(server: Candidate): void;
}
