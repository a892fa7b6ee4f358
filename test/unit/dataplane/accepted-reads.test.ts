// util/accepted-reads.ts relies on the per-socket `onread` slots of Node's net.Socket. On the
// Node.js releases this project supports the switch must happen (else the TCP relay silently
// falls back to the slower Readable path), and a switched socket must read, pause, resume and
// see its peer's end like a socket created with `onread`.
import { expect } from 'chai';
import net from 'node:net';
import tls from 'node:tls';
import { readAcceptedThrough } from '#dataplane/util/accepted-reads';
import { Reads } from '#dataplane/util/socket-reads';
import { HOST } from './helpers.js';

async function accepted(): Promise<{ server: net.Server; client: net.Socket; socket: net.Socket }> {
  const server = net.createServer({ allowHalfOpen: true });
  await new Promise<void>((r) => server.listen(0, HOST, r));
  const port = (server.address() as net.AddressInfo).port;
  const got = new Promise<net.Socket>((r) => server.once('connection', r));
  const client = net.connect({ port, host: HOST, allowHalfOpen: true });
  return { server, client, socket: await got };
}

describe('tcp: accepted sockets read through onread', () => {
  it('switches an accepted socket: chunks, pause/resume and the end arrive', async () => {
    const { server, client, socket } = await accepted();
    try {
      const chunks: string[] = [];
      const reads = new Reads((c) => chunks.push(c.toString()));
      expect(readAcceptedThrough(socket, reads)).to.equal(true);
      let readableData = false;
      socket.on('data', () => (readableData = true)); // the Readable path must stay unused
      client.write('one');
      await until(() => chunks.join('') === 'one');
      socket.pause();
      client.write('two');
      await new Promise((r) => setTimeout(r, 50));
      expect(chunks.join('')).to.equal('one'); // paused: not read
      socket.resume();
      await until(() => chunks.join('') === 'onetwo');
      const ended = new Promise<void>((r) => socket.once('end', r));
      client.end();
      await ended;
      expect(readableData).to.equal(false);
      expect(socket.bytesRead).to.equal(6);
    } finally {
      client.destroy();
      server.close();
    }
  });

  it('leaves a socket holding buffered data, and a TLS socket, as they are', async () => {
    const { server, client, socket } = await accepted();
    try {
      client.write('held');
      await until(() => socket.readableLength > 0);
      expect(readAcceptedThrough(socket, new Reads(() => {}))).to.equal(false);
      expect(String(socket.read())).to.equal('held');
      expect(readAcceptedThrough(new tls.TLSSocket(new net.Socket()), new Reads(() => {}))).to.equal(false);
    } finally {
      client.destroy();
      server.close();
    }
  });
});

async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(cond()).to.equal(true);
}
