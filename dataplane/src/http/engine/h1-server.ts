// The HTTP/1.1 engine towards clients, on the accepted (or TLS-secured) socket itself: heads are
// parsed strictly (h1-parser.ts), each request is presented as an engine-neutral ClientSide, and
// bodies move between sockets as Buffers with backpressure both ways — no Node http objects.
//
// One request of a connection is served at a time (HAProxy does the same): the next head is
// parsed only once the response to the previous one is complete and the client has taken it
// (the socket drained), so pipelined requests are answered in order, and a client that pipelines
// without reading holds at most PIPELINE_BUFFER bytes of read-ahead (reading pauses past it, the
// client is never disconnected for pipelining) and one response's worth of unsent bytes. Request
// bodies are relayed as received — chunked bodies validated on the way, never re-chunked — and
// responses go out head and body in one write (cork). A response of unknown length is chunked for
// HTTP/1.1 clients and close-delimited for HTTP/1.0 ones.
//
// Timeouts (the frontend's, re-read per connection wait): httpRequest bounds each head from its
// first byte (and the first head from the connection's start): 408 and close; keepAlive bounds
// the idle time between requests (silent close); client is the inactivity limit while an
// exchange runs (the exchange decides what it means, ClientEvents.clientIdle).
import type net from 'node:net';
import type { HeaderList } from '../../router/types.js';
import { displayAddress } from '../../util/address.js';
import { replyBytes, statusText } from '../local-reply.js';
import type {
  BodyFraming,
  BodyTarget,
  ByteMarks,
  ClientEvents,
  ClientSide,
  FinishListener,
  HttpRequestHead,
} from '../message.js';
import { isFieldName } from '../message.js';
import { ForwardedMemo, type FieldLines } from '../field-lines.js';
import { InactivityLimit, type Inactive } from '../../limits/inactivity.js';
import { closeWithLinger } from './close.js';
import { readAcceptedThrough } from '../../util/accepted-reads.js';
import { Reads, taken } from '../../util/socket-reads.js';
import { RawSocket, type RawSocketHooks } from '../../util/raw-socket.js';
import { probeReset, RESET_PROBE_MS } from '../../util/reset-probe.js';
import { writeJoined } from './write.js';
import { clockNow, enterTurn, leaveTurn } from './clock.js';
import {
  ChunkedDecoder,
  findHeadEnd,
  HeadScan,
  MAX_HEADER_SIZE,
  ParseError,
  parseRequestHead,
  type Head,
} from './h1-parser.js';

/**
 * Bytes read ahead (pipelined requests) while a request is being served or its response is still
 * unsent: past this, reading pauses until the connection is ready for the next request. A read
 * adds at most one socket read (64 KiB) beyond it. Pipelined requests are not counted: however
 * many a client sends, they wait in its own socket buffers and are answered in order.
 */
export const PIPELINE_BUFFER = 64 * 1024;

/** The frontend's timeouts (FrontendSnap.timeouts, ms; 0: none). */
export interface H1Timeouts {
  /** Bounds each request head. */
  readonly httpRequest: number;
  /** Bounds the idle time between requests. */
  readonly keepAlive: number;
  /** Inactivity while an exchange runs. */
  readonly client: number;
}

/**
 * A connection the engine serves: a net.Socket (TLS, or Node's accept path), or an accepted
 * plaintext connection driven on its handle (util/raw-socket.ts), which offers the same operations.
 */
export type H1Socket = net.Socket | RawSocket;

export interface H1Handlers {
  /** A request; `socket` is the connection it arrived on. */
  request(client: ClientSide, socket: H1Socket): void;
  /** An Upgrade request: the socket (and `rest`, the bytes read past the head) are the handler's now. */
  upgrade(head: HttpRequestHead, withBody: boolean, socket: net.Socket, rest: Buffer, start: ByteMarks): void;
  /** The frontend's current timeouts (read at every wait, so swaps apply to new waits). */
  timeouts(): H1Timeouts;
}

const EMPTY = Buffer.alloc(0);

/** What the listener may ask of a connection the engine serves. */
export interface H1Session {
  /**
   * Shutting down: close the connection as soon as it has carried no request for `graceMs`
   * (now, or after the response in progress). A request that arrives within the grace is still
   * served (the listener answers it with "Connection: close"), so a client that sends its next
   * request at once never sees the connection vanish under it.
   */
  closeWhenIdle(graceMs: number): void;
}

/** Serves HTTP/1.1 on `socket` until it closes or is upgraded. */
export function serveH1(
  socket: H1Socket,
  handlers: H1Handlers,
  localPort: number,
  scheme: 'http' | 'https',
): H1Session {
  return new H1Connection(socket, handlers, localPort, scheme);
}

const enum Phase {
  Head,
  Exchange,
  Closed,
}

