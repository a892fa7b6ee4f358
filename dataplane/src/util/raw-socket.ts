// An accepted TCP connection driven on its libuv handle directly, without a net.Socket: reads
// through `onread` into a buffer we choose (util/socket-reads.ts), writes with Node's own write
// requests (WriteWrap) and their completion callbacks, half-close with a ShutdownWrap, close with
// handle.close(). In close mode most of a connection's cost was Node's per-socket machinery — the
// net.Socket constructor with its Readable and Writable states, the stream destroy path, the
// ticks between them — rather than the bytes (bench/history/2026-12-02-raw-handles.md); the
// HTTP/1.1 engine and the TCP relay need only a handful of socket operations, which this class
// provides with the same meaning as net.Socket's (events 'data', 'end', 'drain', 'finish',
// 'error', 'close'; bytesRead, bytesWritten, writableLength, writableNeedDrain, pause/resume,
// end, destroy). HandleWrites (below) does the writes alone for a connected net.Socket (the TCP
// relay's server side, the HTTP/1.1 engine's requests to servers). Both keep their writes with one
// core (writeBufferOn, writeLatin1On, writevOn: the WriteWrap, the async-write count, the
// high-water mark, drain), calling back into the owner on failure and on drain.
//
// A path that needs a real stream (an Upgrade's tunnel, pipe()) asks for one: toNetSocket() wraps
// the same handle in a net.Socket, which then owns it; this object stays the connection's identity
// (its 'close' follows the socket's, destroy() destroys it).
//
// The internals (process.binding('stream_wrap'): WriteWrap, ShutdownWrap, streamBaseState and its
// indexes) are looked up once; where they are missing (another Node.js release), RAW_SOCKETS is
// undefined and the listener keeps Node's own accept path (util/raw-accept.ts). Node.js has no
// public API for them (see nodeBinding for the deprecation warning).
import { EventEmitter } from 'node:events';
import net from 'node:net';
import { getDefaultHighWaterMark } from 'node:stream';
import { getSystemErrorName } from 'node:util';
import { resetHandle } from './handle-reset.js';
import { Reads, taken, type ReadBufferOwner } from './socket-reads.js';

// node:fs is taken with process.getBuiltinModule, not imported: on Node.js 22+ an ES module import
// of it reads every export, which loads fs/promises and the REPL's readline (docs/memory.md).
// writeSync is read off the module once: the module object is in dictionary mode (over a hundred
// exports and getters), and a property load from one is not inlined by V8's optimizing compiler,
// so `fs.writeSync` in the relay's per-read path was a LoadIC call per relayed read.
const { writeSync } = process.getBuiltinModule('node:fs');

/** The libuv TCP handle of an accepted connection (tcp_wrap.TCP), as far as used here. */
export interface TcpHandle {
  onread: ((this: TcpHandle, ab?: ArrayBuffer) => Uint8Array | undefined) | null;
  readonly writeQueueSize: number;
  readStart(): number;
  readStop(): number;
  useUserBuffer(buf: Uint8Array): void;
  writeBuffer(req: object, buf: Uint8Array): number;
  writeLatin1String(req: object, s: string): number;
  writev(req: object, chunks: Uint8Array[], allBuffers: boolean): number;
  shutdown(req: object): number;
  close(cb?: () => void): void;
  /** Closes with a reset (SO_LINGER 0: RST instead of FIN); 0, or an error and not closed. */
  reset?(cb?: () => void): number;
  getpeername(out: { address?: string; port?: number; family?: string }): number;
  setNoDelay(on: boolean): number;
  /** The descriptor (POSIX; -1 where there is none, as on Windows). */
  readonly fd?: number;
  /** Set here: the connection this handle belongs to. */
  [OWNER]?: RawSocket;
}

interface Req {
  oncomplete: ((this: Req, status: number) => void) | null;
  handle: TcpHandle;
  /** The connection whose FIN this is (a ShutdownWrap). */
  owner: RawSocket;
  /** The writer whose write this is (a WriteWrap). */
  writer: HandleWriter;
  /** Bytes of this write still counted in writableLength. */
  bytes: number;
  /** The data, kept alive until the write completes. */
  buffer: unknown;
  /** A read buffer the data is, to give back when the write completes (util/socket-reads.ts). */
  readOwner: ReadBufferOwner | undefined;
  readBuf: Buffer | undefined;
}

interface Internals {
  readonly WriteWrap: new () => Req;
  readonly ShutdownWrap: new () => Req;
  readonly state: Int32Array;
  readonly kReadBytesOrError: number;
  readonly kLastWriteWasAsync: number;
}

/** libuv's UV_EOF (the same on every platform). */
const UV_EOF = -4095;

const OWNER = Symbol('bascule.rawSocket');

/**
 * process.binding(name), without the DEP0111 warning it prints under --pending-deprecation (or
 * NODE_PENDING_DEPRECATION=1) on Node.js 20 and 26. There is no supported replacement for what is
 * read here (stream_wrap's WriteWrap, ShutdownWrap and streamBaseState, tcp_wrap's TCP and
 * TCPConnectWrap: none is reachable from a public module), and the lookup is this module's own,
 * done once at load: so the process's documented `noDeprecation` switch is set for the call alone
 * and put back at once. Node checks it when the warning is emitted, synchronously within the call;
 * a later process.binding() elsewhere still warns (test/unit/dataplane/raw-socket-deprecation.test.ts),
 * and --throw-deprecation no longer turns the lookup into a silent fallback to Node's slower path.
 */
