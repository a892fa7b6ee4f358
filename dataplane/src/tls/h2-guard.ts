// A frame-level guard between a client's secured socket and Node's http2 session (nghttp2). It
// reads the frame headers of both directions — never changing a byte it forwards — and enforces
// what Node's http2 does not:
//
// - Frames on closed streams (RFC 9113 §5.1, §5.1.1). Node builds nghttp2 with
//   `no_closed_streams`, so nghttp2 forgets a stream once it closes and silently ignores DATA or
//   HEADERS that later arrive on it, and a HEADERS frame that goes back to a lower stream id. The
//   guard keeps the state of every stream from the frames it sees both ways: DATA or HEADERS on a
//   stream the client already ended (END_STREAM) or reset and that has closed is a connection
//   error STREAM_CLOSED; a new stream id that is not above every earlier one is a connection error
//   PROTOCOL_ERROR. Frames on a stream this server reset are ignored, as §5.1 requires (the client
//   may have sent them before it saw the RST_STREAM).
// - Malformed fields (§8.2.1): Node makes nghttp2 drop a field with an invalid name or value
//   instead of refusing the request. The guard decodes every field block with its own HPACK
//   decoder (tls/h2-hpack.ts) and reports the stream as malformed; h2.ts resets it with
//   PROTOCOL_ERROR before any request is made from it.
// - A stream's flow-control window over 2^31-1 (§6.9.1) is a stream error; recent nghttp2 ends
//   the whole connection for it. The guard follows each stream's send window (the client's
//   initial window, its WINDOW_UPDATEs, the server's DATA) and resets just that stream.
// - An unsolicited PING ACK: Node treats it as a connection error, RFC 9113 §6.7 says it is to be
//   ignored. Bascule never sends a PING, so every well-formed PING ACK is unsolicited and is not
//   passed on.
//
// Errors are raised through hooks (the session's destroy with an error code); after a connection
// error the guard forwards nothing more.
import { Duplex } from 'node:stream';
import type tls from 'node:tls';
import { invalidField } from './h2-fields.js';
import { ErrorCode, Flag, FrameType } from './h2-frames.js';
import { HpackShadow } from './h2-hpack.js';

const PREFACE_LENGTH = 24;
const FRAME_HEADER = 9;
const { DATA, HEADERS, PRIORITY, RST_STREAM, SETTINGS, PING, GOAWAY, WINDOW_UPDATE, CONTINUATION } =
  FrameType;
const { END_STREAM, ACK, END_HEADERS, PADDED } = Flag;
const {
  PROTOCOL_ERROR,
  STREAM_CLOSED,
  FLOW_CONTROL_ERROR,
  FRAME_SIZE_ERROR,
  COMPRESSION_ERROR,
  ENHANCE_YOUR_CALM,
} = ErrorCode;

/** Largest frame payload a client may send (SETTINGS_MAX_FRAME_SIZE is left at its default). */
const MAX_FRAME_PAYLOAD = 16_384;
/** Largest encoded field block (HEADERS + CONTINUATION) buffered for decoding. */
export const MAX_FIELD_BLOCK = 64 * 1024;
/** Closed streams remembered to tell "closed by the client" from "reset by us". */
const CLOSED_STREAMS_REMEMBERED = 1024;

export interface H2GuardHooks {
  /** End the connection: GOAWAY with `code`, then close. */
  connectionError(code: number, reason: string): void;
  /** Reset an open stream with `code` (RST_STREAM). */
  streamError(streamId: number, code: number, reason: string): void;
  /** A request stream is malformed: reset it with PROTOCOL_ERROR. */
  malformed(streamId: number, reason: string): void;
}

interface StreamState {
  clientEnded: boolean;
  serverEnded: boolean;
  /** What the server may still send on it (its flow-control send window, RFC 9113 §6.9). */
  window: number;
}

/** Largest flow-control window (RFC 9113 §6.9.1). */
const MAX_WINDOW = 0x7fffffff;
const SETTINGS_INITIAL_WINDOW_SIZE = 0x4;

type Closed = 'by-client' | 'reset-by-server';

/** One direction's frame reader: the 9-byte header, then the payload (buffered only when kept). */
class FrameReader {
  private head: Buffer = Buffer.alloc(0);
  /** Payload bytes of the current frame still to come (-1: reading a header). */
  remaining = -1;
  type = 0;
  flags = 0;
  stream = 0;
  length = 0;

