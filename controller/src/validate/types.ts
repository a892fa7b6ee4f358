// The input of the validate stage: resources as a source read them. Type-only.
import type { Resource } from '#api/v1alpha1';

/** Line and column (1-based) of each field of a document, keyed by field path ("spec.bind.port"). */
export type FieldPositions = Record<string, [line: number, column: number]>;

/** Where a resource came from, for error messages (directory source). */
export interface Origin {
  file: string;
  /** The line the object starts on. */
  line: number;
  fields?: FieldPositions;
}

export interface SourcedResource extends Resource {
  origin?: Origin;
}
