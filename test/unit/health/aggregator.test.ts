// The controller's aggregation of dataplane health reports: per-dataplane detail for the admin.
import { expect } from 'chai';
import { HealthAggregator } from '#controller/status/health-aggregator';
import type { BackendSnap, ServerHealth } from '#protocol/index';
import { backend, policy, server } from '../../e2e/health/helpers.js';

const report = (server: string, state: 'up' | 'down', reason = ''): ServerHealth => ({
  backend: 'default/web',
  server,
  address: `127.0.0.1:${server === 'a' ? 1 : 2}`,
  state,
  reason,
  since: 1_700_000_000_000,
});

describe('health aggregator (controller)', () => {
  const be: BackendSnap = { ...backend('default/web', [server('a', 1), server('b', 2)]), health: policy() };

  it('shows each dataplane’s report beside the summary', () => {
    const agg = new HealthAggregator();
    agg.apply('dp-1', {
      type: 'health',
      full: true,
      servers: [report('a', 'up'), report('b', 'down', 'Layer4 timeout')],
    });
    agg.apply('dp-2', { type: 'health', full: true, servers: [report('a', 'up'), report('b', 'up')] });
    const d = agg.detail(be, ['dp-1', 'dp-2']);
    expect(d).to.deep.include({ backend: 'default/web', healthyServers: '1/2', checked: true });
    expect(d.servers[1]).to.deep.include({ name: 'b', state: 'mixed', dataplanes: '1/2 up' });
    expect(d.servers[1]!.byDataplane).to.deep.equal({
      'dp-1': { state: 'down', reason: 'Layer4 timeout', since: new Date(1_700_000_000_000).toISOString() },
      'dp-2': { state: 'up', reason: '', since: new Date(1_700_000_000_000).toISOString() },
    });
  });

  it('a full table replaces a dataplane’s view; a dropped dataplane no longer counts', () => {
    const agg = new HealthAggregator();
    agg.apply('dp-1', { type: 'health', full: true, servers: [report('a', 'down'), report('b', 'down')] });
    agg.apply('dp-1', { type: 'health', full: true, servers: [report('a', 'up')] });
    expect(agg.summarize(be, ['dp-1']).servers.map((s) => s.state)).to.deep.equal(['up', 'unknown']);
    agg.apply('dp-2', { type: 'health', full: true, servers: [report('a', 'down')] });
    expect(agg.summarize(be, ['dp-1', 'dp-2']).servers[0]!.state).to.equal('mixed');
    agg.dropNode('dp-2');
    expect(agg.summarize(be, ['dp-1', 'dp-2']).servers[0]).to.include({ state: 'up', dataplanes: '1/1 up' });
    expect(agg.detail(be, ['dp-1', 'dp-2']).servers[0]!.byDataplane).to.have.keys(['dp-1']);
  });
});