class H1Connection implements H1Session, Inactive, RawSocketHooks {
  private buf: Buffer = EMPTY;
  private readonly scan = new HeadScan();
  private phase = Phase.Head;
  private current: H1Request | undefined;
  private parsing = false;
  /**
   * One timer per kind of wait (the head's httpRequest, the idle keepAlive), each made once and
   * re-armed (refresh) for every wait of its kind: alternating waits then cost no new timer per
   * request. A timer that fires outside its kind of wait is ignored.
   */
  private headTimer: NodeJS.Timeout | undefined;
  private headMs = 0;
  private idleTimer: NodeJS.Timeout | undefined;
  /** The idle timer's own duration (what refresh() re-arms it for). */
  private idleTimerMs = 0;
  /** The idle timer is scheduled (armed and neither fired nor cleared). */
  private idleRunning = false;
  /** When the scheduled idle timer fires (clockNow() time). */
  private idleDue = 0;
  /** The idle wait in progress: since when (clockNow()) and for how long (ms). */
  private idleStart = 0;
  private idleMs = 0;
  /** The wait in progress (what a firing timer may act on). */
  private waiting: 'head' | 'idle' | 'none' = 'head';
  private clientEnded = false;
  /** The last response is still queued in the socket: the next request waits for 'drain'. */
  private backlogged = false;
  /** The server answered before the request body ended: the rest is read and dropped, then close. */
  private discarding = false;
  /** Shutting down: the idle wait between requests is at most this long (ms; 0: not draining). */
  private idleGrace = 0;
  /**
   * timeouts.client: the inactivity limit while an exchange runs, a response waits for the client
   * to take it, or the rest of a body answered early is read (limits/inactivity.ts: no timer
   * touched per read or write). The waits between requests have their own timers.
   */
  private readonly inactivity = new InactivityLimit(this);
  /** Byte counters when the current exchange began. */
  private markRead = 0;
  private markWritten = 0;
  readonly source: string;
  readonly sourcePort: number;
  /** The X-Forwarded-* fields of this connection's last request (forwardFor), for its next. */
  private readonly forwarded = new ForwardedMemo();
  /** The socket's `onread` reads, when it was switched to them (see the constructor). */
  private reads: Reads | undefined;
  /**
   * Reading stopped for the request body (its target is full, or not attached yet): a reset from
   * the client is then seen only by probing (util/reset-probe.ts), every RESET_PROBE_MS.
   */
  private inputHeld = false;
  private probeTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly conn: H1Socket,
    private readonly handlers: H1Handlers,
    private readonly localPort: number,
    private readonly scheme: 'http' | 'https',
  ) {
    const socket = conn;
    this.source = displayAddress(socket.remoteAddress);
    this.sourcePort = socket.remotePort ?? 0;
    // No setNoDelay(): every socket served here comes from a listener's net.Server, which sets
    // TCP_NODELAY on accept (serving/listener.ts); under TLS the call was a second setsockopt.
    // Plaintext sockets read through `onread`, switched in place (util/accepted-reads.ts): no
    // Readable machinery (a 64 KiB backing store, push, 'data', read-more ticks) per read. TLS
    // sockets, and where Node's slots are missing, read through 'data' events.
    // A connection driven on its handle reads through `onread` from the start.
    const reads = scheme === 'http' ? new Reads(this.onData) : undefined;
    if (socket instanceof RawSocket) {
      this.reads = reads ?? new Reads(this.onData);
      socket.readThrough(this.reads);
      // Its end, drain and close reach this connection by direct calls (rawEnd, rawDrain,
      // rawClose): no event listener added per connection and removed at its end. With no
      // 'error' listener a RawSocket emits no 'error' ('close' follows all the same).
      socket.hooks = this;
    } else {
      if (reads && readAcceptedThrough(socket, reads)) this.reads = reads;
      else socket.on('data', this.onData);
      socket.on('end', this.onEnd);
      socket.on('close', this.onClose);
      socket.on('error', ignoreError); // 'close' follows
      socket.on('drain', this.onDrain);
    }
    this.armHead();
  }

  rawEnd(): void {
    this.onEnd();
  }

  rawDrain(): void {
    this.onDrain();
  }

  rawClose(): void {
    this.onClose();
  }

  /**
   * The connection, for InactivityLimit (limits/inactivity.ts), which reads only its byte counters,
   * writableLength and _handle.writeQueueSize: a RawSocket has them all.
   */
  get socket(): net.Socket {
    return this.conn as net.Socket;
  }

  // ---- timers ----

  /**
   * Starts a wait of `what` for `ms` (0: unbounded). A timer is re-armed with refresh() only while
   * it has not been cleared: clearTimeout() detaches its callback for good, so a cleared timer is
   * dropped and a new one made when needed.
   */
  private arm(ms: number, what: 'head' | 'idle'): void {
    if (what === 'idle') return this.armIdle(ms);
    this.waiting = what;
    if (this.headTimer && this.headMs === ms && ms > 0) this.headTimer.refresh();
    else {
      this.clearHeadTimer();
      if (ms > 0) {
        this.headTimer = setTimeout(this.onHeadTimer, ms);
        this.headMs = ms;
      }
    }
  }

  /**
   * The idle wait between requests, for `ms` from now. Its timer is not re-armed per request (a
   * clock read and a timer-list insertion each time): one still scheduled to fire no later than
   * this wait's end is left as it is, and when it fires it closes the connection only if the wait
   * then in progress has run its full length, else it is re-armed for what is left of it. The
   * bound is unchanged: the connection closes `ms` after its last response (plus timer lag).
   */
  private armIdle(ms: number): void {
    this.waiting = 'idle';
    this.idleStart = clockNow();
    this.idleMs = ms;
    if (ms <= 0) {
      this.clearIdleTimer();
      return;
    }
    const due = this.idleStart + ms;
    if (this.idleRunning && this.idleDue <= due) return;
    this.scheduleIdle(ms, due);
  }

  /** Schedules the idle timer to fire after `ms`, at `due` (clockNow() time). */
  private scheduleIdle(ms: number, due: number): void {
    if (this.idleTimer && this.idleTimerMs === ms) {
      // refresh() re-arms a timer that fired too, as long as it was never cleared.
      this.idleTimer.refresh();
    } else {
      clearTimeout(this.idleTimer);
      this.idleTimer = setTimeout(this.onIdleTimer, ms);
      this.idleTimerMs = ms;
    }
    this.idleRunning = true;
    this.idleDue = due;
  }

  private clearHeadTimer(): void {
    clearTimeout(this.headTimer);
    this.headTimer = undefined;
  }

  private clearIdleTimer(): void {
    clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    this.idleRunning = false;
  }

  private armHead(): void {
    this.arm(this.handlers.timeouts().httpRequest, 'head');
  }

  /** No wait in progress: a timer still running is ignored when it fires (and re-armed later). */
  private stopWaiting(): void {
    this.waiting = 'none';
  }

  /** No wait in progress, timers cleared (the connection closes, or waits on something else). */
  private disarm(): void {
    this.waiting = 'none';
    this.clearHeadTimer();
    this.clearIdleTimer();
  }

  private readonly onHeadTimer = (): void => {
    if (this.waiting !== 'head' || this.phase !== Phase.Head || this.conn.destroyed) return;
    this.fail(408, 'request head not received in time (timeouts.httpRequest)');
  };

  private readonly onIdleTimer = (): void => {
    this.idleRunning = false;
    // Not idle now: the next idle wait arms the timer again.
    if (this.waiting !== 'idle' || this.phase !== Phase.Head || this.conn.destroyed) return;
    // The timer may have been armed by an earlier wait: this one may have time left. Timers can
    // fire a little early against performance.now() (libuv's loop time): within 1 ms is due.
    const now = clockNow();
    const left = this.idleStart + this.idleMs - now;
    if (left > 1) return this.scheduleIdle(Math.ceil(left), now + Math.ceil(left));
    this.close(); // keep-alive expired before another request began
  };

  /** Whether timeouts.client applies now (limits/inactivity.ts). */
  watched(): boolean {
    return this.discarding || this.phase === Phase.Exchange || this.backlogged;
  }

  /** No byte moved for timeouts.client while watched. */
  expired(): void {
    if (this.discarding)
      this.abandon(); // the rest of that body stalled for timeouts.client
    else if (this.phase === Phase.Exchange) this.current?.idle();
    // The client took nothing of the last response for timeouts.client: it is gone.
    else if (this.backlogged) this.abandon();
    // Otherwise between requests: keepAlive and httpRequest apply (this connection's timer).
  }

  // ---- input ----

  /** A read: the engine's clock is read at most once while it is handled (clock.ts). */
  private readonly onData = (chunk: Buffer): void => {
    enterTurn();
    try {
      this.onRead(chunk);
    } finally {
      leaveTurn();
    }
  };

  private onRead(chunk: Buffer): void {
    if (this.phase === Phase.Exchange) {
      const r = this.current!;
      if (!r.bodyDone) return r.feed(chunk);
    } else if (this.phase !== Phase.Head) return;
    else if (this.waiting === 'idle') {
      // The next request began: its head is timed from this first byte, but the timer is armed
      // only when this read leaves the head incomplete. Most heads arrive whole: re-arming it
      // (a clock read and a timer-list insertion) for every request bounded nothing.
      this.waiting = 'none';
      this.append(chunk);
      this.parse();
      if (this.phase === Phase.Head && this.waiting === 'none' && !this.backlogged && this.buf.length > 0)
        this.armHead();
      return;
    }
    this.append(chunk);
    if (this.phase === Phase.Head && !this.backlogged) this.parse();
    else if (this.buf.length > PIPELINE_BUFFER) this.conn.pause(); // until the next request starts
  }

  private append(chunk: Buffer): void {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
  }

  /** Parses and dispatches heads while there are complete ones and no exchange is running. */
  private parse(): void {
    if (this.parsing) return;
    this.parsing = true;
    try {
      while (this.phase === Phase.Head && !this.backlogged && this.buf.length > 0) {
        let end: number;
        let head: Head;
        try {
          end = findHeadEnd(this.buf, 0, this.scan);
          if (end < 0) break;
          head = parseRequestHead(this.buf, this.scan.start, end, true);
        } catch (e) {
          const p = e as ParseError;
          this.fail(
            400,
            p.code === 'HPE_HEADER_OVERFLOW'
              ? `malformed HTTP request: request head larger than ${MAX_HEADER_SIZE} bytes`
              : `malformed HTTP request: ${p.reason}`,
          );
          return;
        }
        // Almost always nothing: then no view (see h1-client.ts after()).
        const rest = end >= this.buf.length ? EMPTY : this.buf.subarray(end);
        this.buf = EMPTY;
        this.scan.reset(0);
        this.dispatch(head, rest);
      }
      if (this.phase === Phase.Head && !this.backlogged && this.clientEnded) this.inputEnded();
    } finally {
      this.parsing = false;
    }
  }

  private dispatch(h: Head, rest: Buffer): void {
    this.stopWaiting();
    const head = new H1RequestHead(h, this.source, this.sourcePort, this.scheme, this.localPort);
    head.lines.forwardedMemo = this.forwarded;
    if (h.version !== '1.1' && h.version !== '1.0') {
      this.fail(505, `HTTP/${h.version} is not supported`);
      return;
    }
    if (h.method === 'CONNECT') {
      this.fail(405, 'CONNECT is not supported');
      return;
    }
    if (h.upgrade && h.connectionUpgrade && h.version === '1.1') {
      this.phase = Phase.Closed;
      this.detach();
      this.conn.pause(); // until the tunnel pipes it: nothing read meanwhile may be lost
      const withBody = h.framing === 'chunked' || (h.framing === 'length' && h.contentLength > 0);
      // The tunnel needs a stream (pipe()): a connection driven on its handle becomes a net.Socket
      // now, whose bytesWritten starts at 0 (its bytesRead goes on from the handle's count).
      const c = this.conn;
      const socket = c instanceof RawSocket ? c.toNetSocket() : c;
      const written = c instanceof RawSocket ? this.markWritten - c.bytesWritten : this.markWritten;
      this.handlers.upgrade(head, withBody, socket, rest, { read: this.markRead, written });
      return;
    }
    this.phase = Phase.Exchange;
    const r = new H1Request(this, head, h);
    this.current = r;
    const t = this.handlers.timeouts().client;
    this.inactivity.set(t);
    this.inactivity.restart();
    if (rest.length > 0) {
      if (r.bodyDone) this.buf = rest;
      else r.feed(rest);
    }
    this.handlers.request(r, this.conn);
  }

  /** Stops reading the request body (its target is full, or none is attached yet). */
  pauseInput(): void {
    this.conn.pause();
    this.inputHeld = true;
    if (this.probeTimer) this.probeTimer.refresh();
    else this.probeTimer = setTimeout(this.onProbeTimer, RESET_PROBE_MS);
  }

  resumeInput(): void {
    if (this.phase === Phase.Exchange && this.buf.length <= PIPELINE_BUFFER) {
      this.inputHeld = false;
      this.conn.resume();
    }
  }

  /**
   * While the request body is held back, the client is not read: a reset it sends would wait for
   * timeouts.client, holding the server connection and its slot. Probed instead (reset-probe.ts).
   */
  private readonly onProbeTimer = (): void => {
    if (!this.inputHeld || this.phase !== Phase.Exchange || this.conn.destroyed) {
      this.inputHeld = false;
      return; // not re-armed: the next pauseInput() does
    }
    if (!probeReset(this.conn)) return; // nothing to probe with: timeouts.client applies
    this.probeTimer?.refresh();
  };

  private clearProbe(): void {
    this.inputHeld = false;
    clearTimeout(this.probeTimer);
    this.probeTimer = undefined;
  }

  /** Body bytes that arrived past the end of the request body: the next request's. */
  keep(rest: Buffer): void {
    if (rest.length > 0) this.buf = rest;
  }

  private readonly onEnd = (): void => {
    // Half-close after a request: it is still answered, then the connection closes (HAProxy too).
    this.clientEnded = true;
    if (this.discarding) return this.close();
    if (this.phase === Phase.Exchange) {
      const r = this.current!;
      if (!r.bodyDone) r.truncated();
      return;
    }
    if (this.phase === Phase.Head && !this.backlogged) this.inputEnded();
  };

  /** No more input and no exchange running: what is left of a head is malformed. */
  private inputEnded(): void {
    if (this.buf.length > 0 && this.scan.start < this.buf.length)
      this.fail(400, 'malformed HTTP request: incomplete head');
    else this.close();
  }

  private readonly onClose = (): void => {
    this.disarm();
    this.clearProbe();
    this.inactivity.clear();
    const r = this.current;
    this.phase = Phase.Closed;
    if (r) r.gone();
  };

  private readonly onDrain = (): void => {
    if (this.backlogged) {
      this.backlogged = false;
      this.next();
    } else this.current?.drained();
  };

  // ---- output ----

  write(data: string, body?: Buffer, tail = ''): boolean {
    const s = this.conn;
    if (s.destroyed) return false;
    if (body === undefined) return s.write(data, 'latin1');
    return writeJoined(s, data, body, tail);
  }

  /** The exchange is over; `close` when the connection must not carry another request. */
  finished(r: H1Request, complete: boolean, close: boolean): void {
    const s = this.conn;
    const bytesIn = s.bytesRead - this.markRead;
    const bytesOut = s.bytesWritten - this.markWritten;
    this.markRead = s.bytesRead;
    this.markWritten = s.bytesWritten;
    this.current = undefined;
    r.report(complete, bytesIn, bytesOut);
    if (this.phase === Phase.Closed) return;
    if (!complete) {
      this.abandon();
      return;
    }
    if (r.answeredEarly && !r.bodyDone && !this.clientEnded) {
      // As HAProxy does, the client may finish sending: the rest of its body is read and dropped
      // (bounded by timeouts.client), then the connection goes on; closing now would reset it.
      this.discarding = true;
      this.current = r;
      r.pipeBody(new DiscardRest(this, r, close));
      return;
    }
    this.after(r, close);
  }

  /** The rest of a body answered early has been read: the connection is at a message boundary. */
  discarded(r: H1Request, close: boolean): void {
    if (!this.discarding) return;
    this.discarding = false;
    this.current = undefined;
    this.after(r, close);
  }

  /** After an exchange that completed: close, or wait for the next request. */
  private after(r: H1Request, close: boolean): void {
    const s = this.conn;
    if (close || !r.bodyDone || this.clientEnded) {
      // The client asked for the close (or has closed its side), sent nothing past its request,
      // and has the whole response in the kernel: nothing can come that a linger would protect,
      // so the connection is released now, as HAProxy does (shutdown and close at once). Waiting
      // for the client's FIN cost a read, an epoll change and a wake-up per connection. Not under
      // TLS: its end is a close_notify, which socket.end() (the linger path) sends.
      if (
        (r.clientClose || this.clientEnded) &&
        r.bodyDone &&
        this.buf.length === 0 &&
        s.writableLength === 0 &&
        this.scheme === 'http'
      )
        this.release();
      else this.close();
      return;
    }
    this.phase = Phase.Head;
    if (s.writableNeedDrain) {
      // The client has not taken this response yet: the next request waits for it (reading
      // stops at PIPELINE_BUFFER meanwhile); timeouts.client still bounds the wait.
      this.backlogged = true;
      this.disarm();
      return;
    }
    this.next();
  }

  /** Ready for the next request: parse one already read, or wait idle for keepAlive. */
  private next(): void {
    const s = this.conn;
    if (this.phase !== Phase.Head || s.destroyed) return;
    const t = this.handlers.timeouts();
    if (this.buf.length > 0) this.arm(t.httpRequest, 'head');
    else this.arm(this.idleWait(t.keepAlive), 'idle');
    // Past the read-ahead bound, the requests already read are served first (each one shrinks it).
    this.inputHeld = false;
    if (this.buf.length <= PIPELINE_BUFFER) s.resume();
    this.parse();
  }

  closeWhenIdle(graceMs: number): void {
    this.idleGrace = Math.max(1, graceMs);
    // Idle now (waiting for a first or a next request, nothing of it read): the grace starts now.
    if (this.phase === Phase.Head && !this.backlogged && this.buf.length === 0)
      this.arm(this.idleWait(this.handlers.timeouts().keepAlive), 'idle');
  }

  private idleWait(keepAlive: number): number {
    if (this.idleGrace === 0) return keepAlive;
    return keepAlive > 0 ? Math.min(keepAlive, this.idleGrace) : this.idleGrace;
  }

  /** Closes at once, without a reply (nothing more can be said to this client). */
  private abandon(): void {
    this.phase = Phase.Closed;
    this.disarm();
    this.clearProbe();
    this.conn.destroy();
  }

  /** An error of our own before a response started: answer it and close. */
  fail(status: number, detail: string): void {
    this.phase = Phase.Closed;
    this.disarm();
    this.detach();
    closeWithLinger(this.conn, replyBytes(status, detail, undefined, true));
  }

  /** Closes after what was written (and lets a client that never reads go after the linger). */
  close(): void {
    this.discarding = false;
    if (this.phase === Phase.Closed && this.conn.destroyed) return;
    this.phase = Phase.Closed;
    this.disarm();
    this.detach();
    closeWithLinger(this.conn);
  }

  /** Closes now: the response is all in the kernel and nothing is left to read (see after()). */
  private release(): void {
    this.phase = Phase.Closed;
    this.detach();
    this.conn.destroy(); // close(2) sends what is queued, then the FIN
  }

  /** The socket leaves this connection (closed, or upgraded). */
  private detach(): void {
    const s = this.conn;
    this.clearHeadTimer();
    this.clearIdleTimer();
    this.clearProbe();
    this.inactivity.clear();
    if (s instanceof RawSocket) {
      s.readToEvents(); // 'data' events for the linger, if any
      // A request still running learns of the close (H1Request.gone); nothing else reaches here.
      s.hooks = this.current ? new CloseOnly(this.onClose) : undefined;
      return;
    }
    if (this.reads) {
      // Whoever takes the socket now (a tunnel's pipe(), the linger before a close) reads it
      // through its Readable: each read is pushed there, and a full Readable stops the reads.
      this.reads.onData = (chunk) => {
        if (!s.push(chunk)) s.pause();
      };
    } else s.off('data', this.onData);
    s.off('end', this.onEnd);
    s.off('drain', this.onDrain);
    if (!this.current) s.off('close', this.onClose);
  }
}

