// Free ports on loopback, for processes that must be told their port up front.
import { readFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';

/**
 * The kernel's ephemeral range (source ports of outgoing connections, and `listen(0)`). A port
 * taken from it and released can be handed to some other socket before the process that was told
 * the port binds it (seen as EADDRINUSE in CI), so test ports come from below it.
 */
function ephemeralLow(): number {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    if (Number.isInteger(low) && low > 2048) return low;
  } catch {
    // not Linux: fall through to the IANA dynamic range's start
  }
  return 49152;
}

const LOW = ephemeralLow();
const FIRST = Math.max(1024, LOW - 12_000);
const SPAN = LOW - FIRST;
// A random start per test process, then one after another: ports handed out in one run never
// repeat until the span wraps, and two runs on one machine rarely overlap.
let next = FIRST + Math.floor(Math.random() * SPAN);

function bindable(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen({ port, host, exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

/** A loopback port outside the ephemeral range that nothing listens on now. */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  for (let tries = 0; tries < SPAN; tries++) {
    const port = next;
    next = next + 1 >= LOW ? FIRST : next + 1;
    if (await bindable(port, host)) return port;
  }
  throw new Error(`no free port on ${host} in ${FIRST}-${LOW - 1}`);
}

/**
 * A loopback port that refuses connections, and stays refusing: one below 1024, which the kernel
 * never hands out as an ephemeral port (a released `freePort()` can come back as another socket's
 * listening or source port later in the run, and a "dead" server then answers). Checked refused
 * before it is returned.
 */
export async function refusedPort(host = '127.0.0.1'): Promise<number> {
  for (let port = 1001; port > 900; port--) {
    const refused = await new Promise<boolean>((resolve) => {
      const s = connect(port, host);
      s.once('connect', () => {
        s.destroy();
        resolve(false);
      });
      s.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ECONNREFUSED'));
    });
    if (refused) return port;
  }
  throw new Error('no refused port below 1024 on loopback');
}
