// Builds a Runtime from a validated snapshot. No I/O: sockets are the listener manager's job, so
// a failed build leaves nothing behind. Runtime state comes from the scope (carried over by
// identity); anything the snapshot asks for that this dataplane cannot do is either refused
// (build error) or fails closed, and is logged once — never silently ignored.
//
// Incremental: given the live runtime, a frontend or backend whose snapshot object did not
// change (same object, as a delta leaves it, or the same canonical JSON) keeps its runtime
// object — router, balancer, server list — as long as what it points at was kept too. Only the
// changed objects are built; the result is the runtime a build from scratch would give.
import type { Logger } from 'pino';
import { sameItem } from '#protocol/canonical';
import { BasculeError, ErrorCodes } from '#protocol/errors';
import type { BackendSnap, FrontendSnap, Snapshot } from '#protocol/index';
import { createBalancer } from '../balance/index.js';
import { listenerTls } from '#protocol/listener';
import { compileRouter } from '../router/router.js';
import { compileSharedRouter } from '../router/shared-router.js';
import type { FrontendTlsRuntime } from '../tls/frontend.js';
import { needsTermination, termination } from '../tls/on-demand.js';
import { upstreamTlsOf } from '../tls/upstream.js';
import { warnOnce } from '../util/warn-once.js';
import { BackendRuntime, ServerRuntime } from './backend.js';
import { serverKey, type StateScope } from './state.js';
import { bindKey, type FrontendRuntime, type Runtime } from './types.js';

const buildError = (message: string, cause?: unknown): BasculeError =>
  new BasculeError(ErrorCodes.SNAPSHOT_BUILD, message, { cause });

/** The same snapshot object, or one with the same content (its digest, cached per frozen object). */
const sameSnap = sameItem;

/** The live runtime of an unchanged backend, if it can be kept (its state objects are the live ones). */
function keptBackend(
  b: Readonly<BackendSnap>,
  prev: BackendRuntime | undefined,
  scope: StateScope,
): BackendRuntime | undefined {
  if (!prev || !sameSnap(prev.snap, b) || scope.backend(b.id) !== prev.state) return undefined;
  for (const s of prev.servers) if (scope.server(s.key) !== s.state) return undefined;
  return prev;
}

/** The live runtime of an unchanged frontend, if everything it holds is still what this build has. */
function keptFrontend(
  f: Readonly<FrontendSnap>,
  members: readonly Readonly<FrontendSnap>[],
  prev: FrontendRuntime | undefined,
  backends: ReadonlyMap<string, BackendRuntime>,
  scope: StateScope,
  /** Some backend of the previous build is not in this one. */
  lostBackend: boolean,
): FrontendRuntime | undefined {
  if (!prev || !sameSnap(prev.snap, f) || scope.frontend(f.id) !== prev.state) return undefined;
  const prevMembers = prev.mode === 'http' ? (prev.members ?? []) : [];
  if (prevMembers.length !== members.length || members.some((m, i) => !sameSnap(prevMembers[i]!, m)))
    return undefined;
  // A reference that no longer resolves: the full build reports it. One that resolved in the
  // previous build still does while no backend of it is gone.
  if (lostBackend)
    for (const x of [f, ...members]) {
      if (x.defaultBackend !== undefined && !backends.has(x.defaultBackend)) return undefined;
      for (const r of x.rules)
        if (r.action.type === 'backend' && !backends.has(r.action.backend)) return undefined;
    }
  if (prev.mode === 'tcp' && prev.backend && backends.get(prev.backend.id) !== prev.backend) return undefined;
  for (const [id, b] of prev.tls?.backends ?? []) if (backends.get(id) !== b) return undefined;
  return prev;
}

function buildBackend(b: Readonly<BackendSnap>, scope: StateScope, log: Logger): BackendRuntime {
  const names = new Set<string>();
  const upstreamTls = upstreamTlsOf(b, log); // TLS towards the servers (tls/upstream.ts)
  const servers = b.servers.map((s) => {
    if (names.has(s.name))
      throw buildError(`backend ${b.id}: duplicate server name ${JSON.stringify(s.name)}`);
    names.add(s.name);
    const key = serverKey(b.id, s);
    return new ServerRuntime(key, b.id, s, scope.server(key), b.keepAlive, b.slowStartMs, upstreamTls);
  });
  const members = servers.map((s) => ({ name: s.name, key: s.key, weight: s.staticWeight }));
  return new BackendRuntime(b, servers, createBalancer(b, log, members), scope.backend(b.id));
}

