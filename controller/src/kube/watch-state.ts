// The state of one Kubernetes watch, as /readyz and the metrics report it. Type-only.

/** One watch of a source (a Kubernetes informer): what /readyz and the metrics report. */
export interface SourceWatch {
  name: string;
  /** What is watched (frontends, services, secrets, …): a bounded label. */
  resource: string;
  synced: boolean;
  /** The watch is established: the source follows its origin live. */
  watching: boolean;
  /** Milliseconds the source's copy has not been known current (0 while watching). */
  lagMs: number;
  /** Consecutive failures of the current outage (0 when healthy). */
  failures: number;
  lastError: string | null;
  /** Retries since start, by reason (throttled, unreachable, expired, …). */
  retries: Partial<Record<string, number>>;
}
