// Taking accepted connections from a listening net.Server before Node wraps them in a net.Socket.
// Node's accept callback (the listening handle's `onconnection`, which receives the new
// connection's handle) constructs a net.Socket and emits 'connection'; replaced here by one that
// first offers the handle to `take`, and hands it to Node's own callback (a net.Socket, the
// 'connection' event) when `take` declines it. Where the listening handle has no such callback
// (another Node.js release) or the raw internals are missing (util/raw-socket.ts), nothing is
// replaced and every connection goes Node's way.
import type net from 'node:net';
import { isRawCapable, RAW_SOCKETS, type TcpHandle } from './raw-socket.js';

type OnConnection = (this: object, err: number, handle: unknown) => void;

/**
 * Routes the accepted connections of the listening `server` through `take` first (call after
 * listen() succeeded). `take` returns true when it took the handle; it must then own it (close it
 * in all cases). False when the hook could not be installed.
 */
export function takeAccepted(server: net.Server, take: (handle: TcpHandle) => boolean): boolean {
  if (RAW_SOCKETS === undefined) return false;
  const listening = (server as unknown as { _handle?: { onconnection?: unknown } | null })._handle;
  if (!listening || typeof listening.onconnection !== 'function') return false;
  const node = listening.onconnection as OnConnection;
  listening.onconnection = function (this: object, err: number, handle: unknown): void {
    if (err === 0 && isRawCapable(handle) && take(handle)) return;
    node.call(this, err, handle);
  };
  return true;
}
