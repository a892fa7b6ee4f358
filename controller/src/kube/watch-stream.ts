// One watch request: GET <path>?watch=true&resourceVersion=…, read as newline-delimited JSON
// events until the server ends it. Written on node:https rather than client-node's Watch so the
// informer sees what it needs to recover well: the HTTP status and Retry-After of a refused
// watch, the moment the watch is established (headers received), and bounded waits (a frozen or
// silently dead API server cannot hold a watch open forever).
import type { ClientRequest, IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import { createInterface } from 'node:readline';
import type { KubeConfig } from '@kubernetes/client-node';
import { KubeHttpError } from './client.js';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export interface WatchEvent {
  type: WatchEventType;
  /** The object, or for ERROR a Status ({code, reason, message, details}). */
  object: Record<string, unknown>;
}

export interface WatchStreamOptions {
  kubeConfig: KubeConfig;
  path: string;
  query: Record<string, string>;
  /** Time allowed for the response headers (connection + the server's answer). */
  answerTimeoutMs: number;
  /** The whole watch is aborted after this long; the server's timeoutSeconds should end it first. */
  deadlineMs: number;
  /** The server answered 200: the watch is established. */
  onEstablished: () => void;
  /**
   * Each event, in order, with the time (epoch ms) the chunk that completed its line was read
   * from the socket: the events of one chunk are handled one after the other, and a later one's
   * handling must not count as its arrival. Throwing ends the watch with that error.
   */
  onEvent: (event: WatchEvent, receivedAt: number) => void;
  signal: AbortSignal;
}

export interface WatchResult {
  events: number;
  durationMs: number;
}

/** Largest error body kept (a Status is small). */
const MAX_ERROR_BODY = 64 * 1024;

class TimeoutError extends Error {
  readonly code = 'ETIMEDOUT';
  constructor(message: string) {
    super(message);
    this.name = 'TimeoutError';
  }
}

/** Resolves when the server ends the watch normally; rejects with the failure otherwise. */
export async function watchStream(o: WatchStreamOptions): Promise<WatchResult> {
  const started = performance.now();
  const opts: RequestOptions = { method: 'GET', headers: { Accept: 'application/json' } };
  await o.kubeConfig.applyToHTTPSOptions(opts);
  const server = o.kubeConfig.getCurrentCluster()?.server;
  if (!server) throw new Error('kubeconfig has no current cluster');
  const url = new URL(server.replace(/\/+$/, '') + o.path);
  for (const [k, v] of Object.entries(o.query)) url.searchParams.set(k, v);
  url.searchParams.set('watch', 'true');

  if (o.signal.aborted) throw Object.assign(new Error('watch stopped'), { code: 'ABORT_ERR' });

  return new Promise<WatchResult>((resolve, reject) => {
    let events = 0;
    let settled = false;
    let res: IncomingMessage | undefined;
    const finish = (err: Error | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(answerTimer);
      clearTimeout(deadlineTimer);
      o.signal.removeEventListener('abort', onAbort);
      res?.destroy();
      req.destroy();
      if (err) reject(err);
      else resolve({ events, durationMs: performance.now() - started });
    };
    const onAbort = () => finish(Object.assign(new Error('watch stopped'), { code: 'ABORT_ERR' }));
    const answerTimer = setTimeout(
      () => finish(new TimeoutError(`no answer to the watch within ${o.answerTimeoutMs} ms`)),
      o.answerTimeoutMs,
    );
    const deadlineTimer = setTimeout(
      () => finish(new TimeoutError(`watch still open after ${o.deadlineMs} ms; restarting it`)),
      o.deadlineMs,
    );
    const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
    // Every path to finish() (timers, abort, callbacks) runs after this statement.
    const req: ClientRequest = request(url, opts, (response) => {
      res = response;
      clearTimeout(answerTimer);
      if (response.statusCode !== 200) {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (d: string) => {
          if (body.length < MAX_ERROR_BODY) body += d;
        });
        response.on('end', () => finish(httpError(response.statusCode ?? 0, body, response.headers)));
        response.on('error', (err) => finish(err));
        return;
      }
      // TCP keep-alive probes find a peer that vanished without closing (a host that died).
      response.socket.setKeepAlive(true, 30_000);
      o.onEstablished();
      response.on('error', (err) => finish(err));
      response.on('aborted', () =>
        finish(Object.assign(new Error('watch connection lost'), { code: 'ECONNRESET' })),
      );
      // Registered before readline's own 'data' listener, so it runs first for every chunk.
      let chunkAt = Date.now();
      response.on('data', () => (chunkAt = Date.now()));
      const lines = createInterface({ input: response, crlfDelay: Infinity });
      // readline re-emits its input's errors (a reset connection): unhandled, that would crash.
      lines.on('error', (err) => finish(err));
      lines.on('line', (line) => {
        if (settled || line.trim() === '') return;
        let event: WatchEvent;
        try {
          event = JSON.parse(line) as WatchEvent;
        } catch {
          return finish(new Error('watch stream carried a line that is not JSON'));
        }
        if (typeof event !== 'object' || event === null || typeof event.object !== 'object') {
          return finish(new Error('watch stream carried an event without an object'));
        }
        events++;
        try {
          o.onEvent(event, chunkAt);
        } catch (err) {
          finish(err as Error);
        }
      });
      lines.on('close', () => finish(null));
    });
    req.on('error', (err) => finish(err));
    o.signal.addEventListener('abort', onAbort, { once: true });
    req.end();
  });
}

function httpError(status: number, body: string, headers: IncomingHttpHeaders): KubeHttpError {
  return new KubeHttpError(status, body, headers);
}
