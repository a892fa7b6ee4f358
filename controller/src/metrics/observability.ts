// The controller's observability: Prometheus metrics and the runtime overrides that dataplanes
// report. One object, built beside the snapshot server and handed to the admin endpoint.
import type { EventEmitter } from 'node:events';
import { OverrideBook } from './overrides.js';
import type { ControllerEvents } from '../events.js';
import type { SnapshotServer } from '../publish/snapshot-server.js';
import type { DataplaneInfo, OverridesEvent } from '../publish/types.js';
import type { ObjectStatusView } from '../status/tracker.js';
import { ControllerMetrics, type WatchCounts } from './controller-metrics.js';

export interface ControllerObservabilityDeps {
  events: EventEmitter<ControllerEvents>;
  publisher: SnapshotServer;
  statuses: () => ObjectStatusView[];
  leader?: () => boolean;
  watches?: () => WatchCounts[];
  processMetrics?: boolean;
}

export class ControllerObservability {
  readonly overrides = new OverrideBook();
  readonly metrics: ControllerMetrics;
  private readonly onOverrides = (e: OverridesEvent): void =>
    this.overrides.apply(e.nodeId, e.group, e.report.servers);
  private readonly onDisconnected = (info: DataplaneInfo): void => this.overrides.drop(info.nodeId);

  constructor(private readonly deps: ControllerObservabilityDeps) {
    this.metrics = new ControllerMetrics({
      events: deps.events,
      publisher: deps.publisher,
      statuses: deps.statuses,
      overrides: this.overrides,
      leader: deps.leader ?? (() => true),
      ...(deps.watches ? { watches: deps.watches } : {}),
      ...(deps.processMetrics !== undefined ? { processMetrics: deps.processMetrics } : {}),
    });
    deps.publisher.on('overrides', this.onOverrides);
    deps.publisher.on('disconnected', this.onDisconnected);
  }

  close(): void {
    this.metrics.close();
    this.deps.publisher.off('overrides', this.onOverrides);
    this.deps.publisher.off('disconnected', this.onDisconnected);
  }
}
