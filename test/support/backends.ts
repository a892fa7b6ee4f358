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
    if (url.pathname === '/health')
      return void res.writeHead(200, { 'content-type': 'text/plain' }).end('healthy\n');
    if (url.pathname === '/stream') {
      // A slow response: one chunk every 50ms for `ms` milliseconds, then a trailer line with the count.
      const until = Date.now() + Number(url.searchParams.get('ms') ?? 1000);
      let chunks = 0;
      res.writeHead(200, { 'content-type': 'text/plain', 'x-backend': name });
      const tick = setInterval(() => {
        if (Date.now() >= until) {
          clearInterval(tick);
          res.end(`end ${chunks}\n`);
          return;
        }
        chunks++;
        res.write(`chunk ${chunks}\n`);
      }, 50);
      res.on('close', () => clearInterval(tick));
      return;
    }
    const delay = Number(url.searchParams.get('delay') ?? 0);
    const send = () =>
      res.writeHead(200, { 'content-type': 'text/plain', 'x-backend': name }).end(`${name}\n`);
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

/** A TCP echo server (for L4 tests). */
export async function startEchoServer(host = '127.0.0.1'): Promise<{ port: number; close(): Promise<void> }> {
  const { createServer: createTcpServer } = await import('node:net');
  const sockets = new Set<import('node:net').Socket>();
  const server = createTcpServer((sock) => {
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
    sock.on('error', () => {});
    sock.pipe(sock);
  });
  await new Promise<void>((resolve) => server.listen(0, host, () => resolve()));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
