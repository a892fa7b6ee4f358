// An accepted socket switched to `onread`-style reads (util/socket-reads.ts) in place, for the
// TCP relay: a net.Server gives its connections Node's Readable read path (a 64 KiB backing store
// per read, push, 'data', read-more ticks), which was most of the relay's user-space time in TCP
// mode with small keep-alive exchanges (bench/history/2026-12-02-engine.md, "tcp: the client side reads through onread").
//
// Node supports `onread` only as an option of `new net.Socket` / `net.connect`; re-wrapping the
// accepted handle in a second Socket cost more per connection than it saved (measured for HTTP:
// bench/history/2026-12-02-engine.md, "Profile and cuts") and would hide the socket from the listener that tracks
// it. Instead this fills the three per-socket slots Node's constructor leaves empty for a socket
// without `onread` (kBuffer, kBufferGen, kBufferCb: every net.Socket has them as own symbol
// properties, set to null) and hands the handle the first buffer, which is what the constructor
// does with the option. Node's read callback, pause() and resume() then take the `onread` path
// (readStop/readStart on the handle, no Readable buffering). Where the slots are not found (another
// Node.js release), or the socket already holds data (a ClientHello peeked and put back), or it
// has no plain stream handle (TLS), nothing changes and the caller relays with 'data' events.
import net from 'node:net';
import type { Reads } from './socket-reads.js';

interface UserReadHandle {
  useUserBuffer(buf: Uint8Array): void;
}

/** Node's own symbol of `name` on `socket`, if it is an own property holding null. */
function emptySlot(socket: net.Socket, name: string): symbol | undefined {
  for (const s of Object.getOwnPropertySymbols(socket))
    if (s.description === name)
      return (socket as unknown as Record<symbol, unknown>)[s] === null ? s : undefined;
  return undefined;
}

/**
 * Switches an accepted plaintext socket's reads to `reads` (every chunk is handed to
 * `reads.onData`, pause()/resume() stop and restart reading). False, and nothing changed, where it
 * cannot be done; the socket then reads through its Readable as before.
 */
export function readAcceptedThrough(socket: net.Socket, reads: Reads): boolean {
  const handle = (socket as unknown as { _handle?: Partial<UserReadHandle> | null })._handle;
  if (!handle || typeof handle.useUserBuffer !== 'function') return false;
  if (socket.destroyed || socket.readableLength > 0 || socket.readableEnded || 'encrypted' in socket)
    return false;
  const kBuffer = emptySlot(socket, 'kBuffer');
  const kBufferGen = emptySlot(socket, 'kBufferGen');
  const kBufferCb = emptySlot(socket, 'kBufferCb');
  if (!kBuffer || !kBufferGen || !kBufferCb) return false;
  const slots = socket as unknown as Record<symbol, unknown>;
  const first = reads.buffer();
  slots[kBufferGen] = reads.buffer;
  slots[kBufferCb] = reads.callback;
  slots[kBuffer] = first;
  handle.useUserBuffer(first);
  return true;
}
