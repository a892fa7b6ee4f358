// Admin endpoints: liveness, readiness (a snapshot is live), and a JSON status document.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { Logger } from 'pino';

export interface AdminOptions {
  host: string;
  port: number;
  log: Logger;
  ready: () => boolean;
  status: () => unknown;
}

export interface AdminServer {
  readonly url: string;
  close(): Promise<void>;
}

export function adminApp(opts: Pick<AdminOptions, 'ready' | 'status'>): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.get('/healthz', (_req, res) => {
    res.type('text/plain').send('ok\n');
  });
  app.get('/readyz', (_req, res) => {
    if (opts.ready()) res.type('text/plain').send('ready\n');
    else res.status(503).type('text/plain').send('no snapshot applied yet\n');
  });
  app.get('/status', (_req, res) => {
    res.json(opts.status());
  });
  return app;
}

export async function startAdmin(opts: AdminOptions): Promise<AdminServer> {
  const server = http.createServer(adminApp(opts));
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (err) => opts.log.error({ err: err.message }, 'admin server error'));
  const { address, port } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  const url = `http://${host}:${port}`;
  opts.log.info({ url }, 'admin endpoint listening');
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
