// A size-bounded map that forgets the least recently used entries first (Map keeps insertion
// order; touching an entry moves it to the end). Used by every per-client table so that a flood
// of source addresses costs bounded memory.
export class LruMap<K, V> {
  private readonly map = new Map<K, V>();

  constructor(readonly capacity: number) {}

  get size(): number {
    return this.map.size;
  }

  /** Returns the value and marks it most recently used. */
  get(key: K): V | undefined {
    const v = this.map.get(key);
    if (v !== undefined) {
      this.map.delete(key);
      this.map.set(key, v);
    }
    return v;
  }

  peek(key: K): V | undefined {
    return this.map.get(key);
  }

  set(key: K, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    while (this.map.size > this.capacity) {
      const oldest = this.map.keys().next().value as K;
      this.map.delete(oldest);
    }
  }

  delete(key: K): void {
    this.map.delete(key);
  }

  clear(): void {
    this.map.clear();
  }

  /** Oldest first. */
  entries(): IterableIterator<[K, V]> {
    return this.map.entries();
  }

  /** Drops entries from the oldest end while `stale` says so; stops at the first fresh one. */
  sweepOldest(stale: (v: V) => boolean, max = Infinity): void {
    let n = 0;
    for (const [k, v] of this.map) {
      if (n++ >= max || !stale(v)) return;
      this.map.delete(k);
    }
  }
}
