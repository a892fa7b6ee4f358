// util/reset-probe.ts over real sockets on 127.0.0.1: a connection we stopped reading does not
// report its peer's reset by itself (libuv does not poll it), and a probe makes it report it —
// for a plaintext net.Socket, a connection driven on its handle (RawSocket), and a TLS connection
// (probed on the TCP socket it wraps: this fails if that socket is no longer found on this Node.js,
// then resets under TLS would again wait for timeouts.client). On a healthy connection a probe
// sends nothing and changes nothing.
import { expect } from 'chai';
import net from 'node:net';
import tls from 'node:tls';
import { probeReset } from '#dataplane/util/reset-probe';
import { RawSocket, type TcpHandle } from '#dataplane/util/raw-socket';
import { takeAccepted } from '#dataplane/util/raw-accept';
import { TestCa, type Pem } from '../tls/certs.js';
import { HOST, eventually, sleep } from './helpers.js';

type Probed = net.Socket | RawSocket;

/** Whether `s` has closed, and with which error code. */
function watch(s: Probed): { closed: boolean; code: string | undefined } {
  const w = { closed: false, code: undefined as string | undefined };
  s.on('error', (e: NodeJS.ErrnoException) => (w.code ??= e.code));
  s.on('close', () => (w.closed = true));
  return w;
}

/**
 * A connection whose server side is not read (paused) while the client sends more than it will
 * ever read; reset() resets it from the client. `accept` hands over the server side under test.
 */
async function pausedThenReset(
  accept: (deliver: (s: Probed) => void) => net.Server,
  connect: (port: number) => Promise<{ client: net.Socket; raw: net.Socket }>,
  listening: (srv: net.Server, deliver: (s: Probed) => void) => void = () => {},
): Promise<{ server: Probed; reset(): void; close(): void }> {
  let got: (s: Probed) => void = () => {};
  const accepted = new Promise<Probed>((r) => (got = r));
  const deliver = (p: Probed): void => {
    p.pause();
    got(p);
  };
  const srv = accept(deliver);
  await new Promise<void>((r) => srv.listen(0, HOST, r));
  listening(srv, deliver);
  const { client, raw } = await connect((srv.address() as net.AddressInfo).port);
  client.on('error', () => {});
  raw.on('error', () => {});
  client.write(Buffer.alloc(256 * 1024, 0x61)); // more than the paused side will ever read
  const server = await accepted;
  return {
    server,
    reset: () => raw.resetAndDestroy(),
    close: () => {
      server.destroy();
      client.destroy();
      srv.close();
    },
  };
}

const plainConnect = async (port: number): Promise<{ client: net.Socket; raw: net.Socket }> => {
  const c = net.connect(port, HOST);
  await new Promise<void>((r) => c.once('connect', r));
  return { client: c, raw: c };
};

describe('dataplane/util: reset probe', function () {
  this.timeout(30_000);
  let ca: TestCa;
  let leaf: Pem;

  before(() => {
    ca = new TestCa();
    leaf = ca.issue({ dns: ['probe.example.test'] });
  });
  after(() => ca?.cleanup());

  /** Runs the case: unprobed, the reset stays unseen; probed, the socket closes with an error. */
  async function check(c: { server: Probed; reset(): void; close(): void }): Promise<void> {
    try {
      const w = watch(c.server);
      // Healthy: a probe is written and nothing happens.
      expect(probeReset(c.server)).to.equal(true);
      await sleep(100);
      expect(w.closed).to.equal(false);
      c.reset();
      await sleep(300);
      expect(w.closed, 'a paused socket saw the reset by itself: the probe is not needed').to.equal(false);
      expect(probeReset(c.server)).to.equal(true);
      await eventually(() => w.closed, 5000);
      expect(w.code).to.be.oneOf(['ECONNRESET', 'EPIPE']);
      expect(probeReset(c.server)).to.equal(false); // closed: nothing to probe
    } finally {
      c.close();
    }
  }

  it('plaintext net.Socket: the probe reports a reset the paused socket did not see', async () => {
    await check(await pausedThenReset((l) => net.createServer(l), plainConnect));
  });

  it('a connection driven on its handle (RawSocket): the same', async () => {
    await check(
      await pausedThenReset(
        () => net.createServer(),
        plainConnect,
        (srv, deliver) => {
          const taken = takeAccepted(srv, (h: TcpHandle) => {
            deliver(new RawSocket(h));
            return true;
          });
          expect(taken, 'accepted handles can be taken on this Node.js').to.equal(true);
        },
      ),
    );
  });

  it('TLS: probed on the TCP socket it wraps (the TLS socket writes nothing for an empty write)', async () => {
    await check(
      await pausedThenReset(
        (l) => tls.createServer({ key: leaf.key, cert: leaf.cert }, l),
        async (port) => {
          const raw = net.connect(port, HOST);
          const client = tls.connect({ socket: raw, servername: 'probe.example.test', ca: ca.cert });
          await new Promise<void>((r) => client.once('secureConnect', r));
          return { client, raw };
        },
      ),
    );
  });
});
