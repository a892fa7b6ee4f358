// Kubernetes-style conditions. lastTransitionTime moves only when the status value flips, so
// reason and message updates do not look like transitions.
import type { StatusT } from '#api/v1alpha1';

export type Condition = NonNullable<StatusT['conditions']>[number];
export type ConditionStatus = Condition['status'];

/** The schema caps messages; long diagnostic lists are cut, not rejected by the API server. */
const MAX_MESSAGE = 32_768;

export interface ConditionInput {
  type: 'Accepted' | 'ResolvedRefs' | 'Programmed';
  status: ConditionStatus;
  reason: string;
  message: string;
}

export function makeCondition(
  next: ConditionInput,
  previous: readonly Condition[] | undefined,
  now: Date,
  observedGeneration?: number,
): Condition {
  const prev = previous?.find((c) => c.type === next.type);
  const message =
    next.message.length > MAX_MESSAGE ? `${next.message.slice(0, MAX_MESSAGE - 1)}…` : next.message;
  return {
    type: next.type,
    status: next.status,
    reason: next.reason,
    message,
    lastTransitionTime: prev && prev.status === next.status ? prev.lastTransitionTime : now.toISOString(),
    ...(observedGeneration !== undefined ? { observedGeneration } : {}),
  };
}

/** The least healthy of several statuses: False, then Unknown, then True. */
export const worstStatus = (a: ConditionStatus, b: ConditionStatus): ConditionStatus =>
  a === 'False' || b === 'False' ? 'False' : a === 'Unknown' || b === 'Unknown' ? 'Unknown' : 'True';