function nodeBinding(name: string): Record<string, unknown> {
  const p = process as unknown as { binding(name: string): Record<string, unknown>; noDeprecation?: boolean };
  const own = Object.getOwnPropertyDescriptor(p, 'noDeprecation');
  // Already on (--no-deprecation makes it read-only), or a switch that cannot be set: as it is.
  if (p.noDeprecation === true || (own !== undefined && own.writable !== true)) return p.binding(name);
  p.noDeprecation = true;
  try {
    return p.binding(name);
  } finally {
    if (own === undefined) delete p.noDeprecation;
    else p.noDeprecation = own.value as boolean | undefined;
  }
}

function probe(): Internals | undefined {
  try {
    const sw = nodeBinding('stream_wrap');
    const tcp = nodeBinding('tcp_wrap').TCP as { prototype: Record<string, unknown> } | undefined;
    const { WriteWrap, ShutdownWrap, streamBaseState, kReadBytesOrError, kLastWriteWasAsync } = sw;
    if (typeof WriteWrap !== 'function' || typeof ShutdownWrap !== 'function') return undefined;
    if (!(streamBaseState instanceof Int32Array)) return undefined;
    if (typeof kReadBytesOrError !== 'number' || typeof kLastWriteWasAsync !== 'number') return undefined;
    const proto = tcp?.prototype;
    if (!proto) return undefined;
    for (const m of [
      'readStart',
      'readStop',
      'useUserBuffer',
      'writeBuffer',
      'writeLatin1String',
      'writev',
      'shutdown',
      'close',
      'getpeername',
      'setNoDelay',
    ])
      if (typeof proto[m] !== 'function') return undefined;
    return {
      WriteWrap: WriteWrap as new () => Req,
      ShutdownWrap: ShutdownWrap as new () => Req,
      state: streamBaseState,
      kReadBytesOrError,
      kLastWriteWasAsync,
    };
  } catch {
    return undefined;
  }
}

/** Node's internals this needs, or undefined where they are not found (then: Node's own path). */
export const RAW_SOCKETS = probe();

/** A connect request (tcp_wrap.TCPConnectWrap); Node calls oncomplete with `this` the request. */
interface ConnectReq {
  oncomplete: ((this: ConnectReq, status: number) => void) | null;
  owner: RawSocket;
  address: string;
  port: number;
}

/** A TCP handle not connected yet (tcp_wrap.TCP of type SOCKET). */
interface ConnectingHandle extends TcpHandle {
  connect(req: ConnectReq, address: string, port: number): number;
  connect6(req: ConnectReq, address: string, port: number): number;
}

interface ConnectInternals {
  readonly TCP: new (type: number) => ConnectingHandle;
  readonly TCPConnectWrap: new () => ConnectReq;
  readonly SOCKET: number;
}

function probeConnect(): ConnectInternals | undefined {
  if (RAW_SOCKETS === undefined) return undefined;
  try {
    const { TCP, TCPConnectWrap, constants } = nodeBinding('tcp_wrap') as {
      TCP?: unknown;
      TCPConnectWrap?: unknown;
      constants?: { SOCKET?: unknown };
    };
    if (typeof TCP !== 'function' || typeof TCPConnectWrap !== 'function') return undefined;
    if (typeof constants?.SOCKET !== 'number') return undefined;
    const proto = (TCP as { prototype: Record<string, unknown> }).prototype;
    if (typeof proto.connect !== 'function' || typeof proto.connect6 !== 'function') return undefined;
    return {
      TCP: TCP as unknown as new (type: number) => ConnectingHandle,
      TCPConnectWrap: TCPConnectWrap as new () => ConnectReq,
      SOCKET: constants.SOCKET,
    };
  } catch {
    return undefined;
  }
}

/**
 * What RawSocket.connect needs besides RAW_SOCKETS (tcp_wrap's TCP constructor, TCPConnectWrap
 * and the SOCKET type), or undefined where not found (then: net.connect).
 */
export const RAW_CONNECT = probeConnect();

/** Whether `handle` is a stream handle this class can drive (checked per accepted connection). */
export function isRawCapable(handle: unknown): handle is TcpHandle {
  return (
    RAW_SOCKETS !== undefined &&
    typeof handle === 'object' &&
    handle !== null &&
    typeof (handle as Partial<TcpHandle>).useUserBuffer === 'function' &&
    typeof (handle as Partial<TcpHandle>).writeBuffer === 'function'
  );
}

/** Queued bytes past which write() asks the writer to wait for 'drain' (net.Socket's default). */
const HIGH_WATER_MARK = getDefaultHighWaterMark(false);

function errnoError(status: number, syscall: string): NodeJS.ErrnoException {
  let code: string;
  try {
    code = getSystemErrorName(status);
  } catch {
    code = `E${-status}`;
  }
  const e = new Error(`${syscall} ${code}`) as NodeJS.ErrnoException;
  e.errno = status;
  e.code = code;
  e.syscall = syscall;
  return e;
}

// ---- the write core (RawSocket and HandleWrites) ----

/**
 * The write side of a connection written straight on its handle: what RawSocket and HandleWrites
 * both are. The functions below keep its counts and call back on failure and on drain.
 */
