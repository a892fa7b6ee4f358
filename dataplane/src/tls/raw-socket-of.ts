// The accepted socket beneath a secured one. Apart from terminator.ts because the listener reads
// it for every request, TLS or not, and the TLS termination code loads only with the first
// snapshot that needs it (tls/on-demand.ts).
import net from 'node:net';

/** Marks a secured socket with the accepted (raw) socket underneath it. */
export const RAW_SOCKET = Symbol('bascule.rawSocket');

/** The accepted socket beneath a secured one (or a proxy of it, as HTTP/2 hands out); else itself. */
export function rawSocketOf<T>(socket: T): T | net.Socket {
  if (socket === null || typeof socket !== 'object') return socket;
  const raw = (socket as unknown as Record<symbol, unknown>)[RAW_SOCKET];
  return raw instanceof net.Socket ? raw : socket;
}
