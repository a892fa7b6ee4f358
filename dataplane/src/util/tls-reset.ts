// Resetting a TLS connection (SO_LINGER 0: an RST, not a FIN), as a plaintext one is reset with
// net.Socket's resetAndDestroy(). Node has no reset for a TLSSocket (resetAndDestroy() throws:
// its handle is the TLS layer, not a TCP handle), so an abandoned TLS connection closed with a FIN
// queued behind whatever the peer had not read yet, where a plaintext one is reset at once.
//
// A TLSSocket made by tls.connect wraps a TCP handle of its own: Node keeps it as the TLS handle's
// `_parent` (with `_parentWrap` null: no net.Socket owns it), and closing the TLSSocket closes the
// TLS layer, which calls `_parent.close(cb)`. Giving that one TCP handle a close() of its own that
// calls its reset(cb) (the TCP handle's resetAndDestroy primitive: uv_tcp_close_reset) makes the
// socket's ordinary destroy end with an RST, the TLS state torn down and 'close' emitted as usual.
// Where these are not found (another Node.js release, a TLSSocket over a socket it was given), the
// connection is destroyed as before; the unit test fails if the reset path is lost.
import type tls from 'node:tls';
import { resetHandle } from './handle-reset.js';

interface TcpHandleLike {
  close(cb?: () => void): void;
  reset(cb?: () => void): number;
}

/** The TCP handle a TLSSocket wraps and alone owns, if found. */
function ownTcpHandle(s: tls.TLSSocket): TcpHandleLike | undefined {
  const wrap = (s as unknown as { _handle?: { _parent?: unknown; _parentWrap?: unknown } | null })._handle;
  if (!wrap || wrap._parentWrap != null) return undefined;
  const tcp = wrap._parent as Partial<TcpHandleLike> | null | undefined;
  if (!tcp || typeof tcp.close !== 'function' || typeof tcp.reset !== 'function') return undefined;
  return tcp as TcpHandleLike;
}

/** TLS connections reset (the tests check the path is taken). */
export const tlsResets = { reset: 0 };

/**
 * Destroys `s` with a reset of its TCP connection where that can be done (true), otherwise with
 * an ordinary destroy (false). A socket still connecting, or whose end() was called (libuv does
 * not reset a connection while its FIN is being sent), is destroyed.
 */
export function resetTls(s: tls.TLSSocket): boolean {
  if (s.destroyed) return false;
  const tcp = s.connecting || s.writableEnded ? undefined : ownTcpHandle(s);
  if (tcp === undefined) {
    s.destroy();
    return false;
  }
  tcp.close = function resetInstead(cb?: () => void): void {
    // libuv refuses a reset only while a FIN is being sent (excluded above). A refused reset
    // cannot be followed by a close (util/handle-reset.ts): it is counted, and cb still comes.
    resetHandle(tcp, cb);
  };
  tlsResets.reset++;
  s.destroy();
  return true;
}
