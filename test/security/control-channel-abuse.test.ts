// The control channel under abuse, with real processes: one controller and one well-behaved
// dataplane, while clients in this test hammer the controller's channel port — unauthenticated
// upgrades, connections that never finish their upgrade request, garbage and oversized frames
// (ws maxPayload), a frame header announcing 2^62 bytes, and hundreds of connect/hello/close
// cycles. Each abuse must end the way the controller promises (401, 1008, 1009, closed at the
// hello timeout), the controller's memory must stay bounded, and the good dataplane must keep
// receiving new snapshots throughout.
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import WebSocket from 'ws';
import { loadInput } from '#controller/cli/load-files';
import { runStages } from '#controller/pipeline/stages';
import { MAX_PAYLOAD_BYTES } from '#controller/publish/snapshot-server';
import { CHANNEL_PATH, PROTOCOL_VERSION, SUBPROTOCOL } from '#protocol/messages';
import { startBackend, type TestBackend } from '../support/backends.js';
import { freePort } from '../support/ports.js';
import { getJson, runBascule, waitFor, type Proc } from '../support/process.js';

/** The controller's hello timeout (its default): also the bound on an unfinished upgrade. */
const HELLO_TIMEOUT_MS = 10_000;
/** Largest RSS growth of the controller accepted over the whole abuse. */
const RSS_BOUND_BYTES = 64 * 1024 * 1024;

const rssOf = (pid: number): number => {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1] ?? 0) * 1024;
};
const mib = (b: number): string => `${(b / 1024 / 1024).toFixed(1)} MiB`;

interface Closed {
  code: number;
  reason: string;
}

