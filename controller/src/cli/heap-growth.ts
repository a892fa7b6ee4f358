// The controller's old generation is collected once it is 1.5× its live data instead of up to 4×.
//
// Under config churn every run allocates a compile's worth of short-lived objects, and V8's
// adaptive growing factor (up to 4 on a machine with memory to spare) let the heap of a
// controller with ~50 MiB live at 5,000 routes reach ~240 MiB before each major GC: RSS that
// looked like a leak and was garbage. The controller is off the traffic path, so more frequent
// major GCs cost it nothing a client sees. A --heap-growing-percent given on the command line
// wins (the same helper sets the dataplane's bound: dataplane/src/heap-growth.ts).
import { boundHeapGrowth as bound } from '#dataplane/heap-growth';

export const CONTROLLER_HEAP_GROWING_PERCENT = 50;

export function boundHeapGrowth(percent = CONTROLLER_HEAP_GROWING_PERCENT): boolean {
  return bound(percent);
}
