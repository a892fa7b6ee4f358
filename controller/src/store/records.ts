// What sources put into the store: one record per object they read. Core Kubernetes objects
// are reduced to the few fields compile needs; EndpointSlices are merged into their Service
// only when the store builds the compile input.
import type { EndpointData, Origin, SecretData, SourcedResource } from '../compile/types.js';
import type { ObjectRef } from '../validate/diagnostic.js';

export interface ServiceRecord {
  namespace: string;
  name: string;
  ports: { name?: string; port: number; targetPort?: number | string }[];
}

export interface EndpointSliceRecord {
  namespace: string;
  name: string;
  /** Label kubernetes.io/service-name; a slice without it belongs to no Service. */
  serviceName?: string;
  endpoints: EndpointData[];
}

export type StoreRecord =
  | { type: 'resource'; resource: SourcedResource }
  | { type: 'secret'; secret: SecretData; origin?: Origin }
  | { type: 'service'; service: ServiceRecord; origin?: Origin }
  | { type: 'endpointSlice'; slice: EndpointSliceRecord; origin?: Origin };

export const DEFAULT_NAMESPACE = 'default';

const refs = new WeakMap<StoreRecord, ObjectRef>();

/** The record's object reference: one per (frozen) record, as the store builds its input per edit. */
export function recordRef(r: StoreRecord): ObjectRef {
  let ref = refs.get(r);
  if (!ref) {
    ref = Object.freeze(refNow(r));
    if (Object.isFrozen(r)) refs.set(r, ref);
  }
  return ref;
}

function refNow(r: StoreRecord): ObjectRef {
  switch (r.type) {
    case 'resource':
      return {
        kind: r.resource.kind,
        namespace: r.resource.metadata.namespace ?? DEFAULT_NAMESPACE,
        name: r.resource.metadata.name,
      };
    case 'secret':
      return { kind: 'Secret', namespace: r.secret.namespace, name: r.secret.name };
    case 'service':
      return { kind: 'Service', namespace: r.service.namespace, name: r.service.name };
    case 'endpointSlice':
      return { kind: 'EndpointSlice', namespace: r.slice.namespace, name: r.slice.name };
  }
}

export const recordOrigin = (r: StoreRecord): Origin | undefined =>
  r.type === 'resource' ? r.resource.origin : r.origin;
