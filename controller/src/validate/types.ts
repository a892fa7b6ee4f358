// The input of the validate stage: resources as a source read them. Type-only.
import type { Resource } from '#api/v1alpha1';

/** Where a resource came from, for error messages (directory source). */
export interface Origin {
  file: string;
  line: number;
}

export interface SourcedResource extends Resource {
  origin?: Origin;
}
