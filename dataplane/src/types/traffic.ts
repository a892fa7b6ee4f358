// The traffic observation seam. The proxies know nothing about metrics or logs: for every HTTP
// request, WebSocket tunnel or TCP session they get a *trace* and report a few facts on it
// (routed to a backend, queued, attempt on a server, connected, response head, upstream failure).
// When the request or session ends, the trace becomes one immutable record that the stats
// table, the Prometheus metrics and the access log all consume.
//
// Traces are optional for the proxies (`ctx.trace?.attempt(server)`), so a proxy without the
// seam keeps working and a dataplane without observers pays nothing.
//
// A type-only module (types/): the data path (runtime/, http/, tcp/, serving/) reports through
// these types and the observers (metrics/, access-log/) consume them, so neither side imports
// the other.
import type net from 'node:net';

/** What a trace records of an HTTP request (the engine-neutral request head has these fields). */
export interface TracedRequest {
  readonly method: string;
  /** Request target as received; only its path is recorded. */
  readonly target: string;
  /** "1.1", "2.0", ... */
  readonly version: string;
  readonly source: string;
  readonly sourcePort: number;
}

/** What the proxies know about a server when they report on it. */
export interface TracedServer {
  readonly name: string;
  readonly address: string;
  readonly port: number;
  /** Requests/sessions currently on the server (after this one started). */
  readonly state: { readonly active: number };
}

/** How an upstream attempt failed (same kinds as runtime/upstream-error.ts). */
export type FailureKind = 'connect' | 'timeout' | 'protocol';

/**
 * HAProxy's two-letter termination state: who ended the exchange, and in which phase.
 *   first:  '-' normal, 'C' client aborted, 'c' client timeout, 'S' server aborted or refused,
 *           's' server timeout, 'P' proxy (deny, rate limit), 'L' local reply (redirect, no route),
 *           'R' resource (no server/queue full), 'K' killed (shutdown)
 *   second: '-' normal, 'R' request, 'Q' queue, 'C' connect, 'H' response headers, 'D' data
 */
export type Termination = string;

interface RecordBase {
  /** Wall clock at start (ms since epoch). */
  readonly start: number;
  readonly clientAddress: string;
  readonly clientPort: number;
  readonly frontend: string;
  /** Backend id, or null when the request was answered before reaching one. */
  readonly backend: string | null;
  /** Server name of the last attempt; null when none was tried (`<NOSRV>` in the text log). */
  readonly server: string | null;
  readonly serverAddress: string | null;
  /** Bytes read from / written to the client. */
  readonly bytesIn: number;
  readonly bytesOut: number;
  /** Total time waiting in the backend queue (ms); -1 when the request never reached a backend. */
  readonly Tw: number;
  /** Time to establish the server connection, retries included (ms); -1 when none was established. */
  readonly Tc: number;
  /** Attempts beyond the first, and those among them that went to another server. */
  readonly retries: number;
  readonly redispatches: number;
  readonly termination: Termination;
  /** Version of the snapshot the exchange ran on (whatever swaps happened meanwhile). */
  readonly version: string | null;
}

export interface HttpRecord extends RecordBase {
  readonly type: 'http' | 'websocket';
  readonly method: string;
  /** Path only: the query string can carry secrets and is never recorded. */
  readonly path: string;
  readonly httpVersion: string;
  /** Status sent to the client; -1 when none was (the connection was cut first). */
  readonly status: number;
  /** Server response time: connection established → response head received (ms); -1 if none. */
  readonly Tr: number;
  /** Total active time of the request, or of the tunnel for a WebSocket (ms). */
  readonly Ta: number;
  /** Status the server answered with (null when the answer was the proxy's own). */
  readonly serverStatus: number | null;
}

export interface TcpRecord extends RecordBase {
  readonly type: 'tcp';
  /** Total session time (ms). */
  readonly Tt: number;
}

export type TrafficRecord = HttpRecord | TcpRecord;

/** What a proxy reports while a request or session runs. Every method is cheap and idempotent-safe. */
export interface Trace {
  /** The request was routed to this backend (HTTP), or the session's backend (TCP). */
  routed(backendId: string): void;
  /** Waiting for a free server slot begins / ends (any number of times). */
  queued(): void;
  dequeued(): void;
  /** A connection attempt on `server` begins (after the proxy counted it active). */
  attempt(server: TracedServer): void;
  /** The attempt's connection is established (or a pooled one was reused). */
  connected(): void;
  /** The server answered with a response head. */
  response(status: number): void;
  /** The current attempt failed. */
  failed(kind: FailureKind): void;
  /** The proxy answered itself (`reason` becomes the termination state, e.g. 'PR', 'LR'). */
  local(termination: Termination): void;
  /** HTTP only: the request became a tunnel (WebSocket). */
  upgraded(): void;
  /**
   * HTTP only, called once by the engine when the exchange is over: the status sent to the
   * client (-1: none), whether the response (or tunnel) ended normally, and the bytes read from
   * and written to the client for this exchange. TCP records are written when the socket closes.
   */
  finish(status: number, complete: boolean, bytesIn: number, bytesOut: number): void;
}

/** Consumes finished records (stats table, metrics, access log). */
export interface RecordSink {
  (record: TrafficRecord): void;
}

/**
 * What the listeners call for every exchange (one per dataplane; optional in ListenerDeps).
 * `version` is the snapshot the exchange starts on.
 */
export interface TrafficEvents {
  /** A plain HTTP request; its record is written when the engine calls finish(). */
  http(head: TracedRequest, frontend: string, version: string | null): Trace;
  /** An Upgrade (WebSocket) request; its record is written when the tunnel calls finish(). */
  upgrade(head: TracedRequest, frontend: string, version: string | null): Trace;
  /** An accepted L4 connection; its record is written when `client` closes. */
  tcp(client: net.Socket, frontend: string, version: string | null): Trace;
}
