// What the controller announces to its observers (metrics, the admin overview, tests): a compile
// finished, statuses were recomputed. Type-only, so observers need not import the controller.
import type { CompileResult } from './compile/types.js';

export interface CompiledEvent {
  result: CompileResult;
  durationMs: number;
  /** Groups whose version changed and were sent (empty when the rebuild changed nothing). */
  published: string[];
  /** Groups that failed the consistency gate and kept their last good snapshot. */
  inconsistent: string[];
}

export interface ControllerEvents {
  compiled: [event: CompiledEvent];
  /** Statuses were recomputed (after a compile or dataplane activity). */
  status: [];
}
