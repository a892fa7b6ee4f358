// Certificates from kubernetes.io/tls Secrets: parsed and checked here, so a bad certificate is
// a diagnostic on the Frontend (the previous snapshot keeps serving), not a dataplane NACK.
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { ErrorCodes } from '#protocol/errors';
import type { CertificateSnap } from '#protocol/snapshot';
import { idOf, type ObjectDiagnostics } from './context.js';
import type { SecretData } from './types.js';

/** Where diagnostics go (an ObjectDiagnostics, or a collector that may rewrite them). */
export type DiagSink = Pick<ObjectDiagnostics, 'add'>;

export function tlsSecretPair(
  secrets: Map<string, SecretData>,
  ns: string,
  name: string,
  field: string,
  diag: DiagSink,
): { certPem: string; keyPem: string } | undefined {
  const sec = secrets.get(idOf(ns, name));
  if (!sec) {
    diag.add(
      'ResolvedRefs',
      ErrorCodes.REF_NOT_FOUND,
      field,
      `Secret "${name}" not found in namespace ${ns}`,
    );
    return undefined;
  }
  const certPem = sec.data['tls.crt'];
  const keyPem = sec.data['tls.key'];
  if (!certPem || !keyPem) {
    diag.add(
      'ResolvedRefs',
      ErrorCodes.TLS_INVALID,
      field,
      `Secret "${name}" must have keys tls.crt and tls.key`,
    );
    return undefined;
  }
  return { certPem, keyPem };
}

/** Names a certificate serves: DNS SANs, else the subject CN. */
export function certificateNames(cert: X509Certificate): string[] {
  const names = (cert.subjectAltName ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.startsWith('DNS:'))
    .map((s) => s.slice(4).toLowerCase());
  if (names.length > 0) return names.sort();
  const cn = /(?:^|\n)CN=([^\n]+)/.exec(cert.subject)?.[1];
  return cn ? [cn.toLowerCase()] : [];
}

/**
 * Parses and checks a certificate/key pair. `now` is passed in to keep compile pure.
 * Returns undefined (with a diagnostic) for malformed PEM, a key that does not match, or an expired certificate.
 */
export function checkCertificate(
  name: string,
  certPem: string,
  keyPem: string,
  field: string,
  now: number,
  diag: DiagSink,
): CertificateSnap | undefined {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(certPem);
  } catch (err) {
    diag.add(
      'ResolvedRefs',
      ErrorCodes.TLS_INVALID,
      field,
      `certificate of "${name}" is not valid PEM: ${(err as Error).message}`,
    );
    return undefined;
  }
  try {
    if (!cert.checkPrivateKey(createPrivateKey(keyPem))) {
      diag.add(
        'ResolvedRefs',
        ErrorCodes.TLS_INVALID,
        field,
        `private key of "${name}" does not match its certificate`,
      );
      return undefined;
    }
  } catch (err) {
    diag.add(
      'ResolvedRefs',
      ErrorCodes.TLS_INVALID,
      field,
      `private key of "${name}" is not valid PEM: ${(err as Error).message}`,
    );
    return undefined;
  }
  if (Date.parse(cert.validTo) < now) {
    diag.add(
      'ResolvedRefs',
      ErrorCodes.TLS_INVALID,
      field,
      `certificate of "${name}" expired on ${cert.validTo}`,
    );
    return undefined;
  }
  return { name, certPem, keyPem, serverNames: certificateNames(cert) };
}

/** The last certificate that passed the checks, per "namespace/secretName" (see CompileInput). */
export interface CertificateMemory {
  /** From the previous compile (input). */
  readonly lastGood: Readonly<Record<string, CertificateSnap>>;
  /** Filled by this compile: every certificate it put in a snapshot, fresh or kept (output). */
  readonly used: Map<string, CertificateSnap>;
}

type Pending = Parameters<DiagSink['add']>;

/**
 * A certificate from a kubernetes.io/tls Secret, checked. When the Secret is missing or its
 * current content is unusable (malformed PEM, key mismatch, expired) and an earlier compile had a
 * good certificate for the same Secret, that one keeps serving: the problem is still reported
 * (ResolvedRefs=False) and says the previous certificate is in use. Without one, the problem is
 * reported and nothing is returned.
 */
export function resolveCertificate(
  ns: string,
  secretName: string,
  field: string,
  lookups: { secrets: Map<string, SecretData>; now: number; certificates?: CertificateMemory },
  diag: DiagSink,
): CertificateSnap | undefined {
  const problems: Pending[] = [];
  const collect: DiagSink = { add: (...a: Pending) => void problems.push(a) };
  const pair = tlsSecretPair(lookups.secrets, ns, secretName, field, collect);
  const fresh = pair && checkCertificate(secretName, pair.certPem, pair.keyPem, field, lookups.now, collect);
  const key = idOf(ns, secretName);
  if (fresh) {
    lookups.certificates?.used.set(key, fresh);
    return fresh;
  }
  const prev = lookups.certificates?.lastGood[key];
  const prevValidTo = prev ? validTo(prev.certPem) : undefined;
  if (!prev || prevValidTo === undefined || prevValidTo < lookups.now) {
    for (const p of problems) diag.add(...p);
    return undefined;
  }
  const until = new Date(prevValidTo).toISOString();
  for (const [condition, code, f, message] of problems)
    diag.add(
      condition,
      code,
      f,
      `${message}; the previous certificate of "${secretName}" (valid until ${until}) keeps serving`,
    );
  lookups.certificates!.used.set(key, prev);
  return prev;
}

function validTo(certPem: string): number | undefined {
  try {
    return Date.parse(new X509Certificate(certPem).validTo);
  } catch {
    return undefined;
  }
}

/** A problem with a PEM CA bundle (ca.crt), or undefined when it holds at least one certificate. */
export function caBundleProblem(pem: string): string | undefined {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) return 'holds no PEM certificate';
  for (const [i, b] of blocks.entries()) {
    try {
      new X509Certificate(b);
    } catch (err) {
      return `certificate ${i + 1} is not valid: ${(err as Error).message}`;
    }
  }
  return undefined;
}