/** The hooks of a connection detached while a request runs: only its close is still wanted. */
class CloseOnly implements RawSocketHooks {
  constructor(readonly rawClose: () => void) {}
  rawEnd(): void {}
  rawDrain(): void {}
}

/** A request head as parsed here: its fields as lines, as pairs only when something asks. */
class H1RequestHead implements HttpRequestHead {
  readonly method: string;
  readonly target: string;
  readonly version: string;
  readonly lines: FieldLines;
  constructor(
    h: Head,
    readonly source: string,
    readonly sourcePort: number,
    readonly scheme: 'http' | 'https',
    readonly localPort: number,
  ) {
    this.method = h.method;
    this.target = h.target;
    this.version = h.version;
    this.lines = h.lines!;
  }
  get headers(): HeaderList {
    return this.lines.headers();
  }
}

/** One request on an HTTP/1.1 connection: its ClientSide. */
class H1Request implements ClientSide {
  readonly framing: BodyFraming;
  readonly contentLength: number;
  readonly expectContinue: boolean;
  readonly relaysChunks = true;
  headersSent = false;
  private status = -1;
  private events: ClientEvents | undefined;
  private finishListener: FinishListener | undefined;
  private target: BodyTarget | undefined;
  /** Body bytes received before a target was attached (the socket is paused meanwhile). */
  private held: Buffer[] | undefined;
  private remaining: number;
  private readonly decoder: ChunkedDecoder | undefined;
  bodyDone: boolean;
  private bodyEnded = false;
  private pendingHead = '';
  private chunkOut = false;
  private closeAfter = false;
  /** The client said this is its last request ("close", or HTTP/1.0 without keep-alive). */
  readonly clientClose: boolean;
  private over = false;
  /** The response started before the request body ended (a server that answered early). */
  answeredEarly = false;

