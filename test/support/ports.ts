// Free ephemeral ports on loopback, for processes that must be told their port up front.
import { connect, createServer } from 'node:net';

export async function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
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
