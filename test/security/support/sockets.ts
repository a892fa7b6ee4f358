// Raw client sockets for resource-bound tests: many connections that send some bytes and then
// stall (or trickle), each recording when the server closed it.
import net from 'node:net';
import { HOST } from '../../unit/dataplane/helpers.js';

export interface Stalled {
  readonly sockets: net.Socket[];
  /** Milliseconds from connect to the server's close, per socket (undefined: still open). */
  closedAfter(): Array<number | undefined>;
  /** Resolves when every socket is closed, or rejects after `ms`. */
  allClosed(ms: number): Promise<number[]>;
  destroy(): void;
}

/**
 * Opens `n` connections to `port`; each writes `first` once connected, then, if `trickle` is
 * given, writes `trickle.byte` every `trickle.everyMs` for as long as it is open.
 */
export async function openStalled(
  port: number,
  n: number,
  first: Buffer,
  trickle?: { byte: Buffer; everyMs: number },
): Promise<Stalled> {
  const closed: Array<number | undefined> = new Array<number | undefined>(n).fill(undefined);
  const timers: NodeJS.Timeout[] = [];
  const sockets = await Promise.all(
    Array.from(
      { length: n },
      (_, i) =>
        new Promise<net.Socket>((resolve, reject) => {
          const t0 = Date.now();
          const s = net.connect(port, HOST, () => {
            s.write(first);
            if (trickle) {
              const t = setInterval(() => {
                if (!s.destroyed && s.writable) s.write(trickle.byte);
              }, trickle.everyMs);
              timers.push(t);
            }
            resolve(s);
          });
          s.on('data', () => {}); // read whatever the server sends (alerts, errors)
          s.on('error', (err: NodeJS.ErrnoException) => {
            if (err.code !== 'ECONNRESET' && err.code !== 'EPIPE') reject(err);
          });
          s.on('close', () => (closed[i] = Date.now() - t0));
        }),
    ),
  );
  return {
    sockets,
    closedAfter: () => [...closed],
    allClosed: (ms) =>
      new Promise((resolve, reject) => {
        const deadline = Date.now() + ms;
        const check = (): void => {
          if (closed.every((c) => c !== undefined)) return resolve(closed as number[]);
          if (Date.now() > deadline)
            return reject(
              new Error(
                `${closed.filter((c) => c === undefined).length}/${n} connections still open after ${ms} ms`,
              ),
            );
          setTimeout(check, 50);
        };
        check();
      }),
    destroy: () => {
      for (const t of timers) clearInterval(t);
      for (const s of sockets) s.destroy();
    },
  };
}

/** The first 11 bytes of a TLS 1.2+ ClientHello that announces 512 bytes: the rest never comes. */
export const PARTIAL_CLIENT_HELLO = Buffer.from([
  0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03,
]);
