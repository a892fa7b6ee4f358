// The traffic counters behind the stats page and the Prometheus metrics: one table per
// dataplane, keyed by frontend id, backend id and (backend, server name) — names bounded by the
// configuration, never by clients or paths. Counters outlive snapshot swaps (an unchanged name
// keeps counting) and are dropped when their object leaves the live configuration.
import type { TracedRecord } from './trace.js';

export const CODE_CLASSES = ['1xx', '2xx', '3xx', '4xx', '5xx', 'other'] as const;
export type CodeClass = (typeof CODE_CLASSES)[number];
export type Codes = Record<CodeClass, number>;

/** Status class label: bounded, whatever the servers answer. */
export function codeClass(status: number): CodeClass {
  if (status >= 100 && status < 200) return '1xx';
  if (status >= 200 && status < 300) return '2xx';
  if (status >= 300 && status < 400) return '3xx';
  if (status >= 400 && status < 500) return '4xx';
  if (status >= 500 && status < 600) return '5xx';
  return 'other';
}

const zeroCodes = (): Codes => ({ '1xx': 0, '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0, other: 0 });

export class FrontendCounters {
  /** HTTP requests (WebSocket handshakes included) and TCP sessions, started. */
  requests = 0;
  sessions = 0;
  current = 0;
  max = 0;
  bytesIn = 0;
  bytesOut = 0;
  codes = zeroCodes();
  /** Refused by the proxy itself (deny rules, rate limits, malformed requests): termination P*. */
  denied = 0;
  /** Exchanges the client aborted (termination C*). */
  clientAborts = 0;
}

export class BackendCounters {
  requests = 0;
  sessions = 0;
  bytesIn = 0;
  bytesOut = 0;
  codes = zeroCodes();
  retries = 0;
  redispatches = 0;
  connectionErrors = 0;
  responseErrors = 0;
  /** Answered without any server (none usable, queue full or queue timeout). */
  noServer = 0;
  /** Requests that waited in the queue. */
  queued = 0;
  lastSessionAt = 0;
}

export class ServerCounters {
  /** Requests/sessions sent to this server (each attempt counts). */
  sessions = 0;
  max = 0;
  bytesIn = 0;
  bytesOut = 0;
  /** Responses by class, as the server answered them. */
  codes = zeroCodes();
  /** Failed attempts on this server that were retried (on it or elsewhere). */
  retries = 0;
  /** Failed attempts on this server that were retried on another server. */
  redispatches = 0;
  connectionErrors = 0;
  responseErrors = 0;
  lastSessionAt = 0;
}

export const serverStatsKey = (backend: string, server: string): string => `${backend}\u0000${server}`;

function table<T>(map: Map<string, T>, key: string, create: () => T): T {
  let v = map.get(key);
  if (!v) map.set(key, (v = create()));
  return v;
}

export class TrafficStats {
  readonly frontends = new Map<string, FrontendCounters>();
  readonly backends = new Map<string, BackendCounters>();
  readonly servers = new Map<string, ServerCounters>();

  /**
   * The entries looked up last (consecutive requests mostly name the same frontend, backend and
   * server): a string comparison instead of a hash lookup. Cleared by prune().
   */
  private lastFrontendId: string | undefined;
  private lastFrontend: FrontendCounters | undefined;
  private lastBackendId: string | undefined;
  private lastBackend: BackendCounters | undefined;
  private lastServerBackend: string | undefined;
  private lastServerName: string | undefined;
  private lastServer: ServerCounters | undefined;

  frontend(id: string): FrontendCounters {
    if (id === this.lastFrontendId) return this.lastFrontend!;
    const c = table(this.frontends, id, () => new FrontendCounters());
    this.lastFrontendId = id;
    this.lastFrontend = c;
    return c;
  }

  backend(id: string): BackendCounters {
    if (id === this.lastBackendId) return this.lastBackend!;
    const c = table(this.backends, id, () => new BackendCounters());
    this.lastBackendId = id;
    this.lastBackend = c;
    return c;
  }

  /**
   * The same counters as `servers`, by backend then name: what a request looks up, without
   * building (and hashing) a joined key each time.
   */
  private readonly serversByBackend = new Map<string, Map<string, ServerCounters>>();

  server(backend: string, name: string): ServerCounters {
    if (name === this.lastServerName && backend === this.lastServerBackend) return this.lastServer!;
    const c = this.lookupServer(backend, name);
    this.lastServerBackend = backend;
    this.lastServerName = name;
    this.lastServer = c;
    return c;
  }

  private lookupServer(backend: string, name: string): ServerCounters {
    let byName = this.serversByBackend.get(backend);
    if (!byName) this.serversByBackend.set(backend, (byName = new Map()));
    let c = byName.get(name);
    if (!c) {
      c = table(this.servers, serverStatsKey(backend, name), () => new ServerCounters());
      byName.set(name, c);
    }
    return c;
  }

  /** A request or session started on a frontend. */
  started(frontend: string, kind: 'http' | 'tcp'): void {
    const f = this.frontend(frontend);
    if (kind === 'tcp') f.sessions++;
    else f.requests++;
    f.current++;
    if (f.current > f.max) f.max = f.current;
  }

  /** A request or session ended: everything it did is counted now. */
  ended(r: TracedRecord): void {
    const f = this.frontend(r.frontend);
    f.current = Math.max(0, f.current - 1);
    f.bytesIn += r.bytesIn;
    f.bytesOut += r.bytesOut;
    if (r.type !== 'tcp') f.codes[codeClass(r.status)]++;
    if (r.termination.startsWith('P')) f.denied++;
    if (r.termination.startsWith('C') || r.termination.startsWith('c')) f.clientAborts++;
    if (r.backend === null) return;

    const b = this.backend(r.backend);
    const now = r.start;
    if (r.type === 'tcp') b.sessions++;
    else b.requests++;
    b.bytesIn += r.bytesIn;
    b.bytesOut += r.bytesOut;
    if (r.type !== 'tcp') b.codes[codeClass(r.status)]++;
    if (r.Tw > 0 || r.termination === 'sQ') b.queued++;
    if (r.server === null && (r.termination === 'SC' || r.termination === 'sQ')) b.noServer++;
    b.lastSessionAt = Math.max(b.lastSessionAt, now);
    b.retries += r.retries;
    b.redispatches += r.redispatches;

    const attempts = r.attempts;
    for (let i = 0; i < attempts.length; i++) {
      const a = attempts[i]!;
      const s = this.server(r.backend, a.server);
      s.sessions++;
      if (a.active > s.max) s.max = a.active;
      s.lastSessionAt = Math.max(s.lastSessionAt, now);
      if (a.failed === 'connect') {
        s.connectionErrors++;
        b.connectionErrors++;
      } else if (a.failed) {
        s.responseErrors++;
        b.responseErrors++;
      }
      const next = attempts[i + 1];
      if (next) {
        s.retries++;
        if (next.server !== a.server) s.redispatches++;
      }
    }
    if (r.server !== null && attempts.length > 0) {
      const s = this.server(r.backend, r.server);
      s.bytesIn += r.bytesIn;
      s.bytesOut += r.bytesOut;
      if (r.type !== 'tcp' && r.serverStatus !== null) s.codes[codeClass(r.serverStatus)]++;
    }
  }

  /**
   * Forget objects that left the configuration. Frontends with requests still in flight are
   * kept until those end (their decrement must not go astray).
   */
  prune(live: { frontends: Iterable<string>; backends: Iterable<string>; servers: Iterable<string> }): void {
    this.lastFrontendId = this.lastBackendId = this.lastServerBackend = this.lastServerName = undefined;
    this.lastFrontend = undefined;
    this.lastBackend = undefined;
    this.lastServer = undefined;
    const keep = (map: Map<string, unknown>, ids: Iterable<string>, busy?: (k: string) => boolean) => {
      const set = new Set(ids);
      for (const k of map.keys()) if (!set.has(k) && !busy?.(k)) map.delete(k);
    };
    keep(this.frontends, live.frontends, (k) => (this.frontends.get(k)?.current ?? 0) > 0);
    keep(this.backends, live.backends);
    keep(this.servers, live.servers);
    for (const [backend, byName] of this.serversByBackend) {
      for (const name of byName.keys())
        if (!this.servers.has(serverStatsKey(backend, name))) byName.delete(name);
      if (byName.size === 0) this.serversByBackend.delete(backend);
    }
  }
}
