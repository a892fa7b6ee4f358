// Graceful stop of a real dataplane process (`bascule standalone`, one event loop and two worker
// processes): on SIGTERM the listener stops accepting, requests in flight finish with
// "Connection: close", keep-alive clients that send their next request at once get it answered
// (with "Connection: close") instead of a connection closed under them, idle connections are
// closed with a FIN, and the process exits by itself — or, past --drain-timeout, cuts what is
// still open and exits anyway.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { oneRouteYaml } from '../support/manifests.js';
import { freePort } from '../support/ports.js';
import { runBascule, waitFor, type Proc } from '../support/process.js';
import { sleep } from '../support/wait.js';

const HOST = '127.0.0.1';

/** One HTTP/1.1 keep-alive connection, raw: what was answered, and how it ended. */
class Conn {
  readonly socket: net.Socket;
  private buf: Buffer = Buffer.alloc(0);
  private waiter: ((r: { head: string; body: string } | Error) => void) | undefined;
  /** The server closed it (FIN), and when. */
  endedAt = 0;
  /** A reset or another socket error: a failure whatever the moment. */
  error: Error | undefined;
  readonly connected: Promise<void>;

  constructor(port: number) {
    this.socket = net.connect(port, HOST);
    this.connected = new Promise((resolve, reject) => {
      this.socket.once('connect', () => resolve());
      this.socket.once('error', reject);
    });
    this.socket.on('data', (d: Buffer) => {
      this.buf = Buffer.concat([this.buf, d]);
      this.deliver();
    });
    this.socket.on('end', () => {
      this.endedAt = Date.now();
      this.waiter?.(new Error('closed by the server before the response was complete'));
      this.waiter = undefined;
    });
    this.socket.on('error', (err) => {
      this.error = err;
      this.waiter?.(err);
      this.waiter = undefined;
    });
  }

  private deliver(): void {
    const at = this.buf.indexOf('\r\n\r\n');
    if (at < 0 || !this.waiter) return;
    const head = this.buf.subarray(0, at).toString('latin1');
    const len = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0);
    if (this.buf.length < at + 4 + len) return;
    const body = this.buf.subarray(at + 4, at + 4 + len).toString('latin1');
    this.buf = this.buf.subarray(at + 4 + len);
    const w = this.waiter;
    this.waiter = undefined;
    w({ head, body });
  }

  /** Sends a GET and resolves with the complete response; rejects if the connection ends first. */
  get(path: string): Promise<{ head: string; body: string }> {
    if (this.endedAt || this.error || this.socket.destroyed)
      return Promise.reject(new Error('connection already closed'));
    return new Promise((resolve, reject) => {
      this.waiter = (r) => (r instanceof Error ? reject(r) : resolve(r));
      this.socket.write(`GET ${path} HTTP/1.1\r\nHost: app\r\n\r\n`);
    });
  }

  close(): void {
    this.socket.destroy();
  }
}

const closes = (head: string): boolean => /\r\nconnection: *close/i.test(head);

/** A keep-alive client sending its next request as soon as the last answer arrived. */
/** 'ECONNREFUSED' once the port refuses a connection (tried every 20 ms), or the last outcome at the deadline. */
async function refusedWithin(port: number, ms: number): Promise<string> {
  const deadline = Date.now() + ms;
  for (;;) {
    const outcome = await new Promise<string>((resolve) => {
      const s = net.connect(port, HOST);
      s.once('connect', () => {
        s.destroy();
        resolve('accepted');
      });
      s.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
    });
    if (outcome === 'ECONNREFUSED' || Date.now() > deadline) return outcome;
    await sleep(20);
  }
}

async function loop(
  port: number,
  stats: { ok: number; failed: string[]; closedAfter: number },
): Promise<void> {
  const c = new Conn(port);
  await c.connected;
  try {
    for (;;) {
      let r;
      try {
        r = await c.get('/');
      } catch (err) {
        stats.failed.push((err as Error).message); // a request sent and never answered
        return;
      }
      if (!/^HTTP\/1\.1 200 /.test(r.head)) stats.failed.push(r.head.split('\r\n')[0]!);
      else stats.ok++;
      if (closes(r.head)) {
        stats.closedAfter++;
        return; // this connection carries no more requests: a new one would go elsewhere
      }
    }
  } finally {
    c.close();
  }
}

