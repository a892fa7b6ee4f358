// Converted resources → multi-document YAML, with every message as a comment next to the
// resource it concerns ("# haproxy.cfg:LINE: ...") and the rest at the top.
import { Document } from 'yaml';
import { API_VERSION, type Resource } from '#api/v1alpha1';
import type { ConvertedResource, ConvertResult } from './convert.js';
import { formatMessage, type ImportMessage } from './report.js';

export interface EmitOptions {
  /** How the source file is named in comments (its base name). */
  file: string;
  namespace?: string;
}

const key = (kind: string, name: string) => `${kind}/${name}`;

/** Which resource each message is shown next to; undefined = the top of the output. */
export function placeMessages(result: ConvertResult): Map<string | undefined, ImportMessage[]> {
  const present = new Set(result.resources.map((r) => key(r.kind, r.name)));
  const out = new Map<string | undefined, ImportMessage[]>();
  const sorted = [...result.report.messages].sort((a, b) => a.line - b.line);
  for (const m of sorted) {
    const a = m.anchors.find((x) => present.has(key(x.kind, x.name)));
    const k = a ? key(a.kind, a.name) : undefined;
    out.set(k, [...(out.get(k) ?? []), m]);
  }
  return out;
}

const comment = (lines: string[]) => lines.map((l) => ` ${l}`.replace(/\s+$/, '')).join('\n');

export function emitYaml(result: ConvertResult, opts: EmitOptions): string {
  const placed = placeMessages(result);
  const header = [
    `Bascule resources imported from ${opts.file} by "bascule import".`,
    `Lines marked "not converted" have no Bascule equivalent; "note" lines were converted with a caveat.`,
    'Check the result with: bascule validate -f <this file>',
    ...(placed.get(undefined) ?? []).map((m) => formatMessage(opts.file, m)),
  ];
  const docs = result.resources.map((r, i) => {
    const doc = new Document(manifest(r, opts.namespace), { aliasDuplicateObjects: false });
    const lines = [
      `${opts.file}:${r.origin.line}: ${r.origin.text}`,
      ...(placed.get(key(r.kind, r.name)) ?? []).map((m) => formatMessage(opts.file, m)),
    ];
    doc.commentBefore = comment(i === 0 ? [...header, '', ...lines] : lines);
    return doc.toString({ lineWidth: 0 });
  });
  if (docs.length === 0) return `${comment(header).replace(/^/gm, '#')}\n`;
  return docs.join('---\n');
}

function manifest(r: ConvertedResource, namespace: string | undefined): Resource<ConvertedResource['spec']> {
  return {
    apiVersion: API_VERSION,
    kind: r.kind,
    metadata: namespace ? { name: r.name, namespace } : { name: r.name },
    spec: r.spec,
  };
}
