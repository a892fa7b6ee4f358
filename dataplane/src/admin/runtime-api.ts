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
import express, { type Request, type Response, type Router } from 'express';
import type { Logger } from 'pino';
import type { ServerOverride } from '#protocol/messages';
import type { AdminState } from '../metrics/server-status.js';
import type { ServerRuntime } from '../runtime/backend.js';
import type { Runtime } from '../runtime/types.js';
import { parseBasicAuth } from './auth.js';

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
    override: o ? { state: o.state, since: new Date(o.since).toISOString(), reason: o.reason } : null,
    ephemeral: true,
  };
}

const who = (req: Request): string => {
  const u = parseBasicAuth(req.headers.authorization)?.username;
  return u ? `user ${u} from ${req.socket.remoteAddress}` : `anonymous from ${req.socket.remoteAddress}`;
};

/** `/runtime/...` routes (mounted behind the admin auth). */
export function runtimeRouter(overrides: RuntimeOverrides): Router {
  const r = express.Router();
  r.use(express.json({ limit: '4kb', type: 'application/json' }));

  r.get('/servers', (_req, res) => {
    const rt = overrides.runtime();
    res.json({
      ephemeral: true,
      servers: [...rt.backends.values()].flatMap((b) => b.servers.map((s) => serverJson(b.id, s))),
    });
  });

  const target = (req: Request, res: Response): { backend: string; server: string } | undefined => {
    const { namespace, backend, server } = req.params as Record<string, string>;
    const id = `${namespace}/${backend}`;
    if (!overrides.find(id, server!)) {
      res.status(404).json({ error: `no server ${server} in backend ${id} on this dataplane` });
      return undefined;
    }
    return { backend: id, server: server! };
  };

  const path = '/servers/:namespace/:backend/:server';
  r.get(path, (req, res) => {
    const t = target(req, res);
    if (t) res.json(serverJson(t.backend, overrides.find(t.backend, t.server)!));
  });

  r.put(path, (req, res) => {
    if (!req.is('application/json')) {
      res
        .status(415)
        .json({ error: 'send a JSON body: {"state": "ready|drain|maintenance", "reason": "..."}' });
      return;
    }
    const body = (req.body ?? {}) as { state?: unknown; reason?: unknown };
    const state = body.state as AdminState;
    if (!STATES.includes(state)) {
      res.status(400).json({ error: `state must be one of ${STATES.join(', ')}` });
      return;
    }
    if (body.reason !== undefined && (typeof body.reason !== 'string' || body.reason.length > MAX_REASON)) {
      res.status(400).json({ error: `reason must be a string of at most ${MAX_REASON} characters` });
      return;
    }

    const reason = ((body.reason as string | undefined) ?? 'set through the admin API').replace(
      /[\x00-\x1f\x7f]/g,
      ' ',
    );
    const t = target(req, res);
    if (!t) return;
    const s = overrides.set(t.backend, t.server, state, reason, who(req));
    res.json(serverJson(t.backend, s!));
  });

  r.delete(path, (req, res) => {
    const t = target(req, res);
    if (!t) return;
    const s = overrides.clear(t.backend, t.server, who(req));
    res.json(serverJson(t.backend, s!));
  });

  return r;
}
