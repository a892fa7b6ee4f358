// The health manager: one checker per server identity (backend | server | address:port), synced
// with every snapshot swap. It owns the verdict in ServerState.up (which ServerRuntime.usable()
// reads) and ServerState.upSince (slow start), and reports transitions upward.
//
// Across swaps:
//   - an unchanged server keeps its entry: health counter, consecutive passive errors, and its
//     check schedule (the pending timer is not touched);
//   - a changed HealthPolicy keeps the verdict (rescaled counter) and only brings the next check
//     forward if the new interval is shorter;
//   - a new server starts per the policy's initialState ("up": HAProxy's default, in rotation
//     but the first failed check takes it out; "down": out until its first check passes). A
//     server that was already serving when its backend gained a policy starts "up";
//   - a removed server (or a backend that lost its policy) stops its checker; a server without
//     checks is up.
import type { Logger } from 'pino';
import type { ServerHealth } from '#protocol/messages';
import type { HealthSnap } from '#protocol/snapshot';
import type { BackendRuntime, ServerRuntime } from '../runtime/backend.js';
import type { ServerState } from '../runtime/state.js';
import type { Runtime } from '../runtime/types.js';
import { backendChanges, type BackendChanges } from '../runtime/build.js';
import { compileExpect, ExpectationError } from './expect.js';
import {
  afterFailure,
  afterSuccess,
  checkTimeout,
  initialHealth,
  intervalFor,
  isUp,
  maxHealth,
  phaseOf,
  rescaleHealth,
  riseOf,
} from './model.js';
import { setObserver, type Observation } from '../runtime/passive-health.js';
import { upstreamConnectOptions } from '../tls/upstream.js';
import { runCheck, type CancelCheck, type CheckResult, type CheckSpec, type CheckTarget } from './probe.js';
import { isoTime } from '../iso-time.js';

export interface HealthReportOut {
  full: boolean;
  servers: ServerHealth[];
}

export interface HealthManagerOptions {
  log: Logger;
  /** Called with the full table when the set of checked servers changes, and with each transition. */
  report?: (r: HealthReportOut) => void;
  now?: () => number;
  random?: () => number;
}

export interface HealthCounters {
  checks: number;
  failedChecks: number;
  passiveErrors: number;
  passiveTriggers: number;
  /** Transitions by direction. */
  up: number;
  down: number;
}

const zero = (): HealthCounters => ({
  checks: 0,
  failedChecks: 0,
  passiveErrors: 0,
  passiveTriggers: 0,
  up: 0,
  down: 0,
});

interface LastCheck extends CheckResult {
  at: number;
}

/** One checked server as the admin endpoint shows it. */
export interface ServerHealthView {
  backend: string;
  server: string;
  address: string;
  check: string;
  policy: string;
  state: 'up' | 'down';
  phase: string;
  health: string;
  since: string | null;
  reason: string;
  weight: number;
  consecutiveErrors: number;
  /** The current run of identical check outcomes. */
  consecutiveChecks: { ok: boolean; count: number };
  fastinterForced: boolean;
  lastCheck: { ok: boolean; reason: string; durationMs: number; at: string | null } | null;
  nextCheckInMs: number | null;
  counters: HealthCounters;
}

export interface HealthView {
  counters: HealthCounters;
  servers: ServerHealthView[];
}

class Entry {
  health = 0;
  forcedFast = false;
  consecutiveErrors = 0;
  paused = false;
  stopped = false;
  timer: NodeJS.Timeout | undefined;
  nextAt = 0;
  cancel: CancelCheck | undefined;
  since: number;
  reason: string;
  lastCheck: LastCheck | undefined;
  /** Consecutive active checks with the same outcome as the last one (logged on transitions). */
  streak = 0;
  streakOk = true;
  readonly counters = zero();
  /** The policy alone, serialised: a change rescales the health and brings the next check forward. */
  policyJson = '';
  /** The policy and the server's TLS settings (by content hash): a change re-derives the check. */
  checkKey = '';
  spec: CheckSpec | undefined;
  misconfigured: string | undefined;
  target!: CheckTarget;

  constructor(
    readonly key: string,
    public server: ServerRuntime,
    public backend: BackendRuntime,
    public policy: HealthSnap,
    now: number,
  ) {
    this.since = now;
    this.reason = 'initial state';
  }