  /** Feeds `chunk`; calls `onHeader` per frame header and `onPayload` per payload slice. */
  feed(chunk: Buffer, onHeader: () => boolean, onPayload: (slice: Buffer, last: boolean) => void): void {
    let off = 0;
    while (off < chunk.length) {
      if (this.remaining < 0) {
        const need = FRAME_HEADER - this.head.length;
        const take = Math.min(need, chunk.length - off);
        this.head =
          this.head.length === 0
            ? chunk.subarray(off, off + take)
            : Buffer.concat([this.head, chunk.subarray(off, off + take)]);
        off += take;
        if (this.head.length < FRAME_HEADER) return;
        this.length = this.head.readUIntBE(0, 3);
        this.type = this.head[3]!;
        this.flags = this.head[4]!;
        this.stream = this.head.readUInt32BE(5) & 0x7fffffff;
        this.remaining = this.length;
        if (!onHeader()) return;
        if (this.remaining === 0) {
          this.remaining = -1;
          this.head = Buffer.alloc(0);
          onPayload(Buffer.alloc(0), true);
        }
        continue;
      }
      const take = Math.min(this.remaining, chunk.length - off);
      this.remaining -= take;
      const last = this.remaining === 0;
      const slice = chunk.subarray(off, off + take);
      off += take;
      if (last) {
        this.remaining = -1;
        this.head = Buffer.alloc(0);
      }
      onPayload(slice, last);
    }
  }

  /** The current frame's 9 header bytes (valid inside onHeader). */
  header(): Buffer {
    return this.head;
  }
}

/** The stream-state and field rules for one connection, fed the bytes of both directions. */
export class H2FrameGuard {
  private prefaceLeft = PREFACE_LENGTH;
  private readonly inbound = new FrameReader();
  private readonly outbound = new FrameReader();
  private readonly streams = new Map<number, StreamState>();
  private readonly closed = new Map<number, Closed>();
  private maxClientStream = 0;
  /** The client's SETTINGS_INITIAL_WINDOW_SIZE: each new stream's send window. */
  private initialWindow = 65_535;
  private readonly hpack = new HpackShadow();
  /** The field block being collected (HEADERS + CONTINUATION), and for which stream. */
  private block: Buffer[] = [];
  private blockSize = 0;
  private blockStream = 0;
  private blockIsTrailers = false;
  /** What to do with the current inbound frame's bytes. */
  private inboundAction: 'forward' | 'drop' | 'hold' = 'forward';
  private held: Buffer[] = [];
  private failed = false;

  constructor(private readonly hooks: H2GuardHooks) {}

  get dead(): boolean {
    return this.failed;
  }

  /** Client bytes in; the bytes to hand to nghttp2 out (nothing once the connection failed). */
  fromClient(chunk: Buffer): Buffer[] {
    const out: Buffer[] = [];
    if (this.failed) return out;
    if (this.prefaceLeft > 0) {
      const take = Math.min(this.prefaceLeft, chunk.length);
      out.push(chunk.subarray(0, take));
      this.prefaceLeft -= take;
      chunk = chunk.subarray(take);
      if (chunk.length === 0) return out;
    }
    const r = this.inbound;
    r.feed(
      chunk,
      () => {
        this.inboundAction = this.judgeInbound(r);
        if (this.failed) return false;
        if (this.inboundAction === 'forward') out.push(Buffer.from(r.header()));
        else if (this.inboundAction === 'hold') this.held = [Buffer.from(r.header())];
        return true;
      },
      (slice, last) => {
        if (this.failed) return;
        if (this.inboundAction === 'forward') {
          if (slice.length > 0) out.push(slice);
        } else if (this.inboundAction === 'hold') {
          this.held.push(Buffer.from(slice));
          if (last) {
            this.finishHeld(r);
            if (!this.failed) out.push(...this.held);
            this.held = [];
          }
        }
      },
    );
    return this.failed ? [] : out;
  }

  /**
   * Server (nghttp2) bytes on their way out: only read, to follow the server's side of streams.
   * True once a GOAWAY with an error code has gone out in them: the connection is over.
   */
  fromServer(chunk: Buffer): boolean {
    const r = this.outbound;
    let goawayWithError = false;
    let goaway: Buffer[] = [];
    r.feed(
      chunk,
      () => {
        const s = r.stream;
        if (r.type === GOAWAY) goaway = [];
        if (s === 0 || s % 2 === 0) return true;
        if (r.type === DATA) {
          const st = this.streams.get(s);
          if (st) st.window -= r.length; // padding counts too (§6.9.1)
        }
        if (r.type === RST_STREAM) this.close(s, 'reset-by-server');
        else if ((r.type === HEADERS || r.type === DATA) && r.flags & END_STREAM) {
          const st = this.streams.get(s);
          if (st) {
            st.serverEnded = true;
            if (st.clientEnded) this.close(s, 'by-client');
          }
        }
        return true;
      },
      (slice, last) => {
        if (r.type !== GOAWAY) return;
        goaway.push(slice);
        if (!last) return;
        const p = Buffer.concat(goaway);
        if (p.length >= 8 && p.readUInt32BE(4) !== 0) goawayWithError = true;
      },
    );
    return goawayWithError;
  }

