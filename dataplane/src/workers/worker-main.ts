// A worker process of a multi-worker dataplane (forked by workers/worker-pool.ts).
import { runWorker } from './worker.js';

runWorker();