  get state(): ServerState {
    return this.server.state;
  }
}

const isoOrNull = (ms: number | undefined): string | null =>
  ms === undefined || ms <= 0 ? null : isoTime(ms);

export class HealthManager {
  private readonly entries = new Map<string, Entry>();
  private readonly log: Logger;
  private readonly now: () => number;
  private readonly random: () => number;
  /** Server keys of the previous runtime (to tell a brand-new server from one already serving). */
  private liveKeys = new Set<string>();
  /** The runtime of the last sync. */
  private synced: Runtime | undefined;
  private syncs = 0;
  private closed = false;
  readonly counters = zero();

  constructor(private readonly opts: HealthManagerOptions) {
    this.log = opts.log.child({ component: 'health' });
    this.now = opts.now ?? Date.now;
    this.random = opts.random ?? Math.random;
  }

  /**
   * Called synchronously right after a swap: no request sees the new runtime before this ran.
   * After a carried build (runtime/build.ts backendChanges) of the runtime synced last, only the
   * backends it changed are looked at: a kept backend is the very same runtime object, whose
   * servers and policy this manager already follows.
   */
  sync(rt: Runtime): void {
    if (this.closed) return;
    const changes = backendChanges(rt);
    if (changes && this.synced !== undefined && changes.previous.deref() === this.synced)
      this.syncChanges(changes);
    else this.syncAll(rt);
    this.synced = rt;
    this.syncs++;
  }

  private syncAll(rt: Runtime): void {
    const seen = new Set<string>();
    const keys = new Set<string>();
    let setChanged = false;
    for (const b of rt.backends.values()) {
      for (const s of b.servers) keys.add(s.key);
      const policy = b.snap.health;
      if (!policy) continue;
      for (const s of b.servers) {
        seen.add(s.key);
        const e = this.entries.get(s.key);
        if (e) this.update(e, s, b, policy);
        else {
          this.create(s, b, policy, this.liveKeys.has(s.key));
          setChanged = true;
        }
      }
    }
    for (const [key, e] of this.entries) {
      if (seen.has(key)) continue;
      this.remove(e, keys.has(key));
      setChanged = true;
    }
    this.liveKeys = keys;
    if (setChanged) this.reportFull();
  }

  /**
   * What syncAll does, for the changed backends only. A server key starts with its backend's id,
   * so a server of a changed backend was serving before this swap exactly when the backend's
   * previous build had it, and its entry can only be one of that build's servers.
   */
  private syncChanges(changes: BackendChanges): void {
    let setChanged = false;
    const keys = this.liveKeys;
    for (const { now: b, beforeKeys } of changes.changed) {
      const previousKeys = new Set(beforeKeys);
      const current = new Set<string>();
      for (const s of b.servers) current.add(s.key);
      const policy = b.snap.health;
      if (policy)
        for (const s of b.servers) {
          const e = this.entries.get(s.key);
          if (e) this.update(e, s, b, policy);
          else {
            this.create(s, b, policy, previousKeys.has(s.key));
            setChanged = true;
          }
        }
      for (const key of previousKeys) {
        const e = this.entries.get(key);
        if (e && (!policy || !current.has(key))) {
          this.remove(e, current.has(key));
          setChanged = true;
        }
        keys.delete(key);
      }
      for (const key of current) keys.add(key);
    }
    for (const key of changes.removedKeys) {
      const e = this.entries.get(key);
      if (e) {
        this.remove(e, false);
        setChanged = true;
      }
      keys.delete(key);
    }
    if (setChanged) this.reportFull();
  }

  /** The full table, as sent to the controller on (re)connect. */
  table(): ServerHealth[] {
    return [...this.entries.values()].map((e) => this.row(e));
  }

