// Writing a message head and body bytes to a socket in one system call.
import type net from 'node:net';
import { RawSocket } from '../../util/raw-socket.js';
import { taken } from '../../util/socket-reads.js';

/**
 * Up to this many bytes, head and body are copied into one Buffer and written once; larger
 * writes are corked (one writev). For small messages the copy costs less than Node's corked
 * write path (a request object per chunk, the writev array and its native conversion).
 */
export const JOINED_WRITE_MAX = 16 * 1024;

/**
 * Writes `head` (latin1), then `body`, then `tail` (latin1) as one write; false when the socket
 * asks the writer to wait for 'drain'. Strings are header and chunk-size lines: one byte per
 * character.
 */
export function writeJoined(
  socket: net.Socket | RawSocket,
  head: string,
  body: Uint8Array,
  tail = '',
): boolean {
  const total = head.length + body.length + tail.length;
  if (total === body.length)
    socket.write(body); // nothing to join: the chunk is the caller's to give
  else if (total <= JOINED_WRITE_MAX) {
    const out = Buffer.allocUnsafe(total);
    let at = head.length > 0 ? out.write(head, 0, 'latin1') : 0;
    out.set(body, at);
    at += body.length;
    if (tail.length > 0) out.write(tail, at, 'latin1');
    socket.write(out);
    taken.last = body; // copied: the write holds nothing of it
  } else if (socket instanceof RawSocket) {
    const chunks: Uint8Array[] = [];
    if (head.length > 0) chunks.push(Buffer.from(head, 'latin1'));
    chunks.push(body);
    if (tail.length > 0) chunks.push(Buffer.from(tail, 'latin1'));
    return socket.writeChunks(chunks);
  } else {
    socket.cork();
    if (head.length > 0) socket.write(head, 'latin1');
    socket.write(body);
    if (tail.length > 0) socket.write(tail, 'latin1');
    socket.uncork();
  }
  return !socket.writableNeedDrain;
}
