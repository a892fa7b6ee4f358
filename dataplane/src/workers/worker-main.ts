// A worker process of a multi-worker dataplane (forked by workers/worker-pool.ts). Its V8 flags
// are the primary's command-line ones (execArgv); the heap settings the primary set at run time
// (heap-growth.ts: the growth bound, memory saver mode) are set here again.
import { boundHeapGrowth, DATAPLANE_HEAP_GROWING_PERCENT, enableMemorySaver } from '../heap-growth.js';
import { runWorker } from './worker.js';

boundHeapGrowth(DATAPLANE_HEAP_GROWING_PERCENT);
enableMemorySaver();
runWorker();
