// The wait queue of one backend (HAProxy's backend and per-server pending queues, kept as one
// arrival-ordered list). A request waits here when the servers it may use are all at
// maxConnections: unbound waiters take any server the balancer offers, bound waiters (persistent
// or hashed requests) wait for their own server. Whenever capacity may have appeared (a request
// ended, a swap, a server came up) the queue is woken and offers it in arrival order.
//
// The queue lives in BackendState, so requests that queued under an older snapshot keep their
// place across swaps; each waiter re-decides with the runtime it started on.

export interface Waiter {
  /** Waiting for one specific server (persistence, hashing) rather than any. */
  readonly bound: boolean;
  /**
   * Capacity may be available: try to get a server. True when the waiter is done (it got a server
   * or was answered otherwise) and leaves the queue; false to keep waiting.
   */
  tryAssign(): boolean;
}

export class WaitQueue {
  private items: Waiter[] = [];
  private waking = false;
  private again = false;

  get length(): number {
    return this.items.length;
  }

  add(w: Waiter): void {
    this.items.push(w);
  }

  remove(w: Waiter): void {
    const i = this.items.indexOf(w);
    if (i >= 0) this.items.splice(i, 1);
  }

  /**
   * Offers capacity to waiters in arrival order. Once an unbound waiter finds nothing, later
   * unbound ones would not either (same choice), so only bound ones are still tried.
   * Re-entrant calls (a grant that ends at once and frees its slot) are folded into a rerun.
   */
  wake(): void {
    if (this.items.length === 0) return;
    if (this.waking) {
      this.again = true;
      return;
    }
    this.waking = true;
    try {
      do {
        this.again = false;
        let unboundBlocked = false;
        const items = this.items;
        for (let i = 0; i < items.length;) {
          const w = items[i]!;
          if (!w.bound && unboundBlocked) {
            i++;
            continue;
          }
          // Remove before granting: the grant may re-enter (cancel, wake) and must not see it.
          items.splice(i, 1);
          if (w.tryAssign()) continue;
          items.splice(i, 0, w);
          if (!w.bound) unboundBlocked = true;
          i++;
        }
      } while (this.again && this.items.length > 0);
    } finally {
      this.waking = false;
    }
  }

  /** Every waiter, oldest first (shutdown, tests). */
  drainAll(): Waiter[] {
    const all = this.items;
    this.items = [];
    return all;
  }
}