function buildFrontend(
  f: Readonly<FrontendSnap>,
  members: readonly Readonly<FrontendSnap>[],
  backends: ReadonlyMap<string, BackendRuntime>,
  scope: StateScope,
  log: Logger,
  prev: FrontendRuntime | undefined,
  /** Some backend of the previous build is not in this one. */
  lostBackend = true,
): FrontendRuntime | undefined {
  const key = bindKey(f.bind.address, f.bind.port);
  // TLS termination / SNI routing (tls/frontend.ts). Material that cannot be loaded fails this
  // frontend closed: serving it in plaintext would be worse than not serving it. A shared
  // listener serves every member's certificates.
  // The code is loaded by the apply before the build (serving/code-on-demand.ts); had it not
  // been, termination() throws and the build fails (SNAPSHOT_BUILD), never serving in plaintext.
  const code = needsTermination(f) ? termination() : undefined;
  let tls: FrontendTlsRuntime<BackendRuntime> | undefined;
  try {
    const tlsOf = f.listener && f.tls ? { ...f, tls: listenerTls(f, [f, ...members]) } : f;
    tls = code?.buildFrontendTls(tlsOf, backends, scope.frontend(f.id), log);
  } catch (err) {
    warnOnce(
      log,
      `frontend-tls:${f.id}:${(err as Error).message}`,
      { frontend: f.id, bind: key, err: (err as Error).message },
      `frontend ${f.id}: TLS settings cannot be loaded; not listening on ${key}`,
    );
    return undefined;
  }
  const withTls = tls ? { tls } : {};
  const ref = (id: string | undefined, where: string): void => {
    if (id !== undefined && !backends.has(id))
      throw buildError(`frontend ${f.id} ${where} references unknown backend ${id}`);
  };
  ref(f.defaultBackend, 'defaultBackend');

  if (f.mode === 'tcp') {
    if (f.rules.length > 0 && !(code !== undefined && code.routesTcpRules(tls)))
      warnOnce(
        log,
        `fe-tcp-rules:${f.id}`,
        { frontend: f.id },
        `frontend ${f.id}: rules on a tcp frontend are not implemented yet; using defaultBackend`,
      );
    const backend = f.defaultBackend === undefined ? undefined : backends.get(f.defaultBackend);
    return Object.freeze({
      id: f.id,
      snap: f,
      bindKey: key,
      mode: 'tcp',
      backend,
      state: scope.frontend(f.id),
      ...withTls,
    });
  }
  // A member the previous build of this listener had resolves still while no backend is gone:
  // only the changed ones are checked (a shared listener holds every team's rules).
  const resolved =
    !lostBackend && prev?.mode === 'http' ? new Set<object>([prev.snap, ...(prev.members ?? [])]) : undefined;
  for (const x of [f, ...members]) {
    if (resolved?.has(x)) continue;
    if (x !== f) ref(x.defaultBackend, `member ${x.id} defaultBackend`);
    for (const r of x.rules) if (r.action.type === 'backend') ref(r.action.backend, `rule ${r.name}`);
  }
  let router;
  try {
    // A shared listener keeps the router parts of its unchanged Frontends.
    const previous = prev?.mode === 'http' && prev.router.frontendId === f.id ? prev.router : undefined;
    router = f.listener ? compileSharedRouter(f, members, {}, previous) : compileRouter(f);
  } catch (err) {
    throw buildError((err as Error).message, err);
  }
  return Object.freeze({
    id: f.id,
    snap: f,
    bindKey: key,
    mode: 'http',
    router,
    ...(f.listener ? { members } : {}),
    state: scope.frontend(f.id),
    ...withTls,
  });
}

