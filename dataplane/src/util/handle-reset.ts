// Closing a TCP handle with a reset (SO_LINGER 0: an RST instead of a FIN), for the raw
// connections (raw-socket.ts) and the TCP handle under a TLS connection (tls-reset.ts).
//
// A refused reset leaves the handle open for good: Node's TCPWrap::Reset marks the handle closing
// whatever uv_tcp_close_reset() returned, and HandleWrap::Close then returns at once, so a close()
// after a refused reset() is a no-op (Node.js 20 and 26: the descriptor stays open, no close
// callback comes, and no later call can close it; test/unit/dataplane/raw-socket-close.test.ts
// checks this on the Node.js that runs it). libuv refuses in two cases: our FIN is queued (a
// shutdown request in flight), which every caller excludes before asking (a connection whose end()
// was called is closed, not reset), and setsockopt(SO_LINGER) failing, which Linux does not do for
// a TCP socket. Nothing can close the handle after a refusal, so it is counted and reported once
// instead of being passed off as a close; the close callback, if any, still comes (on the next
// tick), so that the owner's 'close' is not lost with the descriptor.

/** A TCP handle's reset, as far as used here. */
interface Resettable {
  reset(cb?: () => void): number;
}

/** Resets refused by libuv: each one a descriptor left open. */
export const handleResets = { refused: 0 };

/** Closes `h` with a reset; `cb` as close(cb)'s. */
export function resetHandle(h: Resettable, cb?: () => void): void {
  const err = cb === undefined ? h.reset() : h.reset(cb);
  if (err === 0) return;
  if (handleResets.refused++ === 0)
    process.emitWarning(`a connection reset was refused (errno ${err}): its descriptor stays open`, {
      code: 'BASCULE_RESET_REFUSED',
    });
  if (cb !== undefined) process.nextTick(cb);
}
