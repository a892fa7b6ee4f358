// Runs inside the test cluster's network namespace and relays connections from a Unix socket
// (a file, so the test process outside the namespace can reach it) to addresses inside the
// namespace. Each connection starts with one line, "<ipv4>:<port>\n", naming its target; only
// the cluster's own ranges given on the command line are accepted.
//
//   node netns-forwarder.mjs <socket path> <cidr>...
import net from 'node:net';

const [socketPath, ...cidrs] = process.argv.slice(2);
if (!socketPath || cidrs.length === 0) {
  console.error('usage: netns-forwarder.mjs <socket path> <cidr>...');
  process.exit(2);
}
const allowed = new net.BlockList();
for (const cidr of cidrs) {
  const [address, prefix] = cidr.split('/');
  allowed.addSubnet(address, Number(prefix), 'ipv4');
}

const MAX_HEAD = 64; // "255.255.255.255:65535\n" is 22 bytes
const TARGET = /^(\d{1,3}(?:\.\d{1,3}){3}):(\d{1,5})$/;

const server = net.createServer((client) => {
  let head = Buffer.alloc(0);
  client.on('error', () => {});
  const onData = (chunk) => {
    head = Buffer.concat([head, chunk]);
    const nl = head.indexOf(10);
    if (nl < 0) {
      if (head.length > MAX_HEAD) client.destroy();
      return;
    }
    client.off('data', onData);
    client.pause();
    const m = TARGET.exec(head.subarray(0, nl).toString('latin1'));
    const port = m ? Number(m[2]) : 0;
    if (!m || !net.isIPv4(m[1]) || port < 1 || port > 65535 || !allowed.check(m[1], 'ipv4')) {
      client.destroy();
      return;
    }
    const upstream = net.connect(port, m[1]);
    upstream.on('error', () => client.destroy());
    upstream.on('close', () => client.destroy());
    client.on('close', () => upstream.destroy());
    upstream.once('connect', () => {
      const rest = head.subarray(nl + 1);
      if (rest.length > 0) upstream.write(rest);
      client.pipe(upstream);
      upstream.pipe(client);
      client.resume();
    });
  };
  client.on('data', onData);
});
server.listen(socketPath, () => console.log(`forwarding ${socketPath} to ${cidrs.join(', ')}`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