  constructor(
    private readonly conn: H1Connection,
    readonly head: HttpRequestHead,
    private readonly h: Head,
  ) {
    this.framing = h.framing;
    this.contentLength = h.contentLength;
    this.expectContinue = h.expectContinue;
    this.remaining = h.framing === 'length' ? h.contentLength : 0;
    this.decoder = h.framing === 'chunked' ? new ChunkedDecoder() : undefined;
    this.bodyDone = h.framing === 'none' || (h.framing === 'length' && h.contentLength === 0);
    // An HTTP/1.0 client keeps the connection only when it asks to; "close" always ends it.
    this.clientClose = this.closeAfter = h.close || (h.version === '1.0' && !h.keepAlive);
  }

  get bodyComplete(): boolean {
    return this.bodyDone;
  }

  get backlogged(): boolean {
    const s = this.conn.conn;
    return s.writableLength > 0 || s.writableNeedDrain;
  }

  listen(events: ClientEvents): void {
    this.events = events;
  }

  onFinish(fn: FinishListener): void {
    this.finishListener = fn;
  }

  report(complete: boolean, bytesIn: number, bytesOut: number): void {
    this.finishListener?.finished(this.status, complete, bytesIn, bytesOut);
  }

  // ---- request body ----

  /** Body bytes from the socket (or bytes read with the head). */
  feed(chunk: Buffer): void {
    if (this.bodyDone) return this.conn.keep(chunk);
    if (!this.target) {
      (this.held ??= []).push(chunk);
      this.conn.pauseInput();
      return;
    }
    let end = chunk.length;
    if (this.decoder) {
      let done: number;
      try {
        done = this.decoder.feed(chunk, 0, chunk.length);
      } catch (e) {
        return this.badBody(e as ParseError);
      }
      if (done >= 0) end = done;
    } else if (this.remaining < end) end = this.remaining;
    if (!this.decoder) this.remaining -= end;
    const part = end === chunk.length ? chunk : chunk.subarray(0, end);
    const finished = this.decoder ? this.decoder.done : this.remaining === 0;
    if (finished) this.bodyDone = true;
    const more = this.target.write(part);
    if (finished) {
      this.bodyEnded = true;
      // What follows the body is the next request's: kept first, the target's end may go on to it.
      if (end < chunk.length) this.conn.keep(chunk.subarray(end));
      this.target.end();
      return;
    }
    if (!more) this.conn.pauseInput();
  }

