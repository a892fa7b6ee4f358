// The server side of the hostile-input tests: an origin that records exactly what reached it.
// A TCP relay in front of a Node HTTP server logs the raw bytes of every connection (what the
// proxy actually wrote), and the HTTP server (llhttp, strict) records each request it parsed out
// of them, with its body, and answers `served METHOD TARGET` so a client can tell whose answer
// it got.
import http from 'node:http';
import net from 'node:net';

const HOST = '127.0.0.1';

export interface OriginRequest {
  /** Which relayed connection it came on (the id in `connections`). */
  connection: number;
  method: string;
  url: string;
  /** Raw header lines as parsed (name, value, name, value, …). */
  rawHeaders: string[];
  body: string;
}

export interface Origin {
  port: number;
  /** Raw bytes received, per connection, in accept order (since the last reset). */
  readonly connections: Array<{ id: number; bytes: Buffer; closed: boolean }>;
  /** Everything received since the last reset, all connections, latin1. */
  received(): string;
  readonly requests: OriginRequest[];
  reset(): void;
  close(): Promise<void>;
}

export const servedBody = (method: string, url: string): string => `served ${method} ${url}\n`;

export async function startOrigin(): Promise<Origin> {
  const connections: Array<{ id: number; bytes: Buffer; closed: boolean }> = [];
  let accepted = 0;
  const requests: OriginRequest[] = [];
  // The relay's outgoing local port → the relayed connection's index.
  const byPort = new Map<number, number>();
  const sockets = new Set<net.Socket>();
  const track = (s: net.Socket): void => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => {});
  };

  const app = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests.push({
        connection: byPort.get(req.socket.remotePort ?? -1) ?? -1,
        method: req.method ?? '',
        url: req.url ?? '',
        rawHeaders: req.rawHeaders,
        body: Buffer.concat(chunks).toString('latin1'),
      });
      const text = servedBody(req.method ?? '', req.url ?? '');
      res.writeHead(200, {
        'content-type': 'text/plain',
        'content-length': Buffer.byteLength(text),
        'x-served': `${req.method} ${req.url}`,
      });
      res.end(text);
    });
  });
  app.keepAliveTimeout = 30_000;
  app.on('connection', track);
  await new Promise<void>((r) => app.listen(0, HOST, r));
  const appPort = (app.address() as net.AddressInfo).port;

  const relay = net.createServer({ allowHalfOpen: true }, (client) => {
    track(client);
    const conn = { id: accepted++, bytes: Buffer.alloc(0), closed: false };
    client.on('close', () => (conn.closed = true));
    connections.push(conn);
    const up = net.connect({ port: appPort, host: HOST, allowHalfOpen: true });
    track(up);
    up.once('connect', () => byPort.set(up.localPort!, conn.id));
    client.on('data', (d: Buffer) => {
      conn.bytes = Buffer.concat([conn.bytes, d]);
      up.write(d);
    });
    client.on('end', () => up.end());
    up.pipe(client);
    client.on('close', () => up.destroy());
    up.on('close', () => client.destroy());
  });
  await new Promise<void>((r) => relay.listen(0, HOST, r));

  return {
    port: (relay.address() as net.AddressInfo).port,
    connections,
    requests,
    received: () => Buffer.concat(connections.map((c) => c.bytes)).toString('latin1'),
    reset() {
      // Connections still open (pooled by the proxy) stay listed, emptied.
      const open = connections.filter((c) => !c.closed);
      connections.length = 0;
      for (const c of open) {
        c.bytes = Buffer.alloc(0);
        connections.push(c);
      }
      requests.length = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        app.close();
        relay.close(() => resolve());
      }),
  };
}