interface HandleWriter {
  /** Bytes the handle took: written by the kernel or queued by libuv. */
  bytesWritten: number;
  /** Bytes of writes the kernel has not taken yet (async writes in flight). */
  writableLength: number;
  /** A write returned false; writeDrained() comes once every queued byte is out. */
  writableNeedDrain: boolean;
  /** Completions after this only settle the counts (no callback). */
  readonly destroyed: boolean;
  /** A write failed (at once or on completion): the writer is done for. */
  writeFailed(err: Error): void;
  /** Every queued byte went out after a write returned false. */
  writeDrained(): void;
}

/**
 * A WriteWrap no write holds. Node binds a write request to its native write only when the kernel
 * does not take the data at once (StreamBase::Write: the try-write comes first, and a write it
 * completes returns before the request object is touched); so the request of a write that
 * completed at once is as new, and the next write takes it instead of constructing one (an API
 * constructor call per write, two per relayed exchange). A request that went async is the write's
 * until it completes; one whose write failed is not reused either.
 */
let spareReq: Req | undefined;
/**
 * Whether spareReq is free. The request stays in spareReq while a write uses it (only this flag
 * changes): storing it back after every write would be a store of an object into an old one per
 * write, and while nothing is allocated (a relay in steady state allocates nothing per read) the
 * request stays in the young generation, so each such store takes V8's write barrier call.
 */
let spareFree = false;

/** WriteWraps constructed in this process (the tests check that writes completed at once reuse one). */
export const writeRequests = { made: 0 };

function takeReq(): Req {
  if (spareFree) {
    spareFree = false;
    return spareReq!;
  }
  writeRequests.made++;
  return new RAW_SOCKETS!.WriteWrap();
}

/** `req`'s write was taken whole at once: it is as new, the next write's. */
function keepReq(req: Req): void {
  if (spareReq !== req) spareReq = req;
  spareFree = true;
}

/** Writes `buf` on `h` for `w`; false when the caller should wait for drain (or it failed). */
function writeBufferOn(w: HandleWriter, h: TcpHandle, buf: Uint8Array): boolean {
  const req = takeReq();
  return dispatched(w, req, h.writeBuffer(req, buf), buf.length, buf);
}

/** Writes `s` as latin1 (one byte per character); as writeBufferOn. */
function writeLatin1On(w: HandleWriter, h: TcpHandle, s: string): boolean {
  const req = takeReq();
  return dispatched(w, req, h.writeLatin1String(req, s), s.length, s);
}

/** Writes the chunks with one system call (writev); as writeBufferOn. */
function writevOn(w: HandleWriter, h: TcpHandle, chunks: Uint8Array[]): boolean {
  const req = takeReq();
  let bytes = 0;
  for (const c of chunks) bytes += c.length;
  return dispatched(w, req, h.writev(req, chunks, true), bytes, chunks);
}

/**
 * The TCP relay's read buffer: one for every connection relaying (RawSocket.relayTo), since a read
 * is written on (or copied) before the next read of any connection happens. Allocated at the first
 * relayed connection.
 */
let relayBuffer: Buffer | undefined;

/** A relayed read this large means a bulk transfer: then reads go into buffers of their own, handed on whole. */
const RELAY_BULK_READ = 16 * 1024;
const RELAY_BUFFER_SIZE = 64 * 1024;

/**
 * Relayed reads larger than STAGE_MAX are written straight from the shared read buffer by a
 * write(2) that does not queue (fs.writeSync on the connection's descriptor: the kernel takes it
 * all, part, or nothing with EAGAIN), so no chunk is allocated and copied for them. Handing a
 * slice of the shared read buffer to the handle's own write would be unsafe: a write the kernel
 * does not take whole keeps pointing into it, and the next read of any connection overwrites it
 * (every relaying handle has it as its next read's buffer). Whatever the kernel did not take is
 * copied and queued with the handle's write.
 *
 * Smaller reads (nearly all of a request/response exchange) are copied into the staging buffer and
 * written from there with the handle's own write (writeStagedOn): no handle reads into the staging
 * buffer, so a write the kernel does not take whole can keep its bytes there, and the next ones
 * go after them. That skips fs.writeSync's per-call machinery (argument checks, a request and its
 * cleanup, a trace-category lookup: about a third of the relay's user-space time on-CPU).
 *
 * `direct`: relayed writes the kernel took whole at once, no chunk allocated; `copied`: writes it
 * did not take whole, their bytes copied and queued (or queued from the staging buffer); `staged`:
 * writes from the staging buffer (either way), `stagedQueued` of them queued there, `stages`
 * staging buffers allocated. The tests check these paths are taken.
 */
export const relayWrites = { direct: 0, copied: 0, staged: 0, stagedQueued: 0, stages: 0 };

/** Relayed reads up to this size go through the staging buffer (Node's Buffer pool's limit too). */
const STAGE_MAX = 4 * 1024;
/**
 * The staging buffer's size. A write the kernel did not take whole keeps its bytes in the staging
 * buffer until it completes, so it keeps the whole buffer alive (at most 8 KiB for as few as one
 * byte), exactly as a slice of Node's Buffer pool does for a net.Socket's write; the relay's writes
 * queued per connection are bounded by its high-water mark (the reading side pauses).
 */
