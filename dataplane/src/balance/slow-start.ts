// The effective weight of a server that has just come back up. The health manager records when
// it came up (ServerState.upSince); runtime/backend.ts reads the server's weight through this ramp.

/**
 * Slow start (HAProxy slowstart): after a server comes back up, its weight grows linearly from
 * 1 to the configured weight over the window. Weights stay integers (every balancing algorithm
 * may rely on that), so a weight-1 server cannot ramp: see docs/health-checks.md.
 */
export function slowStartWeight(weight: number, upSince: number, windowMs: number, now: number): number {
  if (windowMs <= 0 || upSince <= 0 || weight <= 0) return weight;
  const elapsed = now - upSince;
  if (elapsed >= windowMs) return weight;
  if (elapsed <= 0) return 1;
  return Math.max(1, Math.ceil((weight * elapsed) / windowMs));
}
