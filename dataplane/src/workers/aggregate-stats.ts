// The stats document of a multi-worker dataplane: configuration, health verdicts, overrides and
// checks come from the primary's own document; traffic numbers are the sum of every worker's.
// Peaks (maxSessions) are summed too, which makes them an upper bound of the dataplane's peak.
import type {
  BackendStats,
  FrontendStats,
  ServerStats,
  StatsDocument,
  WorkerSummary,
} from '../admin/stats-model.js';
import type { Codes } from '../metrics/stats.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

function addCodes(into: Codes, from: Codes): Codes {
  const out = { ...into };
  for (const k of Object.keys(out) as Array<keyof Codes>) out[k] += from[k] ?? 0;
  return out;
}

const later = (a: string | null, b: string | null): string | null =>
  a === null ? b : b === null ? a : a > b ? a : b;

/** Adds the numeric fields `keys` of `from` into `into`. */
function addNumbers<T extends object>(into: Mutable<T>, from: T, keys: ReadonlyArray<keyof T>): void {
  for (const k of keys) (into[k] as number) += from[k] as number;
}

function addFrontend(into: Mutable<FrontendStats>, from: FrontendStats): void {
  addNumbers(into, from, [
    'currentConnections',
    'currentSessions',
    'maxSessions',
    'requests',
    'sessions',
    'bytesIn',
    'bytesOut',
    'denied',
    'clientAborts',
  ]);
  into.responses = addCodes(into.responses, from.responses);
}

type Traffic = Pick<
  BackendStats,
  | 'currentSessions'
  | 'sessions'
  | 'bytesIn'
  | 'bytesOut'
  | 'responses'
  | 'errors'
  | 'retries'
  | 'redispatches'
>;

function addTraffic(into: Mutable<Traffic>, from: Traffic): void {
  addNumbers(into, from, ['currentSessions', 'sessions', 'bytesIn', 'bytesOut', 'retries', 'redispatches']);
  into.responses = addCodes(into.responses, from.responses);
  into.errors = {
    connection: into.errors.connection + from.errors.connection,
    response: into.errors.response + from.errors.response,
  };
}

function addServer(into: Mutable<ServerStats>, from: ServerStats): void {
  addTraffic(into, from);
  into.maxSessions += from.maxSessions;
  into.lastSessionAt = later(into.lastSessionAt, from.lastSessionAt);
}

function addBackend(into: Mutable<BackendStats>, from: BackendStats): void {
  addTraffic(into, from);
  into.requests += from.requests;
  into.noServer += from.noServer;
  into.queue = {
    current: into.queue.current + from.queue.current,
    total: into.queue.total + from.queue.total,
    limit: into.queue.limit,
  };
  const servers = new Map(from.servers.map((s) => [`${s.name}\u0000${s.address}`, s]));
  into.servers = into.servers.map((s) => {
    const w = servers.get(`${s.name}\u0000${s.address}`);
    const copy = { ...s } as Mutable<ServerStats>;
    if (w) addServer(copy, w);
    return copy;
  });
}

/**
 * Sums the workers' documents into the primary's. Objects a worker does not have (it is about
 * to receive them, or runs an older snapshot) add nothing; the primary's configuration decides
 * which rows exist.
 */
export function aggregateStats(
  primary: StatsDocument,
  workers: ReadonlyArray<StatsDocument | undefined>,
  summaries: WorkerSummary[],
): StatsDocument {
  const frontends = primary.frontends.map((f) => ({ ...f }) as Mutable<FrontendStats>);
  const backends = primary.backends.map((b) => ({ ...b, servers: [...b.servers] }) as Mutable<BackendStats>);
  const feById = new Map(frontends.map((f) => [f.id, f]));
  const beById = new Map(backends.map((b) => [b.id, b]));
  for (const doc of workers) {
    if (!doc) continue;
    for (const f of doc.frontends) {
      const into = feById.get(f.id);
      if (into) addFrontend(into, f);
    }
    for (const b of doc.backends) {
      const into = beById.get(b.id);
      if (into) addBackend(into, b);
    }
  }
  return { ...primary, frontends, backends, workers: summaries };
}

/** What a worker's own document says about its load (for the workers table). */
export function workerLoad(doc: StatsDocument | undefined): {
  connections: number;
  requests: number;
  version: string | null;
} {
  if (!doc) return { connections: 0, requests: 0, version: null };
  let connections = 0;
  let requests = 0;
  for (const f of doc.frontends) {
    connections += f.currentConnections;
    requests += f.requests + f.sessions;
  }
  return { connections, requests, version: doc.snapshot.version };
}
