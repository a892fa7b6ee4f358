// Shared pieces of the traffic e2e tests: a real dataplane (in-process, real sockets), real
// backends and real clients (node:http, undici, curl). 127.0.0.1 and ephemeral ports only.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { expect } from 'chai';
import { startDataplane, type Dataplane } from '#dataplane/dataplane';
import { makeSnapshot } from '#protocol/canonical';
import type { BackendSnap, FrontendSnap } from '#protocol/snapshot';
import { HOST, body, freePort, quietLogger } from '../../unit/dataplane/helpers.js';

export {
  HOST,
  backend,
  body,
  eventually,
  freePort,
  frontend,
  get,
  server,
  sleep,
  startBackend,
  startTcpEcho,
  type SimpleResponse,
  type TestBackend,
} from '../../unit/dataplane/helpers.js';

export interface Harness {
  dp: Dataplane;
  port: number;
  apply(frontends: FrontendSnap[], backends: BackendSnap[]): Promise<void>;
  close(): Promise<void>;
}

export async function harness(): Promise<Harness> {
  const dp = await startDataplane({
    group: 'default',
    nodeId: 'traffic',
    admin: null,
    logger: quietLogger(),
  });
  const port = await freePort();
  return {
    dp,
    port,
    async apply(frontends, backends) {
      const r = await dp.applySnapshot(makeSnapshot(body(frontends, backends)));
      expect(r, JSON.stringify(r)).to.deep.include({ ok: true });
    },
    close: () => dp.close(),
  };
}

export interface CurlResult {
  status: number;
  headers: string;
  body: string;
}

/** Runs curl against the proxy; `-c/-b` cookie jars work as in a browser session. */
export function curl(args: string[]): Promise<CurlResult> {
  return new Promise((resolve, reject) => {
    execFile(
      'curl',
      ['-s', '-S', '--max-time', '10', '-D', '-', '-o', '-', ...args],
      { encoding: 'utf8', maxBuffer: 1 << 20 },
      (err, stdout) => {
        if (err) return reject(err);
        // Headers of the final response come first, then the body.
        const blocks = stdout.split('\r\n\r\n');
        let i = 0;
        while (i < blocks.length - 1 && /^HTTP\/1\.1 1\d\d /.test(blocks[i]!)) i++;
        const head = blocks[i] ?? '';
        resolve({
          status: Number(/^HTTP\/[\d.]+ (\d{3})/.exec(head)?.[1] ?? 0),
          headers: head,
          body: blocks.slice(i + 1).join('\r\n\r\n'),
        });
      },
    );
  });
}

/** Raw bytes in, everything the proxy sends back until it closes (or `ms` passes). */
export function raw(port: number, data: string | Buffer, ms = 3000): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, HOST, () => s.write(data));
    let out = '';
    s.on('data', (d) => (out += d.toString('latin1')));
    s.on('close', () => resolve(out));
    s.on('error', (err: NodeJS.ErrnoException) => (err.code === 'ECONNRESET' ? resolve(out) : reject(err)));
    setTimeout(() => s.destroy(), ms);
  });
}

/** Counts answers by body (each test backend answers its name). */
export async function tallyBodies(
  n: number,
  send: (i: number) => Promise<{ body: string }>,
  concurrency = 8,
): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < n) {
      const i = next++;
      const { body } = await send(i);
      counts[body] = (counts[body] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return counts;
}

/** A keep-alive agent for request loops (fewer sockets, like a real client). */
export const keepAlive = (): http.Agent => new http.Agent({ keepAlive: true, maxSockets: 8 });

/** Most bytes the kernel buffers one TCP connection may hold (send + receive, both at their maximum). */
export function kernelBytesPerConnection(): number {
  const max = (f: string): number =>
    Number(readFileSync(`/proc/sys/net/ipv4/${f}`, 'utf8').trim().split(/\s+/)[2]);
  return max('tcp_wmem') + max('tcp_rmem');
}

/**
 * What may be in flight between the two ends of a proxied stream that one end stopped reading:
 * two connections' kernel buffers and 4 MiB of the proxy's own (backpressure tests).
 */
export const BACKPRESSURE_BOUND = 2 * kernelBytesPerConnection() + 4 * 1024 * 1024;

/**
 * Waits until a byte count a backpressure test watches has stopped growing (unchanged for
 * `quietMs`, and at least `minMs` after the start), then returns it. A fixed pause would let a
 * stalled machine end the wait before the buffers along the way are full, and a proxy that reads
 * ahead without bound would then pass; waiting for the count to hold makes the bound checked on
 * the filled pipe. Gives up after `maxMs` and returns the count then (a count still growing at
 * loopback speed that long is far past any bound).
 */
export async function untilHeld(
  read: () => number,
  { quietMs = 500, minMs = 2000, maxMs = 20_000 } = {},
): Promise<number> {
  const start = Date.now();
  let last = read();
  let since = start;
  for (;;) {
    await new Promise((r) => setTimeout(r, 100));
    const now = Date.now();
    const n = read();
    if (n !== last) {
      last = n;
      since = now;
    }
    if ((now - since >= quietMs && now - start >= minMs) || now - start >= maxMs) return n;
  }
}
