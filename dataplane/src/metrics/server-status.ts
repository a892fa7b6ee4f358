// One word for a server's state, the same on the stats page, in the JSON/CSV stats and in
// `bascule_server_state`. Operator intent and health are kept apart, then combined the way
// HAProxy's stats page does:
//   maintenance  the operator took it out (Backend `state: maintenance`, or a runtime override)
//   down         health checks say it is down
//   drain        the operator drains it (no new traffic; persistent clients still served)
//   up           in rotation (a backup server that is up shows as "backup" on the page)
import type { ServerRuntime } from '../runtime/backend.js';

export type AdminState = 'ready' | 'drain' | 'maintenance';
export type ServerStatus = 'up' | 'down' | 'drain' | 'maintenance';
export const SERVER_STATUSES: readonly ServerStatus[] = ['up', 'down', 'drain', 'maintenance'];

/** A runtime override set through the admin API (ephemeral: this process, this server identity). */
export interface RuntimeOverride {
  readonly state: AdminState;
  /** ms since epoch. */
  readonly since: number;
  readonly reason: string;
}

/** The operator's state: a runtime override wins over the snapshot (ServerRuntime.adminState). */
export function adminStateOf(s: ServerRuntime): AdminState {
  return s.adminState;
}

export function serverStatus(s: ServerRuntime): ServerStatus {
  const admin = adminStateOf(s);
  if (admin === 'maintenance') return 'maintenance';
  if (!s.state.up) return 'down';
  if (admin === 'drain') return 'drain';
  return 'up';
}