const STAGE_SIZE = 8 * 1024;
let stage: Buffer | undefined;
/** Where the next staged write goes: past every byte a queued write still holds. */
let stageOffset = 0;
/** Changes whenever stage or stageOffset does: the views below are of the old place then. */
let stageGeneration = 0;

/**
 * Views of the shared read buffer and of the staging buffer by length (slot `n % VIEW_SLOTS`):
 * a write takes a Uint8Array of exactly its bytes, and an exchange's reads are mostly of a few
 * repeating sizes, so the views are made once instead of per write.
 */
const VIEW_SLOTS = 64;
const readViews: (Uint8Array | undefined)[] = new Array<Uint8Array | undefined>(VIEW_SLOTS).fill(undefined);
const stageViews: (Uint8Array | undefined)[] = new Array<Uint8Array | undefined>(VIEW_SLOTS).fill(undefined);
const stageViewGenerations = new Int32Array(VIEW_SLOTS);

/**
 * Writes `n` (<= STAGE_MAX) bytes of `src` on `h` for `w` through the staging buffer (see
 * relayWrites); as writeBufferOn. libuv keeps a connection's writes in order (a write while one is
 * queued is queued behind it), so no check of writableLength is needed here.
 */
function writeStagedOn(w: HandleWriter, h: TcpHandle, src: Uint8Array, n: number): boolean {
  let st = stage;
  if (st === undefined || stageOffset + n > STAGE_SIZE) {
    // The old one (if any) stays alive as long as a queued write holds it; no view keeps it.
    st = stage = Buffer.allocUnsafeSlow(STAGE_SIZE);
    stageOffset = 0;
    stageGeneration++;
    stageViews.fill(undefined);
    relayWrites.stages++;
  }
  const slot = n & (VIEW_SLOTS - 1);
  let from: Uint8Array | undefined;
  if (src === relayBuffer) {
    from = readViews[slot];
    if (from === undefined || from.length !== n)
      from = readViews[slot] = new Uint8Array(src.buffer, src.byteOffset, n);
  } else from = new Uint8Array(src.buffer, src.byteOffset, n);
  let to = stageViews[slot];
  if (to === undefined || to.length !== n || stageViewGenerations[slot] !== stageGeneration) {
    to = stageViews[slot] = new Uint8Array(st.buffer, st.byteOffset + stageOffset, n);
    stageViewGenerations[slot] = stageGeneration;
  }
  to.set(from);
  relayWrites.staged++;
  const req = takeReq();
  const err = h.writeBuffer(req, to);
  if (err !== 0) {
    w.writeFailed(errnoError(err, 'write'));
    return false;
  }
  w.bytesWritten += n;
  const r = RAW_SOCKETS!;
  // As dispatched(), without `taken`: this runs from a relayed read (RawSocket.onRelayRead), never
  // inside a Reads callback, which is what `taken` is for.
  if (r.state[r.kLastWriteWasAsync] !== 0) {
    // Queued: these bytes are the write's until it completes (the request keeps `to`); the next
    // staged write goes after them, 8-byte aligned.
    queued(w, req, n, to);
    stageOffset += (n + 7) & ~7;
    stageGeneration++;
    relayWrites.stagedQueued++;
    relayWrites.copied++;
  } else {
    keepReq(req);
    relayWrites.direct++;
  }
  return !w.writableNeedDrain;
}

/**
 * Writes `n` bytes of `src`, a buffer the next read overwrites, on `h` for `w`; as writeBufferOn.
 * Up to STAGE_MAX bytes through the staging buffer; more straight from `src` when nothing is
 * queued on the handle (so the bytes cannot overtake queued ones) and it has a descriptor;
 * otherwise, and for what the kernel did not take, from a copy.
 */
function writeRelayedOn(w: HandleWriter & { fd: number }, h: TcpHandle, src: Uint8Array, n: number): boolean {
  if (n <= STAGE_MAX) return writeStagedOn(w, h, src, n);
  let done = 0;
  if (w.writableLength === 0) {
    let fd = w.fd;
    if (fd === FD_UNKNOWN) fd = w.fd = descriptorOf(h);
    if (fd >= 0) {
      try {
        done = writeSync(fd, src, 0, n);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code !== 'EAGAIN' && code !== 'EWOULDBLOCK') {
          const errno = (e as NodeJS.ErrnoException).errno;
          w.writeFailed(errnoError(typeof errno === 'number' ? errno : -1, 'write'));
          return false;
        }
      }
      if (done === n) {
        relayWrites.direct++;
        w.bytesWritten += n;
        return !w.writableNeedDrain;
      }
      w.bytesWritten += done;
    }
  }
  relayWrites.copied++;
  const rest = Buffer.allocUnsafe(n - done);
  rest.set(src.subarray(done, n));
  return writeBufferOn(w, h, rest);
}

/** Not looked up yet (RawSocket.fd). */
const FD_UNKNOWN = -2;

/** The handle's descriptor, or -1 where it has none usable here (a platform without, an odd value). */
function descriptorOf(h: TcpHandle): number {
  const fd = h.fd;
  return typeof fd === 'number' && Number.isInteger(fd) && fd >= 0 ? fd : -1;
}

/**
 * After a write was handed to libuv: a write refused at once (`err`) counts nowhere — no byte of
 * it left, as HAProxy's and the traces' bytes out mean bytes sent — and fails the writer; one the
 * kernel did not take whole (kLastWriteWasAsync) counts in writableLength until its completion.
 */