  /** Detailed view for the admin endpoint. */
  view(): HealthView {
    const servers = [...this.entries.values()].map((e): ServerHealthView => ({
      backend: e.backend.id,
      server: e.server.name,
      address: `${e.server.address}:${e.server.port}`,
      check: e.spec
        ? `${e.policy.http ? `http ${e.policy.http.method} ${e.policy.http.path} expect ${e.spec.expect?.describe}` : 'tcp connect'} on ${e.target.address}:${e.target.port}`
        : `misconfigured: ${e.misconfigured}`,
      policy: e.policy.policy,
      state: e.state.up ? 'up' : 'down',
      phase: e.paused ? 'paused (maintenance)' : phaseOf(e.health, e.policy),
      health: `${e.health}/${maxHealth(e.policy)} (up at >= ${riseOf(e.policy)})`,
      since: isoOrNull(e.since),
      reason: e.reason,
      weight: e.server.weight,
      consecutiveErrors: e.consecutiveErrors,
      consecutiveChecks: { ok: e.streakOk, count: e.streak },
      fastinterForced: e.forcedFast,
      lastCheck: e.lastCheck
        ? {
            ok: e.lastCheck.ok,
            reason: e.lastCheck.reason,
            durationMs: e.lastCheck.durationMs,
            at: isoOrNull(e.lastCheck.at),
          }
        : null,
      nextCheckInMs: e.timer ? Math.max(0, e.nextAt - this.now()) : null,
      counters: { ...e.counters },
    }));
    return { counters: { ...this.counters }, servers };
  }

  summary(): { checked: number; up: number; down: number; counters: HealthCounters } {
    let up = 0;
    for (const e of this.entries.values()) if (e.state.up) up++;
    return { checked: this.entries.size, up, down: this.entries.size - up, counters: { ...this.counters } };
  }

  /** Internal state of one server (tests, debugging). */
  inspect(
    key: string,
  ): { health: number; consecutiveErrors: number; counters: HealthCounters; up: boolean } | undefined {
    const e = this.entries.get(key);
    return (
      e && {
        health: e.health,
        consecutiveErrors: e.consecutiveErrors,
        counters: { ...e.counters },
        up: e.state.up,
      }
    );
  }

  close(): void {
    this.closed = true;
    for (const e of this.entries.values()) this.stop(e);
    this.entries.clear();
  }

  // ---- lifecycle ----

  /** `wasServing`: the server was in the runtime before this swap. */
  private create(s: ServerRuntime, b: BackendRuntime, policy: HealthSnap, wasServing: boolean): void {
    const now = this.now();
    const e = new Entry(s.key, s, b, policy, now);
    this.entries.set(e.key, e);
    this.configure(e, policy, JSON.stringify(policy));
    const serving = wasServing && e.state.up;
    e.health = serving ? riseOf(policy) : initialHealth(policy.initialState, policy);
    e.reason = serving ? 'already serving when checks were enabled' : `initial state ${policy.initialState}`;
    const up = isUp(e.health, policy);
    e.state.up = up;
    // A server that joins a running dataplane ramps up like one that recovered (scale-out);
    // servers present at startup do not (HAProxy applies slowstart only after a recovery).
    if (up && !serving && this.syncs > 0) e.state.upSince = now;
    e.paused = s.snap.state === 'maintenance';
    if (!e.paused) this.schedule(e, this.random() * intervalFor(e.health, policy, false));
    this.log.debug(
      { backend: b.id, server: s.name, address: `${s.address}:${s.port}`, state: up ? 'up' : 'down' },
      'health checks started',
    );
  }

  private update(e: Entry, s: ServerRuntime, b: BackendRuntime, policy: HealthSnap): void {
    if (s.state !== e.state) {
      // The registry hands back the same object for an unchanged identity; be safe anyway.
      setObserver(e.state, undefined);
      s.state.up = e.state.up;
      s.state.upSince = e.state.upSince;
    }
    e.server = s;
    e.backend = b;
    const policyJson = JSON.stringify(policy);
    const changed = policyJson !== e.policyJson;
    if (changed) {
      e.health = rescaleHealth(e.health, e.policy, policy);
      e.policy = policy;
    }
    this.configure(e, policy, policyJson);
    const paused = s.snap.state === 'maintenance';
    if (paused !== e.paused) {
      e.paused = paused;
      if (paused) this.halt(e);
      else this.schedule(e, this.random() * intervalFor(e.health, policy, true));
      return;
    }
    if (changed && !paused) this.bringForward(e);
  }