/** Frontends whose rules and defaultHosts were checked against their hosts (a frozen object stays so). */
const hostsChecked = new WeakSet<object>();

/** Every rule's host and every default host of `f` is one of the hosts it claims. */
function checkHosts(f: Readonly<FrontendSnap>, bad: (why: string) => BasculeError): void {
  if (hostsChecked.has(f)) return;
  const l = f.listener!;
  const hosts = new Set(l.hosts);
  for (const r of f.rules)
    if (r.match.host !== undefined && !hosts.has(r.match.host))
      throw bad(`hosts do not name ${r.match.host}, the host of rule ${r.name}`);
  for (const h of l.defaultHosts) if (!hosts.has(h)) throw bad(`defaultHosts names ${h}, which hosts do not`);
  if (Object.isFrozen(f)) hostsChecked.add(f);
}

/**
 * The frontends that get a listener of their own, each with the members of its shared listener
 * in order (none for a frontend alone). Everything `listener` says is checked first: a snapshot
 * is hostile input, and a member that names no owner, an owner that lists a frontend that is not
 * its member, a member on another bind, or a rule on a host its Frontend does not claim, is refused.
 * `after`: the body this one changed (its list, and what changed from it), when known.
 */
function sharedListeners(
  list: readonly Readonly<FrontendSnap>[],
  after?: { list: readonly Readonly<FrontendSnap>[]; changes: KindChanges<Readonly<FrontendSnap>> },
): Map<string, Readonly<FrontendSnap>[]> {
  // A frozen list was checked once (a Backend delta keeps the live body's frontends list).
  let out = listenersChecked.get(list);
  if (!out) {
    const before = after && listenersChecked.get(after.list);
    out = (before && patchedListeners(before, after.changes)) ?? checkSharedListeners(list);
    if (Object.isFrozen(list) && list.every((f) => Object.isFrozen(f))) listenersChecked.set(list, out);
  }
  return out;
}

/** sharedListeners' result per frozen list of frozen frontends (read only, never changed). */
const listenersChecked = new WeakMap<readonly object[], Map<string, Readonly<FrontendSnap>[]>>();

/** How the shared listeners of each build were checked (the bench and tests read it). */
export const listenerChecks = { whole: 0, patched: 0 };

/**
 * sharedListeners after an edit of some frontends, from the result for the list they were edited
 * in, at the cost of the edit (a Frontend delta of a 50-member listener, not all 100 frontends):
 * when no frontend came or went and every changed one keeps its mode, bind and listener settings,
 * what the checks across frontends found still holds (who owns whom, the members' binds, no
 * frontend listed twice), so only the changed frontends' own rules are checked against their
 * hosts, and their owners' member lists take the new objects. Undefined: check the whole list.
 */
function patchedListeners(
  before: ReadonlyMap<string, readonly Readonly<FrontendSnap>[]>,
  changes: KindChanges<Readonly<FrontendSnap>>,
): Map<string, Readonly<FrontendSnap>[]> | undefined {
  if (changes.added > 0 || changes.removed.length > 0) return undefined;
  const byId = new Map<string, Readonly<FrontendSnap>>();
  const owners = new Set<string>();
  for (const [i, f] of changes.changed.entries()) {
    const was = changes.replaced[i];
    if (
      !was ||
      was.mode !== f.mode ||
      was.bind.address !== f.bind.address ||
      was.bind.port !== f.bind.port ||
      (was.listener === undefined) !== (f.listener === undefined) ||
      (was.listener !== undefined && !sameItem(was.listener, f.listener!))
    )
      return undefined;
    byId.set(f.id, f);
    if (!f.listener) continue;
    checkHosts(f, (why) => buildError(`frontend ${f.id}: listener ${why}`));
    if (f.listener.owner !== f.id) owners.add(f.listener.owner);
  }
  const out = new Map(before as Map<string, Readonly<FrontendSnap>[]>);
  for (const id of owners) {
    const members = before.get(id);
    if (!members) return undefined;
    out.set(
      id,
      members.map((m) => byId.get(m.id) ?? m),
    );
  }
  listenerChecks.patched++;
  return out;
}

