// Runtime server state (HAProxy's `set server <b>/<s> state ready|drain|maint`): an emergency
// override of a server's state on THIS dataplane, through the authenticated admin API.
//
// Overrides are ephemeral by design: they live in the server's carried-over runtime state, so
// they survive snapshot swaps while the server keeps its identity (backend, name, address), and
// they vanish when the server leaves the configuration or the process restarts. The declarative
// path is `spec.servers[].state` on the Backend. Every change is logged and reported to the
// controller, which shows it in `bascule status`.
//
// Health checks keep running under an override: the stats page shows a server in maintenance
// and what its checks say, and clearing the override hands it back to its health verdict.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { ServerOverride } from '#protocol/messages';
import type { AdminState } from '../metrics/server-status.js';
import type { ServerRuntime } from '../runtime/backend.js';
import type { Runtime } from '../runtime/types.js';
import { parseBasicAuth } from './auth.js';
import { BodyError, hasContentType, readJsonObject, replyJson } from './http-reply.js';
import { isoTime } from '../iso-time.js';

const STATES: readonly AdminState[] = ['ready', 'drain', 'maintenance'];
const MAX_REASON = 256;

export class RuntimeOverrides {
  private listeners: Array<(rows: ServerOverride[]) => void> = [];

  constructor(
    /** The live runtime (the engine's reference). */
    readonly runtime: () => Runtime,
    private readonly log: Logger,
  ) {}

  /** Every live server with an override (the table reported to the controller). */
  list(): ServerOverride[] {
    const rows: ServerOverride[] = [];
    for (const b of this.runtime().backends.values())
      for (const s of b.servers) {
        const o = s.state.adminOverride;
        if (o)
          rows.push({
            backend: b.id,
            server: s.name,
            address: `${s.address}:${s.port}`,
            state: o.state,
            since: o.since,
            reason: o.reason,
          });
      }
    return rows;
  }

  onChange(listener: (rows: ServerOverride[]) => void): void {
    this.listeners.push(listener);
  }

  find(backendId: string, serverName: string): ServerRuntime | undefined {
    return this.runtime()
      .backends.get(backendId)
      ?.servers.find((s) => s.name === serverName);
  }

  set(
    backendId: string,
    serverName: string,
    state: AdminState,
    reason: string,
    by: string,
  ): ServerRuntime | undefined {
    const b = this.runtime().backends.get(backendId);
    const s = b?.servers.find((x) => x.name === serverName);
    if (!b || !s) return undefined;
    s.state.adminOverride = { state, since: Date.now(), reason };
    this.log.warn(
      {
        backend: backendId,
        server: serverName,
        address: `${s.address}:${s.port}`,
        state,
        configured: s.snap.state,
        reason,
        by,
        ephemeral: true,
      },
      `runtime override: server ${backendId}/${serverName} set to ${state} (ephemeral: lost on restart)`,
    );
    b.wake(); // a server back in rotation may take queued requests
    this.changed();
    return s;
  }

  clear(backendId: string, serverName: string, by: string): ServerRuntime | undefined {
    const b = this.runtime().backends.get(backendId);
    const s = b?.servers.find((x) => x.name === serverName);
    if (!b || !s) return undefined;
    if (s.state.adminOverride) {
      s.state.adminOverride = undefined;
      this.log.warn(
        { backend: backendId, server: serverName, state: s.snap.state, by },
        `runtime override cleared: server ${backendId}/${serverName} follows its Backend again (${s.snap.state})`,
      );
      b.wake();
      this.changed();
    }
    return s;
  }

  private changed(): void {
    const rows = this.list();
    for (const l of this.listeners) {
      try {
        l(rows);
      } catch (err) {
        this.log.warn({ err: (err as Error).message }, 'runtime override listener failed');
      }
    }
  }
}

function serverJson(backendId: string, s: ServerRuntime) {
  const o = s.state.adminOverride;
  return {
    backend: backendId,
    server: s.name,
    address: `${s.address}:${s.port}`,
    configuredState: s.snap.state,
    state: o?.state ?? s.snap.state,
    up: s.state.up,
    override: o ? { state: o.state, since: isoTime(o.since), reason: o.reason } : null,
    ephemeral: true,
  };
}

