// HAProxy's health counter, as pure functions (src/check.c, set_server_check_status).
//
//   health ∈ [0, rise + fall - 1]; the server is UP while health >= rise.
//   success: health+1, and once it reaches rise it jumps to the top (rise+fall-1)  → "fully up"
//   failure: health-1, and once it drops below rise it falls to 0                  → "fully down"
//
// So from fully up, exactly `fall` consecutive failures take a server down (a success in between
// refills it), and from fully down exactly `rise` consecutive successes bring it back (a failure
// in between empties it).
import type { HealthSnap } from '#protocol/snapshot';

export type Thresholds = Pick<HealthSnap, 'rise' | 'fall'>;

/** Sanitised thresholds (the schema says >= 1; a dataplane never trusts that blindly). */
export const riseOf = (t: Thresholds): number => Math.max(1, Math.floor(t.rise));
export const fallOf = (t: Thresholds): number => Math.max(1, Math.floor(t.fall));
export const maxHealth = (t: Thresholds): number => riseOf(t) + fallOf(t) - 1;
export const isUp = (health: number, t: Thresholds): boolean => health >= riseOf(t);

export function afterSuccess(health: number, t: Thresholds): number {
  const max = maxHealth(t);
  if (health >= max) return max;
  const h = health + 1;
  return h >= riseOf(t) ? max : h;
}

export function afterFailure(health: number, t: Thresholds): number {
  if (health <= 0) return 0;
  const h = health - 1;
  return h < riseOf(t) ? 0 : h;
}

/**
 * Where a server starts. HAProxy's default ("init-state up"): up, but the first failed check takes
 * it down (health = rise). "down": down until the first successful check (health = rise - 1).
 */
export const initialHealth = (state: HealthSnap['initialState'], t: Thresholds): number =>
  state === 'down' ? riseOf(t) - 1 : riseOf(t);

/**
 * Keep the verdict when the thresholds change (a HealthPolicy edit): an up server stays up and a
 * down one stays down; a fully up/down server stays fully so; a transitional one is clamped.
 */
export function rescaleHealth(health: number, from: Thresholds, to: Thresholds): number {
  if (isUp(health, from)) {
    if (health >= maxHealth(from)) return maxHealth(to);
    return Math.min(Math.max(health, riseOf(to)), maxHealth(to));
  }
  if (health <= 0) return 0;
  return Math.min(health, riseOf(to) - 1);
}

export type Phase = 'up' | 'going-down' | 'down' | 'going-up';

export function phaseOf(health: number, t: Thresholds): Phase {
  if (isUp(health, t)) return health >= maxHealth(t) ? 'up' : 'going-down';
  return health <= 0 ? 'down' : 'going-up';
}

/** Floor for any interval: a zero interval must not turn into a busy loop. */
export const MIN_INTERVAL_MS = 10;

/**
 * HAProxy srv_getinter(): `inter` while fully up (unless passive errors forced fastinter),
 * `downinter` while fully down, `fastinter` while transitioning.
 */
export function intervalFor(
  health: number,
  p: Pick<HealthSnap, 'rise' | 'fall' | 'intervalMs' | 'fastIntervalMs' | 'downIntervalMs'>,
  forcedFast: boolean,
): number {
  const fast = p.fastIntervalMs > 0 ? p.fastIntervalMs : p.intervalMs;
  let ms: number;
  if (health >= maxHealth(p) && !forcedFast) ms = p.intervalMs;
  else if (health <= 0) ms = p.downIntervalMs > 0 ? p.downIntervalMs : p.intervalMs;
  else ms = fast;
  return Math.max(MIN_INTERVAL_MS, ms);
}

/** Time allowed for one check; HAProxy uses `inter` when `timeout check` is unset. */
export const checkTimeout = (p: Pick<HealthSnap, 'timeoutMs' | 'intervalMs'>): number =>
  Math.max(MIN_INTERVAL_MS, p.timeoutMs > 0 ? p.timeoutMs : p.intervalMs);
