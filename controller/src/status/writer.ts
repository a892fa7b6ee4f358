// Where computed status goes. In directory mode it stays in memory (shown by the admin
// endpoint); the Kubernetes implementation patches the status subresource.
import type { StatusT } from '#api/v1alpha1';
import { refKey, type ObjectRef } from '../validate/diagnostic.js';

export interface StatusWriter {
  /** Called only when the object's status changed. */
  write(ref: ObjectRef, status: StatusT): Promise<void>;
  /** The object is gone; drop whatever is kept for it. */
  forget?(ref: ObjectRef): Promise<void>;
  /**
   * False while this replica must not write (it is not the elected leader): the tracker then
   * keeps every write pending instead of calling write(). Absent means always active.
   */
  readonly active?: boolean;
  /** Registers a callback for when the writer becomes active (pending writes are retried). */
  onActivate?(listener: () => void): void;
}

export class MemoryStatusWriter implements StatusWriter {
  private readonly entries = new Map<string, { ref: ObjectRef; status: StatusT }>();
  /** How many writes happened (tests check that unchanged status is not rewritten). */
  writes = 0;

  async write(ref: ObjectRef, status: StatusT): Promise<void> {
    this.writes++;
    this.entries.set(refKey(ref), { ref: { ...ref }, status: structuredClone(status) });
  }

  async forget(ref: ObjectRef): Promise<void> {
    this.entries.delete(refKey(ref));
  }

  get(ref: ObjectRef): StatusT | undefined {
    return this.entries.get(refKey(ref))?.status;
  }

  all(): { ref: ObjectRef; status: StatusT }[] {
    return [...this.entries.values()];
  }
}
