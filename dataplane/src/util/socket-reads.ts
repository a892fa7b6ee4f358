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

/**
 * The `onread` of one connection (see READ_BUFFER and BULK_READ): every chunk handed to `onData`
 * is the callee's to keep. Pausing is socket.pause()'s job (for these sockets it stops reading at
 * once); `onData` may be replaced before the first read.
 */
export class Reads {
  /** Reads go into buffers of their own (handed on as they are). */
  private bulk = false;

  constructor(public onData: (chunk: Buffer) => void) {}

  /** The buffer the next read goes into (Node asks after every read). */
  readonly buffer = (): Buffer => (this.bulk ? Buffer.allocUnsafeSlow(READ_BUFFER.length) : READ_BUFFER);

  readonly callback = (n: number, buf: Uint8Array): boolean => {
    let chunk: Buffer;
    if (buf === READ_BUFFER) {
      // Copied at once: the next read of any connection overwrites it. Small copies come from
      // Node's shared buffer pool. fill() with a longer Buffer copies its first n bytes (a fill
      // repeats its value and stops at the end of the range) without the view of READ_BUFFER that
      // set(subarray()) or copy() make: ~100 bytes of heap less per read.
      chunk = Buffer.allocUnsafe(n);
      chunk.fill(READ_BUFFER, 0, n);
    } else chunk = Buffer.from(buf.buffer, buf.byteOffset, n); // this read's own buffer
    this.bulk = n >= BULK_READ;
    this.onData(chunk);
    return true;
  };
}
