// Shared fixtures for dataplane tests: real sockets on 127.0.0.1, ephemeral ports.
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import type { BackendSnap, FrontendSnap, ServerSnap, SnapshotBody } from '#protocol/snapshot';
import {
  startBackend as startSharedBackend,
  type BackendOptions,
  type TestBackend,
} from '../../support/backends.js';

export const HOST = '127.0.0.1';

export { capturingLogger, quietLogger } from '../../support/logger.js';

export { freePort } from '../../support/ports.js';

export type { TestBackend } from '../../support/backends.js';

/**
 * The shared test backend as the dataplane tests know it: answers exactly `name`, named by
 * X-Server, with hop-by-hop headers the proxy must drop (paths: see test/support/backends.ts).
 */
export const startBackend = (name: string, opts: BackendOptions = {}): Promise<TestBackend> =>
  startSharedBackend(name, { nameHeader: 'x-server', answer: 'bare', ...opts });

/**
 * A keep-alive HTTP/1.1 server that writes raw answers (requests without bodies, possibly
 * pipelined): `answer` gets each request line without its version and returns the bytes to send.
 */
export async function startRawServer(
  answer: (requestLine: string) => string,
): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => {});
    let buf = '';
    s.on('data', (d) => {
      buf += d.toString('latin1');
      for (let at = buf.indexOf('\r\n\r\n'); at >= 0; at = buf.indexOf('\r\n\r\n')) {
        const line = buf.slice(0, buf.indexOf('\r\n')).replace(/ HTTP\/1\.[01]$/, '');
        buf = buf.slice(at + 4);
        s.write(answer(line));
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, HOST, r));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

/** A TCP upstream that prefixes every echoed chunk with its name, and echoes half-close. */
export async function startTcpEcho(name: string): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer({ allowHalfOpen: true }, (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => {});
    s.on('data', (d) => s.write(`${name}:${d.toString()}`));
    s.on('end', () => s.end(`${name}:bye`));
  });
  await new Promise<void>((r) => server.listen(0, HOST, r));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

export function server(name: string, port: number, extra: Partial<ServerSnap> = {}): ServerSnap {
  return {
    name,
    address: HOST,
    port,
    weight: 1,
    backup: false,
    state: 'ready',
    cookie: name,
    source: 'static',
    ...extra,
  };
}

export function backend(id: string, servers: ServerSnap[], extra: Partial<BackendSnap> = {}): BackendSnap {
  const [namespace = 'default', name = id] = id.split('/');
  return {
    id,
    namespace,
    name,
    mode: 'http',
    balance: { algorithm: 'roundrobin', hashType: 'map-based' },
    allBackups: false,
    servers,
    timeouts: { connect: 1000, server: 5000, queue: 1000, tunnel: 60_000 },
    retries: { attempts: 3, redispatch: true, onResponseTimeout: false },
    keepAlive: true,
    slowStartMs: 0,
    ...extra,
  };
}

const noEdits = () => ({ add: [], set: [], remove: [] });

export function frontend(id: string, port: number, extra: Partial<FrontendSnap> = {}): FrontendSnap {
  const [namespace = 'default', name = id] = id.split('/');
  return {
    id,
    namespace,
    name,
    mode: 'http',
    bind: { address: HOST, port },
    forwardFor: false,
    via: false,
    timeouts: { client: 30_000, httpRequest: 5_000, keepAlive: 5_000 },
    rules: [],
    requestHeaders: noEdits(),
    responseHeaders: noEdits(),
    ...extra,
  };
}

export const body = (frontends: FrontendSnap[], backends: BackendSnap[]): SnapshotBody => ({
  group: 'default',
  frontends,
  backends,
});

export interface SimpleResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** One request on a fresh connection (agent: false), so tests see exactly what one client sees. */
export function get(
  port: number,
  path = '/',
  opts: {
    method?: string;
    headers?: http.OutgoingHttpHeaders;
    body?: string;
    agent?: http.Agent | false;
  } = {},
): Promise<SimpleResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: HOST,
        port,
        path,
        method: opts.method ?? 'GET',
        headers: opts.headers,
        agent: opts.agent ?? false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString(),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Resolves when `fn` returns truthy, polling; rejects after `ms`. The default deadline is generous:
 * a wait for something that must happen only ends sooner when it happens, and a machine that
 * stalls a process for a while (a busy hypervisor) must not fail a test that is right.
 */
export async function eventually<T>(
  fn: () => T | Promise<T>,
  ms = 10_000,
  step = 10,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v as NonNullable<T>;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(step);
  }
}
