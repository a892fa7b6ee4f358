// ClientSide over Node's HTTP/2 compatibility objects (http2's request/response API): nghttp2
// parses and frames the streams; this only adapts them to the engine-neutral boundary.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type http2 from 'node:http2';
import type net from 'node:net';
import type { HeaderList } from '../../router/types.js';
import { flatten } from '../headers.js';
import { replyHeaders, textBody } from '../local-reply.js';
import type {
  BodyFraming,
  BodyTarget,
  ClientEvents,
  ClientSide,
  FinishListener,
  HttpRequestHead,
} from '../message.js';

/** Per-socket byte marks, so keep-alive requests each count only their own bytes. */
const marks = new WeakMap<object, { read: number; written: number }>();

function takeBytes(socket: net.Socket | null | undefined): { bytesIn: number; bytesOut: number } {
  if (!socket) return { bytesIn: 0, bytesOut: 0 };
  const read = socket.bytesRead ?? 0;
  const written = socket.bytesWritten ?? 0;
  const m = marks.get(socket) ?? { read: 0, written: 0 };
  marks.set(socket, { read, written });
  return { bytesIn: Math.max(0, read - m.read), bytesOut: Math.max(0, written - m.written) };
}

export interface NodeClientOptions {
  readonly head: HttpRequestHead;
  readonly framing: BodyFraming;
  readonly contentLength: number;
  readonly expectContinue: boolean;
  /** HTTP/2 compatibility objects: no reason phrase (it does not exist in HTTP/2). */
  readonly http2?: boolean;
  /** Rewrites response fields for the protocol (HTTP/2 drops connection-specific ones). */
  readonly responseHeaders?: (h: HeaderList) => HeaderList;
  /** The socket whose byte counters measure this exchange. */
  readonly socket: net.Socket | null;
}

export class NodeClient implements ClientSide {
  readonly head: HttpRequestHead;
  readonly framing: BodyFraming;
  readonly contentLength: number;
  readonly expectContinue: boolean;
  /** Node frames the response itself: it is given payload bytes. */
  readonly relaysChunks = false;
  private target: BodyTarget | undefined;
  private ended = false;
  private events: ClientEvents | undefined;

  constructor(
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
    private readonly o: NodeClientOptions,
  ) {
    this.head = o.head;
    this.framing = o.framing;
    this.contentLength = o.contentLength;
    this.expectContinue = o.expectContinue;
    req.on('error', () => {}); // client aborts surface as res 'close'; never crash on them
    res.once('close', () => {
      if (!res.writableFinished) this.events?.clientGone();
    });
    // The frontend's client timeout (socket inactivity) fires here instead of cutting the socket.
    res.on('timeout', () => this.events?.clientIdle());
    res.on('drain', () => this.events?.clientDrain());
  }

  get bodyComplete(): boolean {
    return this.req.complete || this.framing === 'none';
  }

  get headersSent(): boolean {
    return this.res.headersSent;
  }

  get backlogged(): boolean {
    return this.res.writableLength > 0 || this.res.writableNeedDrain;
  }

  listen(events: ClientEvents): void {
    this.events = events;
  }

  onFinish(fn: FinishListener): void {
    const res = this.res;
    res.once('close', () => {
      const { bytesIn, bytesOut } = takeBytes(this.o.socket);
      fn.finished(res.headersSent ? res.statusCode : -1, res.writableFinished, bytesIn, bytesOut);
    });
  }

  pipeBody(target: BodyTarget): void {
    const first = this.target === undefined && !this.ended;
    this.target = target;
    if (first) {
      this.req.on('data', (c: Buffer) => {
        if (this.target && !this.target.write(c)) this.req.pause();
      });
      this.req.on('end', () => {
        this.ended = true;
        this.target?.end();
      });
    }
    if (this.ended) target.end();
    else this.req.resume();
  }

  unpipeBody(): void {
    this.target = undefined;
    this.req.pause();
  }

  resumeBody(): void {
    if (this.target) this.req.resume();
  }

  sendContinue(): void {
    this.res.writeContinue();
  }

  /**
   * HTTP/2: an interim response is a HEADERS frame with a 1xx :status before the final one
   * (RFC 9113 §8.1; 101 does not exist in HTTP/2). Connection-specific fields are dropped as for
   * the final response. Advisory: fields HTTP/2 cannot carry make it be skipped, not fail the
   * exchange.
   */
  sendInformational(status: number, _reason: string, headers: HeaderList): void {
    if (!this.o.http2 || status < 102 || status > 199 || this.res.headersSent) return;
    const stream = (this.res as unknown as http2.Http2ServerResponse).stream;
    if (!stream || stream.destroyed || stream.headersSent) return;
    const fields: http2.OutgoingHttpHeaders = { ':status': status };
    for (const [n, v] of this.o.responseHeaders ? this.o.responseHeaders(headers) : headers) {
      const name = n.toLowerCase();
      const prev = fields[name];
      fields[name] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [String(prev), v];
    }
    try {
      stream.additionalHeaders(fields);
    } catch {
      // a field nghttp2 refuses: the interim response is dropped, the final one still follows
    }
  }

  sendHead(
    status: number,
    reason: string,
    headers: HeaderList,
    _framing: BodyFraming,
    _contentLength: number,
    close: boolean,
  ): void {
    let h = close ? [...headers, ['Connection', 'close'] as [string, string]] : headers;
    if (this.o.responseHeaders) h = this.o.responseHeaders(h);
    if (this.o.http2) this.res.writeHead(status, flatten(h));
    else this.res.writeHead(status, reason, flatten(h));
  }

  sendBody(chunk: Buffer): boolean {
    return this.res.write(chunk);
  }

  endBody(): void {
    this.res.end();
  }

  abort(): void {
    this.res.destroy();
  }

  reply(status: number, detail: string, headers?: HeaderList, close = false): void {
    const res = this.res;
    if (res.headersSent || res.destroyed) {
      // Too late for a clean answer: cutting the connection is the only honest signal.
      res.destroy();
      return;
    }
    const body = textBody(status, detail);
    let h = replyHeaders(body, headers);
    if (close) h.push(['Connection', 'close']);
    if (this.o.responseHeaders) h = this.o.responseHeaders(h);
    res.writeHead(status, flatten(h));
    res.end(this.head.method === 'HEAD' ? undefined : body);
  }
}
