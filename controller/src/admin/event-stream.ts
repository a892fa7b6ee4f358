// GET /events: what the controller publishes and what its dataplanes answer, as it happens
// (Server-Sent Events). A rollout can be watched without polling: each snapshot published (with
// its counts), each ACK and each NACK, the moment the controller sees it. A client that connects
// first gets one `snapshot` event per group (what is served now); `/dataplanes` gives the state at
// that moment. Only this replica's own dataplanes are reported (with HA, each replica streams
// the ACKs it receives).
import type { Request, Response } from 'express';

export type AdminEvent =
  | {
      type: 'snapshot';
      group: string;
      version: string;
      frontends: number;
      backends: number;
      servers: number;
      rules: number;
      at: string;
    }
  | {
      type: 'ack';
      nodeId: string;
      group: string;
      version: string;
      /** From sending the snapshot to receiving the ACK. */
      latencyMs: number;
      via: 'delta' | 'snapshot';
      at: string;
    }
  | {
      type: 'nack';
      nodeId: string;
      group: string;
      version: string;
      liveVersion: string | null;
      error: { code: string; message: string };
      at: string;
    };

/** Subscribes to the controller's events; returns the unsubscribe function. */
export type AdminEventSubscribe = (listener: (event: AdminEvent) => void) => () => void;

/** Streams open at once: a further client gets 503 (each costs a listener and a socket). */
export const MAX_EVENT_STREAMS = 32;
/**
 * A client that lets this much go unread is disconnected (it may reconnect): an event stream
 * must not grow the controller's memory without bound behind a stalled reader.
 */
export const MAX_UNREAD_BYTES = 1024 * 1024;
/** A comment line this often keeps proxies and idle timeouts from closing a quiet stream. */
const KEEPALIVE_MS = 15_000;

/** Serves GET /events with `subscribe`; `initial` lists the events a new client gets first. */
export function eventStreamHandler(
  subscribe: AdminEventSubscribe,
  initial: () => AdminEvent[],
  limits: { maxStreams?: number; maxUnreadBytes?: number } = {},
): (req: Request, res: Response) => void {
  const maxStreams = limits.maxStreams ?? MAX_EVENT_STREAMS;
  const maxUnread = limits.maxUnreadBytes ?? MAX_UNREAD_BYTES;
  let open = 0;
  return (req, res) => {
    if (open >= maxStreams) {
      res.status(503).json({ error: `at most ${maxStreams} event streams at once` });
      return;
    }
    open++;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
    });
    res.flushHeaders(); // a client learns the stream is open before the first event
    req.socket.setNoDelay(true);
    let closed = false;
    const send = (e: AdminEvent): void => {
      if (closed) return;
      if (res.writableLength > maxUnread) {
        res.destroy();
        return;
      }
      // JSON has no raw newline, so one data line per event.
      res.write(`event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`);
    };
    for (const e of initial()) send(e);
    const unsubscribe = subscribe(send);
    const keepalive = setInterval(() => {
      if (!closed) res.write(': keepalive\n\n');
    }, KEEPALIVE_MS);
    keepalive.unref();
    res.on('close', () => {
      closed = true;
      open--;
      clearInterval(keepalive);
      unsubscribe();
    });
  };
}