function dispatched(w: HandleWriter, req: Req, err: number, bytes: number, data: unknown): boolean {
  if (err !== 0) {
    w.writeFailed(errnoError(err, 'write'));
    return false;
  }
  w.bytesWritten += bytes;
  const r = RAW_SOCKETS!;
  if (r.state[r.kLastWriteWasAsync] !== 0) {
    queued(w, req, bytes, data);
    taken.queued = data; // a read buffer among the data is given back on completion
    taken.req = req;
  } else {
    keepReq(req); // taken whole: untouched, the next write's
    taken.last = data; // and nothing of `data` is held (util/socket-reads.ts reuses a read buffer)
  }
  return !w.writableNeedDrain;
}

/** `req`'s write of `bytes` (`data`) was queued: counted in writableLength until onWriteDone. */
function queued(w: HandleWriter, req: Req, bytes: number, data: unknown): void {
  req.oncomplete = onWriteDone;
  req.writer = w;
  req.bytes = bytes;
  req.buffer = data;
  req.readOwner = req.readBuf = undefined;
  w.writableLength += bytes;
  if (w.writableLength >= HIGH_WATER_MARK) w.writableNeedDrain = true;
}

/** An async write completed. */
function onWriteDone(this: Req, status: number): void {
  const w = this.writer;
  w.writableLength -= this.bytes;
  this.buffer = undefined;
  const owner = this.readOwner;
  if (owner !== undefined) {
    // The read buffer this write carried is free again (whatever the status: nothing holds it).
    const buf = this.readBuf!;
    this.readOwner = this.readBuf = undefined;
    owner.returned(buf);
  }
  if (w.destroyed) return;
  if (status < 0) {
    w.writeFailed(errnoError(status, 'write'));
    return;
  }
  if (w.writableLength === 0 && w.writableNeedDrain) {
    w.writableNeedDrain = false;
    w.writeDrained();
  }
}

/** The net.Socket a connection was handed to (toNetSocket) → the connection. */
const owners = new WeakMap<net.Socket, RawSocket>();

/** The raw connection behind a socket made by toNetSocket(), if any. */
export function rawOwnerOf(socket: unknown): RawSocket | undefined {
  return socket instanceof net.Socket ? owners.get(socket) : undefined;
}

/**
 * The one party told of a connection's 'end', 'drain' and 'close' by a direct call, after the
 * event's listeners (RawSocket.hooks): the HTTP/1.1 engine, which would otherwise add four event
 * listeners per connection and remove three when it lets go of it, and the TCP relay (both of its
 * connections, which also want 'connect', 'error' and 'finish': six listeners per connection
 * before). An 'error' is reported to `rawError` even without an 'error' listener, then 'close'.
 */
export interface RawSocketHooks {
  rawEnd(): void;
  rawDrain(): void;
  rawClose(): void;
  /** A connection opened by RawSocket.connect is up (after the 'connect' listeners). */
  rawConnect?(): void;
  /** The connection failed with `err` (after the 'error' listeners); 'close' follows. */
  rawError?(err: Error): void;
  /** Our FIN went out (after the 'finish' listeners). */
  rawFinish?(): void;
}

export class RawSocket extends EventEmitter implements HandleWriter {
  /** Connections taken this way in this process (the tests check the fast path is taken). */
  static created = 0;
  /** Of those, connections this process opened (RawSocket.connect). */
  static connected = 0;
  destroyed = false;
  /** connect() was called and has not completed: no reads yet. */
  connecting = false;
  bytesRead = 0;
  /** Bytes the handle took (a write refused at once is not counted). */
  bytesWritten = 0;
  /** Bytes of writes the kernel has not taken yet (async writes in flight). */
  writableLength = 0;
  writableNeedDrain = false;
  /** end() was called (our FIN is queued). */
  writableEnded = false;
  /** Our FIN went out. */
  writableFinished = false;
  /** The peer's FIN was read. */
  readableEnded = false;
  /** The error the connection was destroyed with. */
  errored: Error | null = null;
  readonly readableLength = 0;
  private paused = false;
  private reading = false;
  /** Where reads go; undefined: each read is copied and emitted as 'data' (or relayed). */
  private reads: Reads | undefined;
  /** Each read is written on this connection (relayTo): no 'data', no Reads. */
  private relay: RawSocket | undefined;
  /** this.buf is this connection's own (a bulk relayed read): handed on as it is. */
  private bufOwned = false;
  /** The handle's descriptor for relayed writes (FD_UNKNOWN until first needed). */
  fd = FD_UNKNOWN;
  /** The buffer the handle reads into now. */
  private buf: Uint8Array | undefined;
  private peer: { address?: string; port?: number; family?: string } | undefined;
  /** Set once toNetSocket() handed the handle on. */
  private socket: net.Socket | undefined;
  /** Called after the 'end', 'drain' and 'close' listeners (see RawSocketHooks). */
  hooks: RawSocketHooks | undefined = undefined;

  constructor(private handle: TcpHandle | null) {
    super();
    RawSocket.created++;
    handle![OWNER] = this;
    handle!.onread = onRawRead;
  }

