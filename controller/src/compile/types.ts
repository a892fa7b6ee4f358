// Input and output of the pure stages: what the store builds (CompileInput), what the compile
// stage takes once validate has run (ValidatedInput) and gives (CompileOutput), and the result
// of the whole run with one report per object (CompileResult).
import type { CertificateSnap, Snapshot } from '#protocol/snapshot';
import type { Diagnostic, ObjectRef } from '../validate/diagnostic.js';
import type { ValidatedObject, ValidResource } from '../validate/validate.js';
import type { CompileMemo } from './memo.js';

// The resources as read, the input of validate and then of compile.
export type { FieldPositions, Origin, SourcedResource } from '../validate/types.js';
import type { SourcedResource } from '../validate/types.js';

export interface SecretData {
  namespace: string;
  name: string;
  type?: string;
  /** Decoded values (Kubernetes Secret data is base64; sources decode it). */
  data: Record<string, string>;
}

export interface EndpointData {
  address: string;
  port: number;
  /** Name of the port in the slice, when any. */
  portName?: string;
  ready: boolean;
  serving: boolean;
  terminating: boolean;
  /** Stable name for the server derived from the endpoint (targetRef or address). */
  name: string;
}

export interface ServiceData {
  namespace: string;
  name: string;
  ports: { name?: string; port: number; targetPort?: number | string }[];
  /** Endpoints gathered from all EndpointSlices of the service. */
  endpoints: EndpointData[];
}

/** What the store builds from every source: the input of validate, then compile. */
export interface CompileInput {
  resources: SourcedResource[];
  secrets: SecretData[];
  services: ServiceData[];
  /** Diagnostics from the source (parse errors) passed through to the result. */
  sourceDiagnostics?: Diagnostic[];
  /** Wall-clock time (ms) for certificate expiry checks; passed in to keep compile pure. */
  now?: number;
  /**
   * The last accepted version of each object. When an object's current version fails schema or
   * rule validation, this version keeps serving (as the API server would have kept it), and the
   * object reports Accepted=False for the new version.
   */
  lastAccepted?: SourcedResource[];
  /** The same, by refKey, as the pipeline keeps it (used instead of lastAccepted when given). */
  acceptedVersions?: ReadonlyMap<string, SourcedResource>;
  /**
   * Certificates that passed the checks in an earlier compile, by "namespace/secretName"
   * (CompileResult.certificates of the previous run). When a Secret goes missing or its new
   * content is unusable (malformed, key mismatch, expired), its last good certificate keeps
   * serving — if still valid — and the object reports the problem. See docs/tls.md.
   */
  lastGoodCertificates?: Readonly<Record<string, CertificateSnap>>;
}

/** The compile stage's input: validated objects only, plus what they reference. */
export interface ValidatedInput {
  /** The version of each object to compile: its current one if valid, else its last accepted one. */
  valid: readonly ValidResource[];
  secrets: readonly SecretData[];
  services: readonly ServiceData[];
  now?: number;
  lastGoodCertificates?: Readonly<Record<string, CertificateSnap>>;
  /** Per-object results of earlier runs, reused for objects that did not change (memo.ts). */
  memo?: CompileMemo;
}

/** The compile stage's output, before it is joined with validation into per-object reports. */
export interface CompileOutput {
  snapshots: Record<string, Snapshot>;
  /** Problems found while compiling (references, certificates, port conflicts), object by object. */
  diagnostics: Diagnostic[];
  /** Object key (refKey) → the sorted dataplane groups whose snapshot contains it. */
  groups: ReadonlyMap<string, string[]>;
  certificates: Record<string, CertificateSnap>;
}

export interface ObjectReport {
  ref: ObjectRef;
  generation?: number;
  accepted: boolean;
  resolvedRefs: boolean;
  /** Dataplane groups whose snapshot contains this object. */
  groups: string[];
  diagnostics: Diagnostic[];
  /** The current version was rejected and the last accepted version is compiled instead. */
  servingPrevious?: boolean;
}

export interface CompileResult {
  /** One snapshot per dataplane group, keyed by group name. */
  snapshots: Record<string, Snapshot>;
  diagnostics: Diagnostic[];
  objects: ObjectReport[];
  /** Every certificate this compile used, fresh or kept, by "namespace/secretName" (never printed). */
  certificates?: Record<string, CertificateSnap>;
}

/** What a run leaves for the next one to reuse (CompileMemo.stages; pipeline/stages.ts). */
export interface StagesState {
  readonly validate: (resource: SourcedResource) => ValidatedObject;
  readonly resources: readonly SourcedResource[];
  readonly sourceDiagnostics: readonly Diagnostic[] | undefined;
  readonly validated: readonly ValidatedObject[];
  /** What compile got, when every object was valid (then it is each validated object's valid form). */
  readonly valid: readonly ValidResource[] | undefined;
  readonly compiledDiagnostics: readonly Diagnostic[];
  readonly diagnostics: Diagnostic[];
  readonly groups: ReadonlyMap<string, string[]>;
  readonly servingPrevious: number;
  readonly objects: ObjectReport[];
}
