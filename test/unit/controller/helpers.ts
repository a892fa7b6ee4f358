// Shared test helpers: a fake dataplane speaking the control protocol over real WebSocket,
// tiny snapshot builders and bounded waits.
import { once } from 'node:events';
import { rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { WebSocket } from 'ws';
import { startController, type Controller, type ControllerOptions } from '#controller/controller';
import { silentLogger } from '#controller/log';
import { DirSource } from '#controller/sources/dir-source';
import { makeSnapshot } from '#protocol/canonical';
import { PROTOCOL_VERSION, SUBPROTOCOL, type ControllerMessage } from '#protocol/messages';
import type { BackendSnap, Snapshot } from '#protocol/snapshot';
import { sleep, waitFor as poll } from '../../support/wait.js';

export const TOKEN = 'test-token-0123456789abcdef';

export { sleep };

/** Poll a synchronous condition with a deadline (the shared loop, polling every 5 ms). */
export async function waitFor(cond: () => boolean, timeoutMs = 3000, what = 'condition'): Promise<void> {
  await poll(what, cond, timeoutMs, 5);
}

/** Write via a hidden temp file and rename, so a watcher never sees a half-written file. */
export async function writeAtomic(file: string, text: string): Promise<void> {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  await writeFile(tmp, text);
  await rename(tmp, file);
}

/** A Backend manifest (YAML) with one server, as a directory source reads it. */
export const backendDoc = (name: string, address = '10.0.0.1') =>
  `apiVersion: bascule.dev/v1alpha1\nkind: Backend\nmetadata:\n  name: ${name}\nspec:\n  servers: [{name: s1, address: ${address}, port: 80}]\n`;

export function backend(name: string, address = '10.0.0.1', ns = 'default'): BackendSnap {
  return {
    id: `${ns}/${name}`,
    namespace: ns,
    name,
    mode: 'http',
    balance: { algorithm: 'roundrobin', hashType: 'map-based' },
    allBackups: false,
    servers: [
      {
        name: 's1',
        address,
        port: 80,
        weight: 1,
        backup: false,
        state: 'ready',
        cookie: 's1',
        source: 'static',
      },
    ],
    timeouts: { connect: 5000, server: 50000, queue: 30000, tunnel: 3600000 },
    retries: { attempts: 3, redispatch: false, onResponseTimeout: false },
    keepAlive: true,
    slowStartMs: 0,
  };
}

export const snap = (group: string, ...backends: BackendSnap[]): Snapshot =>
  makeSnapshot({ group, frontends: [], backends });

type Msg = ControllerMessage;

export class FakeDataplane {
  readonly received: Msg[] = [];
  private waiters: { type: string; resolve: (m: Msg) => void }[] = [];
  private readonly consumed = new Map<string, number>();
  readonly closed: Promise<{ code: number; reason: string }>;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const msg = JSON.parse(data.toString()) as Msg;
      this.received.push(msg);
      this.pump();
    });
    this.closed = once(ws, 'close').then(([code, reason]) => ({
      code: code as number,
      reason: String(reason),
    }));
  }

  static async connect(
    url: string,
    opts: { token?: string | null; protocols?: string[] } = {},
  ): Promise<FakeDataplane> {
    const headers: Record<string, string> = {};
    const token = opts.token === undefined ? TOKEN : opts.token;
    if (token !== null) headers.authorization = `Bearer ${token}`;
    const ws = new WebSocket(url, opts.protocols ?? [SUBPROTOCOL], { headers });
    const dp = new FakeDataplane(ws);
    await once(ws, 'open');
    return dp;
  }

  /** Resolves with the HTTP status of a refused handshake. */
  static async refusedStatus(
    url: string,
    opts: { token?: string | null; protocols?: string[] } = {},
  ): Promise<number> {
    const headers: Record<string, string> = {};
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    const ws = new WebSocket(url, opts.protocols ?? [SUBPROTOCOL], { headers });
    return new Promise((resolve, reject) => {
      ws.on('unexpected-response', (_req, res) => {
        resolve(res.statusCode ?? 0);
        ws.terminate();
      });
      ws.on('open', () => reject(new Error('handshake unexpectedly succeeded')));
      ws.on('error', () => {});
    });
  }

  hello(nodeId: string, group = 'default', lastAppliedVersion: string | null = null): void {
    this.send({ type: 'hello', nodeId, group, lastAppliedVersion, protocolVersion: PROTOCOL_VERSION });
  }

  send(msg: unknown): void {
    this.ws.send(typeof msg === 'string' ? msg : JSON.stringify(msg));
  }

  /** The next not-yet-consumed message of this type. */
  next<T extends Msg['type']>(type: T, timeoutMs = 2000): Promise<Extract<Msg, { type: T }>> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no ${type} message within ${timeoutMs}ms`)),
        timeoutMs,
      );
      this.waiters.push({
        type,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m as Extract<Msg, { type: T }>);
        },
      });
      this.pump();
    });
  }

  /** Messages of a type received so far (consumed or not). */
  all<T extends Msg['type']>(type: T): Extract<Msg, { type: T }>[] {
    return this.received.filter((m) => m.type === type) as Extract<Msg, { type: T }>[];
  }

  ack(m: { version: string; nonce: string }): void {
    this.send({ type: 'ack', version: m.version, nonce: m.nonce });
  }

  nack(m: { version: string; nonce: string }, live: string | null, message = 'boom'): void {
    this.send({
      type: 'nack',
      version: live,
      nonce: m.nonce,
      rejectedVersion: m.version,
      error: { code: 'BASCULE_E_SNAPSHOT_BUILD', message },
    });
  }

  async close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return;
    this.ws.close();
    await Promise.race([this.closed, sleep(500)]);
    this.ws.terminate();
  }

  private pump(): void {
    // Each message is consumed by at most one waiter, in order, per type.
    this.waiters = this.waiters.filter((w) => {
      const seen = this.consumed.get(w.type) ?? 0;
      const found = this.received.filter((m) => m.type === w.type)[seen];
      if (!found) return true;
      this.consumed.set(w.type, seen + 1);
      w.resolve(found);
      return false;
    });
  }
}

/** A controller on a directory (no rescan walk), channel and admin on free loopback ports. */
export function startDirController(dir: string, over: Partial<ControllerOptions> = {}): Promise<Controller> {
  return startController({
    source: new DirSource({ dir, rescanMs: 0, logger: silentLogger() }),
    listen: { host: '127.0.0.1', port: 0 },
    admin: { host: '127.0.0.1', port: 0 },
    tokens: [TOKEN],
    logger: silentLogger(),
    ...over,
  });
}

/** shop/web: a Frontend on :8080 and its Backend with these servers (name, address; port 80). */
export const shopManifests = (servers: [name: string, address: string][]) => `apiVersion: bascule.dev/v1alpha1
kind: Frontend
metadata: {name: web, namespace: shop}
spec:
  bind: {port: 8080}
  defaultBackend: web
---
apiVersion: bascule.dev/v1alpha1
kind: Backend
metadata: {name: web, namespace: shop}
spec:
  servers:
${servers.map(([name, address]) => `    - {name: ${name}, address: ${address}, port: 80}`).join('\n')}
`;
