// Under config churn nothing of a replaced version may stay reachable: not the runtime (every
// router and backend of that version) through an idle upstream connection, not the serialised
// deltas towards versions no dataplane will be sent again, not the controller's snapshots beyond
// its delta bases nor its compile results. Counted after full GCs in child processes
// (fixtures/churn-retention.ts, controller/fixtures/dir-churn-retention.ts) whose heaps hold
// nothing but their scenario.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';

const fixture = (rel: string) => fileURLToPath(new URL(rel, import.meta.url));

/** Runs a fixture in its own process; its last stdout line is its JSON report. */
function report<T>(file: string, versions: number, flags: string[] = []): T {
  const run = spawnSync(
    process.execPath,
    [...flags, '--no-warnings', '--import', 'tsx', '--conditions', 'bascule-source', file, String(versions)],
    { encoding: 'utf8', timeout: 110_000 },
  );
  expect(run.status, `fixture failed:\n${run.stderr}`).to.equal(0);
  return JSON.parse(run.stdout.trim().split('\n').at(-1)!) as T;
}

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
    const r = report<Retained>(fixture('./fixtures/churn-retention.ts'), 60);
    // Every version was served, each request through a pooled keep-alive upstream connection.
    expect(r.served).to.equal(60);
    expect(r.upstreamConnections).to.equal(60);
    // Each version replaced one BackendRuntime; only the live build's remain.
    expect(r.backendRuntimes).to.equal(r.liveBackends);
    // One live ServerRuntime per backend: a pooled connection is rebound to the build of the
    // request it serves, so it pins no older one.
    expect(r.serverRuntimes).to.equal(r.liveBackends);
    // Deltas are kept towards the current target only.
    expect(r.cachedDeltas).to.be.at.most(1);
  });

  it("keeps a directory controller's snapshots to its delta bases and only the live compile result", () => {
    const r = report<{
      versions: number;
      snapshotsAlive: number;
      compileResultsAlive: number;
      maxDeltaBases: number;
      cachedDeltas: number;
    }>(fixture('../controller/fixtures/dir-churn-retention.ts'), 40, ['--expose-gc']);
    expect(r.versions).to.equal(41);
    // The delta bases are the only history: each older snapshot was collected.
    expect(r.snapshotsAlive).to.be.at.most(r.maxDeltaBases);
    expect(r.compileResultsAlive).to.equal(1);
    expect(r.cachedDeltas).to.be.at.most(1);
  });
});
