// The server half of an exchange, engine-neutral: what the exchange sends to a server and what it
// hears back. An engine's HTTP/1.1 client implements UpstreamConnector over the server's
// connection pool (plain or TLS); the exchange and the Upgrade tunnel only use these types.
import type net from 'node:net';
import type { UpstreamError } from '../runtime/upstream-error.js';
import type { ServerRuntime } from '../runtime/backend.js';
import type { HeaderList } from '../router/types.js';
import type { BodyFraming, BodyTarget } from './message.js';
import type { FieldLines } from './field-lines.js';

export interface UpstreamRequest {
  readonly method: string;
  /** Origin-form target. */
  readonly target: string;
  /** Final header fields, framing fields included (Host, Content-Length / Transfer-Encoding). */
  readonly headers: HeaderList;
  /**
   * The same fields already written as field lines ("name: value" CRLF each), when the exchange
   * made them from the request's validated lines (field-lines.ts): sent as they are.
   */
  readonly fields?: string | undefined;
  /**
   * How the body that follows is delimited: none, length, chunked (bytes relayed as received) or
   * stream (a body of unknown length, which the client chunks itself).
   */
  readonly framing: BodyFraming;
  /** An Upgrade request: the connection is dedicated (never pooled) and may become a tunnel. */
  readonly upgrade?: boolean;
  /**
   * Deliver a chunked response body decoded (payload bytes, reported as framing 'stream'), for
   * a client side that cannot relay HTTP/1.1 chunks as they are (HTTP/2, a closing relay).
   */
  readonly decode?: boolean;
}

export interface UpstreamResponseHead {
  readonly status: number;
  readonly reason: string;
  /** "1.0" or "1.1". */
  readonly version: string;
  /** Fields as received. */
  readonly headers: HeaderList;
  /**
   * The same fields as the text the parser validated (an HTTP/1.1 server's response): forwarded
   * from there when nothing needs them as a list (field-lines.ts).
   */
  readonly lines?: FieldLines;
  /** How the body that follows is delimited (none for HEAD, 204, 304). */
  readonly framing: BodyFraming;
  /** Content-Length when framing is 'length', else -1. */
  readonly contentLength: number;
  /**
   * Body bytes (or the end of the response) are already read: data() or end() follows before
   * response() returns to the connection, so a head held back to go out with them is not stranded.
   */
  readonly bodyInHand?: boolean;
}

/** What an exchange hears from its server. Exactly one of end / error / upgraded ends the call. */
export interface UpstreamEvents {
  /**
   * The connection is established (or a pooled one was taken): the request is being sent through
   * `call`. For a pooled connection this comes synchronously, from within request(), before the
   * caller holds the call it returns.
   */
  connected(call: UpstreamCall): void;
  /** "100 Continue" from the server. */
  continued(): void;
  /** Another interim response (102, 103, ...; never 100 or 101), to relay to the client. */
  informational?(status: number, reason: string, headers: HeaderList): void;
  /** The response head (never a 1xx). */
  response(head: UpstreamResponseHead): void;
  /** Response body bytes (raw chunked bytes when the framing is 'chunked'). */
  data(chunk: Buffer): void;
  /** The response is complete. */
  end(): void;
  /** The request body target can take more after write() returned false. */
  drain(): void;
  /** The call failed (before the response, or during its body). */
  error(e: UpstreamError): void;
  /**
   * Upgrade requests: the server switched protocols (101). The socket (and any bytes read past
   * the head) now belong to the caller, as does releasing the server slot.
   */
  upgraded?(head: UpstreamResponseHead, socket: net.Socket, rest: Buffer): void;
}

/** One request in flight on a server connection; its body is written through BodyTarget. */
export interface UpstreamCall extends BodyTarget {
  /** The request went out on a pooled keep-alive connection. */
  readonly reused: boolean;
  /** Response body flow control (the client is slow to read). */
  pause(): void;
  resume(): void;
  /** Abandon the call (its connection is closed, never reused). */
  abort(): void;
}

export interface UpstreamTimeouts {
  /** Connect timeout (ms; 0: none). */
  readonly connect: number;
  /** Inactivity limit while waiting for or reading the response (ms; 0: none). */
  readonly server: number;
}

export interface UpstreamConnector {
  request(
    server: ServerRuntime,
    req: UpstreamRequest,
    events: UpstreamEvents,
    timeouts: UpstreamTimeouts,
  ): UpstreamCall;
}