  private fail(code: number, reason: string): void {
    if (this.failed) return;
    this.failed = true;
    this.hooks.connectionError(code, reason);
  }

  private close(id: number, how: Closed): void {
    this.streams.delete(id);
    this.closed.set(id, how);
    if (this.closed.size > CLOSED_STREAMS_REMEMBERED) this.closed.delete(this.closed.keys().next().value!);
  }

  /** Decides on an inbound frame from its header: forward it, drop it, or hold it to decode. */
  private judgeInbound(r: FrameReader): 'forward' | 'drop' | 'hold' {
    const s = r.stream;
    switch (r.type) {
      case PING:
        // Unsolicited ACK (we never ping): ignore it, as RFC 9113 §6.7 says. A malformed one
        // (wrong length or stream) still goes to nghttp2, which refuses it.
        return r.flags & ACK && r.length === 8 && s === 0 ? 'drop' : 'forward';
      case SETTINGS:
        // Followed for SETTINGS_INITIAL_WINDOW_SIZE; a malformed one goes to nghttp2, which refuses it.
        return !(r.flags & ACK) && s === 0 && r.length % 6 === 0 && r.length <= 36 * 6 ? 'hold' : 'forward';
      case WINDOW_UPDATE:
        return s !== 0 && r.length === 4 && this.streams.has(s) ? 'hold' : 'forward';
      case PRIORITY: {
        // RFC 9113 §6.3, §5.3.1: still errors, though recent nghttp2 ignores PRIORITY frames.
        if (s === 0) {
          this.fail(PROTOCOL_ERROR, 'PRIORITY on stream 0');
          return 'drop';
        }
        return r.length === 5 ? 'hold' : 'forward'; // another length: nghttp2 refuses it
      }
      case RST_STREAM: {
        if (s % 2 === 1 && this.streams.has(s)) this.close(s, 'by-client');
        return 'forward';
      }
      case DATA: {
        if (s === 0 || s % 2 === 0 || s > this.maxClientStream) return 'forward'; // nghttp2 refuses these
        const st = this.streams.get(s);
        if (st) {
          if (r.flags & END_STREAM && !st.clientEnded) this.clientEnded(s, st);
          return 'forward'; // open (or half-closed: nghttp2 answers STREAM_CLOSED itself)
        }
        if (this.closed.get(s) === 'reset-by-server') return 'forward'; // nghttp2 ignores it
        this.fail(STREAM_CLOSED, `DATA on closed stream ${s}`);
        return 'drop';
      }
      case HEADERS:
        return this.judgeHeaders(r);
      case CONTINUATION:
        if (this.blockStream === 0 || s !== this.blockStream) return 'forward'; // nghttp2 refuses it
        return 'hold';
      default:
        return 'forward';
    }
  }

  private judgeHeaders(r: FrameReader): 'forward' | 'hold' {
    const s = r.stream;
    if (r.length > MAX_FRAME_PAYLOAD) {
      this.fail(FRAME_SIZE_ERROR, `HEADERS of ${r.length} bytes`);
      return 'forward';
    }
    if (s === 0 || s % 2 === 0) return 'forward'; // nghttp2 refuses it (connection error)
    let trailers = false;
    if (s > this.maxClientStream) {
      this.maxClientStream = s;
      this.streams.set(s, { clientEnded: false, serverEnded: false, window: this.initialWindow });
    } else if (this.streams.has(s)) trailers = true;
    else if (this.closed.get(s) === 'reset-by-server') trailers = true;
    else {
      const was = this.closed.get(s);
      if (was === 'by-client') this.fail(STREAM_CLOSED, `HEADERS on closed stream ${s}`);
      else this.fail(PROTOCOL_ERROR, `HEADERS on stream ${s}, not above ${this.maxClientStream}`);
      return 'forward';
    }
    const st = this.streams.get(s);
    if (st && r.flags & END_STREAM && !st.clientEnded) this.clientEnded(s, st);
    this.block = [];
    this.blockSize = 0;
    this.blockStream = s;
    this.blockIsTrailers = trailers;
    return 'hold';
  }

