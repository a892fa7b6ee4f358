// Backend → BackendSnap: static servers plus ready endpoints of the referenced Service.
import { ErrorCodes } from '#protocol/errors';
import { parseDuration } from '#protocol/duration';
import type { BackendSnap, HealthSnap, ServerSnap } from '#protocol/snapshot';
import type { BackendSpecT } from '#api/v1alpha1';
import type { ValidResource } from '../validate/validate.js';
import { idOf, ObjectDiagnostics } from './context.js';
import { DEFAULT_RETRIES, DEFAULT_TIMEOUTS } from './defaults.js';
import type { SecretData, ServiceData } from './types.js';
import { caBundleProblem, resolveCertificate, type CertificateMemory } from './tls.js';

export interface BackendLookups {
  healthPolicies: Map<string, HealthSnap>;
  services: Map<string, ServiceData>;
  secrets: Map<string, SecretData>;
  /** For client certificates: checked like frontend certificates, with the same fallback. */
  now?: number;
  certificates?: CertificateMemory;
}

function serviceServers(
  spec: BackendSpecT & { service: NonNullable<BackendSpecT['service']> },
  ns: string,
  lookups: BackendLookups,
  diag: ObjectDiagnostics,
): ServerSnap[] {
  const svc = lookups.services.get(idOf(ns, spec.service.name));
  if (!svc) {
    diag.add(
      'ResolvedRefs',
      ErrorCodes.REF_NOT_FOUND,
      'spec.service.name',
      `Service "${spec.service.name}" not found in namespace ${ns}`,
    );
    return [];
  }
  const want = spec.service.port;
  const svcPort = svc.ports.find((p) => (typeof want === 'number' ? p.port === want : p.name === want));
  if (!svcPort) {
    diag.add(
      'ResolvedRefs',
      ErrorCodes.REF_INVALID,
      'spec.service.port',
      `Service "${svc.name}" has no port ${JSON.stringify(want)}`,
    );
    return [];
  }
  // EndpointSlice ports carry the Service port's name (empty for a single unnamed port).
  const portName = svcPort.name ?? '';
  const servers: ServerSnap[] = [];
  for (const ep of svc.endpoints) {
    if ((ep.portName ?? '') !== portName) continue;
    // Ready endpoints take traffic; terminating-but-serving ones drain (persistent clients only).
    let state: ServerSnap['state'];
    if (ep.ready && !ep.terminating) state = 'ready';
    else if (ep.serving && ep.terminating) state = 'drain';
    else continue;
    servers.push({
      name: `${ep.name}:${ep.port}`,
      address: ep.address,
      port: ep.port,
      weight: 1,
      backup: false,
      state,
      cookie: `${ep.name}-${ep.port}`,
      source: 'service',
    });
  }
  return servers.sort((a, b) =>
    a.name < b.name ? -1 : a.name > b.name ? 1 : a.address < b.address ? -1 : 1,
  );
}