  /**
   * A connection to `address` (an IP literal) and `port` opened on a new handle: 'connect' once
   * up (then reads start as on an accepted one: readThrough), or 'error' and 'close'. Undefined
   * where this cannot be done here (a host name, the internals missing): use net.connect. Errors
   * are reported after this returns (the caller attaches its listeners first).
   */
  static connect(address: string, port: number): RawSocket | undefined {
    const c = RAW_CONNECT;
    if (c === undefined) return undefined;
    const family = net.isIP(address);
    if (family === 0) return undefined;
    const raw = new RawSocket(new c.TCP(c.SOCKET));
    RawSocket.connected++;
    raw.connecting = true;
    const req = new c.TCPConnectWrap();
    req.oncomplete = onRawConnect;
    req.owner = raw;
    req.address = address;
    req.port = port;
    const h = raw.handle as ConnectingHandle;
    const err = family === 4 ? h.connect(req, address, port) : h.connect6(req, address, port);
    if (err !== 0) process.nextTick(connectFailed, raw, err);
    return raw;
  }

  /** The connect request completed (from onRawConnect). */
  connectDone(status: number): void {
    if (this.destroyed) return; // destroyed meanwhile: the request was cancelled
    this.connecting = false;
    if (status < 0) {
      this.destroy(errnoError(status, 'connect'));
      return;
    }
    // As net.connect({ noDelay: true }): a relay writes what it has read at once.
    this.handle!.setNoDelay(true);
    this.emit('connect');
    this.hooks?.rawConnect?.();
    if (this.reads) this.startReading();
  }

  /** The handle (InactivityLimit reads its writeQueueSize), null once closed or handed on. */
  get _handle(): TcpHandle | null {
    return this.handle;
  }

  get remoteAddress(): string | undefined {
    return this.peerName().address;
  }

  get remotePort(): number | undefined {
    return this.peerName().port;
  }

  private peerName(): { address?: string; port?: number } {
    if (this.peer) return this.peer;
    const out = {};
    if (this.handle && this.handle.getpeername(out) === 0) this.peer = out;
    return out;
  }

  // ---- reads ----

  /** Reads go to `reads` from now on (and start, unless paused). */
  readThrough(reads: Reads): void {
    this.relay = undefined;
    this.reads = reads;
    this.useBuffer(reads.buffer());
    this.startReading();
  }

  /** Reads are emitted as 'data' from now on (for whoever takes the connection next). */
  readToEvents(): void {
    this.reads = undefined;
    this.relay = undefined;
  }

  /**
   * The TCP relay: every read is written on `to` from now on, straight from the shared relay
   * buffer where the kernel takes it at once (see writeRelayedOn), and reading pauses when `to`
   * asks to wait (its 'drain' is the caller's to answer with resume()). Reads start unless paused.
   */
  relayTo(to: RawSocket): void {
    this.reads = undefined;
    this.relay = to;
    relayBuffer ??= Buffer.allocUnsafe(RELAY_BUFFER_SIZE);
    // A buffer already given to the handle (an earlier readThrough) takes the next read, and is
    // copied from like any other (onRelayRead); the relay buffer is handed over with it.
    if (!this.buf) this.useBuffer(relayBuffer);
    this.startReading();
  }

  private useBuffer(buf: Uint8Array): void {
    this.buf = buf;
    this.bufOwned = false;
    this.handle?.useUserBuffer(buf);
  }

  pause(): this {
    this.paused = true;
    if (this.socket) this.socket.pause();
    else if (this.reading) {
      this.reading = false;
      this.handle?.readStop();
    }
    return this;
  }

  resume(): this {
    this.paused = false;
    if (this.socket) this.socket.resume();
    else this.startReading();
    return this;
  }

  private startReading(): void {
    if (
      this.reading ||
      this.paused ||
      this.readableEnded ||
      this.destroyed ||
      this.connecting ||
      !this.handle
    )
      return;
    if (!this.buf) this.useBuffer(Buffer.allocUnsafe(16 * 1024));
    this.reading = true;
    const err = this.handle.readStart();
    if (err !== 0) this.destroy(errnoError(err, 'read'));
  }

  /** One read of `n` bytes into this.buf (from onRawRead); returns the next buffer if it changed. */
  onRead(n: number): Uint8Array | undefined {
    const buf = this.buf!;
    this.bytesRead += n;
    const relay = this.relay;
    if (relay !== undefined) return this.onRelayRead(relay, buf, n);
    const reads = this.reads;
    if (reads) {
      reads.callback(n, buf);
      if (this.destroyed || this.socket) return undefined;
      const next = reads.buffer();
      if (next === buf) return undefined;
      this.buf = next;
      return next;
    }
    const chunk = Buffer.allocUnsafe(n);
    chunk.set(buf.subarray(0, n));
    this.emit('data', chunk);
    return undefined;
  }

  /** One read of `n` bytes into `buf`, written on `to` (relayTo); returns the next buffer if it changed. */
  private onRelayRead(to: RawSocket, buf: Uint8Array, n: number): Uint8Array | undefined {
    const ok = this.bufOwned
      ? to.write(Buffer.from(buf.buffer, buf.byteOffset, n)) // this read's own buffer: handed on
      : to.writeRelayed(buf, n);
    if (!ok) this.pause();
    if (this.destroyed || this.relay === undefined) return undefined;
    let next: Uint8Array;
    if (n >= RELAY_BULK_READ) {
      // A bulk transfer: the next read into a buffer of its own, so it is handed on uncopied.
      next = Buffer.allocUnsafeSlow(RELAY_BUFFER_SIZE);
      this.bufOwned = true;
    } else {
      next = relayBuffer!;
      this.bufOwned = false;
    }
    if (next === buf) return undefined;
    this.buf = next;
    return next;
  }

