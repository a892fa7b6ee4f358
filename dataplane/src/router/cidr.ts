// Source address matching, compiled to a net.BlockList (pure lookups, no I/O).
import net from 'node:net';

export type AddressMatcher = (address: string) => boolean;

/** Accepts "10.0.0.0/8", "2001:db8::/32" and bare addresses; throws on anything else. */
export function compileCidrs(cidrs: readonly string[]): AddressMatcher {
  const list = new net.BlockList();
  for (const cidr of cidrs) {
    const [addr = '', bits, extra] = cidr.split('/');
    const family = net.isIP(addr);
    if (family === 0 || extra !== undefined) throw new Error(`invalid CIDR ${JSON.stringify(cidr)}`);
    const type = family === 4 ? 'ipv4' : 'ipv6';
    const max = family === 4 ? 32 : 128;
    const prefix = bits === undefined ? max : Number(bits);
    if (!/^\d{1,3}$/.test(bits ?? String(max)) || prefix > max)
      throw new Error(`invalid CIDR ${JSON.stringify(cidr)}`);
    list.addSubnet(addr, prefix, type);
  }
  return (address) => {
    const family = net.isIP(address);
    if (family === 0) return false;
    // BlockList matches IPv4-mapped IPv6 (::ffff:a.b.c.d) against IPv4 subnets itself.
    return list.check(address, family === 4 ? 'ipv4' : 'ipv6');
  };
}
