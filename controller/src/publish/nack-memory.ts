// Remembers, per dataplane nodeId, which snapshot versions it rejected, across reconnects, so a
// rejected version is never sent to that node again. Bounded: old nodes and versions age out.
export interface NackRecord {
  version: string;
  error: { code: string; message: string };
  at: Date;
}

export class NackMemory {
  private readonly nodes = new Map<string, Map<string, NackRecord>>();

  constructor(
    private readonly maxNodes = 4096,
    private readonly maxVersionsPerNode = 32,
  ) {}

  remember(nodeId: string, record: NackRecord): void {
    const versions = this.nodes.get(nodeId) ?? new Map<string, NackRecord>();
    this.nodes.delete(nodeId); // re-insert: Map order doubles as LRU order
    this.nodes.set(nodeId, versions);
    versions.delete(record.version);
    versions.set(record.version, record);
    if (versions.size > this.maxVersionsPerNode) versions.delete(versions.keys().next().value!);
    if (this.nodes.size > this.maxNodes) this.nodes.delete(this.nodes.keys().next().value!);
  }

  rejected(nodeId: string, version: string): boolean {
    return this.nodes.get(nodeId)?.has(version) ?? false;
  }

  /** The most recent NACK of a node, if any. */
  last(nodeId: string): NackRecord | undefined {
    const versions = this.nodes.get(nodeId);
    if (!versions || versions.size === 0) return undefined;
    return [...versions.values()].at(-1);
  }
}
