// Shared helpers for the per-kind processors.
import type { ErrorCode } from '#protocol/errors';
import { located, type ConditionType, type Diagnostic } from '../validate/diagnostic.js';
import type { ValidResource } from '../validate/validate.js';

export const idOf = (namespace: string, name: string) => `${namespace}/${name}`;

/** Collects diagnostics for one object, carrying its origin for file:line output. */
export class ObjectDiagnostics {
  readonly list: Diagnostic[] = [];
  constructor(private readonly v: ValidResource) {}
  add(condition: ConditionType, code: ErrorCode, field: string, message: string): void {
    this.list.push({
      object: this.v.ref,
      field,
      message,
      code,
      condition,
      ...located(this.v.resource.origin, field),
    });
  }
}
