// Runs the admin app on its own listener (separate from the control channel, so probes and
// operators never need the channel token).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { silentLogger, type Logger } from '../log.js';
import { createAdminApp, type AdminView } from './admin-app.js';

export interface AdminServer {
  url: string;
  close(): Promise<void>;
}

export async function startAdminServer(
  view: AdminView,
  listen: { host: string; port: number },
  logger?: Logger,
): Promise<AdminServer> {
  const log = (logger ?? silentLogger()).child({ component: 'admin' });
  const server: Server = createServer(createAdminApp(view));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  const url = `http://${host}:${addr.port}`;
  log.info({ url }, 'admin endpoint listening');
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