  /** The client half-closed in the middle of its body. */
  truncated(): void {
    this.badBody(new ParseError('HPE_INVALID_EOF_STATE', 'the request body ended early'));
  }

  private badBody(e: ParseError): void {
    if (this.over) return this.conn.close(); // the rest of a body answered early: nothing to tell
    this.events?.clientGone(); // the server must not take a partial body for a complete one
    this.events = undefined;
    if (!this.headersSent) this.reply(400, `malformed HTTP request: ${e.reason}`, undefined, true);
    else this.abort();
  }

  pipeBody(target: BodyTarget): void {
    this.target = target;
    if (this.bodyDone && !this.bodyEnded) {
      this.bodyEnded = true;
      target.end();
      return;
    }
    const held = this.held;
    this.held = undefined;
    if (held) for (const c of held) this.feed(c);
    if (!this.bodyDone) this.conn.resumeInput();
  }

  unpipeBody(): void {
    this.target = undefined;
    this.conn.pauseInput();
  }

  resumeBody(): void {
    if (this.target && !this.bodyDone) this.conn.resumeInput();
  }

  // ---- response ----

  sendContinue(): void {
    if (!this.headersSent) this.conn.write('HTTP/1.1 100 Continue\r\n\r\n');
  }

  sendInformational(status: number, reason: string, headers: HeaderList): void {
    // RFC 9110 §15.2: never to an HTTP/1.0 client.
    if (this.headersSent || this.h.version !== '1.1') return;
    let out = `HTTP/1.1 ${status} ${reason || statusText(status)}\r\n`;
    for (const [n, v] of headers) out += `${n}: ${v}\r\n`;
    this.conn.write(`${out}\r\n`);
  }

