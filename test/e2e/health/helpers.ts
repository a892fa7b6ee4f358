// Health e2e fixtures: real backends that can be broken in every way a check can notice, an
// in-process dataplane whose structured logs are kept, and snapshot builders.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { startDataplane, type Dataplane } from '#dataplane/dataplane';
import type { ServerHealthView } from '#dataplane/health/manager';
import type { BackendSnap, HealthSnap } from '#protocol/snapshot';
import { startBackend, type TestBackend } from '../../support/backends.js';
import { capturingLogger, eventually, get } from '../../unit/dataplane/helpers.js';

export {
  backend,
  body,
  eventually,
  freePort,
  frontend,
  get,
  HOST,
  server,
  sleep,
} from '../../unit/dataplane/helpers.js';

/** How a backend misbehaves: its health endpoint and its traffic both follow the mode. */
export type Mode = 'ok' | 'status-500' | 'missing-body' | 'hang' | 'refused' | 'traffic-500';

export interface Breakable {
  name: string;
  port: number;
  mode: Mode;
  /** Requests other than health checks (live traffic) that reached this server. */
  traffic: number;
  /** Health check requests that reached this server. */
  checks: number;
  set(mode: Mode): Promise<void>;
  close(): Promise<void>;
}

export async function breakable(name: string): Promise<Breakable> {
  let backend: TestBackend | undefined;
  const b: Breakable = {
    name,
    port: 0,
    mode: 'ok',
    traffic: 0,
    checks: 0,
    async set(mode: Mode) {
      if (mode === 'refused' && backend) {
        await backend.close();
        backend = undefined;
      } else if (mode !== 'refused' && !backend) {
        backend = await open(b.port);
      }
      b.mode = mode;
    },
    async close() {
      await backend?.close();
      backend = undefined;
    },
  };
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    const check = (req.url ?? '/').startsWith('/health');
    if (check) b.checks++;
    else b.traffic++;
    switch (b.mode) {
      case 'hang':
        return; // never answers
      case 'status-500':
        return void res.writeHead(500).end('broken\n');
      case 'missing-body':
        return void res.writeHead(200).end('degraded\n');
      case 'traffic-500':
        if (!check) return void res.writeHead(500).end(`${name} failed\n`);
    }
    if (check) return void res.writeHead(200, { 'content-type': 'text/plain' }).end('healthy\n');
    req.resume();
    res.writeHead(200, { 'content-type': 'text/plain', 'x-backend': name }).end(name);
  };
  const open = async (port: number): Promise<TestBackend> => {
    const t = await startBackend(name, { port });
    t.handler = handler;
    return t;
  };
  backend = await open(0);
  b.port = backend.port;
  return b;
}

export const HTTP_CHECK: NonNullable<HealthSnap['http']> = {
  method: 'GET',
  path: '/health',
  headers: [],
  expect: { status: [200], bodyContains: 'healthy' },
};

export const policy = (over: Partial<HealthSnap> = {}): HealthSnap => ({
  policy: 'default/hp',
  intervalMs: 200,
  fastIntervalMs: 200,
  downIntervalMs: 200,
  timeoutMs: 150,
  rise: 2,
  fall: 2,
  initialState: 'up',
  http: HTTP_CHECK,
  ...over,
});

/**
 * Checks every 100 ms, one failure takes a server out and one pass brings it back, so a test sees
 * a transition within a check or two. With fall 1, one check of a healthy server answered late (a
 * loaded machine) would take it out: the check timeout is far above any such delay. A server made
 * to fail fails at once (500, refused); only a hanging one takes the timeout to notice.
 */
export const FAST_FALL_1: Partial<HealthSnap> = {
  intervalMs: 100,
  fastIntervalMs: 100,
  downIntervalMs: 100,
  timeoutMs: 2000,
  rise: 1,
  fall: 1,
};

export interface TestDataplane {
  dp: Dataplane;
  log: Logger;
  /** Structured log lines so far. */
  lines: () => Array<Record<string, unknown>>;
  view: (server: string) => ServerHealthView | undefined;
  /** How many transitions of `server` to `to` were logged so far (take it before an action, wait for one more). */
  count: (server: string, to: 'up' | 'down') => number;
  /** Resolves with the transition log line of `server` to `to`, the n-th one (1-based). */
  transition: (
    server: string,
    to: 'up' | 'down',
    nth?: number,
    ms?: number,
  ) => Promise<Record<string, unknown>>;
  close(): Promise<void>;
}

export async function dataplane(nodeId = 'dp-health'): Promise<TestDataplane> {
  const cap = capturingLogger();
  const dp = await startDataplane({ group: 'default', nodeId, admin: null, logger: cap.log });
  const transitions = (server: string, to: string) =>
    cap.lines().filter((l) => l.transition === true && l.server === server && l.to === to);
  return {
    dp,
    log: cap.log,
    lines: cap.lines,
    view: (server) => dp.health().servers.find((s) => s.server === server),
    count: (server, to) => transitions(server, to).length,
    transition: (server, to, nth = 1, ms = 10_000) =>
      eventually(() => transitions(server, to)[nth - 1], ms, 5) as Promise<Record<string, unknown>>,
    close: () => dp.close(),
  };
}

/** Sends `n` requests one after the other; returns how many each server answered (by body). */
export async function spread(port: number, n: number, path = '/'): Promise<Record<string, number>> {
  const seen: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const r = await get(port, path);
    const who = r.status === 200 ? r.body.trim() : `status-${r.status}`;
    seen[who] = (seen[who] ?? 0) + 1;
  }
  return seen;
}

export const withHealth = (b: BackendSnap, h: HealthSnap): BackendSnap => ({ ...b, health: h });
