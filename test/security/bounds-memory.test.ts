// Memory under connection abuse, measured on a real Bascule process (`bascule standalone`, with
// its worker processes) from their RSS in /proc:
// - never-reading clients: clients that pipeline requests for large responses and never read a
//   byte must not make the dataplane buffer responses — pipelined requests are served one at a
//   time, the next only once the client took the previous response, and reading stops at
//   PIPELINE_BUFFER bytes of read-ahead, so each connection stops at what its socket buffers hold
//   (Node's HTTP server would parse and hold every request it is sent); a client that pipelines
//   many requests is never disconnected for it: once it reads, every answer comes, in order;
// - many idle connections: 2,000 accepted connections that send nothing; the figure printed is
//   the RSS growth per connection, beside HAProxy 2.6 holding the same 2,000 connections.
// Figures are printed, not asserted, except the bound on the never-reading case.
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { startBackend, type TestBackend } from '../support/backends.js';
import { oneRouteYaml } from '../support/manifests.js';
import { freePort } from '../support/ports.js';
import { runBascule, waitFor, type Proc } from '../support/process.js';
import { PIPELINE_BUFFER } from '#dataplane/serving/listener';
import { startHaproxyProxy } from './support/haproxy-process.js';

const HOST = '127.0.0.1';
const IDLE_CONNECTIONS = 2000;
/** Largest RSS growth accepted while never-reading clients pile up requests (unbounded: GiBs). */
const NEVER_READING_BOUND = 128 * 1024 * 1024;
/** Requests each never-reading client pipelines for large responses. */
const DEPTH = 32;

/** RSS of a process and all its descendants (a dataplane's worker processes included). */
const rssOf = (pid: number): number => {
  let total = 0;
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    total = Number(m?.[1] ?? 0) * 1024;
    for (const task of readdirSync(`/proc/${pid}/task`))
      for (const child of readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8')
        .split(' ')
        .filter(Boolean))
        total += rssOf(Number(child));
  } catch {
    // the process (or a child) ended while it was being read
  }
  return total;
};
const mib = (b: number): string => `${(b / 1024 / 1024).toFixed(1)} MiB`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Opens `n` connections that send nothing (in batches, so the accept queue never overflows). */
async function openIdle(port: number, n: number): Promise<net.Socket[]> {
  const out: net.Socket[] = [];
  for (let i = 0; i < n; i += 200) {
    out.push(
      ...(await Promise.all(
        Array.from(
          { length: Math.min(200, n - i) },
          () =>
            new Promise<net.Socket>((resolve, reject) => {
              const s = net.connect(port, HOST, () => resolve(s));
              s.once('error', reject);
            }),
        ),
      )),
    );
  }
  return out;
}

/** RSS once it stops moving (samples 300 ms apart within 1 %), or the last sample after ~6 s. */
async function settledRss(pid: number): Promise<number> {
  let last = rssOf(pid);
  for (let i = 0; i < 20; i++) {
    await sleep(300);
    const now = rssOf(pid);
    if (Math.abs(now - last) < last / 100) return now;
    last = now;
  }
  return last;
}

