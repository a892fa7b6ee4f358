// Objects read from the API server → store records, and the references between them.
// Only what compile needs is kept: spec, identity, generation and creationTimestamp. status,
// resourceVersion, managedFields and annotations are dropped, so the controller's own status
// writes (which bump the resourceVersion) and kubectl's last-applied annotation never cause a
// recompile.
import { API_VERSION, type Kind } from '#api/v1alpha1';
import type { SourcedResource } from '../compile/types.js';
import { DEFAULT_NAMESPACE, type StoreRecord } from '../store/records.js';
import { endpointSliceRecord, secretRecord, serviceRecord, type Converted } from './core-objects.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): v is string => typeof v === 'string' && v.length > 0;

/** The identity fields every Kubernetes object has. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: {
    name?: string;
    namespace?: string;
    generation?: number;
    resourceVersion?: string;
    uid?: string;
    labels?: Record<string, string>;
  };
  [key: string]: unknown;
}

export const nameOf = (o: KubeObject): string => o.metadata?.name ?? '';
export const namespaceOf = (o: KubeObject): string => o.metadata?.namespace || DEFAULT_NAMESPACE;
export const keyOf = (namespace: string, name: string): string => `${namespace}/${name}`;

export function resourceRecord(kind: Kind, obj: KubeObject): StoreRecord {
  const md = obj.metadata ?? {};
  const created = (md as { creationTimestamp?: unknown }).creationTimestamp;
  const creationTimestamp =
    created instanceof Date ? created.toISOString() : typeof created === 'string' ? created : undefined;
  const resource: SourcedResource = {
    apiVersion: API_VERSION,
    kind,
    metadata: {
      name: nameOf(obj),
      namespace: namespaceOf(obj),
      ...(typeof md.generation === 'number' ? { generation: md.generation } : {}),
      // Port conflicts are settled by age: the older Frontend keeps the port.
      ...(creationTimestamp ? { creationTimestamp } : {}),
    } as SourcedResource['metadata'],
    spec: obj.spec ?? {},
  };
  return { type: 'resource', resource };
}

// Typed list results (class instances) and raw watch events carry the same JSON field names,
// so the converters shared with the directory source apply to both.
export const secretToRecord = (o: KubeObject): Converted => secretRecord(o as Obj, namespaceOf(o), nameOf(o));
export const serviceToRecord = (o: KubeObject): Converted =>
  serviceRecord(o as Obj, namespaceOf(o), nameOf(o));
export const sliceToRecord = (o: KubeObject): Converted =>
  endpointSliceRecord(o as Obj, namespaceOf(o), nameOf(o));

export interface References {
  /** namespace/name of Services named by Backend.spec.service. */
  services: Set<string>;
  /** namespace/name of Secrets named by TLS settings. */
  secrets: Set<string>;
}

/** Services and Secrets the resources refer to (same namespace, as the API defines). */
export function referencesOf(resources: readonly SourcedResource[]): References {
  const services = new Set<string>();
  const secrets = new Set<string>();
  for (const r of resources) {
    const ns = r.metadata.namespace ?? DEFAULT_NAMESPACE;
    const spec = isObj(r.spec) ? r.spec : {};
    const secret = (v: unknown) => {
      if (str(v)) secrets.add(keyOf(ns, v));
    };
    const tls = isObj(spec.tls) ? spec.tls : undefined;
    if (r.kind === 'Frontend' && tls) {
      if (Array.isArray(tls.certificates))
        for (const c of tls.certificates) if (isObj(c)) secret(c.secretName);
      if (isObj(tls.clientAuth)) secret(tls.clientAuth.caSecretName);
    }
    if (r.kind === 'Backend') {
      if (isObj(spec.service) && str(spec.service.name)) services.add(keyOf(ns, spec.service.name));
      if (tls) {
        secret(tls.caSecretName);
        if (isObj(tls.clientCertificate)) secret(tls.clientCertificate.secretName);
      }
    }
  }
  return { services, secrets };
}
