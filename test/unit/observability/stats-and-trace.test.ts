import { expect } from 'chai';
import { EventEmitter } from 'node:events';
import type net from 'node:net';
import type { HttpRequestHead } from '#dataplane/http/message';
import { TrafficStats, codeClass, serverStatsKey } from '#dataplane/metrics/stats';
import { HttpTrace, TcpTrace, type TracedRecord } from '#dataplane/metrics/trace';
import type { HttpRecord, TrafficRecord } from '#dataplane/types/traffic';

/** The neutral head of a request from 10.0.0.1:4242. */
function headOf(target = '/p?secret=1'): HttpRequestHead {
  return {
    method: 'GET',
    target,
    version: '1.1',
    headers: [['Host', 'x']],
    source: '10.0.0.1',
    sourcePort: 4242,
    scheme: 'http',
    localPort: 80,
  };
}

/** How an exchange ended, as the engine reports it to the trace. */
interface End {
  headersSent: boolean;
  statusCode: number;
  writableFinished: boolean;
}
const finish = (t: HttpTrace, e: End, bytesIn = 0, bytesOut = 0): void =>
  t.finish(e.headersSent ? e.statusCode : -1, e.writableFinished, bytesIn, bytesOut);

const srv = (name: string, active = 1) => ({ name, address: '10.0.0.9', port: 80, state: { active } });