  private clientEnded(id: number, st: StreamState): void {
    st.clientEnded = true;
    if (st.serverEnded) this.close(id, 'by-client');
  }

  /** A held HEADERS or CONTINUATION frame is complete: collect its fragment, decode at the end. */
  private finishHeld(r: FrameReader): void {
    const frame = Buffer.concat(this.held);
    if (r.type === SETTINGS) {
      for (let o = FRAME_HEADER; o + 6 <= frame.length; o += 6) {
        if (frame.readUInt16BE(o) !== SETTINGS_INITIAL_WINDOW_SIZE) continue;
        const value = frame.readUInt32BE(o + 2);
        if (value > MAX_WINDOW) return; // nghttp2 answers FLOW_CONTROL_ERROR
        for (const st of this.streams.values()) st.window += value - this.initialWindow;
        this.initialWindow = value;
      }
      return;
    }
    if (r.type === WINDOW_UPDATE) {
      // A stream's window over the maximum is a stream error (§6.9.1); recent nghttp2 makes it a
      // connection error, so the update is kept from it and the stream alone is reset.
      const st = this.streams.get(r.stream);
      const increment = frame.readUInt32BE(FRAME_HEADER) & 0x7fffffff;
      if (!st || increment === 0) return; // zero: nghttp2 answers PROTOCOL_ERROR
      if (st.window + increment > MAX_WINDOW) {
        this.held = [];
        this.hooks.streamError(r.stream, FLOW_CONTROL_ERROR, `stream ${r.stream} window over ${MAX_WINDOW}`);
        return;
      }
      st.window += increment;
      return;
    }
    if (r.type === PRIORITY) {
      if ((frame.readUInt32BE(FRAME_HEADER) & 0x7fffffff) === r.stream)
        this.fail(PROTOCOL_ERROR, `stream ${r.stream} depends on itself`);
      return;
    }
    let fragment = frame.subarray(FRAME_HEADER);
    if (r.type === HEADERS) {
      let pad = 0;
      if (r.flags & PADDED) {
        if (fragment.length < 1) return; // nghttp2 refuses it
        pad = fragment[0]!;
        fragment = fragment.subarray(1);
      }
      if (r.flags & Flag.PRIORITY) fragment = fragment.subarray(5);
      if (pad > fragment.length) return; // nghttp2 refuses it (PROTOCOL_ERROR)
      fragment = fragment.subarray(0, fragment.length - pad);
    }
    this.blockSize += fragment.length;
    if (this.blockSize > MAX_FIELD_BLOCK) {
      this.fail(ENHANCE_YOUR_CALM, `field block over ${MAX_FIELD_BLOCK} bytes`);
      return;
    }
    this.block.push(Buffer.from(fragment));
    if (!(r.flags & END_HEADERS)) return;
    const stream = this.blockStream;
    const block = Buffer.concat(this.block);
    this.block = [];
    this.blockStream = 0;
    let fields: Array<[string, string]>;
    try {
      fields = this.hpack.decode(block);
    } catch (err) {
      this.fail(COMPRESSION_ERROR, `field block of stream ${stream}: ${(err as Error).message}`);
      return;
    }
    for (const [name, value] of fields) {
      const why = invalidField(name, value);
      if (why) {
        this.hooks.malformed(stream, this.blockIsTrailers ? `trailers: ${why}` : why);
        return;
      }
    }
  }
}

/**
 * The duplex an HTTP/2 session reads and writes instead of the secured socket: client bytes pass
 * the guard on their way in, server bytes are shown to it on their way out.
 */
export class GuardedSocket extends Duplex {
  readonly guard: H2FrameGuard;

  constructor(
    readonly secure: tls.TLSSocket,
    hooks: H2GuardHooks,
  ) {
    super({ allowHalfOpen: false });
    this.guard = new H2FrameGuard(hooks);
    secure.on('data', (chunk: Buffer) => {
      for (const part of this.guard.fromClient(chunk)) if (!this.push(part)) secure.pause();
    });
    secure.on('end', () => this.push(null));
    secure.on('close', () => this.destroy());
    secure.on('error', (err) => this.destroy(err));
  }

  override _read(): void {
    this.secure.resume();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    // nghttp2 ends a connection it finds in error with a GOAWAY on its own (Node may not be told):
    // once that GOAWAY is written, the connection is closed.
    const over = this.guard.fromServer(chunk);
    this.secure.write(chunk, (err) => {
      if (over) this.secure.end();
      cb(err);
    });
  }

  override _final(cb: (err?: Error | null) => void): void {
    this.secure.end(cb);
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    if (!this.secure.destroyed) this.secure.destroy();
    cb(err);
  }
}
