// Diffs listeners across swaps, keyed by bind: an unchanged bind keeps its socket, new binds are
// opened BEFORE the swap (so a failed listen leaves the live runtime untouched), removed binds
// drain after it.
import { BasculeError, ErrorCodes } from '#protocol/errors';
import { Listener, type ListenerDeps, type ListenerInfo } from './listener.js';
import type { Runtime } from '../runtime/types.js';

export class ListenerManager {
  private readonly active = new Map<string, Listener>();
  private readonly draining = new Set<Listener>();

  constructor(private readonly deps: ListenerDeps & { bindAddress?: string }) {}

  /** Opens the binds `next` needs and the live set lacks. Throws LISTEN_FAILED, opening none. */
  async stage(next: Runtime): Promise<Listener[]> {
    const wanted = [...next.frontends.values()].filter((fe) => !this.active.has(fe.bindKey));
    const opened = wanted.map(
      (fe) =>
        new Listener(fe.bindKey, this.deps.bindAddress ?? fe.snap.bind.address, fe.snap.bind.port, this.deps),
    );
    const results = await Promise.allSettled(opened.map((l) => l.listen()));
    const failures = results.flatMap((r, i) =>
      r.status === 'rejected' ? [{ fe: wanted[i]!, err: r.reason as NodeJS.ErrnoException }] : [],
    );
    if (failures.length === 0) return opened;
    for (const l of opened) l.destroy();
    const detail = failures
      .map(({ fe, err }) => `frontend ${fe.id} cannot listen on ${fe.bindKey}: ${err.code ?? err.message}`)
      .join('; ');
    throw new BasculeError(ErrorCodes.LISTEN_FAILED, detail);
  }

  /** Right after the reference swap: adopt staged listeners, reconfigure kept ones, drain the rest. */
  commit(next: Runtime, staged: readonly Listener[]): void {
    for (const l of staged) this.active.set(l.key, l);
    for (const [key, l] of this.active) {
      if (next.frontends.has(key)) continue;
      this.active.delete(key);
      this.draining.add(l);
      this.deps.log.info({ bind: key }, 'listener removed; draining');
      void l.drain().then(() => {
        this.draining.delete(l);
        this.deps.log.info({ bind: key }, 'listener drained');
      });
    }
    const fresh = new Set(staged);
    for (const l of this.active.values()) {
      if (fresh.has(l)) l.activate(next);
      else l.configure(next);
    }
  }

  abort(staged: readonly Listener[]): void {
    for (const l of staged) l.destroy();
  }

  list(): ListenerInfo[] {
    return [...this.active.values(), ...this.draining].map((l) => l.info());
  }

  /** Shutdown: every listener drains (Listener.drain); resolves once no connection is left. */
  async drainAll(): Promise<void> {
    const all = [...this.active.values(), ...this.draining];
    this.active.clear();
    for (const l of all) this.draining.add(l);
    await Promise.all(all.map((l) => l.drain()));
  }

  /** Connections still open on every listener (draining ones included). */
  connections(): number {
    let n = 0;
    for (const l of [...this.active.values(), ...this.draining]) n += l.info().connections;
    return n;
  }

  close(): void {
    for (const l of [...this.active.values(), ...this.draining]) l.destroy();
    this.active.clear();
    this.draining.clear();
  }
}