  sendHead(
    status: number,
    reason: string,
    headers: HeaderList,
    framing: BodyFraming,
    contentLength: number,
    close: boolean,
    bodyInHand = false,
  ): void {
    const relayFraming = framing !== 'none';
    let out = '';
    for (const [n, v] of headers) {
      // Framing fields are ours to write (a header edit or the server may not have left them right).
      if (relayFraming && (isFieldName(n, 'content-length') || isFieldName(n, 'transfer-encoding'))) continue;
      if (isFieldName(n, 'connection')) continue;
      out += `${n}: ${v}\r\n`;
    }
    this.startHead(status, reason, out, framing, contentLength, close, bodyInHand);
  }

  sendHeadLines(
    status: number,
    reason: string,
    lines: FieldLines,
    framing: BodyFraming,
    contentLength: number,
    close: boolean,
    bodyInHand = false,
  ): void {
    // Hop-by-hop fields (Connection among them) are left out by the lines themselves.
    this.startHead(
      status,
      reason,
      lines.serialize(framing !== 'none'),
      framing,
      contentLength,
      close,
      bodyInHand,
    );
  }

  /** The response head around `fields` (field lines, CRLF-terminated). */
  private startHead(
    status: number,
    reason: string,
    fields: string,
    framing: BodyFraming,
    contentLength: number,
    close: boolean,
    bodyInHand: boolean,
  ): void {
    if (close) this.closeAfter = true;
    this.answeredEarly = !this.bodyDone;
    let framingLine = '';
    if (framing === 'length') framingLine = contentLengthLine(contentLength);
    else if (framing === 'chunked') framingLine = CHUNKED_LINE;
    else if (framing === 'stream') {
      if (this.h.version === '1.1') {
        this.chunkOut = true;
        framingLine = CHUNKED_LINE;
      } else this.closeAfter = true; // HTTP/1.0: the body ends with the connection
    }
    const connection = this.closeAfter
      ? CLOSE_LINE
      : this.h.keepAlive || this.h.version === '1.0'
        ? KEEP_ALIVE_LINE
        : '';
    this.pendingHead = statusLine(status, reason) + fields + headTail(framingLine, connection);
    this.headersSent = true;
    this.status = status;
    // Written with the first body bytes (or the end); if none are at hand, on its own after this turn.
    if (!bodyInHand) process.nextTick(flushHeadTick, this);
  }

