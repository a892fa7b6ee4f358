// Source-address stickiness (HAProxy "stick-table type ip ... expire <t>" + "stick on src"):
// client address → server key. An entry expires when unused for `expire`; the table is bounded
// (least recently used entries go first), so a flood of addresses costs bounded memory.
import { LruMap } from '../limits/lru.js';

/** Entries per backend (HAProxy stick-table "size"). */
export const MAX_STICK_ENTRIES = 100_000;

interface Entry {
  server: string;
  expires: number;
}

export class StickTable {
  private readonly table: LruMap<string, Entry>;

  constructor(capacity = MAX_STICK_ENTRIES) {
    this.table = new LruMap(capacity);
  }

  get size(): number {
    return this.table.size;
  }

  /** The server key stored for `client`, if the entry is still fresh (then refreshed). */
  lookup(client: string, now: number, expireMs: number): string | undefined {
    const e = this.table.get(client);
    if (!e) return undefined;
    if (e.expires <= now) {
      this.table.delete(client);
      return undefined;
    }
    e.expires = now + expireMs;
    return e.server;
  }

  store(client: string, server: string, now: number, expireMs: number): void {
    this.table.set(client, { server, expires: now + expireMs });
    this.table.sweepOldest((x) => x.expires <= now, 16); // amortized expiry
  }

  clear(): void {
    this.table.clear();
  }
}
