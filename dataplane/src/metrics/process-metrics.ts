// prom-client's standard `process_*` and `nodejs_*` metrics on a registry, with a GC histogram
// that counts every collection. prom-client 15.1.3's own (lib/metrics/gc.js) observes only the
// first entry of each batch its PerformanceObserver is handed (`list.getEntries()[0]`), and Node
// hands over in one batch every collection made since the last delivery (several scavenges
// under load), so `nodejs_gc_duration_seconds` undercounted exactly when it mattered. Same name, help, label and buckets as prom-client's, so dashboards keep working.
// The controller and the dataplane both register through here.
//
// Built-ins and prom-client by require, not import: the dataplane's bundle (bin/bundle.mjs) hoists
// static imports to its start, and these load with the first scrape.
import { createRequire } from 'node:module';
import type * as PerfHooks from 'node:perf_hooks';
import type * as PromClient from 'prom-client';

const require = createRequire(import.meta.url);

const GC_METRIC = 'nodejs_gc_duration_seconds';
const GC_BUCKETS = [0.001, 0.01, 0.1, 1, 2, 5];

/** What a collection's entry carries (Node >= 16: the kind is in `detail`). */
interface GcEntry extends PerfHooks.PerformanceEntry {
  readonly detail?: { kind?: number } | null;
}

/**
 * One observer for the process, feeding every registry's histogram. Held weakly: a registry
 * dropped with its dataplane (tests run several in one process) takes its histogram with it.
 */
const gcHistograms = new Set<WeakRef<PromClient.Histogram<'kind'>>>();
let gcObserver: PerfHooks.PerformanceObserver | undefined;

function observeGc(): void {
  if (gcObserver) return;
  const { constants, PerformanceObserver } = require('node:perf_hooks') as typeof PerfHooks;
  const kinds = new Map<number, string>([
    [constants.NODE_PERFORMANCE_GC_MAJOR, 'major'],
    [constants.NODE_PERFORMANCE_GC_MINOR, 'minor'],
    [constants.NODE_PERFORMANCE_GC_INCREMENTAL, 'incremental'],
    [constants.NODE_PERFORMANCE_GC_WEAKCB, 'weakcb'],
  ]);
  gcObserver = new PerformanceObserver((list) => {
    const entries = list.getEntries() as GcEntry[];
    for (const ref of gcHistograms) {
      const h = ref.deref();
      if (!h) {
        gcHistograms.delete(ref);
        continue;
      }
      for (const entry of entries)
        h.observe({ kind: kinds.get(entry.detail?.kind ?? -1) ?? 'unknown' }, entry.duration / 1000);
    }
  });
  gcObserver.observe({ entryTypes: ['gc'] });
}

/** Registers prom-client's default metrics on `registry`, its GC histogram replaced by one that observes every collection. */
export function collectProcessMetrics(registry: PromClient.Registry): void {
  const { Histogram, collectDefaultMetrics } = require('prom-client') as typeof PromClient;
  collectDefaultMetrics({ register: registry });
  registry.removeSingleMetric(GC_METRIC);
  const histogram = new Histogram({
    name: GC_METRIC,
    help: 'Garbage collection duration by kind, one of major, minor, incremental or weakcb.',
    labelNames: ['kind'],
    buckets: GC_BUCKETS,
    registers: [registry],
  });
  gcHistograms.add(new WeakRef(histogram));
  observeGc();
}
