// Frontend → FrontendSnap: rules resolved against backends of the same namespace.
import { canonicalEqual } from '#protocol/canonical';
import { ErrorCodes } from '#protocol/errors';
import { parseDuration } from '#protocol/duration';
import type { BackendSnap, FrontendSnap, HeaderEditsSnap, RuleSnap } from '#protocol/snapshot';
import type { FrontendSpecT, HeaderEditsT } from '#api/v1alpha1';
import type { ValidResource } from '../validate/validate.js';
import { idOf, type ObjectDiagnostics } from './context.js';
import { DEFAULT_TIMEOUTS } from './defaults.js';
import { caBundleProblem, resolveCertificate, type CertificateMemory } from './tls.js';
import type { SecretData } from './types.js';

export interface FrontendLookups {
  backends: Map<string, BackendSnap>;
  secrets: Map<string, SecretData>;
  now: number;
  /** Last good certificates (fallback for a bad or missing Secret) and the ones used now. */
  certificates?: CertificateMemory;
}

export const headerEdits = (h: HeaderEditsT | undefined): HeaderEditsSnap => ({
  add: (h?.add ?? []).map((x) => ({ name: x.name, value: x.value })),
  set: (h?.set ?? []).map((x) => ({ name: x.name, value: x.value })),
  remove: [...(h?.remove ?? [])],
});

type RuleT = NonNullable<FrontendSpecT['rules']>[number];

const copyMatch = (m: RuleT['match']): RuleSnap['match'] => {
  const out: RuleSnap['match'] = {};
  if (m?.host) out.host = String(m.host).toLowerCase();
  if (m?.path) out.path = { ...m.path };
  if (m?.methods) out.methods = [...m.methods];
  if (m?.headers) out.headers = m.headers.map((h) => ({ ...h, name: h.name.toLowerCase() }));
  if (m?.queryParams) out.queryParams = m.queryParams.map((q) => ({ ...q }));
  if (m?.sourceCIDRs) out.sourceCIDRs = [...m.sourceCIDRs];
  if (m?.sni) out.sni = m.sni.map((x: string) => x.toLowerCase());
  return out;
};

/** Resolves a backend name; an unresolvable one answers 503 for that route only (Gateway API does the same). */
function backendAction(
  name: string,
  field: string,
  fe: FrontendSpecT,
  ns: string,
  lookups: FrontendLookups,
  diag: ObjectDiagnostics,
): RuleSnap['action'] {
  const be = lookups.backends.get(idOf(ns, name));
  if (!be) {
    diag.add(
      'ResolvedRefs',
      ErrorCodes.REF_NOT_FOUND,
      field,
      `Backend "${name}" not found or not accepted in namespace ${ns}`,
    );
    return { type: 'deny', status: 503, body: `backend ${ns}/${name} is not available\n` };
  }
  if (be.mode !== fe.mode) {
    diag.add(
      'ResolvedRefs',
      ErrorCodes.MODE_CONFLICT,
      field,
      `Backend "${name}" has mode ${be.mode} but the frontend has mode ${fe.mode}`,
    );
    return { type: 'deny', status: 503, body: `backend ${ns}/${name} is not available\n` };
  }
  return { type: 'backend', backend: be.id };
}

export interface CompiledFrontend {
  snap: FrontendSnap;
  /** Backend ids this frontend routes to. */
  backendIds: string[];
}

/**
 * An earlier compile of the same Frontend (same namespace and name): its validated spec and
 * what it compiled to. Its rules are matched to the new ones by name (unique in a valid spec).
 */
export interface PreviousFrontend {
  readonly spec: FrontendSpecT;
  readonly snap: FrontendSnap;
}

/**
 * The earlier compile's snapshot of rule `r`, when it is exactly what compiling `r` now gives:
 * a rule of that name with the same content (canonical JSON), in a Frontend of the same mode,
 * and, for a backend rule, routed to that backend then and now with no problem (the backend
 * exists and has the Frontend's mode: nothing to report, so no diagnostic depends on the
 * rule's index). Everything a rule compiles to comes from its own spec, the Frontend's mode
 * and namespace and that backend's id and mode.
 */
function previousRule(
  r: RuleT,
  byName: ReadonlyMap<string, number> | undefined,
  prev: PreviousFrontend | undefined,
  fe: FrontendSpecT,
  ns: string,
  lookups: FrontendLookups,
): RuleSnap | undefined {
  if (!byName || !prev) return undefined;
  const at = byName.get(r.name);
  if (at === undefined) return undefined;
  const before = prev.spec.rules![at]!;
  if (!canonicalEqual(before, r)) return undefined;
  const snap = prev.snap.rules[at]!;
  if (r.backend) {
    const id = idOf(ns, r.backend);
    const be = lookups.backends.get(id);
    if (!be || be.mode !== fe.mode || snap.action.type !== 'backend' || snap.action.backend !== id)
      return undefined;
  }
  return snap;
}

