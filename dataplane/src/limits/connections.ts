// Concurrent connections per client address (HAProxy src_conn_cur / sc_conn_cur). Entries exist
// only while a client has connections open, so the table is bounded by open connections.
export class ConnectionCounter {
  private readonly open = new Map<string, number>();

  count(key: string): number {
    return this.open.get(key) ?? 0;
  }

  get clients(): number {
    return this.open.size;
  }

  /** Takes a slot for `key` when it holds fewer than `limit`; returns whether it did. */
  tryAcquire(key: string, limit: number): boolean {
    const n = this.open.get(key) ?? 0;
    if (n >= limit) return false;
    this.open.set(key, n + 1);
    return true;
  }

  acquire(key: string): void {
    this.open.set(key, (this.open.get(key) ?? 0) + 1);
  }

  release(key: string): void {
    const n = (this.open.get(key) ?? 0) - 1;
    if (n <= 0) this.open.delete(key);
    else this.open.set(key, n);
  }
}
