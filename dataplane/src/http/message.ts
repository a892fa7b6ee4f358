// The engine-neutral HTTP message boundary (HAProxy's HTX in spirit). A protocol engine — the
// HTTP/1.1 engine, or the HTTP/2 adapter — parses the wire and presents each request as an
// HttpRequestHead plus a ClientSide: where its body comes from and where its response goes.
// Everything above the engine (admission, the router, header edits, persistence, the exchange
// with the server, traces, local replies) sees only these types; Node's http objects never
// cross this line.
import type { HeaderList } from '../router/types.js';
import type { FieldLines } from './field-lines.js';
import { isFieldName } from '../util/field-name.js';

export { isFieldName };

/** A request head as received, before any policy. */
export interface HttpRequestHead {
  readonly method: string;
  /** The request target as received: origin-form ("/a?b"), absolute-form or "*". */
  readonly target: string;
  /** "1.0", "1.1" or "2.0". */
  readonly version: string;
  /**
   * Header fields in wire order, names as received, duplicates kept. HTTP/2: pseudo-header fields
   * removed, Host taken from :authority when absent, cookie crumbs joined (RFC 9113 §8.2.3).
   */
  readonly headers: HeaderList;
  /**
   * HTTP/1.1: the same fields as the text the strict parser validated (field-lines.ts); `headers`
   * is then made from them only when something reads it. The exchange forwards from these lines
   * when nothing needs the list. Absent for HTTP/2.
   */
  readonly lines?: FieldLines | undefined;
  /** Client address (IPv4-mapped IPv6 shown as IPv4) and port. */
  readonly source: string;
  readonly sourcePort: number;
  /** https when the connection was TLS-terminated here. */
  readonly scheme: 'http' | 'https';
  /** Port the connection arrived on. */
  readonly localPort: number;
}

/**
 * How a message body is delimited:
 *   none     no body (or a HEAD/204/304 response)
 *   length   Content-Length bytes
 *   chunked  HTTP/1.1 chunked coding, relayed as received (never re-chunked)
 *   stream   a body of unknown length: HTTP/2 DATA frames without content-length (chunked
 *            towards HTTP/1.1 servers), or a response that ends when the connection closes
 */
export type BodyFraming = 'none' | 'length' | 'chunked' | 'stream';

/** Where request body bytes go; the source pauses when `write` returns false, until `drain`. */
export interface BodyTarget {
  write(chunk: Buffer): boolean;
  /** The body is complete. */
  end(): void;
}

/** A connection's byte counters (bytesRead / bytesWritten) at some moment. */
export interface ByteMarks {
  readonly read: number;
  readonly written: number;
}

export interface FinishListener {
  /** What the client was sent (-1: nothing), whether the response completed, the bytes moved. */
  finished(status: number, complete: boolean, bytesIn: number, bytesOut: number): void;
}

/** What the exchange hears from the client side. */
export interface ClientEvents {
  /** The client went away (or the connection was cut) before the response completed. */
  clientGone(): void;
  /** The client connection was idle for the frontend's client timeout (timeouts.client). */
  clientIdle(): void;
  /** The client can take more response bytes after sendBody returned false. */
  clientDrain(): void;
}

/**
 * The client half of one HTTP exchange, as an engine presents it: the request head, its body
 * (pulled with backpressure), and the response (pushed with backpressure).
 */
export interface ClientSide {
  readonly head: HttpRequestHead;
  readonly framing: BodyFraming;
  /** Content-Length of the request when framing is 'length', else -1. */
  readonly contentLength: number;
  /** The client sent "Expect: 100-continue" and waits before sending its body. */
  readonly expectContinue: boolean;
  /** Every byte of the request body has been received. */
  readonly bodyComplete: boolean;
  /** The response head went out. */
  readonly headersSent: boolean;
  /** Response bytes are waiting for the client to read them. */
  readonly backlogged: boolean;
  /** Chunked response bodies can be relayed as received (HTTP/1.1); else they come decoded. */
  readonly relaysChunks: boolean;

  /** Who hears about the client (the exchange); set once, before anything else is called. */
  listen(events: ClientEvents): void;
  /**
   * Called once when the exchange is over (response complete or cut): the status sent (-1:
   * none), whether the response completed, and the bytes read from / written to the client for
   * this exchange. The listener counts in-flight requests and finishes the trace with it.
   */
  onFinish(fn: FinishListener): void;
  /** Starts (or resumes) delivering the request body to `target`. */
  pipeBody(target: BodyTarget): void;
  /** Stops delivering (a retry will pipe again to the next attempt's target). */
  unpipeBody(): void;
  /** The body target can take more after write returned false. */
  resumeBody(): void;

  /** "100 Continue" (only if the client expects it and no response was sent). */
  sendContinue(): void;
  /**
   * An interim response relayed from the server (102, 103, ...), before the final one. Engines
   * that cannot carry it (HTTP/1.0 clients get none) drop it.
   */
  sendInformational?(status: number, reason: string, headers: HeaderList): void;
  /**
   * The response head. `framing` and `contentLength` say how the body that follows is
   * delimited; `close` asks for the connection to close after this response. `bodyInHand`:
   * sendBody() or endBody() is called before the caller's turn ends, so the head may wait to go
   * out with them; otherwise it goes out within this turn on its own.
   */
  sendHead(
    status: number,
    reason: string,
    headers: HeaderList,
    framing: BodyFraming,
    contentLength: number,
    close: boolean,
    bodyInHand?: boolean,
  ): void;
  /**
   * sendHead with the server's fields as FieldLines (hop-by-hop and dropped fields left out, added
   * ones appended): engines that write HTTP/1.1 copy the untouched lines as they are.
   */
  sendHeadLines?(
    status: number,
    reason: string,
    lines: FieldLines,
    framing: BodyFraming,
    contentLength: number,
    close: boolean,
    bodyInHand?: boolean,
  ): void;
  /** Response body bytes (raw chunked bytes when the response framing is 'chunked'); false: wait for clientDrain. */
  sendBody(chunk: Buffer): boolean;
  /** The response is complete. */
  endBody(): void;
  /** Cut the connection: the client must never take a partial response for a complete one. */
  abort(): void;
  /** Answer with a short text response of our own (errors, deny, redirect, limits). */
  reply(status: number, detail: string, headers?: HeaderList, close?: boolean): void;
}

/** Case-insensitive lookup of the first value of a field (`lower` is lower case). */
export function headerValue(headers: HeaderList, lower: string): string | undefined {
  for (let i = 0; i < headers.length; i++) {
    const h = headers[i]!;
    if (isFieldName(h[0], lower)) return h[1];
  }
  return undefined;
}

/** The request's first Host value (from its lines when it has them: no list made). */
export function hostValue(head: HttpRequestHead): string | undefined {
  const l = head.lines;
  if (l === undefined) return headerValue(head.headers, 'host');
  return l.firstHost < 0 ? undefined : l.firstHostValue();
}

/** Every value of a field, in order. */
export function headerValues(headers: HeaderList, lower: string): string[] {
  const out: string[] = [];
  for (const h of headers) if (isFieldName(h[0], lower)) out.push(h[1]);
  return out;
}

/** RFC 9110 §9.2.2: methods a proxy may replay after a failure. */
export const IDEMPOTENT: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'TRACE']);

/** Whether a request carries body bytes (Content-Length: 0 does not). */
export const hasBody = (c: { readonly framing: BodyFraming; readonly contentLength: number }): boolean =>
  c.framing !== 'none' && !(c.framing === 'length' && c.contentLength === 0);