describe('observability/traces', () => {
  it('classifies status codes into bounded classes', () => {
    expect([101, 204, 302, 404, 503, 0, -1, 600].map(codeClass)).to.deep.equal([
      '1xx',
      '2xx',
      '3xx',
      '4xx',
      '5xx',
      'other',
      'other',
      'other',
    ]);
  });

  it('records a served request: path without query, timings, the bytes of this exchange', () => {
    const out: TrafficRecord[] = [];
    const t = new HttpTrace((r) => out.push(r), 'fe', 'v1', headOf(), 'http');
    t.routed('be');
    t.attempt(srv('s1'));
    t.connected();
    t.response(200);
    const done = { headersSent: true, statusCode: 200, writableFinished: true };
    finish(t, done, 120, 300);
    finish(t, done, 120, 300); // recorded once only
    expect(out).to.have.length(1);
    const r = out[0] as HttpRecord;
    expect(r).to.include({
      type: 'http',
      clientAddress: '10.0.0.1',
      clientPort: 4242,
      path: '/p',
      status: 200,
      serverStatus: 200,
      termination: '--',
      Tw: 0,
      retries: 0,
      bytesIn: 120,
      bytesOut: 300,
      server: 's1',
      backend: 'be',
      version: 'v1',
    });
    // A second request on the same keep-alive connection: the engine measured its own bytes.
    const t2 = new HttpTrace((r) => out.push(r), 'fe', 'v1', headOf('/q'), 'http');
    finish(t2, { headersSent: true, statusCode: 404, writableFinished: true }, 30, 100);
    expect(out[1]).to.include({
      bytesIn: 30,
      bytesOut: 100,
      status: 404,
      termination: 'PR',
      backend: null,
      Tw: -1,
    });
  });

  it("names each record's server address, as servers alternate and share addresses", () => {
    const out: TrafficRecord[] = [];
    const servers = [
      { name: 'a', address: '10.0.0.9', port: 80, state: { active: 1 } },
      { name: 'b', address: '10.0.0.9', port: 81, state: { active: 1 } },
      { name: 'c', address: '10.0.0.10', port: 80, state: { active: 1 } },
    ];
    for (const i of [0, 0, 1, 0, 2, 2, 1]) {
      const t = new HttpTrace((r) => out.push(r), 'fe', null, headOf(), 'http');
      t.routed('be');
      t.attempt(servers[i]!);
      finish(t, { headersSent: true, statusCode: 200, writableFinished: true });
    }
    const none = new HttpTrace((r) => out.push(r), 'fe', null, headOf(), 'http');
    finish(none, { headersSent: true, statusCode: 404, writableFinished: true });
    expect(out.map((r) => r.serverAddress)).to.deep.equal([
      '10.0.0.9:80',
      '10.0.0.9:80',
      '10.0.0.9:81',
      '10.0.0.9:80',
      '10.0.0.10:80',
      '10.0.0.10:80',
      '10.0.0.9:81',
      null,
    ]);
  });

  it('derives termination states: connect failure, no server, queue timeout, client abort, server abort', () => {
    const run = (
      steps: (t: HttpTrace) => void,
      end: { headersSent: boolean; statusCode: number; writableFinished: boolean },
    ): HttpRecord => {
      const out: TrafficRecord[] = [];
      const t = new HttpTrace((r) => out.push(r), 'fe', null, headOf(), 'http');
      steps(t);
      finish(t, end);
      return out[0] as HttpRecord;
    };
    const done503 = { headersSent: true, statusCode: 503, writableFinished: true };
    expect(
      run((t) => (t.routed('b'), t.attempt(srv('s')), t.failed('connect')), done503).termination,
    ).to.equal('SC');
    expect(run((t) => t.routed('b'), done503)).to.include({ termination: 'SC', server: null, Tc: -1 });
    expect(run((t) => (t.routed('b'), t.queued(), t.dequeued()), done503).termination).to.equal('sQ');
    expect(
      run((t) => (t.routed('b'), t.attempt(srv('s')), t.connected(), t.failed('timeout')), {
        headersSent: true,
        statusCode: 504,
        writableFinished: true,
      }).termination,
    ).to.equal('sH');
    expect(
      run((t) => (t.routed('b'), t.attempt(srv('s')), t.connected()), {
        headersSent: false,
        statusCode: 200,
        writableFinished: false,
      }),
    ).to.include({ termination: 'CH', status: -1 });
    expect(
      run((t) => (t.routed('b'), t.attempt(srv('s')), t.connected(), t.response(200)), {
        headersSent: true,
        statusCode: 200,
        writableFinished: false,
      }).termination,
    ).to.equal('CD');
    expect(
      run((t) => (t.routed('b'), t.attempt(srv('s')), t.connected(), t.response(200), t.failed('protocol')), {
        headersSent: true,
        statusCode: 200,
        writableFinished: false,
      }).termination,
    ).to.equal('SD');
    expect(
      run((t) => t.local('PR'), { headersSent: true, statusCode: 429, writableFinished: true }).termination,
    ).to.equal('PR');
    expect(
      run(() => {}, { headersSent: true, statusCode: 301, writableFinished: true }).termination,
    ).to.equal('LR');
  });

  it('counts retries and redispatches from the attempts', () => {
    const out: TrafficRecord[] = [];
    const t = new HttpTrace((r) => out.push(r), 'fe', null, headOf(), 'http');
    t.routed('b');
    t.attempt(srv('s1'));
    t.failed('connect');
    t.attempt(srv('s1'));
    t.failed('connect');
    t.attempt(srv('s2', 3));
    t.connected();
    t.response(200);
    finish(t, { headersSent: true, statusCode: 200, writableFinished: true });
    expect(out[0]).to.include({ retries: 2, redispatches: 1, server: 's2', termination: '--' });
    const stats = new TrafficStats();
    stats.started('fe', 'http');
    stats.ended(out[0] as TracedRecord);
    const s1 = stats.servers.get(serverStatsKey('b', 's1'))!;
    const s2 = stats.servers.get(serverStatsKey('b', 's2'))!;
    expect(s1).to.include({ sessions: 2, connectionErrors: 2, retries: 2, redispatches: 1 });
    expect(s2).to.include({ sessions: 1, connectionErrors: 0, retries: 0, max: 3 });
    expect(s2.codes['2xx']).to.equal(1);
    expect(s1.codes['2xx']).to.equal(0);
    expect(stats.backends.get('b')).to.include({
      requests: 1,
      retries: 2,
      redispatches: 1,
      connectionErrors: 2,
    });
    expect(stats.frontends.get('fe')).to.include({ requests: 1, current: 0, max: 1 });
  });

  it('records a TCP session when the client socket closes', () => {
    const out: TrafficRecord[] = [];
    const client = Object.assign(new EventEmitter(), {
      remoteAddress: '127.0.0.1',
      remotePort: 9,
      bytesRead: 5,
      bytesWritten: 7,
      destroyed: false,
    });
    const t = new TcpTrace((r) => out.push(r), 'fe', 'v', client as unknown as net.Socket);
    t.routed('b');
    t.attempt(srv('s'));
    t.connected();
    client.emit('close');
    expect(out[0]).to.include({ type: 'tcp', bytesIn: 5, bytesOut: 7, termination: '--', server: 's' });
  });

  it('forgets objects that left the configuration, but not a frontend with work in flight', () => {
    const stats = new TrafficStats();
    stats.started('gone', 'http');
    stats.backend('old');
    stats.server('old', 'x');
    stats.frontend('idle');
    stats.prune({ frontends: [], backends: [], servers: [] });
    expect([...stats.frontends.keys()]).to.deep.equal(['gone']);
    expect(stats.backends.size + stats.servers.size).to.equal(0);
  });
});
