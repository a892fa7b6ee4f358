// How a peer address is shown in logs, traces and forwarded headers.

/** IPv4-mapped IPv6 (::ffff:10.0.0.1, seen on dual-stack sockets) is shown as plain IPv4. */
export const displayAddress = (address: string | undefined): string =>
  address === undefined
    ? ''
    : address.startsWith('::ffff:') && address.includes('.')
      ? address.slice(7)
      : address;