function checkSharedListeners(
  list: readonly Readonly<FrontendSnap>[],
): Map<string, Readonly<FrontendSnap>[]> {
  listenerChecks.whole++;
  const byId = new Map<string, Readonly<FrontendSnap>>();
  for (const f of list) {
    if (byId.has(f.id)) throw buildError(`duplicate frontend id ${f.id}`);
    byId.set(f.id, f);
  }
  const out = new Map<string, Readonly<FrontendSnap>[]>();
  const joined = new Set<string>();
  for (const f of list) {
    const l = f.listener;
    if (!l) {
      out.set(f.id, []);
      continue;
    }
    const bad = (why: string): BasculeError => buildError(`frontend ${f.id}: listener ${why}`);
    if (f.mode !== 'http')
      throw bad('is set on a tcp frontend (only HTTP frontends share a listener by object)');
    checkHosts(f, bad);
    if (l.owner !== f.id) {
      if (l.members !== undefined) throw bad(`members are set on a frontend that does not own the listener`);
      continue;
    }
    const members = (l.members ?? []).map((id) => {
      const m = byId.get(id);
      if (!m || m.listener?.owner !== f.id || id === f.id) throw bad(`member ${id} is not a member of it`);
      if (joined.has(id)) throw bad(`member ${id} is listed twice`);
      joined.add(id);
      if (m.bind.address !== f.bind.address || m.bind.port !== f.bind.port)
        throw bad(`member ${id} binds ${m.bind.address}:${m.bind.port}, not the owner's bind`);
      return m;
    });
    out.set(f.id, members);
  }
  for (const f of list)
    if (f.listener && f.listener.owner !== f.id && !joined.has(f.id))
      throw buildError(`frontend ${f.id}: listener owner ${f.listener.owner} does not list it as a member`);
  return out;
}

/** buildRuntime, with any failure turned into a SNAPSHOT_BUILD error (the scope is aborted). */
export function buildRuntimeOrReject(
  snapshot: Snapshot,
  scope: StateScope,
  log: Logger,
  previous?: Runtime,
): Runtime {
  try {
    return buildRuntime(snapshot, scope, log, previous);
  } catch (err) {
    scope.abort();
    throw err instanceof BasculeError ? err : buildError(`build failed: ${(err as Error).message}`, err);
  }
}

/** What changed in one kind between two bodies, both in strictly increasing id order. */
interface KindChanges<T> {
  /** Objects of this body that are not the very same object as the previous body's of their id. */
  readonly changed: T[];
  /** Per changed object, the previous body's object of its id (undefined: added). */
  readonly replaced: (T | undefined)[];
  readonly added: number;
  /** Ids of the previous body's objects this one does not have. */
  readonly removed: string[];
}

/** The changes from `before` to `now`, or undefined when either is not in strictly increasing id order. */
function changesOf<T extends { id: string }>(
  before: readonly T[],
  now: readonly T[],
): KindChanges<T> | undefined {
  const changed: T[] = [];
  const replaced: (T | undefined)[] = [];
  const removed: string[] = [];
  // The very same frozen list (a delta that changed nothing of this kind keeps it; the previous
  // build found it in order): nothing changed.
  if (before === now && Object.isFrozen(now)) return { changed, replaced, added: 0, removed };
  let added = 0;
  let i = 0;
  for (let j = 0; j < now.length; j++) {
    const o = now[j]!;
    if (j > 0 && !(now[j - 1]!.id < o.id)) return undefined;
    while (i < before.length && before[i]!.id < o.id) {
      if (i > 0 && !(before[i - 1]!.id < before[i]!.id)) return undefined;
      removed.push(before[i++]!.id);
    }
    if (i < before.length && before[i]!.id === o.id) {
      if (before[i] !== o) {
        changed.push(o);
        replaced.push(before[i]);
      }
      i++;
    } else {
      changed.push(o);
      replaced.push(undefined);
      added++;
    }
  }
  for (; i < before.length; i++) {
    if (i > 0 && !(before[i - 1]!.id < before[i]!.id)) return undefined;
    removed.push(before[i]!.id);
  }
  return { changed, replaced, added, removed };
}

