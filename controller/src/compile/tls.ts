// Certificates from kubernetes.io/tls Secrets: parsed and checked here, so a bad certificate is
// a diagnostic on the Frontend (the previous snapshot keeps serving), not a dataplane NACK.
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { ErrorCodes } from '../../../protocol/src/errors.js';
import type { CertificateSnap } from '../../../protocol/src/snapshot.js';
import { idOf, type ObjectDiagnostics } from './context.js';
import type { SecretData } from './types.js';

export function tlsSecretPair(secrets: Map<string, SecretData>, ns: string, name: string, field: string, diag: ObjectDiagnostics): { certPem: string; keyPem: string } | undefined {
  const sec = secrets.get(idOf(ns, name));
  if (!sec) {
    diag.add('ResolvedRefs', ErrorCodes.REF_NOT_FOUND, field, `Secret "${name}" not found in namespace ${ns}`);
    return undefined;
  }
  const certPem = sec.data['tls.crt'];
  const keyPem = sec.data['tls.key'];
  if (!certPem || !keyPem) {
    diag.add('ResolvedRefs', ErrorCodes.TLS_INVALID, field, `Secret "${name}" must have keys tls.crt and tls.key`);
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
export function checkCertificate(name: string, certPem: string, keyPem: string, field: string, now: number, diag: ObjectDiagnostics): CertificateSnap | undefined {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(certPem);
  } catch (err) {
    diag.add('ResolvedRefs', ErrorCodes.TLS_INVALID, field, `certificate of "${name}" is not valid PEM: ${(err as Error).message}`);
    return undefined;
  }
  try {
    if (!cert.checkPrivateKey(createPrivateKey(keyPem))) {
      diag.add('ResolvedRefs', ErrorCodes.TLS_INVALID, field, `private key of "${name}" does not match its certificate`);
      return undefined;
    }
  } catch (err) {
    diag.add('ResolvedRefs', ErrorCodes.TLS_INVALID, field, `private key of "${name}" is not valid PEM: ${(err as Error).message}`);
    return undefined;
  }
  if (Date.parse(cert.validTo) < now) {
    diag.add('ResolvedRefs', ErrorCodes.TLS_INVALID, field, `certificate of "${name}" expired on ${cert.validTo}`);
    return undefined;
  }
  return { name, certPem, keyPem, serverNames: certificateNames(cert) };
}