for (const workers of [1, 2])
  describe(`e2e: graceful stop on SIGTERM (${workers === 1 ? 'one event loop' : `${workers} workers`})`, function () {
    this.timeout(120_000);
    const dir = mkdtempSync(join(tmpdir(), 'bascule-drain-'));
    let origin: http.Server;
    let originPort: number;

    before(async () => {
      // /slow?ms=N answers after N ms; everything else at once.
      origin = http.createServer((req, res) => {
        const ms = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('ms') ?? 0);
        const send = (): void => void res.writeHead(200, { 'content-length': '3' }).end('ok\n');
        if (ms > 0) setTimeout(send, ms);
        else send();
      });
      await new Promise<void>((r) => origin.listen(0, HOST, r));
      originPort = (origin.address() as net.AddressInfo).port;
    });

    after(async () => {
      origin.closeAllConnections();
      await new Promise<void>((r) => origin.close(() => r()));
      rmSync(dir, { recursive: true, force: true });
    });

    async function start(drainTimeout: string): Promise<{ proc: Proc; port: number }> {
      const port = await freePort();
      const manifests = join(dir, `m-${port}`);
      mkdirSync(manifests);
      writeFileSync(
        join(manifests, 'app.yaml'),
        oneRouteYaml(HOST, port, originPort, {
          frontend: '  timeouts: {client: 60s, httpRequest: 30s, keepAlive: 60s}\n',
          backend: '  timeouts: {server: 60s}\n',
        }),
      );
      const proc = runBascule([
        'standalone',
        '--dir',
        manifests,
        '--admin',
        `${HOST}:${await freePort()}`,
        '--dataplane-admin',
        `${HOST}:${await freePort()}`,
        '--workers',
        String(workers),
        '--drain-timeout',
        drainTimeout,
      ]);
      await waitFor(
        'bascule serving',
        async () => (await fetch(`http://${HOST}:${port}/`)).status === 200,
        60_000,
      );
      return { proc, port };
    }

    it('keep-alive clients in a request loop, idle and slow clients: zero failed requests; the process exits by itself', async () => {
      const { proc, port } = await start('20s');
      try {
        const stats = { ok: 0, failed: [] as string[], closedAfter: 0 };
        const loops = Array.from({ length: 8 }, () => loop(port, stats));
        // Idle keep-alive connections (one answered request each), one of which sends again
        // during the drain, and a slow request in flight.
        const idle = await Promise.all(
          Array.from({ length: 4 }, async () => {
            const c = new Conn(port);
            await c.connected;
            await c.get('/');
            return c;
          }),
        );
        const late = idle.pop()!;
        const slowConn = new Conn(port);
        await slowConn.connected;
        const slow = slowConn.get('/slow?ms=2000');
        await sleep(500); // the loops are running, the slow request is at the server
        const okBefore = stats.ok;
        const stoppedAt = Date.now();
        proc.child.kill('SIGTERM');
        // The drain has begun once the port refuses connections: the listener stops accepting
        // and marks every open connection in the same turn of its event loop (every worker's,
        // before the shared port closes). A fixed sleep here raced a loaded machine's delivery of
        // the signal, and the late request then arrived before the drain.
        const refused = await refusedWithin(port, 10_000);
        const lateAnswer = await late.get('/'); // idle at SIGTERM, within the idle grace
        const slowAnswer = await slow;
        await Promise.all(loops);
        const code = await proc.exited;
        const exitMs = Date.now() - stoppedAt;
        const idleClosedMs = idle.map((c) => (c.endedAt ? c.endedAt - stoppedAt : -1));
        console.log(
          `      ${stats.ok} requests ok (${stats.ok - okBefore} after SIGTERM), ${stats.failed.length} failed; ` +
            `${stats.closedAfter}/8 loops ended by "Connection: close"; idle connections closed ${idleClosedMs.join(', ')} ms after SIGTERM; ` +
            `exit ${code} after ${exitMs} ms`,
        );
        expect(stats.failed).to.deep.equal([]);
        expect(stats.closedAfter).to.equal(8);
        expect(idle.map((c) => c.error?.message)).to.deep.equal([undefined, undefined, undefined]);
        for (const ms of idleClosedMs) expect(ms).to.be.within(0, 5000);
        expect(lateAnswer.head).to.match(/^HTTP\/1\.1 200 /);
        expect(closes(lateAnswer.head), 'late answer says Connection: close').to.equal(true);
        expect(slowAnswer.head).to.match(/^HTTP\/1\.1 200 /);
        expect(closes(slowAnswer.head), 'slow answer says Connection: close').to.equal(true);
        expect(refused).to.equal('ECONNREFUSED');
        expect(code).to.equal(0);
        expect(exitMs).to.be.below(15_000); // by itself, well before the 20 s drain timeout
        for (const c of [...idle, late, slowConn]) c.close();
      } finally {
        await proc.kill('SIGKILL');
      }
    });

    it('--drain-timeout bounds the stop: a request still running is cut and the process exits', async () => {
      const { proc, port } = await start('1s');
      try {
        const c = new Conn(port);
        await c.connected;
        const stuck = c.get('/slow?ms=30000').then(
          () => 'answered',
          (err: Error) => `cut: ${err.message}`,
        );
        await sleep(300);
        const stoppedAt = Date.now();
        proc.child.kill('SIGTERM');
        const code = await proc.exited;
        const exitMs = Date.now() - stoppedAt;
        const outcome = await stuck;
        console.log(`      exit ${code} after ${exitMs} ms (drain timeout 1 s); the request: ${outcome}`);
        expect(outcome).to.match(/^cut: /);
        expect(code).to.equal(0);
        expect(exitMs).to.be.within(900, 8000);
        expect(proc.output()).to.contain('drain timeout reached');
        c.close();
      } finally {
        await proc.kill('SIGKILL');
      }
    });
  });
