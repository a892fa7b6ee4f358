// Under config churn nothing of a replaced version may stay reachable: not the runtime (every
// router and backend of that version) through an idle upstream connection, not the serialised
// deltas towards versions no dataplane will be sent again. Counted after a full GC in a child
// process (fixtures/churn-retention.ts) whose heap holds nothing but this scenario.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';

const fixture = fileURLToPath(new URL('./fixtures/churn-retention.ts', import.meta.url));

interface Retained {
  versions: number;
  served: number;
  upstreamConnections: number;
  backendRuntimes: number;
  serverRuntimes: number;
  liveBackends: number;
  cachedDeltas: number;
}

describe('dataplane and controller channel: retention under churn', function () {
  this.timeout(120_000);

  it('keeps only the live runtime objects and the deltas to the current version after 60 versions', () => {
    const run = spawnSync(
      process.execPath,
      ['--no-warnings', '--import', 'tsx', '--conditions', 'bascule-source', fixture, '60'],
      { encoding: 'utf8', timeout: 110_000 },
    );
    expect(run.status, `fixture failed:\n${run.stderr}`).to.equal(0);
    const r = JSON.parse(run.stdout.trim().split('\n').at(-1)!) as Retained;
    // Every version was served, each request through a pooled keep-alive upstream connection.
    expect(r.served).to.equal(60);
    expect(r.upstreamConnections).to.equal(60);
    // Each version replaced one BackendRuntime; only the live build's remain.
    expect(r.backendRuntimes).to.equal(r.liveBackends);
    // One live ServerRuntime per backend, plus at most the one each server's pooled connection
    // was opened with (one idle connection per pool here).
    expect(r.serverRuntimes).to.be.at.most(2 * r.liveBackends);
    // Deltas are kept towards the current target only.
    expect(r.cachedDeltas).to.be.at.most(1);
  });
});
