// One active check: a TCP connect, or an HTTP request whose status (and maybe body) is judged.
// Fully asynchronous, bounded by one deadline for the whole check (see `deadline`), and at most MAX_CHECK_BODY bytes
// of body are read. Every failure is one result with a reason in HAProxy's words
// ("Layer4 connection problem", "Layer4 timeout", "Layer7 wrong status", "Layer7 timeout",
// "Layer7 invalid response").
import type { ClientRequest } from 'node:http';
import https from 'node:https';
import type { ConnectionOptions } from 'node:tls';
import net from 'node:net';
import type { HealthSnap } from '#protocol/snapshot';
import { MAX_CHECK_BODY, type CompiledExpect } from './expect.js';

// node:http is taken with process.getBuiltinModule, not imported: on Node.js 22+ an ES module
// import of it reads every export, and some are getters that load http2, undici and zlib
// (docs/memory.md, "What a process does not load"). A type import is erased: it loads nothing.
const http: typeof import('node:http') = process.getBuiltinModule('node:http');

export interface CheckTarget {
  address: string;
  port: number;
}

export interface CheckResult {
  ok: boolean;
  /** 4 for connect-level outcomes, 7 once an HTTP answer (or its absence) was judged. */
  layer: 4 | 7;
  reason: string;
  durationMs: number;
  /** HTTP status, when one was received. */
  status?: number;
}

export interface CheckSpec {
  timeoutMs: number;
  http?: NonNullable<HealthSnap['http']>;
  /** Compiled from http.expect; undefined for a TCP check. */
  expect?: CompiledExpect;
  /** HTTP checks of a TLS backend speak TLS, verified like the traffic (Backend spec.tls). */
  tls?: ConnectionOptions;
}

/** Cancels a running check; its callback is then never called. */
export type CancelCheck = () => void;

const hostPort = (t: CheckTarget): string =>
  t.address.includes(':') ? `[${t.address}]:${t.port}` : `${t.address}:${t.port}`;

const errCode = (err: unknown): string => {
  const e = err as NodeJS.ErrnoException;
  return (typeof e?.code === 'string' && e.code) || (e instanceof Error ? e.message : String(err));
};

const elapsed = (started: number): number => Math.round((performance.now() - started) * 100) / 100;

/**
 * A check's deadline timer that does not count this process's own stalls against the server.
 * After an event-loop stall longer than the timeout, Node runs expired timers before the reads
 * that arrived meanwhile: a plain setTimeout would fail a check whose answer is already waiting
 * (and with `fall: 1` take a healthy server out). So a timer that fires late by more than
 * STALL_SLACK_MS grants the check the time it lost, once (at most the timeout again), and the
 * final expiry is judged one turn later (setImmediate runs after the poll phase), so an answer
 * already received is taken first. A server that is really silent still fails: after
 * timeoutMs when nothing stalled, after at most twice that when something did.
 */
export const STALL_SLACK_MS = 20;

function deadline(started: number, timeoutMs: number, expire: () => void): { clear(): void } {
  let granted = false;
  let timer: NodeJS.Timeout | undefined;
  let immediate: NodeJS.Immediate | undefined;
  const fire = (): void => {
    timer = undefined;
    const late = performance.now() - started - timeoutMs;
    if (!granted && late > STALL_SLACK_MS) {
      granted = true;
      timer = setTimeout(fire, Math.min(late, timeoutMs));
      return;
    }
    immediate = setImmediate(() => {
      immediate = undefined;
      expire();
    });
  };
  timer = setTimeout(fire, timeoutMs);
  return {
    clear() {
      if (timer) clearTimeout(timer);
      if (immediate) clearImmediate(immediate);
      timer = immediate = undefined;
    },
  };
}

export function runCheck(target: CheckTarget, spec: CheckSpec, done: (r: CheckResult) => void): CancelCheck {
  return spec.http && spec.expect
    ? httpCheck(target, spec.http, spec.expect, spec.timeoutMs, done, spec.tls)
    : tcpCheck(target, spec.timeoutMs, done);
}