describe('security: control-channel abuse leaves the controller and other dataplanes unaffected', function () {
  this.timeout(180_000);

  const dir = mkdtempSync(join(tmpdir(), 'bascule-channel-abuse-'));
  const manifests = join(dir, 'manifests');
  const tokenFile = join(dir, 'token');
  const token = createHash('sha256').update(dir).digest('hex');
  let web: TestBackend;
  let ports: { http: number; channel: number; admin: number; dpAdmin: number };
  let controller: Proc;
  let dataplane: Proc;
  let edit = 0;
  let baseline = 0;

  const url = () => `ws://127.0.0.1:${ports.channel}${CHANNEL_PATH}`;
  const adminUrl = () => `http://127.0.0.1:${ports.admin}`;

  /** Writes a new configuration and returns the version it compiles to. */
  async function write(): Promise<string> {
    edit++;
    const text = `apiVersion: bascule.dev/v1alpha1
kind: Frontend
metadata: {name: web}
spec:
  bind: {port: ${ports.http}}
  responseHeaders: {set: [{name: X-Edit, value: "${edit}"}]}
  defaultBackend: web
---
apiVersion: bascule.dev/v1alpha1
kind: Backend
metadata: {name: web}
spec:
  servers: [{name: web, address: 127.0.0.1, port: ${web.port}}]
`;
    const tmp = join(dir, `.tmp-${edit}`);
    writeFileSync(tmp, text);
    renameSync(tmp, join(manifests, 'app.yaml'));
    const result = runStages({ ...(await loadInput([manifests])), now: Date.now() });
    return result.snapshots.default!.version;
  }

  /** The good dataplane gets a new configuration while (or right after) the abuse runs. */
  async function goodDataplaneFollows(): Promise<void> {
    const v = await write();
    await waitFor(
      'the good dataplane ACKs the new snapshot',
      async () => {
        const list = await getJson<Array<{ nodeId: string; appliedVersion: string | null }>>(
          `${adminUrl()}/dataplanes`,
        );
        return list.some((d) => d.nodeId === 'dp-good' && d.appliedVersion === v);
      },
      30_000,
    );
    const res = await fetch(`http://127.0.0.1:${ports.http}/`);
    expect(res.headers.get('x-edit')).to.equal(String(edit));
  }

  function authed(): Promise<WebSocket> {
    const ws = new WebSocket(url(), [SUBPROTOCOL], { headers: { authorization: `Bearer ${token}` } });
    ws.on('error', () => {});
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(ws));
      ws.once('unexpected-response', (_req, res) => reject(new Error(`refused: ${res.statusCode}`)));
    });
  }
  const closedOf = (ws: WebSocket): Promise<Closed> =>
    new Promise((resolve) =>
      ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
    );

  before(async () => {
    web = await startBackend('web');
    ports = {
      http: await freePort(),
      channel: await freePort(),
      admin: await freePort(),
      dpAdmin: await freePort(),
    };
    writeFileSync(tokenFile, `${token}\n`);
    mkdirSync(manifests);
    const v = await write();
    controller = runBascule([
      'controller',
      '--dir',
      manifests,
      '--listen',
      `127.0.0.1:${ports.channel}`,
      '--admin',
      `127.0.0.1:${ports.admin}`,
      '--token-file',
      tokenFile,
    ]);
    // Generous: process start-up on a loaded 2-core machine.
    await waitFor('controller ready', async () => (await fetch(`${adminUrl()}/readyz`)).ok, 60_000);
    dataplane = runBascule([
      'dataplane',
      '--controller',
      `ws://127.0.0.1:${ports.channel}`,
      '--token-file',
      tokenFile,
      '--node-id',
      'dp-good',
      '--admin',
      `127.0.0.1:${ports.dpAdmin}`,
      '--state-dir',
      join(dir, '.state'),
    ]);
    await waitFor(
      'the good dataplane at the first version',
      async () => {
        const list = await getJson<Array<{ nodeId: string; appliedVersion: string | null }>>(
          `${adminUrl()}/dataplanes`,
        );
        return list.some((d) => d.nodeId === 'dp-good' && d.appliedVersion === v);
      },
      60_000,
    );
    baseline = rssOf(controller.child.pid!);
  });

  after(async () => {
    await Promise.all([controller?.kill(), dataplane?.kill()]);
    await web?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('unauthenticated: 200 upgrades with a wrong or missing token are refused with 401', async () => {
    const statuses: number[] = [];
    for (let batch = 0; batch < 10; batch++) {
      statuses.push(
        ...(await Promise.all(
          Array.from(
            { length: 20 },
            (_, i) =>
              new Promise<number>((resolve) => {
                const headers: Record<string, string> =
                  i % 2 ? { authorization: `Bearer ${randomBytes(16).toString('hex')}` } : {};
                const ws = new WebSocket(url(), [SUBPROTOCOL], { headers });
                ws.on('error', () => resolve(0));
                ws.once('unexpected-response', (_req, res) => {
                  resolve(res.statusCode ?? 0);
                  ws.terminate();
                });
                ws.once('open', () => resolve(101));
              }),
          ),
        )),
      );
    }
    expect(new Set(statuses)).to.deep.equal(new Set([401]));
    await goodDataplaneFollows();
  });

  it(`connections that never finish their upgrade request are closed at the hello timeout (${HELLO_TIMEOUT_MS} ms)`, async () => {
    const sockets = await Promise.all(
      Array.from(
        { length: 100 },
        (_, i) =>
          new Promise<{ s: net.Socket; closed: Promise<number> }>((resolve) => {
            const t0 = Date.now();
            const s = net.connect(ports.channel, '127.0.0.1', () => {
              // Half of them send nothing at all, half a request line and stall.
              if (i % 2) s.write(`GET ${CHANNEL_PATH} HTTP/1.1\r\nHost: x\r\n`);
              resolve({ s, closed });
            });
            s.on('error', () => {});
            s.resume();
            const closed = new Promise<number>((r) => s.once('close', () => r(Date.now() - t0)));
          }),
      ),
    );
    try {
      // Meanwhile the good dataplane still gets its configuration.
      await goodDataplaneFollows();
      const deadline = HELLO_TIMEOUT_MS + 10_000;
      const times = await Promise.race([
        Promise.all(sockets.map((x) => x.closed)),
        new Promise<never>((_, reject) =>
          setTimeout(
            () => reject(new Error(`idle pre-upgrade connections still open after ${deadline} ms`)),
            deadline,
          ),
        ),
      ]);
      console.log(`      closed after ${Math.min(...times)}–${Math.max(...times)} ms`);
    } finally {
      for (const x of sockets) x.s.destroy();
    }
  });

  it('garbage: 50 authenticated peers sending non-JSON, binary and invalid messages are each closed (1008) after 20', async () => {
    const peers = await Promise.all(Array.from({ length: 50 }, () => authed()));
    const closed = peers.map(closedOf);
    peers.forEach((ws, i) => {
      for (let k = 0; k < 25; k++) {
        if (k % 3 === 0) ws.send(randomBytes(64));
        else if (k % 3 === 1) ws.send(`{"type":"hello","nodeId":${k}`);
        else ws.send(JSON.stringify({ type: 'ack', version: 'x', nonce: `n${i}`, extra: 'x'.repeat(100) }));
      }
    });
    const results = await Promise.all(closed);
    expect(new Set(results.map((r) => r.code))).to.deep.equal(new Set([1008]));
    await goodDataplaneFollows();
  });

  it(`huge frames: a frame over ${MAX_PAYLOAD_BYTES} bytes, and a header announcing 2^62 bytes, close the connection (1009) unbuffered`, async () => {
    const big = await Promise.all(Array.from({ length: 5 }, () => authed()));
    const bigClosed = big.map(closedOf);
    const payload = Buffer.alloc(MAX_PAYLOAD_BYTES + 1024, 0x61).toString('latin1');
    for (const ws of big) ws.send(payload);
    expect((await Promise.all(bigClosed)).map((r) => r.code)).to.deep.equal([1009, 1009, 1009, 1009, 1009]);

    // Raw: a completed upgrade, then a masked text frame header with a 64-bit length of 2^62.
    const announced = await Promise.all(
      Array.from(
        { length: 5 },
        () =>
          new Promise<number>((resolve, reject) => {
            const s = net.connect(ports.channel, '127.0.0.1', () => {
              s.write(
                `GET ${CHANNEL_PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
                  `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n` +
                  `Sec-WebSocket-Protocol: ${SUBPROTOCOL}\r\nAuthorization: Bearer ${token}\r\n\r\n`,
              );
            });
            let buf = Buffer.alloc(0);
            let upgraded = false;
            s.on('data', (d: Buffer) => {
              buf = Buffer.concat([buf, d]);
              if (!upgraded) {
                const end = buf.indexOf('\r\n\r\n');
                if (end < 0) return;
                if (!buf.subarray(0, 12).toString().includes('101')) return reject(new Error(buf.toString()));
                upgraded = true;
                buf = buf.subarray(end + 4);
                const header = Buffer.alloc(14);
                header[0] = 0x81;
                header[1] = 0x80 | 127;
                header.writeBigUInt64BE(1n << 62n, 2);
                randomBytes(4).copy(header, 10);
                s.write(Buffer.concat([header, randomBytes(1024)]));
              }
              // A close frame from the server: 0x88, length, then the status code.
              const i = buf.indexOf(0x88);
              if (upgraded && i >= 0 && buf.length >= i + 4) resolve(buf.readUInt16BE(i + 2));
            });
            s.on('error', () => {});
            s.on('close', () => resolve(upgraded ? -1 : -2));
          }),
      ),
    );
    expect(announced).to.deep.equal([1009, 1009, 1009, 1009, 1009]);
    await goodDataplaneFollows();
  });

  it('reconnecting in a loop: 300 connect/hello/close cycles leave only the good dataplane registered', async () => {
    let cycles = 0;
    const worker = async (): Promise<void> => {
      while (cycles < 300) {
        cycles++;
        const ws = await authed();
        const snapshot = new Promise<void>((resolve) =>
          ws.on('message', (d) => {
            if (String(d).startsWith('{"type":"snapshot"')) resolve();
          }),
        );
        const nodeId = `looper-${randomBytes(6).toString('hex')}`;
        ws.send(
          JSON.stringify({
            type: 'hello',
            nodeId,
            group: 'default',
            lastAppliedVersion: null,
            protocolVersion: PROTOCOL_VERSION,
          }),
        );
        await snapshot;
        const closed = closedOf(ws);
        ws.close();
        await closed;
      }
    };
    await Promise.all(Array.from({ length: 10 }, worker));
    await goodDataplaneFollows();
    const list = await getJson<Array<{ nodeId: string }>>(`${adminUrl()}/dataplanes`);
    expect(list.map((d) => d.nodeId)).to.deep.equal(['dp-good']);
  });

  it(`the controller's memory stayed bounded (RSS growth under ${mib(RSS_BOUND_BYTES)})`, async () => {
    const rss = rssOf(controller.child.pid!);
    console.log(
      `      controller RSS: ${mib(baseline)} before the abuse, ${mib(rss)} after (${mib(rss - baseline)} more)`,
    );
    expect(rss - baseline).to.be.below(RSS_BOUND_BYTES);
    expect((await fetch(`${adminUrl()}/readyz`)).ok).to.equal(true);
  });
});
