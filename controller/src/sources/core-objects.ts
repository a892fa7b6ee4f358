// Core Kubernetes objects (v1 Secret, v1 Service, discovery.k8s.io/v1 EndpointSlice) reduced to
// store records. Shared by the directory source and, later, the Kubernetes source: both see the
// same JSON shape the API server serves.
import { ErrorCodes } from '#protocol/errors';
import type { EndpointData, Origin } from '../compile/types.js';
import type { Diagnostic, ObjectRef } from '../validate/diagnostic.js';
import type { ServiceRecord, StoreRecord } from '../store/records.js';
import { objectDiagnostic } from './diagnostics.js';

export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

export interface Converted {
  record?: StoreRecord;
  diagnostics: Diagnostic[];
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isPort = (v: unknown): v is number =>
  Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 65535;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export function secretRecord(obj: Obj, namespace: string, name: string, origin?: Origin): Converted {
  const ref: ObjectRef = { kind: 'Secret', namespace, name };
  const bad = (field: string, message: string): Converted => ({
    diagnostics: [objectDiagnostic(ref, field, ErrorCodes.CONFIG_SCHEMA, message, origin)],
  });
  const data: Record<string, string> = {};
  if (obj.data != null) {
    if (!isObj(obj.data)) return bad('data', 'data must be a map of base64 strings');
    for (const [key, value] of Object.entries(obj.data)) {
      const compact = typeof value === 'string' ? value.replace(/\s+/g, '') : null;
      // Never echo the value: it is secret material.
      if (compact === null || !BASE64.test(compact)) return bad(`data.${key}`, 'value is not valid base64');
      data[key] = Buffer.from(compact, 'base64').toString('utf8');
    }
  }
  if (obj.stringData != null) {
    if (!isObj(obj.stringData)) return bad('stringData', 'stringData must be a map of strings');
    // Like the API server: stringData is merged over data.
    for (const [key, value] of Object.entries(obj.stringData)) {
      if (value === null || typeof value === 'object')
        return bad(`stringData.${key}`, 'value must be a string');
      data[key] = String(value);
    }
  }
  const secret = { namespace, name, data, ...(typeof obj.type === 'string' ? { type: obj.type } : {}) };
  return { record: { type: 'secret', secret, ...(origin ? { origin } : {}) }, diagnostics: [] };
}

export function serviceRecord(obj: Obj, namespace: string, name: string, origin?: Origin): Converted {
  const ref: ObjectRef = { kind: 'Service', namespace, name };
  const diagnostics: Diagnostic[] = [];
  const spec = isObj(obj.spec) ? obj.spec : {};
  const ports: ServiceRecord['ports'] = [];
  const list = Array.isArray(spec.ports) ? spec.ports : [];
  list.forEach((p: unknown, i) => {
    const field = `spec.ports[${i}]`;
    if (!isObj(p) || !isPort(p.port)) {
      diagnostics.push(
        objectDiagnostic(
          ref,
          `${field}.port`,
          ErrorCodes.CONFIG_SCHEMA,
          'port must be an integer 1-65535',
          origin,
        ),
      );
      return;
    }
    if (p.protocol !== undefined && p.protocol !== 'TCP') return; // only TCP is proxied
    const tp = p.targetPort;
    ports.push({
      port: p.port,
      ...(typeof p.name === 'string' ? { name: p.name } : {}),
      ...(isPort(tp) || (typeof tp === 'string' && tp !== '') ? { targetPort: tp } : {}),
    });
  });
  const service: ServiceRecord = { namespace, name, ports };
  return { record: { type: 'service', service, ...(origin ? { origin } : {}) }, diagnostics };
}

export function endpointSliceRecord(obj: Obj, namespace: string, name: string, origin?: Origin): Converted {
  const metadata = isObj(obj.metadata) ? obj.metadata : {};
  const labels = isObj(metadata.labels) ? metadata.labels : {};
  const serviceName = typeof labels[SERVICE_NAME_LABEL] === 'string' ? labels[SERVICE_NAME_LABEL] : undefined;

  const ports: { port: number; name?: string }[] = [];
  for (const p of Array.isArray(obj.ports) ? obj.ports : []) {
    // A port without a number means "all ports" and cannot be proxied to; UDP/SCTP are not served.
    if (!isObj(p) || !isPort(p.port) || (p.protocol !== undefined && p.protocol !== 'TCP')) continue;
    ports.push({ port: p.port, ...(typeof p.name === 'string' && p.name !== '' ? { name: p.name } : {}) });
  }

  const endpoints: EndpointData[] = [];
  for (const ep of Array.isArray(obj.endpoints) ? obj.endpoints : []) {
    if (!isObj(ep) || !Array.isArray(ep.addresses)) continue;
    const c = isObj(ep.conditions) ? ep.conditions : {};
    // API semantics: ready unset means ready; serving unset mirrors ready; terminating unset is false.
    const ready = typeof c.ready === 'boolean' ? c.ready : true;
    const serving = typeof c.serving === 'boolean' ? c.serving : ready;
    const terminating = c.terminating === true;
    const target =
      isObj(ep.targetRef) && typeof ep.targetRef.name === 'string' ? ep.targetRef.name : undefined;
    for (const address of ep.addresses) {
      if (typeof address !== 'string' || address === '') continue;
      for (const p of ports) {
        endpoints.push({
          address,
          port: p.port,
          ...(p.name ? { portName: p.name } : {}),
          ready,
          serving,
          terminating,
          name: target ?? address,
        });
      }
    }
  }
  const slice = { namespace, name, endpoints, ...(serviceName ? { serviceName } : {}) };
  return { record: { type: 'endpointSlice', slice, ...(origin ? { origin } : {}) }, diagnostics: [] };
}