  flushHead(): void {
    if (this.pendingHead.length === 0 || this.over) return;
    const h = this.pendingHead;
    this.pendingHead = '';
    this.conn.write(h);
  }

  sendBody(chunk: Buffer): boolean {
    if (this.over || chunk.length === 0) return true;
    const h = this.pendingHead;
    this.pendingHead = '';
    if (this.chunkOut) return this.conn.write(`${h}${chunk.length.toString(16)}\r\n`, chunk, '\r\n');
    return this.conn.write(h, chunk);
  }

  endBody(): void {
    if (this.over) return;
    const tail = this.chunkOut ? '0\r\n\r\n' : '';
    const h = this.pendingHead;
    this.pendingHead = '';
    if (h.length + tail.length > 0) this.conn.write(h + tail);
    this.end(true);
  }

  abort(): void {
    if (this.over) return;
    this.end(false);
  }

  reply(status: number, detail: string, headers?: HeaderList, close = false): void {
    if (this.over) return;
    if (this.headersSent) return this.abort(); // too late for a clean answer
    if (close) this.closeAfter = true;
    this.headersSent = true;
    this.status = status;
    const connection = this.closeAfter
      ? true
      : this.h.keepAlive || this.h.version === '1.0'
        ? 'keep-alive'
        : false;
    this.conn.write(replyBytes(status, detail, headers, connection, this.head.method === 'HEAD'));
    this.end(true);
  }

