import { expect } from 'chai';
import { OverrideBook } from '#controller/metrics/overrides';
import { syncState, type Overview } from '#controller/admin/overview';
import { adminBaseUrl, ago, renderOverview, table } from '#controller/cli/status-command';
import type { DataplaneInfo } from '#controller/publish/types';

const V1 = 'a'.repeat(64);
const V2 = 'b'.repeat(64);

const dp = (extra: Partial<DataplaneInfo>): DataplaneInfo => ({
  nodeId: 'dp-1',
  group: 'default',
  remoteAddress: '127.0.0.1:5000',
  connectedSince: '2025-11-21T05:00:00.000Z',
  appliedVersion: V1,
  pendingVersion: null,
  lastAck: null,
  lastNack: null,
  ...extra,
});

describe('observability/bascule status', () => {
  it('normalizes the admin address', () => {
    expect(adminBaseUrl('127.0.0.1:9090')).to.equal('http://127.0.0.1:9090');
    expect(adminBaseUrl('https://ctl.example/')).to.equal('https://ctl.example');
    expect(adminBaseUrl(undefined)).to.match(/^http:\/\//);
  });

  it('says how far along each dataplane is', () => {
    expect(syncState(dp({}), V1)).to.equal('in-sync');
    expect(syncState(dp({ pendingVersion: V2 }), V2)).to.equal('applying');
    expect(
      syncState(dp({ lastNack: { version: V2, error: { code: 'X', message: 'm' }, at: '' } }), V2),
    ).to.equal('rejected');
    expect(syncState(dp({}), V2)).to.equal('behind');
    expect(syncState(dp({}), null)).to.equal('no-snapshot');
  });

  it('keeps the overrides each dataplane reported, and forgets a dataplane that left', () => {
    const book = new OverrideBook();
    book.apply('dp-2', 'default', [
      { backend: 'ns/b', server: 's', address: '1.2.3.4:80', state: 'drain', since: 0, reason: 'r' },
    ]);
    book.apply('dp-1', 'default', [
      { backend: 'ns/b', server: 't', address: '1.2.3.5:80', state: 'maintenance', since: 0, reason: 'x' },
    ]);
    expect(book.all().map((o) => `${o.nodeId}/${o.server}`)).to.deep.equal(['dp-1/t', 'dp-2/s']);
    expect(book.all()[0]!.since).to.equal('1970-01-01T00:00:00.000Z');
    book.apply('dp-1', 'default', []);
    book.drop('dp-2');
    expect(book.all()).to.deep.equal([]);
  });

  it('aligns columns and renders every section', () => {
    expect(
      table(
        ['A', 'LONG'],
        [
          ['xyz', '1'],
          ['q', '22'],
        ],
      ),
    ).to.equal('A    LONG\nxyz  1\nq    22');
    const now = new Date('2025-11-21T05:10:00.000Z');
    expect(ago('2025-11-21T05:09:58.000Z', now)).to.equal('2s ago');
    expect(ago('2025-11-21T04:00:00.000Z', now)).to.equal('1h10m ago');
    const o: Overview = {
      generatedAt: now.toISOString(),
      ready: true,
      notReadyReason: null,
      snapshots: [{ group: 'default', version: V1, frontends: 1, backends: 1, servers: 2 }],
      dataplanes: [
        {
          nodeId: 'dp-1',
          group: 'default',
          remote: '127.0.0.1:1',
          connectedSince: '2025-11-21T05:00:00.000Z',
          appliedVersion: V1,
          targetVersion: V1,
          pendingVersion: null,
          state: 'in-sync',
          lastAck: { version: V1, at: '2025-11-21T05:09:50.000Z' },
          lastNack: {
            version: V2,
            error: { code: 'BASCULE_E_SNAPSHOT_BUILD', message: 'boom\nsecond line' },
            at: '2025-11-21T05:05:00.000Z',
          },
          overrides: [],
        },
      ],
      objects: [
        {
          kind: 'Backend',
          namespace: 'ns',
          name: 'b',
          conditions: [
            {
              type: 'Accepted',
              status: 'True',
              reason: 'Accepted',
              message: 'accepted',
              lastTransitionTime: '',
            },
            {
              type: 'ResolvedRefs',
              status: 'True',
              reason: 'ResolvedRefs',
              message: 'ok',
              lastTransitionTime: '',
            },
            {
              type: 'Programmed',
              status: 'True',
              reason: 'Programmed',
              message: '1/1 dataplanes at version aaaaaaaaaaaa',
              lastTransitionTime: '',
            },
          ],
          healthyServers: '2/2',
          diagnostics: [],
        },
      ],
      diagnostics: ['x.yaml:3: bad (BASCULE_E_CONFIG_PARSE)'],
      overrides: [
        {
          nodeId: 'dp-1',
          group: 'default',
          backend: 'ns/b',
          server: 's',
          address: '1.2.3.4:80',
          state: 'maintenance',
          since: '2025-11-21T05:08:00.000Z',
          reason: 'disk',
        },
      ],
    };
    const out = renderOverview(o, 'http://ctl:9090', { now });
    expect(out).to.include('Controller http://ctl:9090  ready');
    expect(out).to.match(/^default +aaaaaaaaaaaa +1 +1 +2$/m);
    expect(out).to.match(
      /^dp-1 +default +aaaaaaaaaaaa +in-sync +aaaaaaaaaaaa 10s ago +2025-11-21T05:00:00\.000Z \(10m00s ago\) +bbbbbbbbbbbb 5m00s ago: BASCULE_E_SNAPSHOT_BUILD: boom second line$/m,
    );
    expect(out).to.match(
      /^Backend +ns\/b +True +True +True +1\/1 dataplanes at version aaaaaaaaaaaa; healthy 2\/2$/m,
    );
    expect(out).to.match(/^dp-1 +ns\/b +s \(1\.2\.3\.4:80\) +maintenance +2m00s ago +disk$/m);
    expect(out).to.include(
      'DIAGNOSTICS (not attached to an object)\n  x.yaml:3: bad (BASCULE_E_CONFIG_PARSE)',
    );
    const empty = renderOverview(
      {
        ...o,
        ready: false,
        notReadyReason: 'first compile pending',
        snapshots: [],
        dataplanes: [],
        objects: [],
        diagnostics: [],
        overrides: [],
      },
      'u',
      { now },
    );
    expect(empty).to.include('NOT READY: first compile pending');
    expect(empty).to.include('none connected');
    expect(empty).to.not.include('RUNTIME OVERRIDES');
  });
});