/**
 * Builds after a delta that look only at what changed before a full one sweeps what the state
 * registry carried (a frontend state kept for a frontend that failed to build, say).
 */
export const CARRIED_BUILDS_BETWEEN_FULL = 128;
let carriedBuilds = 0;

/**
 * A runtime's backends by id, in body order: an id → position index and a list. Builds after a
 * delta that adds or removes no backend share the index and copy the list (1,000 pointers), so a
 * Backend delta replaces its entry at the cost of a slice, where a Map was copied entry by entry
 * (~0.1 ms and a hash table of young generation per version at 1,000 backends). Read per
 * request (`get`): one look-up in the index, then the list. Never changed once built.
 */
export class BackendTable implements ReadonlyMap<string, BackendRuntime> {
  constructor(
    /** Shared by every table of the same ids in the same order. */
    private readonly index: ReadonlyMap<string, number>,
    private readonly list: readonly BackendRuntime[],
  ) {}

  /** From backends in body order (ids checked unique by the caller). */
  static of(list: readonly BackendRuntime[]): BackendTable {
    const index = new Map<string, number>();
    for (const [i, b] of list.entries()) index.set(b.id, i);
    return new BackendTable(index, list);
  }

  /** This table with some backends replaced by ones of the same ids (the index shared). */
  with(replaced: Iterable<BackendRuntime>): BackendTable {
    const list = this.list.slice();
    for (const b of replaced) {
      const i = this.index.get(b.id);
      if (i === undefined) throw new Error(`backend ${b.id} is not in the table`);
      list[i] = b;
    }
    return new BackendTable(this.index, list);
  }

  get size(): number {
    return this.list.length;
  }

  get(id: string): BackendRuntime | undefined {
    const i = this.index.get(id);
    return i === undefined ? undefined : this.list[i];
  }

  has(id: string): boolean {
    return this.index.has(id);
  }

  keys(): MapIterator<string> {
    return this.index.keys();
  }

  values(): MapIterator<BackendRuntime> {
    return this.list.values();
  }

  *entries(): MapIterator<[string, BackendRuntime]> {
    for (const b of this.list) yield [b.id, b];
  }

  [Symbol.iterator](): MapIterator<[string, BackendRuntime]> {
    return this.entries();
  }

  forEach(
    fn: (b: BackendRuntime, id: string, table: ReadonlyMap<string, BackendRuntime>) => void,
    self?: unknown,
  ): void {
    for (const b of this.list) fn.call(self, b, b.id, this);
  }
}

/**
 * The backends of a build after `previous`, by id in body order, taking what changed only:
 * the scope carries every live state, and drops those of servers and backends that are gone.
 */
function carriedBackends(
  snapshot: Snapshot,
  previous: Runtime,
  changes: KindChanges<Readonly<BackendSnap>>,
  scope: StateScope,
  log: Logger,
): BackendTable {
  const next = new Map<string, BackendRuntime>();
  for (const b of changes.changed) {
    const prev = previous.backends.get(b.id);
    const built = keptBackend(b, prev, scope) ?? buildBackend(b, scope, log);
    next.set(b.id, built);
    if (prev && prev !== built) {
      const keys = new Set(built.servers.map((s) => s.key));
      for (const s of prev.servers) if (!keys.has(s.key)) scope.dropServer(s.key);
    }
  }
  for (const id of changes.removed) {
    const prev = previous.backends.get(id)!;
    for (const s of prev.servers) scope.dropServer(s.key);
    scope.dropBackend(id);
  }
  const before = previous.backends instanceof BackendTable ? previous.backends : undefined;
  // Nothing changed: the previous table itself (a runtime's tables are not changed once built).
  if (before && changes.changed.length === 0 && changes.removed.length === 0) return before;
  // The same ids in the same order: the previous table with the changed entries replaced.
  if (before && changes.added === 0 && changes.removed.length === 0) return before.with(next.values());
  return BackendTable.of(snapshot.body.backends.map((b) => next.get(b.id) ?? previous.backends.get(b.id)!));
}