  /** A read returned `status` < 0: the peer's FIN, or an error. */
  onReadEnd(status: number): void {
    this.reading = false;
    if (status !== UV_EOF) {
      this.destroy(errnoError(status, 'read'));
      return;
    }
    if (this.readableEnded) return;
    this.readableEnded = true;
    this.emit('end');
    this.hooks?.rawEnd();
    // Both directions done: the connection is over (net.Socket's autoDestroy does the same).
    if (this.writableFinished) this.destroy();
  }

  // ---- writes ----

  /**
   * Writes `data` (a string is written as latin1: one byte per character); false when the caller
   * should wait for 'drain'. After end() or destroy() nothing is written.
   */
  write(data: string | Uint8Array, encoding?: BufferEncoding): boolean {
    if (this.socket) return this.socket.write(data as string, encoding ?? 'latin1');
    const h = this.handle;
    if (this.destroyed || this.writableEnded || !h) return false;
    if (typeof data === 'string' && encoding !== undefined && encoding !== 'latin1' && encoding !== 'binary')
      data = Buffer.from(data, encoding);
    return typeof data === 'string' ? writeLatin1On(this, h, data) : writeBufferOn(this, h, data);
  }

  /**
   * Writes the first `n` bytes of `src`, a buffer the next read overwrites (relayTo): what the
   * kernel does not take at once is copied; as write().
   */
  writeRelayed(src: Uint8Array, n: number): boolean {
    if (this.socket) return this.socket.write(Buffer.from(src.subarray(0, n)));
    const h = this.handle;
    if (this.destroyed || this.writableEnded || !h) return false;
    return writeRelayedOn(this, h, src, n);
  }

  /** Writes the chunks with one system call (writev); as write(). */
  writeChunks(chunks: Uint8Array[]): boolean {
    if (this.socket) {
      this.socket.cork();
      for (const c of chunks) this.socket.write(c);
      this.socket.uncork();
      return !this.socket.writableNeedDrain;
    }
    const h = this.handle;
    if (this.destroyed || this.writableEnded || !h) return false;
    return writevOn(this, h, chunks);
  }

  /** From the write core: a write failed. */
  writeFailed(err: Error): void {
    this.destroy(err);
  }

  /** From the write core: what was queued went out ('drain'). */
  writeDrained(): void {
    this.emit('drain');
    this.hooks?.rawDrain();
  }

  /** Our FIN once the queued writes are out ('finish'); the connection closes when both ends are done. */
  end(data?: string | Uint8Array): this {
    if (this.socket) {
      if (data === undefined) this.socket.end();
      else this.socket.end(data);
      return this;
    }
    if (data !== undefined) this.write(data);
    const h = this.handle;
    if (this.destroyed || this.writableEnded || !h) return this;
    this.writableEnded = true;
    const req = new RAW_SOCKETS!.ShutdownWrap();
    req.oncomplete = onRawShutdown;
    req.owner = this;
    req.handle = h;
    const err = h.shutdown(req);
    if (err !== 0) this.destroy(errnoError(err, 'shutdown'));
    return this;
  }

  /** The FIN went out (from onRawShutdown). */
  shutdownDone(status: number): void {
    if (this.destroyed) return;
    if (status < 0) {
      this.destroy(errnoError(status, 'shutdown'));
      return;
    }
    this.writableFinished = true;
    this.emit('finish');
    this.hooks?.rawFinish?.();
    if (this.readableEnded) this.destroy();
  }

  // ---- close ----

  /** Closes the handle now (queued writes go out first, then the FIN: close(2)); 'close' follows. */
  destroy(err?: Error): this {
    return this.close(err, false);
  }

  /**
   * Closes the handle with a reset (SO_LINGER 0: the peer gets an RST, queued writes are dropped),
   * as net.Socket's resetAndDestroy(); 'close' follows. A connection still connecting, one whose
   * FIN is queued (libuv refuses to reset it, and a refused reset cannot be closed any more:
   * util/handle-reset.ts) or a handle without reset() is destroyed instead.
   */
  resetAndDestroy(): this {
    if (this.socket) {
      this.socket.resetAndDestroy();
      return this;
    }
    return this.close(undefined, !this.connecting && !this.writableEnded);
  }

  private close(err: Error | undefined, reset: boolean): this {
    if (this.socket) {
      this.socket.destroy(err);
      return this;
    }
    if (this.destroyed) return this;
    this.destroyed = true;
    if (err) this.errored = err;
    this.reading = false;
    this.reads = undefined;
    this.relay = undefined;
    const h = this.handle;
    this.handle = null;
    if (h) {
      h.onread = noRead;
      h[OWNER] = undefined;
      // No close callback: libuv closes a TCP handle's descriptor within uv_close() (the FIN, or
      // the RST, is sent before this returns), so nothing is left to wait for, and a callback
      // costs a property set on the handle (Node keeps it under a symbol) and a call back into
      // JavaScript from the loop's close phase, per connection (bench/history/2026-12-03-close-cost.md).
      // 'close' follows on the next tick instead, after 'error', as before.
      if (reset && typeof h.reset === 'function') resetHandle(h as Required<Pick<TcpHandle, 'reset'>>);
      else h.close();
    }
    if (err && (this.listenerCount('error') > 0 || this.hooks?.rawError))
      process.nextTick(emitError, this, err);
    process.nextTick(emitClose, this);
    return this;
  }