export function compileBackend(
  v: ValidResource<BackendSpecT>,
  lookups: BackendLookups,
  diag: ObjectDiagnostics,
): BackendSnap {
  const s = v.spec;
  const ns = v.ref.namespace;
  const servers: ServerSnap[] = (s.servers ?? []).map((sv): ServerSnap => {
    const out: ServerSnap = {
      name: sv.name,
      address: sv.address,
      port: sv.port,
      // weight, state and mode carry the schema's defaults: validate applied them (ajv useDefaults).
      weight: sv.weight!,
      backup: sv.backup ?? false,
      state: sv.state!,
      cookie: sv.cookie ?? sv.name,
      source: 'static',
    };
    if (sv.maxConnections !== undefined) out.maxConnections = sv.maxConnections;
    if (sv.checkPort !== undefined) out.checkPort = sv.checkPort;
    return out;
  });
  if (s.service) {
    const withService = { ...s, service: s.service };
    const staticNames = new Set(servers.map((x) => x.name));
    for (const sv of serviceServers(withService, ns, lookups, diag))
      if (!staticNames.has(sv.name)) servers.push(sv);
  }
  const t = { ...DEFAULT_TIMEOUTS, ...(s.timeouts ?? {}) };
  const out: BackendSnap = {
    id: idOf(ns, v.ref.name),
    namespace: ns,
    name: v.ref.name,
    mode: s.mode!,
    balance: {
      algorithm: s.balance?.algorithm ?? 'roundrobin',
      hashType: s.balance?.hashType ?? 'map-based',
      ...(s.balance?.hashKey ? { hashKey: s.balance.hashKey } : {}),
    },
    allBackups: s.allBackups ?? false,
    servers,
    timeouts: {
      connect: parseDuration(t.connect),
      server: parseDuration(t.server),
      queue: parseDuration(t.queue),
      tunnel: parseDuration(t.tunnel),
    },
    retries: {
      attempts: s.retries?.attempts ?? DEFAULT_RETRIES.attempts,
      redispatch: s.retries ? (s.retries.redispatch ?? true) : DEFAULT_RETRIES.redispatch,
      onResponseTimeout: s.retries?.onResponseTimeout ?? false,
    },
    keepAlive: s.keepAlive ?? true,
    slowStartMs: s.slowStart ? parseDuration(s.slowStart) : 0,
  };
  if (s.maxQueue !== undefined) out.maxQueue = s.maxQueue;
  if (s.healthPolicy) {
    const hp = lookups.healthPolicies.get(idOf(ns, s.healthPolicy));
    if (hp) out.health = hp;
    else
      diag.add(
        'ResolvedRefs',
        ErrorCodes.REF_NOT_FOUND,
        'spec.healthPolicy',
        `HealthPolicy "${s.healthPolicy}" not found or not accepted; servers are used without health checks until it resolves`,
      );
  }
  if (s.persistence?.cookie) {
    const c = s.persistence.cookie;
    out.persistence = {
      cookie: {
        name: c.name,
        mode: c.mode ?? 'insert',
        indirect: c.indirect ?? false,
        nocache: c.nocache ?? false,
        httpOnly: c.httpOnly ?? false,
        secure: c.secure ?? false,
        path: c.path ?? '/',
        ...(c.sameSite ? { sameSite: c.sameSite } : {}),
        ...(c.maxAge ? { maxAgeMs: parseDuration(c.maxAge) } : {}),
        ...(c.domain ? { domain: c.domain } : {}),
      },
    };
  } else if (s.persistence?.source) {
    out.persistence = { source: { expireMs: parseDuration(s.persistence.source.expire ?? '30m') } };
  }
  if (s.tls) {
    const tls: NonNullable<BackendSnap['tls']> = { insecureSkipVerify: s.tls.insecureSkipVerify ?? false };
    if (s.tls.sni) tls.sni = s.tls.sni;
    if (s.tls.caSecretName) {
      const sec = lookups.secrets.get(idOf(ns, s.tls.caSecretName));
      const ca = sec?.data['ca.crt'];
      const problem = ca ? caBundleProblem(ca) : undefined;
      // An unusable CA is left out: servers are then verified against the system store (fail closed).
      if (ca && problem)
        diag.add(
          'ResolvedRefs',
          ErrorCodes.TLS_INVALID,
          'spec.tls.caSecretName',
          `ca.crt of Secret "${s.tls.caSecretName}" ${problem}`,
        );
      else if (ca) tls.caPem = ca;
      else
        diag.add(
          'ResolvedRefs',
          ErrorCodes.REF_NOT_FOUND,
          'spec.tls.caSecretName',
          `Secret "${s.tls.caSecretName}" ${sec ? 'has no key ca.crt' : 'not found'}`,
        );
    } else if (s.tls.caFile) {
      diag.add(
        'ResolvedRefs',
        ErrorCodes.TLS_INVALID,
        'spec.tls.caFile',
        'caFile is only available in standalone mode with files mounted',
      );
    }
    if (s.tls.clientCertificate?.secretName) {
      const cert = resolveCertificate(
        ns,
        s.tls.clientCertificate.secretName,
        'spec.tls.clientCertificate.secretName',
        { ...lookups, now: lookups.now ?? 0 },
        diag,
      );
      if (cert) {
        tls.clientCertPem = cert.certPem;
        tls.clientKeyPem = cert.keyPem;
      }
    }
    out.tls = tls;
  }
  return out;
}
