// The store every source feeds. Records live in buckets: the directory source uses one bucket
// per file (replaced wholesale on each read), a Kubernetes source one bucket per object.
// build() turns the whole store into a CompileInput that is sorted and therefore deterministic.
// The store knows whether it changed (writes of equal content are no-ops, found by comparing
// the bucket's content with what it holds), so nothing has to hash the whole input to find out.
import { ErrorCodes } from '#protocol/errors';
import { canonicalEqual, deepFreeze } from '#protocol/canonical';
import type {
  CompileInput,
  EndpointData,
  SecretData,
  ServiceData,
  SourcedResource,
} from '../compile/types.js';
import { sameItems } from '../compile/memo.js';
import { refKey, type Diagnostic } from '../validate/diagnostic.js';
import { compareStrings, sortDiagnostics } from './sort.js';
import { recordOrigin, recordRef, type EndpointSliceRecord, type StoreRecord } from './records.js';

interface Bucket {
  records: readonly StoreRecord[];
  diagnostics: readonly Diagnostic[];
}

export class ResourceStore {
  private readonly buckets = new Map<string, Bucket>();
  /** Bumped by every write that changes content; build() is remembered per generation. */
  private generation = 0;
  private built: { generation: number; input: CompileInput } | undefined;
  /** bucketNames() until a bucket is added or removed. */
  private names: string[] | undefined;
  /**
   * Since the last build: each bucket whose resources were replaced by resources of the same
   * kind, namespace and name (an edit), with the records it held then; null when anything else
   * changed (a bucket added or removed, diagnostics, another kind of record). Then the next build
   * patches the last one's resources in place instead of rebuilding from every bucket.
   */
  private edits: Map<string, readonly StoreRecord[]> | null = null;
  /** Where each resource of the last build is in its list (made on the first patch). */
  private positions: Map<SourcedResource, number> | undefined;
  /** The last full build reported duplicates (which name the first definition): always rebuilt. */
  private duplicates = false;

  /**
   * Replace a bucket's records and diagnostics; false when they equal what it holds (then the
   * records already there stay, and so does everything computed from them). Records are frozen:
   * nothing downstream may mutate them, which is also what lets later stages remember results
   * per record.
   */
  set(bucket: string, records: readonly StoreRecord[], diagnostics: readonly Diagnostic[] = []): boolean {
    const prev = this.buckets.get(bucket);
    if (prev && sameItems(prev.records, records) && sameItems(prev.diagnostics, diagnostics)) return false;
    // Equal content (a file written again as it was): a walk of both, nothing written or hashed.
    if (prev && canonicalEqual(prev.records, records) && canonicalEqual(prev.diagnostics, diagnostics))
      return false;
    if (!prev) this.names = undefined;
    if (prev && this.edits && sameResources(prev, records, diagnostics)) {
      if (!this.edits.has(bucket)) this.edits.set(bucket, prev.records);
    } else this.edits = null;
    this.buckets.set(bucket, {
      records: deepFreeze([...records]),
      diagnostics: [...diagnostics],
    });
    this.generation++;
    return true;
  }

  /** Replace only the diagnostics, keeping the last good records (a file that fails to parse). */
  setDiagnostics(bucket: string, diagnostics: readonly Diagnostic[]): boolean {
    return this.set(bucket, this.buckets.get(bucket)?.records ?? [], diagnostics);
  }

  delete(bucket: string): boolean {
    if (!this.buckets.delete(bucket)) return false;
    this.names = undefined;
    this.edits = null;
    this.generation++;
    return true;
  }

  has(bucket: string): boolean {
    return this.buckets.has(bucket);
  }

  bucketNames(): string[] {
    this.names ??= [...this.buckets.keys()].sort(compareStrings);
    return [...this.names];
  }

  /** The whole store as one sorted, deterministic input; the same object until the store changes. */
  build(): CompileInput {
    if (this.built?.generation !== this.generation) {
      const patched =
        this.built && this.edits && !this.duplicates ? this.patch(this.built.input, this.edits) : undefined;
      if (!patched) this.positions = undefined;
      this.built = { generation: this.generation, input: patched ?? this.buildNow() };
      this.edits = new Map();
    }
    return this.built.input;
  }

  /**
   * The last input with the edited resources put in place of the ones they replace: the same
   * order (same kind, namespace and name), the same everything else. Undefined when a replaced
   * resource is not in it (then the whole input is built again).
   */
  private patch(
    last: CompileInput,
    edits: ReadonlyMap<string, readonly StoreRecord[]>,
  ): CompileInput | undefined {
    const positions = (this.positions ??= new Map(last.resources.map((r, i) => [r, i])));
    const resources = [...last.resources];
    for (const [bucket, before] of edits) {
      const after = this.buckets.get(bucket)!.records;
      for (const [i, old] of before.entries()) {
        const was = (old as ResourceRecord).resource;
        const now = (after[i] as ResourceRecord).resource;
        const at = positions.get(was);
        if (at === undefined) return undefined;
        resources[at] = now;
        positions.delete(was);
        positions.set(now, at);
      }
    }
    return { ...last, resources };
  }