  /** (Re)derive what depends on the policy and the server: target, compiled check, observer. */
  private configure(e: Entry, policy: HealthSnap, policyJson: string): void {
    const s = e.server;
    e.target = { address: s.address, port: s.snap.checkPort ?? policy.port ?? s.port };
    e.policyJson = policyJson;
    // The check follows the server's TLS settings too (a changed CA or SNI re-derives it). The
    // policy alone is compared by update(): were the TLS settings part of that comparison, every
    // sync would count the policy of a TLS server as changed and bring its next check forward.
    const key = s.tls ? `${policyJson}\0${s.tls.hash}` : policyJson;
    if (key !== e.checkKey) {
      e.checkKey = key;
      e.misconfigured = undefined;
      const timeoutMs = checkTimeout(policy);
      try {
        e.spec = policy.http
          ? {
              timeoutMs,
              http: policy.http,
              expect: compileExpect(policy.http.expect),
              ...(s.tls ? { tls: upstreamConnectOptions(s.tls, s.snap) } : {}),
            }
          : { timeoutMs };
      } catch (err) {
        if (!(err instanceof ExpectationError)) throw err;
        e.spec = undefined;
        e.misconfigured = err.message;
        this.log.warn(
          { backend: e.backend.id, policy: policy.policy, err: err.message },
          'health check misconfigured; every check fails',
        );
      }
    }
    setObserver(e.state, policy.passive ? (o) => this.onObservation(e, o) : undefined);
  }

  private remove(e: Entry, stillServing: boolean): void {
    this.stop(e);
    this.entries.delete(e.key);
    // Without checks a server is up (HAProxy: no "check", no verdict).
    if (stillServing && !e.state.up) {
      e.state.up = true;
      e.state.upSince = this.now();
      this.log.info({ backend: e.backend.id, server: e.server.name }, 'health checks removed; server is up');
    }
  }

  private stop(e: Entry): void {
    e.stopped = true;
    this.halt(e);
    setObserver(e.state, undefined);
  }

  private halt(e: Entry): void {
    clearTimeout(e.timer);
    e.timer = undefined;
    e.cancel?.();
    e.cancel = undefined;
  }

  // ---- scheduling ----

  private schedule(e: Entry, delayMs: number): void {
    clearTimeout(e.timer);
    const delay = Math.max(0, Math.round(delayMs));
    e.nextAt = this.now() + delay;
    e.timer = setTimeout(() => this.check(e), delay);
    e.timer.unref?.();
  }

  /** The next check should happen within the current interval (shorter policy, forced fastinter). */
  private bringForward(e: Entry): void {
    if (e.stopped || e.paused || e.cancel || !e.timer) return; // a running check reschedules itself
    const want = intervalFor(e.health, e.policy, e.forcedFast);
    if (e.nextAt - this.now() > want) this.schedule(e, want);
  }

  private check(e: Entry): void {
    e.timer = undefined;
    if (e.stopped || e.paused || this.closed) return;
    const startedAt = this.now();
    const onResult = (r: CheckResult): void => {
      e.cancel = undefined;
      if (e.stopped || e.paused || this.closed) return;
      this.onCheckResult(e, r);
      // Fixed cadence from the start of this check (HAProxy adds `inter` to the previous
      // expiry until it is in the future), so a slow check does not stretch the interval.
      const interval = intervalFor(e.health, e.policy, e.forcedFast);
      const elapsed = Math.max(0, this.now() - startedAt);
      this.schedule(e, elapsed < interval ? interval - elapsed : interval - (elapsed % interval));
    };
    if (!e.spec) {
      onResult({
        ok: false,
        layer: 7,
        reason: `Layer7 check misconfigured: ${e.misconfigured}`,
        durationMs: 0,
      });
      return;
    }
    e.cancel = runCheck(e.target, e.spec, onResult);
  }

  // ---- verdicts ----

  private onCheckResult(e: Entry, r: CheckResult): void {
    e.lastCheck = { ...r, at: this.now() };
    if (r.ok === e.streakOk) e.streak++;
    else [e.streakOk, e.streak] = [r.ok, 1];
    e.counters.checks++;
    this.counters.checks++;
    if (r.ok) {
      e.health = afterSuccess(e.health, e.policy);
      if (e.health >= maxHealth(e.policy)) e.forcedFast = false;
      e.consecutiveErrors = 0; // HAProxy clears consecutive_errors on a passed check
    } else {
      e.counters.failedChecks++;
      this.counters.failedChecks++;
      e.health = afterFailure(e.health, e.policy);
    }
    this.settle(e, r.reason, { check: 'active', checkDurationMs: r.durationMs, consecutiveChecks: e.streak });
  }

