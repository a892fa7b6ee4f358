// UpstreamConnector on Node's HTTP client (http.request over the server's pool): requests,
// 100-continue, streamed responses, Upgrade (101) hand-over, connect and server timeouts.
import http, { type ClientRequest, type IncomingMessage } from 'node:http';
import type net from 'node:net';
import { classify, connectTimeout, serverTimeout, UpstreamError } from '../../runtime/upstream-error.js';
import type { ServerRuntime } from '../../runtime/backend.js';
import { flatten, pairs } from '../headers.js';
import type { BodyFraming } from '../message.js';
import type {
  UpstreamCall,
  UpstreamConnector,
  UpstreamEvents,
  UpstreamRequest,
  UpstreamResponseHead,
  UpstreamTimeouts,
} from '../upstream.js';
import { UpstreamPool } from './pool.js';

function poolOf(server: ServerRuntime): UpstreamPool {
  const s = server.state;
  if (!(s.pool instanceof UpstreamPool)) s.pool = new UpstreamPool();
  return s.pool as UpstreamPool;
}

function responseHead(res: IncomingMessage, method: string): UpstreamResponseHead {
  const status = res.statusCode ?? 0;
  const cl = res.headers['content-length'];
  let framing: BodyFraming;
  if (method === 'HEAD' || status === 204 || status === 304) framing = 'none';
  // Node hands over a de-chunked body: for the exchange it is a body of unknown length.
  else if (res.headers['transfer-encoding'] === undefined && cl !== undefined) framing = 'length';
  else framing = 'stream';
  return {
    status,
    reason: res.statusMessage ?? '',
    version: res.httpVersion,
    headers: pairs(res.rawHeaders),
    framing,
    contentLength: framing === 'length' ? Number(cl) : -1,
  };
}

class NodeCall implements UpstreamCall {
  private res: IncomingMessage | undefined;
  private done = false;

  constructor(
    private readonly up: ClientRequest,
    private readonly ev: UpstreamEvents,
  ) {}

  get reused(): boolean {
    return this.up.reusedSocket;
  }

  write(chunk: Buffer): boolean {
    return this.up.write(chunk);
  }

  end(): void {
    this.up.end();
  }

  pause(): void {
    this.res?.pause();
  }

  resume(): void {
    this.res?.resume();
  }

  abort(): void {
    this.done = true;
    this.up.destroy();
  }

  /** The connection left the call (an upgrade): nothing more is reported. */
  detach(): void {
    this.done = true;
  }

  /** Ends the call once: with an error, unless it already ended. */
  fail(e: UpstreamError): void {
    if (this.done) return;
    this.done = true;
    this.ev.error(e);
  }

  finish(): void {
    if (this.done) return;
    this.done = true;
    this.ev.end();
  }

  streaming(res: IncomingMessage): void {
    this.res = res;
  }
}

export const nodeUpstream: UpstreamConnector = {
  request(
    server: ServerRuntime,
    req: UpstreamRequest,
    ev: UpstreamEvents,
    t: UpstreamTimeouts,
  ): UpstreamCall {
    // Upgrade requests get a dedicated connection: once upgraded it leaves any pool.
    const agent = poolOf(server).agent(server.snap, server.tls, server.keepAlive && !req.upgrade);
    let connected = false;
    let connectTimer: NodeJS.Timeout | undefined;
    const up = http.request({
      agent,
      ...(server.tls ? { protocol: 'https:' } : {}), // TLS towards the server (tls/upstream.ts)
      host: server.address,
      port: server.port,
      method: req.method,
      path: req.target,
      headers: flatten(req.headers),
      setHost: false,
    });
    const call = new NodeCall(up, ev);
    const onConnected = (): void => {
      connected = true;
      if (connectTimer) clearTimeout(connectTimer);
      if (t.server > 0) up.setTimeout(t.server, () => up.destroy(serverTimeout(t.server)));
      ev.connected();
    };
    up.on('socket', (socket) => {
      if (!socket.connecting) return onConnected(); // reused keep-alive socket
      if (t.connect > 0) connectTimer = setTimeout(() => up.destroy(connectTimeout(t.connect)), t.connect);
      socket.once('connect', onConnected);
    });
    up.on('continue', () => ev.continued());
    up.on('drain', () => ev.drain());
    up.on('error', (err) => {
      clearTimeout(connectTimer);
      call.fail(classify(err, connected));
    });
    up.on('close', () => clearTimeout(connectTimer));
    up.on('upgrade', (res: IncomingMessage, socket: net.Socket, rest: Buffer) => {
      clearTimeout(connectTimer);
      up.setTimeout(0);
      if (!ev.upgraded) {
        socket.destroy();
        return call.fail(new UpstreamError('protocol', 'unexpected protocol switch'));
      }
      call.detach(); // the call is over: the socket is the caller's now
      ev.upgraded(responseHead(res, req.method), socket, rest);
    });
    up.on('response', (res: IncomingMessage) => {
      clearTimeout(connectTimer);
      res.on('error', () => {}); // an early end is reported on 'close' below
      call.streaming(res);
      ev.response(responseHead(res, req.method));
      res.on('data', (c: Buffer) => ev.data(c));
      res.on('end', () => call.finish());
      res.once('close', () => {
        if (!res.complete) call.fail(new UpstreamError('protocol', 'response stream ended early'));
      });
    });
    return call;
  },
};
