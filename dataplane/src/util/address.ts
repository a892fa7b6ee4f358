// How a peer address is shown in logs, traces and forwarded headers.

/** IPv4-mapped IPv6 (::ffff:10.0.0.1, seen on dual-stack sockets) is shown as plain IPv4. */
export const displayAddress = (address: string | undefined): string =>
  address === undefined
    ? ''
    : address.startsWith('::ffff:') && address.includes('.')
      ? address.slice(7)
      : address;

/** Access logs open in this process (each opened by access-log/ and released when it closes). */
let addressLogs = 0;

/**
 * An access log opens: from now on the HTTP/1.1 engine reads each accepted connection's peer
 * address at once (see addressesLogged). Returns its release, to call once when the log closes.
 */
export function addressLogOpened(): () => void {
  addressLogs++;
  let open = true;
  return () => {
    if (open) addressLogs--;
    open = false;
  };
}

/**
 * Whether an access log is open in this process. The HTTP/1.1 engine reads a connection's peer
 * address (getpeername(2) and an object made by Node: ~1.7 µs on the bench VM, ~3% of a
 * request in close mode) when something first asks for it — forwarding headers, persistence,
 * limits, routing or balancing on the source — which is always while the connection is up. A
 * peer that reset has no address any more, and the access log prints the address of requests a
 * reset ended: while a log is open, the address is read at accept, as before. HAProxy has it
 * from accept(2); libuv does not pass it on.
 */
export function addressesLogged(): boolean {
  return addressLogs > 0;
}