function tcpCheck(target: CheckTarget, timeoutMs: number, done: (r: CheckResult) => void): CancelCheck {
  const started = performance.now();
  let finished = false;
  const socket = net.connect({ host: target.address, port: target.port });
  const finish = (ok: boolean, reason: string): void => {
    if (finished) return;
    finished = true;
    timer.clear();
    socket.destroy();
    done({ ok, layer: 4, reason, durationMs: elapsed(started) });
  };
  const timer = deadline(started, timeoutMs, () => finish(false, `Layer4 timeout after ${timeoutMs}ms`));
  socket.once('connect', () => finish(true, 'Layer4 check passed'));
  socket.on('error', (err) => finish(false, `Layer4 connection problem: ${errCode(err)}`));
  return () => {
    finished = true;
    timer.clear();
    socket.destroy();
  };
}

function httpCheck(
  target: CheckTarget,
  spec: NonNullable<HealthSnap['http']>,
  expect: CompiledExpect,
  timeoutMs: number,
  done: (r: CheckResult) => void,
  tlsOptions?: ConnectionOptions,
): CancelCheck {
  const started = performance.now();
  let finished = false;
  let connected = false;
  const headers: string[] = [];
  const extra = spec.headers ?? [];
  if (!extra.some((h) => h.name.toLowerCase() === 'host'))
    headers.push('Host', spec.host ?? hostPort(target));
  if (!extra.some((h) => h.name.toLowerCase() === 'user-agent'))
    headers.push('User-Agent', 'bascule-health-check');
  for (const h of extra) headers.push(h.name, h.value);
  headers.push('Connection', 'close');

  let req: ClientRequest;
  const finish = (ok: boolean, layer: 4 | 7, reason: string, status?: number): void => {
    if (finished) return;
    finished = true;
    timer.clear();
    req.destroy();
    done({ ok, layer, reason, durationMs: elapsed(started), ...(status !== undefined ? { status } : {}) });
  };
  const timer = deadline(started, timeoutMs, () =>
    connected
      ? finish(false, 7, `Layer7 timeout: no complete answer within ${timeoutMs}ms`)
      : finish(false, 4, `Layer4 timeout: no connection within ${timeoutMs}ms`),
  );
  try {
    const options = {
      host: target.address,
      port: target.port,
      method: spec.method,
      path: spec.path,
      headers,
      setHost: false,
      agent: false as const,
    };
    req = tlsOptions ? https.request({ ...options, ...tlsOptions }) : http.request(options);
  } catch (err) {
    // Invalid method/path/header bytes: a configuration problem, reported like any failure.
    timer.clear();
    finished = true;
    queueMicrotask(() =>
      done({
        ok: false,
        layer: 7,
        reason: `Layer7 check misconfigured: ${(err as Error).message}`,
        durationMs: 0,
      }),
    );
    return () => {};
  }
  req.on('socket', (socket) => {
    if (!socket.connecting) connected = true;
    else socket.once('connect', () => (connected = true));
  });
  req.on('error', (err) =>
    connected
      ? finish(false, 7, `Layer7 invalid response: ${errCode(err)}`)
      : finish(false, 4, `Layer4 connection problem: ${errCode(err)}`),
  );
  req.on('response', (res) => {
    const status = res.statusCode ?? 0;
    res.on('error', (err) => finish(false, 7, `Layer7 invalid response: ${errCode(err)}`, status));
    const wrong = expect.status(status);
    if (wrong) return finish(false, 7, `Layer7 ${wrong}`, status);
    if (!expect.needsBody) return finish(true, 7, `Layer7 check passed: ${status}`, status);
    const chunks: Buffer[] = [];
    let size = 0;
    const judge = (): void => {
      const why = expect.body(Buffer.concat(chunks).toString('utf8'));
      if (why) finish(false, 7, `Layer7 invalid response: ${why}`, status);
      else finish(true, 7, `Layer7 check passed: ${status}`, status);
    };
    res.on('data', (chunk: Buffer) => {
      if (finished) return;
      const room = MAX_CHECK_BODY - size;
      chunks.push(chunk.length > room ? chunk.subarray(0, room) : chunk);
      size += Math.min(chunk.length, room);
      if (size >= MAX_CHECK_BODY) judge(); // enough: judge what we have, drop the rest
    });
    res.on('end', judge);
  });
  req.end();
  return () => {
    finished = true;
    timer.clear();
    req.destroy();
  };
}
