// Socket reads through Node's `onread` option (a buffer we choose and a callback) instead of the
// Readable stream path: for plaintext server connections, HTTP (h1-client.ts) and TCP
// (tcp/proxy.ts). A net.Server gives accepted client sockets Node's own read path; re-wrapping an
// accepted handle in a second Socket cost more per connection than it saved per read (measured:
// bench/history/2026-12-02-engine.md, "Profile and cuts"). The TCP relay switches its accepted sockets in place
// instead (util/accepted-reads.ts).

/**
 * Where plaintext connections read into while their reads are small: one buffer for all of them,
 * since a read is consumed (copied out) by its callback before the next read happens. Node's
 * default read path allocates a 64 KiB backing store per read and runs it through the Readable
 * stream machinery (push, 'data', read-more ticks); `onread` skips both.
 */
const READ_BUFFER = Buffer.allocUnsafe(64 * 1024);

/**
 * A read this large means a bulk transfer: copying every such read out of READ_BUFFER would cost
 * a memcpy of the whole body, so the connection then reads into buffers of its own, handed on
 * without a copy, until its reads are small again.
 */
const BULK_READ = 16 * 1024;

/** Told when a queued write that carried a read buffer has completed (see Reads). */
export interface ReadBufferOwner {
  /** `buf`, handed on by a read, is free again: no write holds it any more. */
  returned(buf: Buffer): void;
}

/** A write request the handle queued (raw-socket.ts): who to tell when it completes. */
export interface QueuedWrite {
  readOwner: ReadBufferOwner | undefined;
  readBuf: Buffer | undefined;
}

/**
 * What the writes during the current read's callback did with their data (see Reads): `last` is
 * data written out whole at once — the handle write core (raw-socket.ts) sets it when the kernel
 * took every byte of a write at once, the engine's joined writes (http/engine/write.ts) when a
 * chunk was copied into the write — so the write holds nothing of it. `queued` is data a write
 * queued whole (the kernel did not take it at once), with its write request in `req`. A writev
 * sets its array of chunks.
 */
export const taken: { last: unknown; queued: unknown; req: QueuedWrite | undefined } = {
  last: undefined,
  queued: undefined,
  req: undefined,
};

function clearTaken(): void {
  taken.last = taken.queued = taken.req = undefined;
}

/** Reads into a connection's own buffer: handed on to its callee, or reused for the next read. */
export const bulkBuffers = { given: 0, reused: 0, queued: 0, returned: 0 };

/**
 * The `onread` of one connection (see READ_BUFFER and BULK_READ): every chunk handed to `onData`
 * is the callee's to keep. Pausing is socket.pause()'s job (for these sockets it stops reading at
 * once); `onData` may be replaced before the first read.
 *
 * A bulk transfer's reads go into a buffer of the connection's own. Allocating a new one per read
 * (64 KiB at hundreds of MiB/s) made the collector run for the external memory alone — a scavenge
 * every ~60 ms and a mark-compact every ~400 ms at 550 MiB/s, ~20% of busy time, plus the
 * allocation itself (bench/history/2026-12-03-write-path.md). So when the callee wrote the chunk
 * out whole before returning, with nothing of it queued (`taken.last`), the same buffer takes the
 * next read; when the write was queued whole (`taken.queued`), the buffer comes back when that
 * write completes, for a later read. Otherwise (the chunk was held, cut, or written through a
 * stream) it stays the callee's and the next read gets a new buffer. The check is by identity of
 * the chunk object made for this read: a part of it (subarray) never counts as written out. A
 * connection keeps at most two such buffers, and none once its reads are small again.
 */
export class Reads implements ReadBufferOwner {
  /** Reads go into buffers of their own (handed on as they are, or reused: see above). */
  private bulk = false;
  /** The connection's own buffer for its next bulk read, if it has one free. */
  private own: Buffer | undefined;
  /** A second free one (a queued write gave it back while `own` was in use). */
  private spare: Buffer | undefined;

  constructor(public onData: (chunk: Buffer) => void) {}

  /** The buffer the next read goes into (Node asks after every read). */
  readonly buffer = (): Buffer => {
    if (!this.bulk) return READ_BUFFER;
    if (this.own !== undefined) return this.own;
    const s = this.spare;
    if (s !== undefined) {
      this.spare = undefined;
      return (this.own = s);
    }
    return (this.own = Buffer.allocUnsafeSlow(READ_BUFFER.length));
  };

  readonly callback = (n: number, buf: Uint8Array): boolean => {
    if (buf === READ_BUFFER) {
      // Copied at once: the next read of any connection overwrites it. Small copies come from
      // Node's shared buffer pool. fill() with a longer Buffer copies its first n bytes (a fill
      // repeats its value and stops at the end of the range) without the view of READ_BUFFER that
      // set(subarray()) or copy() make: ~100 bytes of heap less per read.
      const chunk = Buffer.allocUnsafe(n);
      chunk.fill(READ_BUFFER, 0, n);
      this.bulk = n >= BULK_READ;
      if (!this.bulk) this.own = this.spare = undefined;
      this.onData(chunk);
      return true;
    }
    // This read's own buffer: the callee's, unless it was written out whole (see above).
    const chunk = Buffer.from(buf.buffer, buf.byteOffset, n);
    this.own = undefined;
    this.bulk = n >= BULK_READ;
    if (!this.bulk) this.spare = undefined;
    clearTaken();
    this.onData(chunk);
    const { last, queued, req } = taken;
    clearTaken();
    if (!this.bulk) return true;
    if (last === chunk || (Array.isArray(last) && last.includes(chunk))) {
      this.own = buf as Buffer;
      bulkBuffers.reused++;
    } else if (req !== undefined && (queued === chunk || (Array.isArray(queued) && queued.includes(chunk)))) {
      req.readOwner = this;
      req.readBuf = buf as Buffer;
      bulkBuffers.queued++;
    } else bulkBuffers.given++;
    return true;
  };

  returned(buf: Buffer): void {
    if (!this.bulk) return; // small reads again: dropped
    bulkBuffers.returned++;
    if (this.own === undefined) this.own = buf;
    else this.spare ??= buf;
  }
}
