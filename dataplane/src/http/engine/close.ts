// Closing a client connection after a reply of our own (errors, refusals, a rejected upgrade).
import type { Duplex } from 'node:stream';
import type { RawSocket } from '../../util/raw-socket.js';

/**
 * How long a connection closed after a raw reply keeps reading (and discarding) what the client
 * still sends before it is released. Closing with unread input makes the kernel send a reset,
 * which can destroy the reply before the client reads it; waiting for the client's own close
 * forever lets a client that neither reads nor closes hold the descriptor.
 */
export const CLOSE_LINGER_MS = 1000;

/** Ends `socket` (our FIN after `bytes`), drains input, and frees it within the linger. */
export function closeWithLinger(socket: Duplex | RawSocket, bytes?: string | Buffer): void {
  if (socket.destroyed) return;
  const timer = setTimeout(() => socket.destroy(), CLOSE_LINGER_MS);
  socket.once('close', () => clearTimeout(timer));
  socket.once('end', () => socket.destroy()); // the client closed too: nothing left to wait for
  socket.on('data', () => {});
  socket.resume();
  if (bytes === undefined) socket.end();
  else socket.end(typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes);
}
