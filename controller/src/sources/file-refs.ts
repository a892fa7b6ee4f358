// Standalone mode lets a Frontend or Backend name PEM files (certFile/keyFile, caFile) instead
// of Secrets. The directory source reads those files and turns each reference into a synthetic
// Secret plus a secretName/caSecretName, so compile only ever deals with Secrets.
import path from 'node:path';
import { deepFreeze, sha256Hex } from '#protocol/canonical';
import { ErrorCodes } from '#protocol/errors';
import type { CompileInput, SecretData, SourcedResource } from '../compile/types.js';
import { compareStrings, sortDiagnostics } from '../store/sort.js';
import type { Diagnostic } from '../validate/diagnostic.js';
import { objectDiagnostic } from './diagnostics.js';

export type FileContent = { text: string } | { error: string };

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): v is string => typeof v === 'string' && v.length > 0;

interface Site {
  field: string;
  holder: Obj;
  /** Holder keys naming files → Secret keys they fill. */
  files: Record<string, string>;
  /** Holder key that receives the synthetic Secret's name. */
  refKey: 'secretName' | 'caSecretName';
}

/** Places in a spec that may name files; `holder` objects belong to `spec` (clone it first). */
function sitesOf(kind: string, spec: unknown): Site[] {
  const out: Site[] = [];
  const pair = (holder: unknown, field: string) => {
    if (isObj(holder) && !str(holder.secretName) && str(holder.certFile) && str(holder.keyFile)) {
      out.push({ field, holder, files: { certFile: 'tls.crt', keyFile: 'tls.key' }, refKey: 'secretName' });
    }
  };
  const ca = (holder: unknown, field: string) => {
    if (isObj(holder) && !str(holder.caSecretName) && str(holder.caFile)) {
      out.push({ field, holder, files: { caFile: 'ca.crt' }, refKey: 'caSecretName' });
    }
  };
  const tls = isObj(spec) && isObj(spec.tls) ? spec.tls : undefined;
  if (!tls) return out;
  if (kind === 'Frontend') {
    if (Array.isArray(tls.certificates))
      tls.certificates.forEach((c, i) => pair(c, `spec.tls.certificates[${i}]`));
    ca(tls.clientAuth, 'spec.tls.clientAuth');
  } else if (kind === 'Backend') {
    ca(tls, 'spec.tls');
    pair(tls.clientCertificate, 'spec.tls.clientCertificate');
  }
  return out;
}

const baseDir = (r: SourcedResource) => (r.origin ? path.dirname(r.origin.file) : process.cwd());

const NONE: readonly string[] = Object.freeze([]);
const filesOf = new WeakMap<SourcedResource, readonly string[]>();

/**
 * Absolute paths of the files one resource names, remembered per (frozen) resource object: the
 * input is looked through on every batch, and an edit replaces one object of ~1,100.
 */
function resourceFiles(r: SourcedResource): readonly string[] {
  let files = filesOf.get(r);
  if (files === undefined) {
    const found: string[] = [];
    for (const site of sitesOf(r.kind, r.spec)) {
      for (const key of Object.keys(site.files))
        found.push(path.resolve(baseDir(r), site.holder[key] as string));
    }
    files = found.length > 0 ? found : NONE;
    if (Object.isFrozen(r)) filesOf.set(r, files);
  }
  return files;
}

/** Absolute paths of every file the input's resources name. */
export function referencedFiles(input: CompileInput): string[] {
  const paths = new Set<string>();
  for (const r of input.resources) for (const file of resourceFiles(r)) paths.add(file);
  return [...paths].sort();
}

/** Rewrites file references into synthetic Secrets, using the contents read by the caller. */
export function resolveFileRefs(
  input: CompileInput,
  contents: ReadonlyMap<string, FileContent>,
): CompileInput {
  const secrets = new Map<string, SecretData>(input.secrets.map((s) => [`${s.namespace}/${s.name}`, s]));
  const diagnostics: Diagnostic[] = [...(input.sourceDiagnostics ?? [])];
  let touched = false;

  // No resource names a file (the usual case): the very same input.
  if (!input.resources.some((r) => resourceFiles(r).length > 0)) return input;
  const resources = input.resources.map((r) => {
    if (resourceFiles(r).length === 0) return r;
    const spec = structuredClone(r.spec);
    const namespace = r.metadata.namespace ?? 'default';
    const ref = { kind: r.kind, namespace, name: r.metadata.name };
    for (const site of sitesOf(r.kind, spec)) {
      const data: Record<string, string> = {};
      const used: string[] = [];
      for (const [key, secretKey] of Object.entries(site.files)) {
        const file = path.resolve(baseDir(r), site.holder[key] as string);
        const content = contents.get(file) ?? { error: 'not read' };
        if ('error' in content) {
          const message = `cannot read ${file}: ${content.error}`;
          diagnostics.push(
            objectDiagnostic(
              ref,
              `${site.field}.${key}`,
              ErrorCodes.TLS_INVALID,
              message,
              r.origin,
              'ResolvedRefs',
            ),
          );
          continue;
        }
        data[secretKey] = content.text;
        used.push(file);
      }
      if (used.length !== Object.keys(site.files).length) continue; // left as is: compile reports it
      const name = `bascule-file-${sha256Hex(used.join('\n')).slice(0, 16)}`;
      secrets.set(`${namespace}/${name}`, { namespace, name, type: 'kubernetes.io/tls', data });
      for (const key of Object.keys(site.files)) delete site.holder[key];
      site.holder[site.refKey] = name;
    }
    touched = true;
    return deepFreeze({ ...r, spec }) as SourcedResource;
  });
  if (!touched) return input;
  return {
    ...input,
    resources,
    secrets: [...secrets.values()].sort(
      (a, b) => compareStrings(a.namespace, b.namespace) || compareStrings(a.name, b.name),
    ),
    sourceDiagnostics: sortDiagnostics(diagnostics),
  };
}