  private buildNow(): CompileInput {
    const resources: SourcedResource[] = [];
    const secrets: SecretData[] = [];
    const services = new Map<string, ServiceData>();
    const slices: EndpointSliceRecord[] = [];
    const diagnostics: Diagnostic[] = [];
    const seen = new Map<string, StoreRecord>();

    this.names ??= [...this.buckets.keys()].sort(compareStrings);
    this.duplicates = false;
    for (const name of this.names) {
      const bucket = this.buckets.get(name)!;
      diagnostics.push(...bucket.diagnostics);
      for (const record of bucket.records) {
        const key = refKey(recordRef(record));
        const first = seen.get(key);
        if (first) {
          diagnostics.push(duplicateDiagnostic(record, first, name));
          this.duplicates = true;
          continue;
        }
        seen.set(key, record);
        switch (record.type) {
          case 'resource':
            resources.push(record.resource);
            break;
          case 'secret':
            secrets.push(record.secret);
            break;
          case 'service':
            services.set(`${record.service.namespace}/${record.service.name}`, {
              ...record.service,
              endpoints: [],
            });
            break;
          case 'endpointSlice':
            slices.push(record.slice);
            break;
        }
      }
    }

    for (const slice of slices) {
      // A slice whose Service is unknown is an orphan (normal, briefly, in a cluster): ignore it.
      const svc = slice.serviceName ? services.get(`${slice.namespace}/${slice.serviceName}`) : undefined;
      if (svc) svc.endpoints.push(...slice.endpoints);
    }
    for (const svc of services.values()) svc.endpoints = mergeEndpoints(svc.endpoints);

    const byRef = (a: { namespace: string; name: string }, b: { namespace: string; name: string }) =>
      compareStrings(a.namespace, b.namespace) || compareStrings(a.name, b.name);
    return {
      resources: sortResources(resources),
      secrets: secrets.sort(byRef),
      services: [...services.values()].sort(byRef),
      sourceDiagnostics: sortDiagnostics(diagnostics),
    };
  }
}

type ResourceRecord = Extract<StoreRecord, { type: 'resource' }>;

/**
 * Whether `records` replace `prev`'s resources one for one with resources of the same kind,
 * namespace and name, neither with diagnostics: an edit that leaves the input's order as it was.
 */
function sameResources(
  prev: Bucket,
  records: readonly StoreRecord[],
  diagnostics: readonly Diagnostic[],
): boolean {
  if (prev.diagnostics.length > 0 || diagnostics.length > 0 || prev.records.length !== records.length)
    return false;
  return records.every((r, i) => {
    const p = prev.records[i]!;
    return r.type === 'resource' && p.type === 'resource' && sortKey(r.resource) === sortKey(p.resource);
  });
}

const sortKeys = new WeakMap<SourcedResource, string>();

/** A resource's place in the input: kind, namespace, name (made once per resource object). */
function sortKey(r: SourcedResource): string {
  let key = sortKeys.get(r);
  if (key === undefined)
    sortKeys.set(r, (key = `${r.kind}\u0000${r.metadata.namespace ?? ''}\u0000${r.metadata.name}`));
  return key;
}

/**
 * By kind, namespace, name: each resource's key made once (the store builds its whole input
 * again after every edit, and a comparison that built its operands cost ~1 ms per build).
 */
function sortResources(resources: SourcedResource[]): SourcedResource[] {
  return resources
    .map((r) => ({ key: sortKey(r), r }))
    .sort((a, b) => compareStrings(a.key, b.key))
    .map((x) => x.r);
}

/**
 * During rollouts the same endpoint can sit in two slices at once; keep one entry per
 * address/port, preferring the one that is ready, then serving.
 */
function mergeEndpoints(endpoints: EndpointData[]): EndpointData[] {
  const rank = (e: EndpointData) => (e.ready ? 2 : 0) + (e.serving ? 1 : 0);
  const byKey = new Map<string, EndpointData>();
  for (const e of endpoints) {
    const key = `${e.portName ?? ''}|${e.port}|${e.address}`;
    const prev = byKey.get(key);
    if (!prev || rank(e) > rank(prev)) byKey.set(key, e);
  }
  return [...byKey.values()].sort(
    (a, b) =>
      compareStrings(a.portName ?? '', b.portName ?? '') ||
      a.port - b.port ||
      compareStrings(a.address, b.address) ||
      compareStrings(a.name, b.name),
  );
}

/** The later definition is ignored; the diagnostic points at it, not at the object that stays live. */
function duplicateDiagnostic(dup: StoreRecord, first: StoreRecord, bucket: string): Diagnostic {
  const ref = recordRef(dup);
  const at = recordOrigin(dup);
  const firstAt = recordOrigin(first);
  const where = firstAt ? ` at ${firstAt.file}:${firstAt.line}` : '';
  const file = at?.file ?? bucket;
  return {
    object: { kind: 'File', namespace: '', name: file },
    field: '',
    message: `${ref.kind} ${ref.namespace}/${ref.name} is already defined${where}; this definition is ignored`,
    code: ErrorCodes.CONFIG_DUPLICATE,
    condition: 'Accepted',
    file,
    ...(at ? { line: at.line } : {}),
  };
}