export function compileFrontend(
  v: ValidResource<FrontendSpecT>,
  lookups: FrontendLookups,
  diag: ObjectDiagnostics,
  prev?: PreviousFrontend,
): CompiledFrontend {
  const s = v.spec;
  const ns = v.ref.namespace;
  const backendIds = new Set<string>();
  // The earlier compile's rules, by name, when its snapshot has one rule per spec rule in order
  // (always: compileFrontend maps them one to one) and the same mode and namespace.
  let byName: Map<string, number> | undefined;
  if (
    prev &&
    prev.spec.mode === s.mode &&
    prev.snap.namespace === ns &&
    (prev.spec.rules ?? []).length === prev.snap.rules.length
  ) {
    byName = new Map();
    (prev.spec.rules ?? []).forEach((r, i) => byName!.set(r.name, i));
  }
  const rules: RuleSnap[] = (s.rules ?? []).map((r, i): RuleSnap => {
    const kept = previousRule(r, byName, prev, s, ns, lookups);
    if (kept) {
      if (kept.action.type === 'backend') backendIds.add(kept.action.backend);
      return kept;
    }
    let action: RuleSnap['action'];
    if (r.backend) {
      action = backendAction(r.backend, `spec.rules[${i}].backend`, s, ns, lookups, diag);
      if (action.type === 'backend') backendIds.add(action.backend);
    } else if (r.redirect) {
      const rd = r.redirect;
      action = {
        type: 'redirect',
        code: rd.code ?? 302,
        stripQuery: rd.stripQuery ?? false,
        ...(rd.scheme ? { scheme: rd.scheme } : {}),
        ...(rd.host ? { host: rd.host } : {}),
        ...(rd.port ? { port: rd.port } : {}),
        ...(rd.path ? { path: rd.path } : {}),
        ...(rd.prefix ? { prefix: rd.prefix } : {}),
      };
    } else {
      // Validation guarantees exactly one of backend, redirect or deny.
      const deny = r.deny!;
      action = {
        type: 'deny',
        status: deny.status ?? 403,
        ...(deny.body !== undefined ? { body: deny.body } : {}),
      };
    }
    const rule: RuleSnap = { name: r.name, match: copyMatch(r.match), action };
    if (r.requestHeaders) rule.requestHeaders = headerEdits(r.requestHeaders);
    if (r.responseHeaders) rule.responseHeaders = headerEdits(r.responseHeaders);
    return rule;
  });
  const t = { ...DEFAULT_TIMEOUTS, ...(s.timeouts ?? {}) };
  const snap: FrontendSnap = {
    id: idOf(ns, v.ref.name),
    namespace: ns,
    name: v.ref.name,
    // mode and bind.address carry the schema's defaults: validate applied them (ajv useDefaults).
    mode: s.mode!,
    bind: { address: s.bind.address!, port: s.bind.port },
    forwardFor: s.forwardFor ?? false,
    via: s.via ?? false,
    timeouts: {
      client: parseDuration(t.client),
      httpRequest: parseDuration(t.httpRequest),
      keepAlive: parseDuration(t.keepAlive),
    },
    rules,
    requestHeaders: headerEdits(s.requestHeaders),
    responseHeaders: headerEdits(s.responseHeaders),
  };
  if (s.maxConnections !== undefined) snap.maxConnections = s.maxConnections;
  if (s.defaultBackend) {
    const action = backendAction(s.defaultBackend, 'spec.defaultBackend', s, ns, lookups, diag);
    if (action.type === 'backend') {
      snap.defaultBackend = action.backend;
      backendIds.add(action.backend);
    }
  }
  if (s.rateLimit) {
    snap.rateLimit = {
      requests: s.rateLimit.requests,
      periodMs: parseDuration(s.rateLimit.period),
      key: 'source',
      status: s.rateLimit.status ?? 429,
    };
  }
  if (s.connectionLimit)
    snap.connectionLimit = {
      perSource: s.connectionLimit.perSource,
      status: s.connectionLimit.status ?? 429,
    };
  if (s.tls) {
    const certificates = [];
    for (const [i, c] of s.tls.certificates.entries()) {
      const field = `spec.tls.certificates[${i}]`;
      if (!c.secretName) {
        diag.add(
          'ResolvedRefs',
          ErrorCodes.TLS_INVALID,
          `${field}.certFile`,
          'certFile/keyFile must be loaded by the directory source; not found',
        );
        continue;
      }
      const cert = resolveCertificate(ns, c.secretName, `${field}.secretName`, lookups, diag);
      if (cert) certificates.push(cert);
    }
    const ca = s.tls.clientAuth;
    let caPem: string | undefined;
    if (ca?.caSecretName) {
      caPem = lookups.secrets.get(idOf(ns, ca.caSecretName))?.data['ca.crt'];
      if (!caPem)
        diag.add(
          'ResolvedRefs',
          ErrorCodes.REF_NOT_FOUND,
          'spec.tls.clientAuth.caSecretName',
          `Secret "${ca.caSecretName}" not found or has no key ca.crt`,
        );
      const problem = caPem ? caBundleProblem(caPem) : undefined;
      if (problem) {
        // No CA: every client certificate is refused (mode optional/required fail closed).
        diag.add(
          'ResolvedRefs',
          ErrorCodes.TLS_INVALID,
          'spec.tls.clientAuth.caSecretName',
          `ca.crt of Secret "${ca.caSecretName}" ${problem}; client certificates are refused`,
        );
        caPem = undefined;
      }
    } else if (ca?.caFile) {
      diag.add(
        'ResolvedRefs',
        ErrorCodes.TLS_INVALID,
        'spec.tls.clientAuth.caFile',
        'caFile is only available in standalone mode with files mounted; client certificates are refused',
      );
    }
    snap.tls = {
      certificates,
      alpn: [...(s.tls.alpn ?? ['http/1.1'])],
      strictSNI: s.tls.strictSNI ?? false,
      clientAuth: { mode: ca?.mode ?? 'none', ...(caPem ? { caPem } : {}) },
      ...(s.tls.minVersion ? { minVersion: s.tls.minVersion } : {}),
      ...(s.tls.maxVersion ? { maxVersion: s.tls.maxVersion } : {}),
      ...(s.tls.ciphers ? { ciphers: s.tls.ciphers } : {}),
    };
  }
  return { snap, backendIds: [...backendIds].sort() };
}
