// One decoded document → a store record. Structural problems (not an object, no identity) make
// the whole file fail like a syntax error would; a kind we do not serve only skips the document.
import { API_VERSION, KINDS, type Kind } from '#api/v1alpha1';
import { ErrorCodes } from '#protocol/errors';
import type { Origin, SourcedResource } from '../compile/types.js';
import type { Diagnostic } from '../validate/diagnostic.js';
import { DEFAULT_NAMESPACE, type StoreRecord } from '../store/records.js';
import { endpointSliceRecord, secretRecord, serviceRecord, type Converted } from './core-objects.js';
import { fileDiagnostic, objectDiagnostic } from './diagnostics.js';

export type DocumentOutcome =
  | { outcome: 'record'; record: StoreRecord; diagnostics: Diagnostic[] }
  /** The document is left out; the rest of the file still applies. */
  | { outcome: 'skip'; diagnostics: Diagnostic[] }
  /** The file is unusable as a whole: keep its last good records. */
  | { outcome: 'fatal'; diagnostics: Diagnostic[] };

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const nonEmpty = (v: unknown): v is string => typeof v === 'string' && v.length > 0;

const BASCULE_KINDS = new Set<string>(KINDS.map((k) => k.kind));
const CORE: Record<
  string,
  { apiVersion: string; convert: (o: Obj, ns: string, name: string, at: Origin) => Converted }
> = {
  Secret: { apiVersion: 'v1', convert: secretRecord },
  Service: { apiVersion: 'v1', convert: serviceRecord },
  EndpointSlice: { apiVersion: 'discovery.k8s.io/v1', convert: endpointSliceRecord },
};
const KNOWN = [...BASCULE_KINDS, ...Object.keys(CORE)].join(', ');

const describe = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'a list' : `a ${typeof v}`);

export function documentToRecord(value: unknown, origin: Origin): DocumentOutcome {
  const fatal = (message: string): DocumentOutcome => ({
    outcome: 'fatal',
    diagnostics: [fileDiagnostic(origin.file, origin.line, ErrorCodes.CONFIG_PARSE, message)],
  });
  if (!isObj(value))
    return fatal(`document is ${describe(value)}, expected an object with apiVersion and kind`);
  const { apiVersion, kind, metadata } = value;
  if (!nonEmpty(apiVersion)) return fatal('apiVersion is missing');
  if (!nonEmpty(kind)) return fatal('kind is missing');
  if (!isObj(metadata) || !nonEmpty(metadata.name)) return fatal(`${kind}: metadata.name is missing`);
  if (metadata.namespace != null && !nonEmpty(metadata.namespace))
    return fatal(`${kind}: metadata.namespace must be a string`);
  const name = metadata.name;
  const namespace = (metadata.namespace as string | undefined) ?? DEFAULT_NAMESPACE;

  const expected = BASCULE_KINDS.has(kind) ? API_VERSION : CORE[kind]?.apiVersion;
  if (expected === undefined) {
    return {
      outcome: 'skip',
      diagnostics: [
        fileDiagnostic(
          origin.file,
          origin.line,
          ErrorCodes.CONFIG_UNKNOWN_KIND,
          `unknown kind "${kind}" (apiVersion ${apiVersion}) for ${namespace}/${name}; expected one of ${KNOWN}`,
        ),
      ],
    };
  }
  const ref = { kind: kind as Kind | 'Secret' | 'Service' | 'EndpointSlice', namespace, name };
  if (apiVersion !== expected) {
    const message = `apiVersion "${apiVersion}" is not served for kind ${kind}; use ${expected}`;
    return {
      outcome: 'skip',
      diagnostics: [objectDiagnostic(ref, 'apiVersion', ErrorCodes.CONFIG_API_VERSION, message, origin)],
    };
  }

  if (BASCULE_KINDS.has(kind)) {
    // status belongs to the controller; a pasted `kubectl get -o yaml` must not feed it back.
    const { status: _status, ...rest } = value;
    const resource = { ...rest, metadata: { ...metadata, namespace }, origin } as unknown as SourcedResource;
    return { outcome: 'record', record: { type: 'resource', resource }, diagnostics: [] };
  }
  const converted = CORE[kind]!.convert(value, namespace, name, origin);
  return converted.record
    ? { outcome: 'record', record: converted.record, diagnostics: converted.diagnostics }
    : { outcome: 'skip', diagnostics: converted.diagnostics };
}
