// Access log lines written by a worker of a multi-worker dataplane name it, in every format and
// destination (the JSON lines through the worker's own logger carry it by their bindings).
import { expect } from 'chai';
import { createAccessLog } from '#dataplane/access-log/access-log';
import type { TrafficRecord } from '#dataplane/types/traffic';

const record: TrafficRecord = {
  type: 'http',
  start: Date.UTC(2026, 11, 1, 12, 0, 0),
  clientAddress: '127.0.0.1',
  clientPort: 40000,
  frontend: 'default/web',
  backend: 'default/app',
  server: 'one',
  serverAddress: '127.0.0.1:8080',
  bytesIn: 60,
  bytesOut: 150,
  Tw: 0,
  Tc: 1,
  Tr: 2,
  Ta: 3,
  retries: 0,
  redispatches: 0,
  termination: '--',
  version: 'ab'.repeat(32),
  method: 'GET',
  path: '/',
  httpVersion: 'HTTP/1.1',
  status: 200,
  serverStatus: 200,
};

function capture(): { lines: string[]; write(s: string): void } {
  const lines: string[] = [];
  return { lines, write: (s: string) => void lines.push(...s.split('\n').filter(Boolean)) };
}

describe('workers: access log lines carry the worker id', () => {
  it('text: ends with worker=N', () => {
    const out = capture();
    const log = createAccessLog({ format: 'text', destination: out, worker: 2 });
    log.request(record);
    expect(out.lines).to.have.length(1);
    expect(out.lines[0]).to.match(/ 200 150 -- 0\/0 60 "GET \/ HTTP\/1\.1" abababababab worker=2$/);
  });

  it('JSON to a destination of its own: a worker field', () => {
    const out = capture();
    const log = createAccessLog({ format: 'json', destination: out, worker: 3 });
    log.request(record);
    const line = JSON.parse(out.lines[0]!) as Record<string, unknown>;
    expect(line).to.include({ log: 'access', worker: 3, status: 200, frontend: 'default/web' });
  });

  it('a single-process dataplane writes no worker field', () => {
    const out = capture();
    createAccessLog({ format: 'json', destination: out }).request(record);
    expect(JSON.parse(out.lines[0]!)).to.not.have.property('worker');
    const text = capture();
    createAccessLog({ format: 'text', destination: text }).request(record);
    expect(text.lines[0]).to.not.include('worker=');
  });
});
