// Renders the CustomResourceDefinitions from the TypeBox schema (the single source).
/* eslint-disable @typescript-eslint/no-explicit-any */
import { stringify } from 'yaml';
import { GROUP, KINDS, Status, VERSION, type KindDef } from './v1alpha1.js';

const KIND_DESCRIPTIONS: Record<KindDef['kind'], string> = {
  Frontend:
    'Frontend is a listening socket on the dataplanes of a group and the rules that route its traffic (HAProxy frontend).',
  Backend:
    'Backend is a pool of servers, how traffic is balanced across them, and how they are checked (HAProxy backend).',
  HealthPolicy:
    'HealthPolicy describes active and passive health checks, shared by Backends (HAProxy check options).',
};

/** JSON schema (ajv flavour) → structural OpenAPI v3 schema for a CRD. */
export function toStructural(schema: any): any {
  if (Array.isArray(schema)) return schema.map(toStructural);
  if (!schema || typeof schema !== 'object') return schema;
  const out: any = {};
  for (const [k, v] of Object.entries(schema)) {
    // additionalProperties:false is what structural schemas mean by default (unknown fields are pruned
    // or rejected by kubectl's strict field validation); CRDs forbid it beside properties.
    if (k === 'additionalProperties' && v === false) continue;
    out[k] =
      k === 'properties'
        ? Object.fromEntries(Object.entries(v as object).map(([pk, pv]) => [pk, toStructural(pv)]))
        : toStructural(v);
  }
  return out;
}

export function renderCrd(def: KindDef): object {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${def.plural}.${GROUP}`, labels: { 'app.kubernetes.io/part-of': 'bascule' } },
    spec: {
      group: GROUP,
      names: {
        kind: def.kind,
        listKind: `${def.kind}List`,
        plural: def.plural,
        singular: def.singular,
        shortNames: def.shortNames,
        categories: ['bascule'],
      },
      scope: 'Namespaced',
      versions: [
        {
          name: VERSION,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: def.printerColumns,
          schema: {
            openAPIV3Schema: {
              type: 'object',
              description: KIND_DESCRIPTIONS[def.kind],
              required: ['spec'],
              properties: {
                apiVersion: {
                  type: 'string',
                  description: 'APIVersion defines the versioned schema of this representation of an object.',
                },
                kind: {
                  type: 'string',
                  description:
                    'Kind is a string value representing the REST resource this object represents.',
                },
                metadata: { type: 'object' },
                spec: toStructural(def.spec),
                status: toStructural(Status),
              },
            },
          },
        },
      ],
    },
  };
}

export const CRD_HEADER =
  '# Generated from controller/src/api/v1alpha1.ts by `npm run gen:crds`. Do not edit by hand.\n';

export function renderCrdFiles(): Record<string, string> {
  const files: Record<string, string> = {};
  for (const def of KINDS) {
    files[`${GROUP}_${def.plural}.yaml`] =
      CRD_HEADER + stringify(renderCrd(def), { lineWidth: 0, aliasDuplicateObjects: false });
  }
  return files;
}

/** All CRDs in one multi-document file (the kustomize base cannot load files outside itself). */
export function renderCrdBundle(): string {
  return Object.values(renderCrdFiles())
    .map((text) => text.replace(CRD_HEADER, ''))
    .reduce((out, doc) => `${out}---\n${doc}`, CRD_HEADER);
}
