// The metric catalogue stays honest: every metric the dataplane and controller register is
// documented (with its type and labels) in docs/observability.md, and every metric the Grafana
// dashboard queries exists.
import { expect } from 'chai';
import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MetricObject } from 'prom-client';
import { ControllerMetrics } from '#controller/metrics/controller-metrics';
import type { OverrideBook } from '#controller/metrics/overrides';
import type { SnapshotServer } from '#controller/publish/snapshot-server';
import { DataplaneMetrics } from '#dataplane/metrics/prometheus';
import { TrafficStats } from '#dataplane/metrics/stats';
import type { DataplaneView } from '#dataplane/metrics/view';
import { WorkerMetrics } from '#dataplane/workers/aggregate-metrics';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../../..');

async function registered(): Promise<Array<MetricObject & { labelNames?: string[] }>> {
  const view = {
    nodeId: 'n',
    group: 'g',
    runtime: () => ({ version: null, snapshot: null, frontends: new Map(), backends: new Map() }),
    listeners: () => [],
    health: () => undefined,
    appliedAt: () => null,
    controller: () => null,
    applies: () => ({
      applied: 0,
      noop: 0,
      rejected: 0,
      nacks: new Map(),
      lastDurationMs: null,
      lastError: null,
    }),
  } as unknown as DataplaneView;
  const dp = new DataplaneMetrics(view, new TrafficStats(), { processMetrics: false });
  const publisher = Object.assign(new EventEmitter(), {
    snapshots: () => ({}),
    dataplanes: () => [],
    versionOf: () => null,
  });
  const ctl = new ControllerMetrics({
    events: new EventEmitter() as never,
    publisher: publisher as unknown as SnapshotServer,
    statuses: () => [],
    overrides: { all: () => [] } as unknown as OverrideBook,
    leader: () => true,
    processMetrics: false,
  });
  const workers = new WorkerMetrics(); // multi-worker dataplanes (workers/)
  const all = [
    ...(await renderedRegistry(dp)).getMetricsAsArray(),
    ...ctl.registry.getMetricsAsArray(),
    ...(await workers.registry()).getMetricsAsArray(),
  ];
  ctl.close();
  return all as Array<MetricObject & { labelNames?: string[] }>;
}

/** A dataplane's series are made by its first scrape (metrics/prometheus.ts). */
async function renderedRegistry(dp: DataplaneMetrics): Promise<DataplaneMetrics['registry']> {
  await dp.render();
  return dp.registry;
}

describe('observability/metric catalogue', () => {
  let metrics: Array<MetricObject & { labelNames?: string[] }>;
  before(async () => {
    metrics = await registered();
  });
  const docs = readFileSync(join(ROOT, 'docs/observability.md'), 'utf8');

  it('documents every metric with its type and labels', () => {
    expect(metrics.length).to.be.greaterThan(60);
    for (const m of metrics) {
      const cells = docs
        .split('\n')
        .map((l) => l.split('|').map((c) => c.trim()))
        .find((c) => c[1] === `\`${m.name}\``);
      expect(cells, `${m.name} is not in docs/observability.md`).to.be.an('array');
      expect(cells![2], `${m.name} type`).to.equal(m.type);
      const labels = (m.labelNames ?? []).map((l) => `\`${l}\``).join(', ') || '—';
      expect(cells![3], `${m.name} labels`).to.equal(labels);
    }
  });

  it('uses only bounded label names', () => {
    const allowed = new Set([
      'frontend',
      'backend',
      'server',
      'code',
      'state',
      'result',
      'to',
      'node_id',
      'group',
      'version',
      'kind',
      'condition',
      'status',
      // Kubernetes informers: the watched resource (six plurals) and a fixed set of failure reasons.
      'resource',
      'reason',
      'worker', // a worker slot 1..N: bounded by --workers
    ]);
    for (const m of metrics)
      for (const l of m.labelNames ?? []) expect(allowed.has(l), `${m.name}: ${l}`).to.equal(true);
  });

  it('ships a Grafana dashboard that only queries metrics that exist', () => {
    const dash = JSON.parse(readFileSync(join(ROOT, 'manifests/grafana/bascule-dashboard.json'), 'utf8')) as {
      uid: string;
      panels: Array<{ type: string; title: string; targets?: Array<{ expr: string }>; gridPos: unknown }>;
      templating: { list: Array<{ name: string; definition?: string }> };
    };
    expect(dash.uid).to.equal('bascule-overview');
    const names = new Set<string>();
    for (const m of metrics) {
      names.add(m.name);
      if (String(m.type) === 'histogram')
        for (const s of ['_bucket', '_sum', '_count']) names.add(`${m.name}${s}`);
    }
    const exprs = [
      ...dash.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr)),
      ...dash.templating.list.flatMap((v) => (v.definition ? [v.definition] : [])),
    ];
    expect(exprs.length).to.be.greaterThan(30);
    const used = new Set<string>();
    for (const e of exprs) for (const m of e.match(/\bbascule_[a-z_]+/g) ?? []) used.add(m);
    for (const m of used) expect(names.has(m), `dashboard queries unknown metric ${m}`).to.equal(true);
    // The headline metrics of the issue are on the dashboard.
    for (const m of [
      'bascule_frontend_http_requests_total',
      'bascule_backend_response_time_seconds_bucket',
      'bascule_server_state',
      'bascule_server_current_connections',
      'bascule_backend_current_queue',
      'bascule_backend_retries_total',
      'bascule_server_health_transitions_total',
      'bascule_snapshot_info',
      'bascule_snapshot_apply_duration_seconds_bucket',
      'bascule_snapshot_nacks_total',
      'bascule_controller_compile_duration_seconds_bucket',
      'bascule_controller_objects',
      'bascule_controller_connected_dataplanes',
      'bascule_controller_push_ack_latency_seconds_bucket',
    ])
      expect(used.has(m), m).to.equal(true);
    for (const p of dash.panels) expect(p.gridPos, p.title).to.be.an('object');
  });
});
