// Real HTTP backends for tests: each answers with its name, records what it was sent, and can
// be slowed, streamed, hung or given another handler.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface TestBackend {
  name: string;
  port: number;
  server: Server;
  /** Every request received, in order (handled by `handler` or not). */
  requests: IncomingMessage[];
  lastHeaders: IncomingMessage['headers'] | undefined;
  /** Requests being answered right now, and the most there ever were at once (resettable). */
  readonly inFlight: number;
  maxInFlight: number;
  /** Replace the handler (e.g. to fail health checks). */
  handler: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  close(): Promise<void>;
}

export interface BackendOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0 (ephemeral); a fixed port brings a backend back where it was. */
  port?: number;
  /** The header that names the backend on its answers (default x-backend). */
  nameHeader?: string;
  /**
   * The answer to any other path: 'line' (default) is `name\n`, or `name <body bytes>\n` for a
   * POST or PUT; 'bare' is exactly `name`, with hop-by-hop headers (Keep-Alive, and X-Hop named
   * by Connection) that a proxy must not forward.
   */
  answer?: 'line' | 'bare';
}

/**
 * An HTTP/1.1 backend. Paths:
 *   /health                200 "healthy\n"
 *   /stream?ms=M           a chunk every 50 ms for M ms (default 1000), then "end <count>\n"
 *   /slow?chunks=N&ms=M    N chunks (default 5) M ms apart (default 50)
 *   /echo                  the request body back
 *   /hang                  never answers
 *   anything else          its name (see `answer`), after `?delay=` ms if given
 */
export async function startBackend(name: string, opts: BackendOptions = {}): Promise<TestBackend> {
  const nameHeader = opts.nameHeader ?? 'x-backend';
  const bare = opts.answer === 'bare';
  const stats = { inFlight: 0, maxInFlight: 0 };
  const b: TestBackend = {
    name,
    port: 0,
    server: undefined as unknown as Server,
    requests: [],
    lastHeaders: undefined,
    get inFlight() {
      return stats.inFlight;
    },
    get maxInFlight() {
      return stats.maxInFlight;
    },
    set maxInFlight(v: number) {
      stats.maxInFlight = v;
    },
    handler: undefined,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  const server = createServer((req, res) => {
    b.requests.push(req);
    b.lastHeaders = req.headers;
    stats.inFlight++;
    stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
    res.once('close', () => stats.inFlight--);
    if (b.handler) return b.handler(req, res);
    const url = new URL(req.url ?? '/', 'http://x');
    switch (url.pathname) {
      case '/health':
        return void res.writeHead(200, { 'content-type': 'text/plain' }).end('healthy\n');
      case '/stream': {
        const until = Date.now() + Number(url.searchParams.get('ms') ?? 1000);
        let chunks = 0;
        res.writeHead(200, { 'content-type': 'text/plain', [nameHeader]: name });
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
      case '/slow': {
        const chunks = Number(url.searchParams.get('chunks') ?? 5);
        const ms = Number(url.searchParams.get('ms') ?? 50);
        res.writeHead(200, { 'content-type': 'text/plain', [nameHeader]: name });
        let i = 0;
        const tick = (): void => {
          if (i === chunks) return void res.end();
          res.write(`${name}-chunk-${i++};`);
          setTimeout(tick, ms);
        };
        tick();
        return;
      }
      case '/echo':
        res.writeHead(200, { 'content-type': 'application/octet-stream', [nameHeader]: name });
        req.pipe(res);
        return;
      case '/hang':
        return;
    }
    const delay = Number(url.searchParams.get('delay') ?? 0);
    let bytes = 0;
    req.on('data', (c: Buffer) => (bytes += c.length));
    req.on('end', () => {
      const send = (): void => {
        if (bare)
          return void res
            .writeHead(200, {
              'content-type': 'text/plain',
              [nameHeader]: name,
              'keep-alive': 'timeout=5',
              'x-hop': 'secret',
              connection: 'x-hop',
            })
            .end(name);
        const counted = req.method === 'POST' || req.method === 'PUT' ? ` ${bytes}` : '';
        res.writeHead(200, { 'content-type': 'text/plain', [nameHeader]: name }).end(`${name}${counted}\n`);
      };
      if (delay > 0) setTimeout(send, delay);
      else send();
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  b.server = server;
  b.port = (server.address() as AddressInfo).port;
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