const who = (req: IncomingMessage): string => {
  const u = parseBasicAuth(req.headers.authorization)?.username;
  return u ? `user ${u} from ${req.socket.remoteAddress}` : `anonymous from ${req.socket.remoteAddress}`;
};

/** The largest JSON body a PUT may carry. */
const MAX_BODY = 4096;

/**
 * Answers `/runtime/...` (`path` is what follows /runtime; mounted behind the admin check):
 *   GET    /servers                                    every server, override or not
 *   GET    /servers/:namespace/:backend/:server        one server
 *   PUT    /servers/:namespace/:backend/:server        {"state": "ready|drain|maintenance", "reason": "..."}
 *   DELETE /servers/:namespace/:backend/:server        clear the override
 */
export async function serveRuntime(
  overrides: RuntimeOverrides,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
): Promise<void> {
  const method = req.method === 'HEAD' ? 'GET' : req.method;
  if (path === '/servers' || path === '/servers/') {
    if (method !== 'GET') return methodNotAllowed(req, res, 'GET, HEAD');
    const rt = overrides.runtime();
    return replyJson(req, res, 200, {
      ephemeral: true,
      servers: [...rt.backends.values()].flatMap((b) => b.servers.map((s) => serverJson(b.id, s))),
    });
  }
  const m = /^\/servers\/([^/]+)\/([^/]+)\/([^/]+)\/?$/.exec(path);
  if (!m) return replyJson(req, res, 404, { error: `no runtime resource ${path}` });
  let namespace: string, backend: string, server: string;
  try {
    [namespace, backend, server] = [m[1]!, m[2]!, m[3]!].map(decodeURIComponent) as [string, string, string];
  } catch {
    return replyJson(req, res, 400, { error: 'malformed percent-encoding in the path' });
  }
  const id = `${namespace}/${backend}`;
  const notFound = (): void =>
    replyJson(req, res, 404, { error: `no server ${server} in backend ${id} on this dataplane` });

  if (method === 'GET') {
    const s = overrides.find(id, server);
    return s ? replyJson(req, res, 200, serverJson(id, s)) : notFound();
  }
  if (method === 'DELETE') {
    if (!overrides.find(id, server)) return notFound();
    return replyJson(req, res, 200, serverJson(id, overrides.clear(id, server, who(req))!));
  }
  if (method !== 'PUT') return methodNotAllowed(req, res, 'GET, HEAD, PUT, DELETE');

  if (!hasContentType(req, 'application/json'))
    return replyJson(req, res, 415, {
      error: 'send a JSON body: {"state": "ready|drain|maintenance", "reason": "..."}',
    });
  let body: Record<string, unknown>;
  try {
    body = await readJsonObject(req, MAX_BODY);
  } catch (err) {
    if (err instanceof BodyError) return replyJson(req, res, err.status, { error: err.message });
    throw err;
  }
  const state = body.state as AdminState;
  if (!STATES.includes(state))
    return replyJson(req, res, 400, { error: `state must be one of ${STATES.join(', ')}` });
  if (body.reason !== undefined && (typeof body.reason !== 'string' || body.reason.length > MAX_REASON))
    return replyJson(req, res, 400, {
      error: `reason must be a string of at most ${MAX_REASON} characters`,
    });
  const reason = ((body.reason as string | undefined) ?? 'set through the admin API').replace(
    /[\x00-\x1f\x7f]/g,
    ' ',
  );
  if (!overrides.find(id, server)) return notFound();
  return replyJson(req, res, 200, serverJson(id, overrides.set(id, server, state, reason, who(req))!));
}

function methodNotAllowed(req: IncomingMessage, res: ServerResponse, allow: string): void {
  res.setHeader('Allow', allow);
  replyJson(req, res, 405, { error: `method ${req.method} not allowed here (allowed: ${allow})` });
}
