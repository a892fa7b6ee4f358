// The server-assignment policy without sockets: a scripted transport plays each attempt's
// outcome, and the assignment's choices (which server, retry or not, which answer) are checked
// case by case, like the balancer tests.
import { expect } from 'chai';
import { Assignment, replayDecision, type AttemptState, type Failure } from '#dataplane/runtime/assignment';
import { UpstreamError } from '#dataplane/runtime/upstream-error';
import { createBalancer } from '#dataplane/balance/index';
import { setObserver, type Observation } from '#dataplane/runtime/passive-health';
import type { Trace, TracedServer } from '#dataplane/types/traffic';
import { BackendRuntime, ServerRuntime } from '#dataplane/runtime/backend';
import { BackendState, ServerState, serverKey } from '#dataplane/runtime/state';
import type { BackendSnap, ServerSnap } from '#protocol/snapshot';
import { backend, quietLogger, server } from './helpers.js';

const refused = () => new UpstreamError('connect', 'ECONNREFUSED', 'ECONNREFUSED');
const reset = () => new UpstreamError('protocol', 'ECONNRESET', 'ECONNRESET');
const timeout = () => new UpstreamError('timeout', 'no data from server for 50ms', 'ETIMEDOUT');
const invalid = () => new UpstreamError('protocol', 'HPE_INVALID_CONSTANT', 'HPE_INVALID_CONSTANT');

/** What one attempt does: succeed, or fail with an error in a given state. */
type Step = 'ok' | { error: () => UpstreamError; state?: Partial<AttemptState> };

function runtimeOf(servers: ServerSnap[], extra: Partial<BackendSnap> = {}): BackendRuntime {
  const snap = backend('default/b', servers, extra);
  const rts = servers.map(
    (s) => new ServerRuntime(serverKey(snap.id, s), snap.id, s, new ServerState(serverKey(snap.id, s)), true),
  );
  const b = new BackendRuntime(snap, rts, createBalancer(snap, quietLogger()), new BackendState(snap.id));
  b.activate();
  return b;
}

interface Run {
  attempts: string[];
  failure: Failure | undefined;
  trace: string[];
  assignment: Assignment;
}

/** Runs one assignment to its end with a transport that follows `script`, one step per attempt. */
function play(
  b: BackendRuntime,
  script: Step[],
  opts: { replayable?: boolean; source?: string; layer4?: boolean } = {},
): Promise<Run> {
  return new Promise((resolve) => {
    const attempts: string[] = [];
    const trace: string[] = [];
    const t: Partial<Trace> = {
      queued: () => trace.push('queued'),
      dequeued: () => {},
      attempt: (s: TracedServer) => trace.push(`attempt ${s.name}`),
      connected: () => trace.push('connected'),
      response: (st: number) => trace.push(`response ${st}`),
      failed: (k) => trace.push(`failed ${k}`),
    };
    const run = { attempts, failure: undefined, trace } as Omit<Run, 'assignment'> as Run;
    const a: Assignment = new Assignment(
      b,
      {
        pick: { sourceAddress: opts.source ?? '10.0.0.1' },
        source: opts.source ?? '10.0.0.1',
        replayable: opts.replayable ?? true,
      },
      {
        attempt(srv, n) {
          attempts.push(srv.name);
          const step = script[attempts.length - 1] ?? 'ok';
          if (step === 'ok') {
            a.connected(n);
            a.response(n, 200);
            a.bind(n);
            a.release(n);
            a.release(n); // a second release of the same attempt is ignored
            resolve(run);
            return;
          }
          const e = step.error();
          a.failed(n, e, { bodySent: false, reused: false, ...step.state });
        },
        giveUp(f) {
          run.failure = f;
          resolve(run);
        },
      },
      { log: quietLogger(), trace: t as Trace, label: 'test request', layer4: opts.layer4 ?? false },
    );
    run.assignment = a;
    a.start();
  });
}

const active = (b: BackendRuntime): number[] => b.servers.map((s) => s.state.active);

describe('dataplane/assign: retry decisions', () => {
  const cases: Array<
    [string, UpstreamError, AttemptState, boolean, boolean, { replay: boolean; stale: boolean }]
  > = [
    [
      'refused connect',
      refused(),
      { bodySent: false, reused: false },
      false,
      false,
      { replay: true, stale: false },
    ],
    [
      'refused connect after body bytes',
      refused(),
      { bodySent: true, reused: false },
      false,
      false,
      { replay: false, stale: false },
    ],
    [
      'reset on a pooled connection, replayable',
      reset(),
      { bodySent: false, reused: true },
      true,
      false,
      { replay: true, stale: true },
    ],
    [
      'reset on a pooled connection, with a body',
      reset(),
      { bodySent: true, reused: true },
      false,
      false,
      { replay: false, stale: false },
    ],
    [
      'empty response, replayable',
      reset(),
      { bodySent: false, reused: false },
      true,
      false,
      { replay: true, stale: false },
    ],
    [
      'empty response, not replayable',
      reset(),
      { bodySent: false, reused: false },
      false,
      false,
      { replay: false, stale: false },
    ],
    [
      'invalid response',
      invalid(),
      { bodySent: false, reused: false },
      true,
      false,
      { replay: false, stale: false },
    ],
    [
      'response timeout',
      timeout(),
      { bodySent: false, reused: false },
      true,
      false,
      { replay: false, stale: false },
    ],
    [
      'response timeout, onResponseTimeout',
      timeout(),
      { bodySent: false, reused: false },
      true,
      true,
      { replay: true, stale: false },
    ],
    [
      'response timeout, onResponseTimeout, not replayable',
      timeout(),
      { bodySent: false, reused: false },
      false,
      true,
      { replay: false, stale: false },
    ],
  ];
  for (const [name, e, state, replayable, onTimeout, want] of cases)
    it(name, () => expect(replayDecision(e, state, replayable, onTimeout)).to.deep.equal(want));
});

