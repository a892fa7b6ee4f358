// The default bound of a graceful stop, in a module of its own: the command line reads it to
// describe --drain-timeout without loading the dataplane.

/** Default bound of a graceful stop (below Kubernetes' default terminationGracePeriodSeconds, 30 s). */
export const DEFAULT_DRAIN_TIMEOUT_MS = 25_000;