  // ---- a real stream ----

  /**
   * The connection as a net.Socket, for paths that need a stream (pipe(), a tunnel): the handle
   * is wrapped in one (paused: it starts reading when resumed or piped) and is the socket's from
   * now on. Its 'close' is this object's; bytesRead goes on counting from the handle's total,
   * bytesWritten starts again at 0 (see writtenBefore).
   */
  toNetSocket(): net.Socket {
    if (this.socket) return this.socket;
    const h = this.handle;
    if (this.destroyed || !h) {
      const s = new net.Socket();
      s.destroy();
      return s;
    }
    this.reading = false;
    h.readStop();
    this.reads = undefined;
    this.relay = undefined;
    h[OWNER] = undefined;
    // Reads keep going through `onread` (the handle is in user-buffer mode): each one is pushed
    // into the socket's Readable, and a full Readable stops the reads, as Node's own path does.
    const reads = new Reads((chunk) => {
      if (!s.push(chunk)) s.pause();
    });
    const s = new net.Socket({
      handle: h as unknown as never,
      allowHalfOpen: true,
      readable: true,
      writable: true,
      pauseOnCreate: true,
      onread: reads,
    } as net.SocketConstructorOpts);
    this.socket = s;
    this.handle = null;
    owners.set(s, this);
    if (this.readableEnded) s.push(null);
    s.once('close', () => {
      this.destroyed = true;
      emitClose(this);
    });
    s.on('error', (e) => {
      if (this.listenerCount('error') > 0) this.emit('error', e);
    });
    return s;
  }
}

function onRawRead(this: TcpHandle): Uint8Array | undefined {
  const raw = this[OWNER];
  if (!raw || raw.destroyed) return undefined;
  const r = RAW_SOCKETS!;
  const n = r.state[r.kReadBytesOrError]!;
  if (n > 0) return raw.onRead(n);
  if (n < 0) raw.onReadEnd(n);
  return undefined;
}

function onRawConnect(this: ConnectReq, status: number): void {
  this.owner.connectDone(status);
}

function connectFailed(raw: RawSocket, err: number): void {
  raw.destroy(errnoError(err, 'connect'));
}

function onRawShutdown(this: Req, status: number): void {
  this.owner.shutdownDone(status);
}

function noRead(): undefined {
  return undefined;
}

function emitError(raw: RawSocket, err: Error): void {
  if (raw.listenerCount('error') > 0) raw.emit('error', err);
  raw.hooks?.rawError?.(err);
}

function emitClose(raw: RawSocket): void {
  raw.emit('close', false);
  raw.hooks?.rawClose();
}

/**
 * Writes straight on the handle of a connected net.Socket (or a RawSocket: the same writes with
 * counts of their own), past its Writable (no write queue
 * object, no after-write tick per chunk): for a writer that only writes and ends (the TCP relay's
 * server side, the HTTP/1.1 engine's requests to servers). Bytes the kernel did not take at once
 * are counted until their write completes; past the high-water mark a write returns false and
 * `onDrain` runs once they are all out. The socket's own end() still works (libuv shuts down
 * after the queued writes); bytesWritten of the socket does not count these writes (this object's
 * does).
 */
export class HandleWrites implements HandleWriter {
  /** Writers made in this process (the tests check the fast path is taken). */
  static created = 0;
  /** Bytes the handle took (taken by the kernel or queued; a write refused at once is not counted). */
  bytesWritten = 0;
  /** Bytes of writes the kernel has not taken yet (async writes in flight). */
  writableLength = 0;
  /** Whether a write returned false and 'drain' (onDrain) has not come yet. */
  writableNeedDrain = false;

  constructor(
    private readonly socket: net.Socket | RawSocket,
    private readonly handle: TcpHandle,
    private readonly onDrain: () => void,
  ) {
    HandleWrites.created++;
  }

  /** A writer for `socket`, or undefined where its handle cannot be written this way. */
  static of(socket: net.Socket | RawSocket, onDrain: () => void): HandleWrites | undefined {
    const h = (socket as unknown as { _handle?: unknown })._handle;
    if (!isRawCapable(h) || socket.writableLength > 0 || socket.writableEnded) return undefined;
    return new HandleWrites(socket, h, onDrain);
  }

  get destroyed(): boolean {
    return this.socket.destroyed;
  }

  write(chunk: Uint8Array): boolean {
    if (this.socket.destroyed || this.socket.writableEnded) return false;
    return writeBufferOn(this, this.handle, chunk);
  }

  /** Writes `s` as latin1 (one byte per character: header lines). */
  writeLatin1(s: string): boolean {
    if (this.socket.destroyed || this.socket.writableEnded) return false;
    return writeLatin1On(this, this.handle, s);
  }

  /** Writes the chunks with one system call (writev). */
  writev(chunks: Uint8Array[]): boolean {
    if (this.socket.destroyed || this.socket.writableEnded) return false;
    return writevOn(this, this.handle, chunks);
  }

  /** From the write core: a write failed; the socket is destroyed with it, as its Writable does. */
  writeFailed(err: Error): void {
    this.socket.destroy(err);
  }

  /** From the write core. */
  writeDrained(): void {
    this.onDrain();
  }
}
