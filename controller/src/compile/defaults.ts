// Defaults for values HAProxy leaves to the operator. HAProxy warns when timeouts are unset and
// then waits forever; a load balancer in a cluster should never do that, so Bascule picks
// the values most HAProxy guides recommend.
export const DEFAULT_TIMEOUTS = {
  client: '50s',
  httpRequest: '10s',
  keepAlive: '5s',
  connect: '5s',
  server: '50s',
  queue: '30s',
  tunnel: '1h',
} as const;

// Retries default on, and to another server: in a cluster a refused connection almost always
// means a pod that is gone, so the same address will fail again (HAProxy: retries 3, no redispatch).
export const DEFAULT_RETRIES = { attempts: 3, redispatch: true, onResponseTimeout: false } as const;
