// What the request path remembers from one request to the next (the last Host parsed for routing,
// a server's address text) must give, request after request, exactly what computing it afresh
// gives: checked over sequences that repeat, alternate and change the inputs.
import { expect } from 'chai';
import { parseRequestHead } from '#dataplane/http/engine/h1-parser';
import { parseAuthority, routingHead } from '#dataplane/http/request-head';
import type { HttpRequestHead } from '#dataplane/http/message';
import { HttpTrace } from '#dataplane/metrics/trace';
import type { TrafficRecord } from '#dataplane/types/traffic';
import { prng } from '../../support/prng.js';

/** A request head as the HTTP/1.1 engine presents it, parsed from `text` (its fields as lines). */
function engineHead(text: string): HttpRequestHead {
  const buf = Buffer.from(text, 'latin1');
  const h = parseRequestHead(buf, 0, buf.length, true);
  return {
    method: h.method,
    target: h.target,
    version: h.version,
    get headers() {
      return h.lines!.headers();
    },
    lines: h.lines,
    source: '10.0.0.1',
    sourcePort: 4242,
    scheme: 'http',
    localPort: 80,
  };
}

const HOSTS = [
  '127.0.0.1:8080',
  '127.0.0.1:8081',
  'example.com',
  'example.com.',
  'Example.COM:80',
  '[::1]:80',
  'a-b.c:1',
  'a:123456',
  'x'.repeat(300),
  `${'y'.repeat(300)}:80`,
  'host.example',
];

describe('dataplane/http: values remembered between requests', () => {
  it('routes each request by its own Host, whatever the Host of the request before', () => {
    const next = prng(12);
    for (let i = 0; i < 3000; i++) {
      // Runs of one value (the remembered path), then a change.
      const host = HOSTS[Math.floor(next() * HOSTS.length)]!;
      const repeat = 1 + Math.floor(next() * 3);
      const target = next() < 0.2 ? `http://${host}/abs?q=${i}` : `/p${i}?q=${i}`;
      for (let r = 0; r < repeat; r++) {
        const text = `GET ${target} HTTP/1.1\r\nHost: ${host}\r\n\r\n`;
        const rh = routingHead(engineHead(text));
        const expected = parseAuthority(host);
        expect(rh.host, `${i} ${host}`).to.equal(expected.host);
        expect(rh.hostPort, `${i} ${host}`).to.equal(expected.port);
      }
    }
  });

  it("gives each record its server's address as it is when the record is made", () => {
    const out: TrafficRecord[] = [];
    const a = { name: 'a', address: '10.0.0.9', port: 80, state: { active: 1 } };
    const b = { name: 'b', address: '10.0.0.9', port: 81, state: { active: 1 } };
    const served = (s: typeof a): string | null => {
      const t = new HttpTrace(
        (r) => out.push(r),
        'fe',
        'v1',
        engineHead('GET / HTTP/1.1\r\nHost: x\r\n\r\n'),
        'http',
      );
      t.routed('be');
      t.attempt(s);
      t.connected();
      t.response(200);
      t.finish(200, true, 0, 0);
      return out.at(-1)!.serverAddress;
    };
    expect([served(a), served(b), served(a), served(b)]).to.deep.equal([
      '10.0.0.9:80',
      '10.0.0.9:81',
      '10.0.0.9:80',
      '10.0.0.9:81',
    ]);
    // The same server object with another address (never done by the runtime, which makes new
    // server objects per version): the record follows it.
    (a as { port: number }).port = 8080;
    (b as { address: string }).address = '10.0.0.10';
    expect([served(a), served(b)]).to.deep.equal(['10.0.0.9:8080', '10.0.0.10:81']);
  });
});
