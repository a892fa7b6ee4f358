// Noticing a peer's reset on a connection we have stopped reading (backpressure). libuv watches a
// socket only for what it is asked: with reading stopped and no write queued, the descriptor is
// not polled at all, so an RST from the peer goes unseen until we read or write again — for an
// upload held back by a slow server, until timeouts.client fires, with the server connection and
// its slot held meanwhile. HAProxy keeps its descriptors polled and sees the error at once.
//
// A zero-byte write is the probe: on a healthy connection write(2) of nothing returns 0 and sends
// no segment; on a reset one it fails (ECONNRESET, then EPIPE), and the socket's error path closes
// it as any failed write does. It is written on the TCP socket itself: under TLS, on the plaintext
// socket the TLSSocket wraps (Node keeps it as `_parent`; a TLSSocket's own write of nothing
// writes nothing). Where that socket is not found (another Node.js release), nothing is probed
// and timeouts.client bounds the wait as before (the unit test fails if the TLS path is lost).
import net from 'node:net';
import { RawSocket } from './raw-socket.js';

const NOTHING = Buffer.alloc(0);

/** How often a connection held back is probed (ms). */
export const RESET_PROBE_MS = 500;

/** The TCP socket under `socket`: itself, or the plaintext socket a TLSSocket wraps. */
function tcpSocketOf(socket: net.Socket | RawSocket): net.Socket | RawSocket | undefined {
  if (socket instanceof RawSocket || !('encrypted' in socket)) return socket;
  const parent = (socket as unknown as { _parent?: unknown })._parent;
  return parent instanceof net.Socket && !('encrypted' in parent) ? parent : undefined;
}

/**
 * Writes nothing on `socket`'s TCP connection, so that a reset the peer sent while the connection
 * was not read is reported (the socket errors and closes). False where no probe could be written.
 */
export function probeReset(socket: net.Socket | RawSocket): boolean {
  const tcp = tcpSocketOf(socket);
  if (tcp === undefined || tcp.destroyed || tcp.writableEnded) return false;
  tcp.write(NOTHING);
  return true;
}
