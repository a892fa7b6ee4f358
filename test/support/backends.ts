// Real HTTP backends for tests: each answers with its name, and can be slowed or broken.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface TestBackend {
  name: string;
  port: number;
  server: Server;
  requests: number;
  lastHeaders: IncomingMessage['headers'] | undefined;
  /** Replace the handler (e.g. to fail health checks). */
  handler: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  close(): Promise<void>;
}

export async function startBackend(name: string, host = '127.0.0.1', port = 0): Promise<TestBackend> {
  const b = { name, requests: 0, lastHeaders: undefined, handler: undefined } as unknown as TestBackend;
  const server = createServer((req, res) => {
    b.requests++;
    b.lastHeaders = req.headers;
    if (b.handler) return b.handler(req, res);
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/health') return void res.writeHead(200, { 'content-type': 'text/plain' }).end('healthy\n');
    const delay = Number(url.searchParams.get('delay') ?? 0);
    const send = () => res.writeHead(200, { 'content-type': 'text/plain', 'x-backend': name }).end(`${name}\n`);
    if (delay > 0) setTimeout(send, delay);
    else if (req.method === 'POST' || req.method === 'PUT') {
      let n = 0;
      req.on('data', (c: Buffer) => (n += c.length));
      req.on('end', () => res.writeHead(200, { 'x-backend': name }).end(`${name} ${n}\n`));
    } else send();
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  b.server = server;
  b.port = (server.address() as AddressInfo).port;
  b.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return b;
}
