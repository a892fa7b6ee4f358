// HealthPolicy → HealthSnap (durations to ms, intervals defaulted).
import { parseDuration } from '#protocol/duration';
import type { HealthSnap } from '#protocol/snapshot';
import type { HealthPolicySpecT } from '#api/v1alpha1';
import { idOf } from './context.js';
import type { ValidResource } from '../validate/validate.js';

export function compileHealthPolicy(v: ValidResource<HealthPolicySpecT>): HealthSnap {
  // The schema's defaults (interval, timeout, rise, fall, initialState) were applied by validate.
  const s = v.spec as HealthPolicySpecT &
    Required<Pick<HealthPolicySpecT, 'interval' | 'timeout' | 'rise' | 'fall' | 'initialState'>>;
  const intervalMs = parseDuration(s.interval);
  const out: HealthSnap = {
    policy: idOf(v.ref.namespace, v.ref.name),
    intervalMs,
    fastIntervalMs: s.fastInterval ? parseDuration(s.fastInterval) : intervalMs,
    downIntervalMs: s.downInterval ? parseDuration(s.downInterval) : intervalMs,
    timeoutMs: parseDuration(s.timeout),
    rise: s.rise,
    fall: s.fall,
    initialState: s.initialState,
  };
  if (s.port !== undefined) out.port = s.port;
  if (s.http) {
    const e = s.http.expect ?? {};
    const expect: NonNullable<HealthSnap['http']>['expect'] = {};
    if (e.status) expect.status = [...e.status];
    if (e.statusRange) expect.statusRange = e.statusRange;
    if (e.statusRegex) expect.statusRegex = e.statusRegex;
    if (e.bodyContains !== undefined) expect.bodyContains = e.bodyContains;
    if (e.bodyRegex) expect.bodyRegex = e.bodyRegex;
    // HAProxy's httpchk accepts 2xx and 3xx when no status expectation is given.
    if (!expect.status && !expect.statusRange && !expect.statusRegex) expect.statusRange = '200-399';
    out.http = {
      method: s.http.method ?? 'GET',
      path: s.http.path ?? '/',
      headers: (s.http.headers ?? []).map((h) => ({ name: h.name, value: h.value })),
      expect,
      ...(s.http.host ? { host: s.http.host } : {}),
    };
  }
  if (s.passive) {
    out.passive = {
      consecutiveErrors: s.passive.consecutiveErrors,
      onError: s.passive.onError ?? 'mark-down',
      observe: s.passive.observe ?? 'layer7',
    };
  }
  return out;
}