describe('security: memory stays bounded under never-reading and idle clients', function () {
  this.timeout(240_000);

  const dir = mkdtempSync(join(tmpdir(), 'bascule-bounds-'));
  let origin: TestBackend;
  let bascule: Proc;
  let port: number;
  let admin: number;

  before(async () => {
    origin = await startBackend('origin');
    // /big?kb=N&i=I answers N KiB, with I in X-Seq.
    const kib = Buffer.alloc(1024, 0x61);
    origin.handler = (req, res) => {
      const q = new URL(req.url ?? '/', 'http://x').searchParams;
      const kb = Number(q.get('kb') ?? 1);
      res.writeHead(200, {
        'content-type': 'application/octet-stream',
        'content-length': String(kb * 1024),
        'x-seq': q.get('i') ?? '',
      });
      for (let i = 0; i < kb - 1; i++) res.write(kib);
      res.end(kib);
    };
    port = await freePort();
    admin = await freePort();
    const manifests = join(dir, 'manifests');
    mkdirSync(manifests);
    writeFileSync(
      join(manifests, 'app.yaml'),
      oneRouteYaml(HOST, port, origin.port, {
        frontend: '  maxConnections: 10000\n  timeouts: {client: 120s, httpRequest: 60s, keepAlive: 60s}\n',
      }),
    );
    bascule = runBascule(
      [
        'standalone',
        '--dir',
        manifests,
        '--admin',
        `${HOST}:${admin}`,
        '--dataplane-admin',
        `${HOST}:${await freePort()}`,
        '--state-dir',
        join(dir, 'state'),
      ],
      { BASCULE_LOG_LEVEL: 'warn' },
    );
    await waitFor(
      'bascule serving',
      async () => (await fetch(`http://${HOST}:${port}/`)).status === 200,
      60_000,
    );
  });

  after(async () => {
    await bascule?.kill();
    await origin?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it(`many idle connections: ${IDLE_CONNECTIONS} connections that send nothing — bytes per connection, beside HAProxy`, async () => {
    const measure = async (pid: number, target: number): Promise<number> => {
      const before = await settledRss(pid);
      const sockets = await openIdle(target, IDLE_CONNECTIONS);
      try {
        const after = await settledRss(pid);
        expect(sockets.filter((s) => !s.destroyed)).to.have.length(IDLE_CONNECTIONS);
        return (after - before) / IDLE_CONNECTIONS;
      } finally {
        for (const s of sockets) s.destroy();
      }
    };
    const basculePer = await measure(bascule.child.pid!, port);
    const hapPort = await freePort();
    const hap = await startHaproxyProxy({
      port: hapPort,
      serverPort: origin.port,
      timeouts: { client: 120_000, httpRequest: 60_000 },
      maxconn: 5000,
    });
    try {
      const hapPer = await measure(hap.pid, hapPort);
      console.log(
        `      idle connection cost (RSS growth / ${IDLE_CONNECTIONS}): bascule ${Math.round(basculePer)} B, haproxy ${Math.round(hapPer)} B`,
      );
    } finally {
      await hap.close();
    }
  });

  /**
   * Opens `clients` connections that each pipeline `depth` requests for `kb` KiB responses and
   * never read; returns the RSS growth at its peak and how many requests reached the server.
   */
  async function neverReading(
    clients: number,
    depth: number,
    kb: number,
  ): Promise<{ grew: number; served: number }> {
    const pid = bascule.child.pid!;
    const before = await settledRss(pid);
    const servedBefore = origin.requests.length;
    const request = Buffer.from(`GET /big?kb=${kb} HTTP/1.1\r\nHost: x\r\n\r\n`.repeat(depth));
    const sockets = await Promise.all(
      Array.from(
        { length: clients },
        () =>
          new Promise<net.Socket>((resolve, reject) => {
            const s = net.connect(port, HOST, () => {
              s.pause(); // never read
              s.write(request);
              resolve(s);
            });
            s.once('error', reject);
          }),
      ),
    );
    try {
      let peak = before;
      for (let i = 0; i < 20; i++) {
        await sleep(300);
        peak = Math.max(peak, rssOf(pid));
      }
      const served = origin.requests.length - servedBefore;
      const asked = clients * depth;
      console.log(
        `      RSS ${mib(before)} → peak ${mib(peak)} (+${mib(peak - before)}); ${served} of ${asked} requests reached the server ` +
          `(${mib(served * kb * 1024)} of ${mib(asked * kb * 1024)} asked for)`,
      );
      return { grew: peak - before, served };
    } finally {
      for (const s of sockets) s.destroy();
    }
  }

  it(`never-reading clients: 20 × ${DEPTH} pipelined requests for 1 MiB responses — one at a time, stopped by backpressure`, async () => {
    const { grew, served } = await neverReading(20, DEPTH, 1024);
    expect(grew).to.be.below(NEVER_READING_BOUND);
    // Served one at a time, each connection stops at what its socket buffers hold.
    expect(served).to.be.below((20 * DEPTH) / 2);
  });

  it('never-reading clients pipelining 20 × 20,000 requests: reading stops, memory bounded, nothing fetched ahead', async () => {
    const kb = 64;
    const { grew, served } = await neverReading(20, 20_000, kb);
    expect(grew).to.be.below(NEVER_READING_BOUND);
    // A response is fetched only once the previous one left for the client's socket: per
    // connection, at most what the kernel's send and receive buffers hold, plus one in flight.
    const [wmem, rmem] = ['tcp_wmem', 'tcp_rmem'].map((f) =>
      Number(readFileSync(`/proc/sys/net/ipv4/${f}`, 'utf8').trim().split(/\s+/)[2]),
    );
    const perConnection = Math.ceil((wmem! + rmem!) / (kb * 1024)) + 2;
    expect(served).to.be.at.most(20 * perConnection);
  });

  it(`a client that pipelines 5,000 requests (${PIPELINE_BUFFER / 1024} KiB read ahead at most) and reads late gets every answer, in order`, async () => {
    const n = 5000;
    let wire = '';
    for (let i = 0; i < n; i++) wire += `GET /big?kb=4&i=${i} HTTP/1.1\r\nHost: x\r\n\r\n`;
    const s = net.connect(port, HOST);
    s.on('error', () => {});
    await new Promise<void>((r) => s.once('connect', r));
    s.pause();
    s.write(wire);
    await sleep(1500); // nothing read meanwhile: the dataplane stops reading, it does not hang up
    const seqs: number[] = [];
    let rest: Buffer = Buffer.alloc(0);
    let closed = false;
    s.on('close', () => (closed = true));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${seqs.length} of ${n} answers`)), 30_000);
      s.on('data', (d: Buffer) => {
        rest = rest.length ? Buffer.concat([rest, d]) : d;
        for (;;) {
          const end = rest.indexOf('\r\n\r\n');
          if (end < 0) break;
          const head = rest.subarray(0, end).toString('latin1');
          const len = Number(/\r\ncontent-length: (\d+)/i.exec(head)?.[1] ?? -1);
          if (rest.length < end + 4 + len) break;
          expect(head).to.match(/^HTTP\/1\.1 200 /);
          seqs.push(Number(/\r\nx-seq: (\d+)/i.exec(head)?.[1]));
          rest = rest.subarray(end + 4 + len);
        }
        if (seqs.length === n) {
          clearTimeout(timer);
          resolve();
        }
      });
      s.resume();
    });
    expect(seqs).to.deep.equal(Array.from({ length: n }, (_, i) => i));
    expect(closed, 'closed by the dataplane').to.equal(false);
    s.destroy();
  });
});