describe('dataplane/assign: assignment', () => {
  it('serves from the balanced server at once, and gives its slot back', async () => {
    const b = runtimeOf([server('s1', 1), server('s2', 2)]);
    const r = await play(b, ['ok']);
    expect(r.attempts).to.deep.equal(['s1']);
    expect(r.failure).to.equal(undefined);
    expect(r.trace).to.deep.equal(['attempt s1', 'connected', 'response 200']);
    expect(active(b)).to.deep.equal([0, 0]);
  });

  it('redispatches a refused connect to another server', async () => {
    const b = runtimeOf([server('s1', 1), server('s2', 2)]);
    const r = await play(b, [{ error: refused }, 'ok']);
    expect(r.attempts).to.deep.equal(['s1', 's2']);
    expect(r.trace).to.deep.equal([
      'attempt s1',
      'failed connect',
      'attempt s2',
      'connected',
      'response 200',
    ]);
    expect(active(b)).to.deep.equal([0, 0]);
  });

  it('without redispatch retries the same server after the turn-around pause', async () => {
    const b = runtimeOf([server('s1', 1), server('s2', 2)], {
      retries: { attempts: 2, redispatch: false, onResponseTimeout: false },
      timeouts: { connect: 20, server: 1000, queue: 1000, tunnel: 1000 },
    });
    const t0 = performance.now();
    const r = await play(b, [{ error: refused }, { error: refused }, { error: refused }]);
    expect(r.attempts).to.deep.equal(['s1', 's1', 's1']);
    expect(performance.now() - t0).to.be.at.least(2 * 20 - 2); // two pauses of min(connect, 1s)
    expect(r.failure).to.deep.equal({
      status: 503,
      detail: `could not connect to a server of backend default/b (last: server s1 (127.0.0.1:1), backend default/b: ECONNREFUSED)`,
    });
    expect(active(b)).to.deep.equal([0, 0]);
  });

  const finals: Array<[string, Step, boolean, Failure['status'], RegExp]> = [
    [
      'a response timeout is 504',
      { error: timeout },
      true,
      504,
      /^server did not answer in time: server s1 \(127\.0\.0\.1:1\), backend default\/b$/,
    ],
    [
      'an invalid response is 502',
      { error: invalid },
      true,
      502,
      /^bad answer from server s1 .*: HPE_INVALID_CONSTANT$/,
    ],
    [
      'an empty response to a non-replayable request is 502',
      { error: reset },
      false,
      502,
      /^server closed the connection without answering: server s1/,
    ],
    [
      'a refused connect after body bytes is 503',
      { error: refused, state: { bodySent: true } },
      false,
      503,
      /^could not connect to a server of backend default\/b/,
    ],
  ];
  for (const [name, step, replayable, status, detail] of finals)
    it(`gives up at once: ${name}`, async () => {
      const b = runtimeOf([server('s1', 1), server('s2', 2)]);
      const r = await play(b, [step], { replayable });
      expect(r.attempts).to.deep.equal(['s1']);
      expect(r.failure?.status).to.equal(status);
      expect(r.failure?.detail).to.match(detail);
      expect(active(b)).to.deep.equal([0, 0]);
    });

  it('retries a stale pooled connection on the same server, without counting it against the server', async () => {
    const b = runtimeOf([server('s1', 1), server('s2', 2)]);
    const t0 = performance.now();
    const r = await play(b, [{ error: reset, state: { reused: true } }, 'ok'], { replayable: true });
    // Round robin moves on for the retry (no persistence), but no turn-around pause was taken.
    expect(r.attempts).to.deep.equal(['s1', 's2']);
    expect(performance.now() - t0).to.be.below(500);
  });

  it('tries servers that all failed again until the attempts run out, then answers the last failure', async () => {
    const b = runtimeOf([server('s1', 1), server('s2', 2)], {
      retries: { attempts: 5, redispatch: true, onResponseTimeout: false },
      timeouts: { connect: 5, server: 1000, queue: 1000, tunnel: 1000 },
    });
    const r = await play(b, Array(6).fill({ error: refused }));
    expect(r.attempts).to.have.length(6);
    expect(r.attempts.slice(0, 2)).to.deep.equal(['s1', 's2']);
    expect(r.failure?.status).to.equal(503);
    expect(r.failure?.detail).to.contain(`(last: server ${r.attempts[5]} `);
    expect(active(b)).to.deep.equal([0, 0]);
  });

  it('answers the last failure, not "no server", when the failed server is gone before the retry', async () => {
    const b = runtimeOf([server('s1', 1)]);
    const r = await play(b, [
      {
        error: () => {
          b.servers[0]!.state.up = false; // marked down by a health check meanwhile
          return refused();
        },
      },
    ]);
    expect(r.attempts).to.deep.equal(['s1']);
    expect(r.failure?.detail).to.match(
      /^could not connect to a server of backend default\/b \(last: server s1/,
    );
  });

  it('answers 503 when no server is available, with the backend named', async () => {
    const b = runtimeOf([server('s1', 1, { state: 'maintenance' })]);
    const r = await play(b, []);
    expect(r.attempts).to.deep.equal([]);
    expect(r.failure).to.deep.equal({
      status: 503,
      detail: 'no server is available to handle this request (backend default/b)',
    });
  });

  it('queues behind a full server, and leaves the queue when cancelled', async () => {
    const b = runtimeOf([server('s1', 1, { maxConnections: 1 })]);
    b.begin(b.servers[0]!); // another request holds the only slot
    const waiting = play(b, ['ok']);
    const cancelled = new Assignment(
      b,
      { pick: {}, source: '', replayable: true },
      {
        attempt: () => expect.fail('a cancelled assignment got a server'),
        giveUp: () => expect.fail('gave up'),
      },
      { log: quietLogger(), label: 'test' },
    );
    cancelled.start();
    expect(b.state.queue.length).to.equal(2);
    cancelled.cancel();
    expect(b.state.queue.length).to.equal(1);
    b.end(b.servers[0]!);
    const r = await waiting;
    expect(r.trace).to.deep.equal(['queued', 'attempt s1', 'connected', 'response 200']);
    expect(active(b)).to.deep.equal([0]);
  });

  it('answers the queue timeout and a full queue with their own text', async () => {
    const b = runtimeOf([server('s1', 1, { maxConnections: 1 })], {
      maxQueue: 1,
      timeouts: { connect: 1000, server: 1000, queue: 30, tunnel: 1000 },
    });
    b.begin(b.servers[0]!);
    const timedOut = play(b, ['ok']);
    const full = await play(b, ['ok']);
    expect(full.failure).to.deep.equal({
      status: 503,
      detail: 'every server is busy and the queue is full (backend default/b, maxQueue 1)',
    });
    expect((await timedOut).failure).to.deep.equal({
      status: 503,
      detail: 'every server stayed busy for 30ms (backend default/b, timeouts.queue)',
    });
    b.end(b.servers[0]!);
  });

  it('source persistence: a bound client goes back to its server, and is re-bound when it is gone', async () => {
    const b = runtimeOf([server('s1', 1), server('s2', 2)], {
      persistence: { source: { expireMs: 60_000 } },
    });
    expect((await play(b, ['ok'], { source: '10.0.0.7' })).attempts).to.deep.equal(['s1']);
    expect((await play(b, ['ok'], { source: '10.0.0.8' })).attempts).to.deep.equal(['s2']);
    for (let i = 0; i < 3; i++)
      expect((await play(b, ['ok'], { source: '10.0.0.7' })).attempts).to.deep.equal(['s1']);
    b.servers[0]!.state.up = false;
    expect((await play(b, ['ok'], { source: '10.0.0.7' })).attempts).to.deep.equal(['s2']);
    b.servers[0]!.state.up = true;
    expect((await play(b, ['ok'], { source: '10.0.0.7' })).attempts).to.deep.equal(['s2']);
  });

  it('a late report from an abandoned attempt touches nothing', async () => {
    const b = runtimeOf([server('s1', 1), server('s2', 2)]);
    const r = await play(b, [{ error: refused }, 'ok']);
    b.begin(b.servers[1]!); // someone else's request on s2
    r.assignment.release(1);
    r.assignment.response(1, 500);
    expect(r.assignment.failed(1, refused(), { bodySent: false, reused: false })).to.equal(false);
    expect(active(b)).to.deep.equal([0, 1]);
    b.end(b.servers[1]!);
  });

  it('reports to passive health checks: responses for HTTP, connects for layer 4', async () => {
    const b = runtimeOf([server('s1', 1)]);
    const seen: Observation[] = [];
    setObserver(b.servers[0]!.state, (o) => seen.push(o));
    try {
      await play(b, [{ error: invalid }], { replayable: false });
      await play(b, ['ok']);
      await play(b, ['ok'], { layer4: true });
      expect(seen.map((o) => `${o.layer} ${o.failed} ${o.what}`)).to.deep.equal([
        '7 true invalid response (HPE_INVALID_CONSTANT)',
        '7 false HTTP status 200',
        '4 false connected',
        '7 false HTTP status 200',
      ]);
    } finally {
      setObserver(b.servers[0]!.state, undefined);
    }
  });
});