  private end(complete: boolean): void {
    this.over = true;
    this.conn.finished(this, complete, this.closeAfter);
  }

  // ---- from the connection ----

  idle(): void {
    this.events?.clientIdle();
  }

  drained(): void {
    this.events?.clientDrain();
  }

  gone(): void {
    if (this.over) return;
    this.over = true;
    this.events?.clientGone();
    this.conn.finished(this, false, true);
  }
}

/** Where the rest of a body answered early goes: nowhere; its end lets the connection go on. */
class DiscardRest implements BodyTarget {
  constructor(
    private readonly conn: H1Connection,
    private readonly r: H1Request,
    private readonly close: boolean,
  ) {}
  write(chunk: Buffer): boolean {
    taken.last = chunk; // dropped: a read buffer may take the next read (util/socket-reads.ts)
    return true;
  }
  end(): void {
    this.conn.discarded(this.r, this.close);
  }
}

function ignoreError(): void {}

/**
 * The last status line, Content-Length line and head end written, kept: responses mostly repeat
 * them, and each was a number turned into a string and a few concatenations per response.
 */
let lastStatus = 0;
let lastReason = '';
let lastStatusLine = '';
let lastLength = -1;
let lastLengthLine = '';

/** `HTTP/1.1 <status> <reason>` CRLF (the standard reason phrase when the server sent none). */
function statusLine(status: number, reason: string): string {
  if (status !== lastStatus || reason !== lastReason) {
    lastStatusLine = `HTTP/1.1 ${status} ${reason || statusText(status)}\r\n`;
    lastStatus = status;
    lastReason = reason;
  }
  return lastStatusLine;
}

const CHUNKED_LINE = 'Transfer-Encoding: chunked\r\n';
const CLOSE_LINE = 'Connection: close\r\n';
const KEEP_ALIVE_LINE = 'Connection: keep-alive\r\n';

let lastFraming = '';
let lastConnection = '';
let lastTail = '\r\n';

/** The end of a response head: its framing line, its Connection line, the empty line (kept too). */
function headTail(framingLine: string, connection: string): string {
  if (framingLine !== lastFraming || connection !== lastConnection) {
    lastTail = `${framingLine}${connection}\r\n`;
    lastFraming = framingLine;
    lastConnection = connection;
  }
  return lastTail;
}

/** `Content-Length: <n>` CRLF. */
function contentLengthLine(n: number): string {
  if (n !== lastLength) {
    lastLengthLine = `Content-Length: ${n}\r\n`;
    lastLength = n;
  }
  return lastLengthLine;
}

function flushHeadTick(r: H1Request): void {
  r.flushHead();
}
