// Tiny HTTP servers for the quickstart: each answers with its own name, so balancing is visible.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface DemoBackend {
  name: string;
  port: number;
  server: Server;
}

export async function startDemoBackends(
  specs: { name: string; port: number; host?: string }[],
): Promise<{ backends: DemoBackend[]; close(): Promise<void> }> {
  const backends: DemoBackend[] = [];
  for (const spec of specs) {
    const server = createServer((req, res) => {
      if (req.url === '/health') {
        res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
        return;
      }
      const body = `${JSON.stringify({ server: spec.name, method: req.method, url: req.url, forwardedFor: req.headers['x-forwarded-for'] ?? null })}\n`;
      res.writeHead(200, { 'content-type': 'application/json', 'x-demo-server': spec.name }).end(body);
    });
    server.keepAliveTimeout = 30_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(spec.port, spec.host ?? '127.0.0.1', () => resolve());
    });
    backends.push({ name: spec.name, port: (server.address() as AddressInfo).port, server });
  }
  return {
    backends,
    close: async () => {
      await Promise.all(
        backends.map(
          (b) =>
            new Promise<void>((r) => {
              b.server.closeAllConnections();
              b.server.close(() => r());
            }),
        ),
      );
    },
  };
}