  private onObservation(e: Entry, o: Observation): void {
    const p = e.policy.passive;
    if (!p || e.stopped || e.paused || this.closed) return;
    // observe layer4 only judges connections; any HTTP answer proves the connection worked.
    const failed = p.observe === 'layer4' ? o.layer === 4 && o.failed : o.failed;
    if (!failed) {
      e.consecutiveErrors = 0;
      return;
    }
    e.counters.passiveErrors++;
    this.counters.passiveErrors++;
    if (++e.consecutiveErrors < Math.max(1, p.consecutiveErrors)) return;
    const count = e.consecutiveErrors;
    e.consecutiveErrors = 0;
    e.counters.passiveTriggers++;
    this.counters.passiveTriggers++;
    e.forcedFast = true; // every on-error mode forces fastinter
    const rise = riseOf(e.policy);
    switch (p.onError) {
      case 'fastinter':
        break;
      case 'sudden-death': // one more failed check takes it down
        if (e.health > rise) e.health = rise + 1;
        e.health = afterFailure(e.health, e.policy);
        break;
      case 'fail-check':
        e.health = afterFailure(e.health, e.policy);
        break;
      case 'mark-down':
        e.health = 0;
        break;
    }
    const reason = `Health analyze: ${count} consecutive errors, last one was: ${o.what} (on-error ${p.onError})`;
    this.log.info(
      { backend: e.backend.id, server: e.server.name, onError: p.onError, errors: count, last: o.what },
      'passive check threshold reached',
    );
    this.settle(e, reason, { check: 'passive' });
    this.bringForward(e);
  }

  /** Applies the verdict the counter now implies; logs, counts and reports a transition. */
  private settle(
    e: Entry,
    reason: string,
    extra: { check: 'active' | 'passive'; checkDurationMs?: number; consecutiveChecks?: number },
  ): void {
    const up = isUp(e.health, e.policy);
    if (up === e.state.up) return;
    const now = this.now();
    const from = e.state.up ? 'up' : 'down';
    const to = up ? 'up' : 'down';
    e.state.up = up;
    if (up) e.state.upSince = now;
    e.since = now;
    e.reason = reason;
    e.counters[to]++;
    this.counters[to]++;
    const { active, backup } = this.remaining(e.backend);
    const fields = {
      backend: e.backend.id,
      server: e.server.name,
      address: `${e.server.address}:${e.server.port}`,
      backup: e.server.backup,
      from,
      to,
      reason,
      ...extra,
      health: `${e.health}/${maxHealth(e.policy)}`,
      activeLeft: active,
      backupLeft: backup,
      transition: true,
    };
    const msg = `server ${e.backend.id}/${e.server.name} is ${to.toUpperCase()}, reason: ${reason}${extra.checkDurationMs !== undefined ? `, check duration: ${extra.checkDurationMs}ms` : ''}. ${active} active and ${backup} backup servers left`;
    if (up) this.log.info(fields, msg);
    else this.log.warn(fields, msg);
    if (active === 0 && backup === 0)
      this.log.error({ backend: e.backend.id }, `backend ${e.backend.id} has no server available!`);
    this.opts.report?.({ full: false, servers: [this.row(e)] });
  }

  /** Servers that can take traffic after a transition (HAProxy's "N active and M backup left"). */
  private remaining(b: BackendRuntime): { active: number; backup: number } {
    let active = 0;
    let backup = 0;
    for (const s of b.servers) {
      if (!s.state.up || s.snap.state !== 'ready' || s.snap.weight <= 0) continue;
      if (s.backup) backup++;
      else active++;
    }
    return { active, backup };
  }

  private row(e: Entry): ServerHealth {
    return {
      backend: e.backend.id,
      server: e.server.name,
      address: `${e.server.address}:${e.server.port}`,
      state: e.state.up ? 'up' : 'down',
      reason: e.reason,
      since: e.since,
    };
  }

  private reportFull(): void {
    this.opts.report?.({ full: true, servers: this.table() });
  }
}
