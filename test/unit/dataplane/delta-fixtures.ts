// Seeded random snapshot bodies and edits, for the delta tests (protocol and dataplane).
import { resolveListeners } from '#controller/compile/listeners';
import { deepFreeze } from '#protocol/canonical';
import type { BackendSnap, FrontendSnap, SnapshotBody } from '#protocol/snapshot';
import { backend, frontend, server } from './helpers.js';

export { prng } from '../../support/prng.js';

const byId = <T extends { id: string }>(a: T, b: T): number => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

export class RandomConfig {
  private frontends = new Map<string, FrontendSnap>();
  private backends = new Map<string, BackendSnap>();
  /** The Frontends sharing `sharedPort` as written (the listener decides what each serves). */
  private teams = new Map<string, FrontendSnap>();
  private serial = 0;

  constructor(
    private readonly rnd: () => number,
    /** One frontend per port at most (a bind is one frontend). */
    private readonly ports: readonly number[],
    /** A port several HTTP Frontends share (a shared listener), when given. */
    private readonly sharedPort?: number,
  ) {
    for (let i = 0; i < 4; i++) this.addBackend();
    for (const port of ports.slice(0, 2)) this.addFrontend(port);
    if (sharedPort !== undefined) for (let i = 0; i < 3; i++) this.addTeam();
  }

  /** A Frontend joining the shared port, in a namespace of its own, claiming at least one host. */
  private addTeam(): void {
    const id = `team${this.serial++}/fe`;
    const rules = this.rules(true);
    if (rules.length === 0) rules.push({ ...this.rules(true, 1)[0]! });
    this.teams.set(
      id,
      deepFreeze(
        frontend(id, this.sharedPort!, {
          rules,
          ...(this.rnd() < 0.6 ? { defaultBackend: this.pick([...this.backends.keys()]) } : {}),
        }),
      ),
    );
  }

  /** One edit of the shared listener: a team's rules, a team joining, or one leaving. */
  private editTeam(): void {
    const kind = this.rnd();
    const teams = [...this.teams.values()];
    if (kind < 0.6) {
      const f = this.pick(teams);
      const rules = this.rules(true);
      this.teams.set(f.id, deepFreeze({ ...f, rules: rules.length > 0 ? rules : f.rules }));
    } else if (kind < 0.8 || teams.length < 2) this.addTeam();
    else this.teams.delete(this.pick(teams).id);
  }

  private pick<T>(list: readonly T[]): T {
    return list[Math.floor(this.rnd() * list.length)]!;
  }

  private addBackend(): void {
    const id = `default/b${this.serial++}`;
    const n = 1 + Math.floor(this.rnd() * 3);
    this.backends.set(
      id,
      backend(
        id,
        Array.from({ length: n }, (_, i) => ({ ...server(`s${i}`, 1000 + i), weight: 1 + i })),
      ),
    );
  }

  /** Random rules; `hostless`: some without a host (scoped to the Frontend's hosts on a shared port). */
  private rules(hostless = false, count = Math.floor(this.rnd() * 4)): FrontendSnap['rules'] {
    const ids = [...this.backends.keys()];
    const hosts = hostless ? ['a.test', 'b.test', '*.c.test', undefined] : ['a.test', 'b.test', '*.c.test'];
    return Array.from({ length: count }, (_, i) => {
      const host = this.pick(hosts) ?? (i === 0 ? 'b.test' : undefined);
      return {
        name: `r${i}`,
        match: { ...(host !== undefined ? { host } : {}), path: { prefix: `/p${i}/` } },
        action: { type: 'backend' as const, backend: this.pick(ids) },
      };
    });
  }

  private addFrontend(port: number): void {
    const id = `default/f${this.serial++}`;
    const tcp = this.rnd() < 0.25;
    const ids = [...this.backends.keys()];
    this.frontends.set(
      id,
      frontend(id, port, {
        mode: tcp ? 'tcp' : 'http',
        rules: tcp ? [] : this.rules(),
        defaultBackend: this.pick(ids),
      }),
    );
  }

  private referenced(): Set<string> {
    const used = new Set<string>();
    for (const f of [...this.frontends.values(), ...this.teams.values()]) {
      if (f.defaultBackend) used.add(f.defaultBackend);
      for (const r of f.rules) if (r.action.type === 'backend') used.add(r.action.backend);
    }
    return used;
  }

  /** One random edit; the config stays consistent (every reference resolves). */
  edit(): void {
    if (this.sharedPort !== undefined && this.rnd() < 0.35) {
      this.editTeam();
      return;
    }
    const kind = this.rnd();
    const backends = [...this.backends.values()];
    const frontends = [...this.frontends.values()];
    if (kind < 0.3) {
      const b = this.pick(backends);
      const servers = b.servers.map((s, i) =>
        i === 0 ? { ...s, weight: 1 + Math.floor(this.rnd() * 50) } : s,
      );
      this.backends.set(b.id, { ...b, servers });
    } else if (kind < 0.4) {
      const b = this.pick(backends);
      const servers =
        b.servers.length > 1 && this.rnd() < 0.5
          ? b.servers.slice(1)
          : [...b.servers, server(`s${this.serial++}`, 2000 + this.serial)];
      this.backends.set(b.id, { ...b, servers });
    } else if (kind < 0.5) {
      this.addBackend();
    } else if (kind < 0.6) {
      const unused = backends.filter((b) => !this.referenced().has(b.id));
      if (unused.length > 0 && this.backends.size > 1) this.backends.delete(this.pick(unused).id);
    } else if (kind < 0.75 && frontends.length > 0) {
      const f = this.pick(frontends);
      if (f.mode === 'http') this.frontends.set(f.id, { ...f, rules: this.rules() });
      else this.frontends.set(f.id, { ...f, defaultBackend: this.pick([...this.backends.keys()]) });
    } else if (kind < 0.85 && frontends.length > 0) {
      const f = this.pick(frontends);
      this.frontends.set(f.id, {
        ...f,
        timeouts: { ...f.timeouts, client: 1000 + Math.floor(this.rnd() * 9000) },
      });
    } else if (kind < 0.93) {
      const used = new Set(frontends.map((f) => f.bind.port));
      const free = this.ports.filter((p) => !used.has(p));
      if (free.length > 0) this.addFrontend(this.pick(free));
    } else if (frontends.length > 1) {
      this.frontends.delete(this.pick(frontends).id);
    }
  }

  body(): SnapshotBody {
    // The shared port's Frontends as the controller sends them: one object each.
    const { listeners } = resolveListeners(
      [...this.teams.values()].map((snap) => ({ snap, allowedNamespaces: ['*'] })),
      'default',
    );
    return {
      group: 'default',
      frontends: [...this.frontends.values(), ...listeners.flatMap((l) => l.snaps)].sort(byId),
      backends: [...this.backends.values()].sort(byId),
    };
  }
}