/**
 * The backends a build changed from the runtime it was built after: those whose runtime object
 * is new (built, not kept), with the server keys of the one of their id before, and the server
 * keys of those it dropped. What follows a swap (health checks, queued requests) works from it in
 * proportion to the change. Nothing of an older build is held (keys only; the runtime before by
 * weak reference), so a replaced version stays collectable.
 */
export interface BackendChanges {
  /** The runtime this one was built after; the changes hold against it only. */
  readonly previous: WeakRef<Runtime>;
  readonly changed: readonly { readonly now: BackendRuntime; readonly beforeKeys: readonly string[] }[];
  /** The server keys of the backends this build no longer has. */
  readonly removedKeys: readonly string[];
}

const backendChangesOf = new WeakMap<Runtime, BackendChanges>();

/** The changes of a runtime built after another by a carried build; undefined: look at everything. */
export const backendChanges = (rt: Runtime): BackendChanges | undefined => backendChangesOf.get(rt);

/** `previous` is the live runtime: what did not change is taken from it. */
export function buildRuntime(
  snapshot: Snapshot,
  scope: StateScope,
  log: Logger,
  previous?: Runtime,
): Runtime {
  const before = previous?.snapshot?.body;
  const backendDiff = before && changesOf(before.backends, snapshot.body.backends);
  const carry = backendDiff !== undefined && ++carriedBuilds % CARRIED_BUILDS_BETWEEN_FULL !== 0;
  let backends: BackendTable;
  let lostBackend: boolean;
  if (carry) {
    scope.carryLive();
    backends = carriedBackends(snapshot, previous!, backendDiff, scope, log);
    lostBackend = backendDiff.removed.length > 0;
  } else {
    const built = new Map<string, BackendRuntime>();
    for (const b of snapshot.body.backends) {
      if (built.has(b.id)) throw buildError(`duplicate backend id ${b.id}`);
      built.set(b.id, keptBackend(b, previous?.backends.get(b.id), scope) ?? buildBackend(b, scope, log));
    }
    backends = BackendTable.of([...built.values()]);
    lostBackend = [...(previous?.backends.keys() ?? [])].some((id) => !built.has(id));
  }
  const previousFrontends = new Map([...(previous?.frontends.values() ?? [])].map((fr) => [fr.id, fr]));
  const frontends = new Map<string, FrontendRuntime>();
  // After a carried build's delta, the frontends that changed (a list in id order, as deltas keep it).
  const frontendDiff = carry ? changesOf(before!.frontends, snapshot.body.frontends) : undefined;
  const membersOf = sharedListeners(
    snapshot.body.frontends,
    frontendDiff && { list: before!.frontends, changes: frontendDiff },
  );
  for (const f of snapshot.body.frontends) {
    const members = membersOf.get(f.id);
    if (!members) continue; // a member of a shared listener: built with its owner
    const prev = previousFrontends.get(f.id);
    const fr =
      keptFrontend(f, members, prev, backends, scope, lostBackend) ??
      buildFrontend(f, members, backends, scope, log, prev, lostBackend);
    if (!fr) continue;
    const other = frontends.get(fr.bindKey);
    if (other) throw buildError(`frontends ${other.id} and ${f.id} both bind ${fr.bindKey}`);
    frontends.set(fr.bindKey, fr);
  }
  // Carried: the states of frontends that no longer get a listener of their own are dropped.
  if (carry) for (const id of previousFrontends.keys()) if (!membersOf.has(id)) scope.dropFrontend(id);
  const rt: Runtime = Object.freeze({ version: snapshot.version, snapshot, frontends, backends });
  if (carry) {
    const changed: { now: BackendRuntime; beforeKeys: string[] }[] = [];
    for (const b of backendDiff.changed) {
      const now = backends.get(b.id)!;
      const prior = previous!.backends.get(b.id);
      if (now !== prior) changed.push({ now, beforeKeys: prior?.servers.map((s) => s.key) ?? [] });
    }
    const removedKeys = backendDiff.removed.flatMap((id) =>
      previous!.backends.get(id)!.servers.map((s) => s.key),
    );
    backendChangesOf.set(rt, { previous: new WeakRef(previous!), changed, removedKeys });
  }
  return rt;
}
