// Passive checks (HAProxy observe + error-limit + on-error): the proxies report what live traffic
// saw on a server through `observe()`; the health manager counts consecutive errors.
//
// The seam is deliberately tiny for the proxies: `observe(server, outcome)` where outcome is an
// HTTP status, 'connected' (L4 success), or the Error an upstream attempt failed with. Lookup is
// by the server's carried-over state object, so several dataplanes in one process never mix.
export type Outcome = number | 'connected' | Error;

/** What an outcome means for health analysis (HAProxy analyze_statuses). */
export interface Observation {
  layer: 4 | 7;
  /** true: an error; false: a success (clears the consecutive-error count). */
  failed: boolean;
  /** For the log line: "HTTP status 503", "connect error ECONNREFUSED", ... */
  what: string;
}

export type Observer = (o: Observation) => void;

const observers = new WeakMap<object, Observer>();

/** The health manager attaches one observer per checked server (keyed by its ServerState). */
export function setObserver(state: object, observer: Observer | undefined): void {
  if (observer) observers.set(state, observer);
  else observers.delete(state);
}

/** Whether someone observes this server (a multi-worker dataplane forwards only those). */
export function isObserved(state: object): boolean {
  return observers.has(state);
}

/**
 * Hands an already classified observation to the server's observer: how the health checker of
 * a multi-worker dataplane receives what every worker's traffic saw (workers/).
 */
export function notify(state: object, o: Observation): void {
  observers.get(state)?.(o);
}

/** Keep-alive sockets the server had already closed: retried by the proxy, not the server's fault. */
const STALE = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED']);

/**
 * Classifies an outcome:
 * - HTTP status: 5xx except 501 and 505 is a layer-7 error (HAProxy proto_http), anything
 *   else a success at both layers (the connection worked);
 * - 'connected': layer-4 success;
 * - Error with kind 'connect' (or no kind: the TCP proxy's connect errors): layer-4 error;
 * - Error with kind 'timeout' (server silent after connecting): layer-7 error (read timeout);
 * - Error with kind 'protocol': layer-7 error, except a stale keep-alive reset (ignored).
 */
export function classify(outcome: Outcome): Observation | undefined {
  if (outcome === 'connected') return { layer: 4, failed: false, what: 'connected' };
  if (typeof outcome === 'number') {
    const failed = outcome >= 500 && outcome <= 599 && outcome !== 501 && outcome !== 505;
    return { layer: 7, failed, what: `HTTP status ${outcome}` };
  }
  const e = outcome as Error & { kind?: string; code?: string };
  const detail = e.code ?? e.message;
  switch (e.kind) {
    case 'timeout':
      return { layer: 7, failed: true, what: `response timeout (${e.message})` };
    case 'protocol':
      if (e.code && STALE.has(e.code)) return undefined;
      return { layer: 7, failed: true, what: `invalid response (${detail})` };
    default:
      return {
        layer: 4,
        failed: true,
        what: /timeout/i.test(e.message) ? `connect timeout (${e.message})` : `connect error ${detail}`,
      };
  }
}

/** The seam: what live traffic saw on a server. Costs one WeakMap lookup when nothing observes. */
export function observe(server: { readonly state: object }, outcome: Outcome): void {
  const observer = observers.get(server.state);
  if (!observer) return;
  const o = classify(outcome);
  if (o) observer(o);
}
