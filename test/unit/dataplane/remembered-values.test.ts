// What the request path remembers from one request to the next (the Host values parsed for
// routing, a connection's last X-Forwarded-* fields, a header edit's fields and lines made once,
// a server's address text) must give, request after request, exactly what computing it afresh
// gives: checked over seeded sequences that repeat, alternate and change the inputs.
import { expect } from 'chai';
import { parseRequestHead } from '#dataplane/http/engine/h1-parser';
import { FORWARDED_VALUE_KEPT, ForwardedMemo } from '#dataplane/http/field-lines';
import { addForwarded, requestFieldLines } from '#dataplane/http/headers';
import {
  parseAuthority,
  ROUTING_AUTHORITIES_KEPT,
  routingAuthoritiesKept,
  routingHead,
} from '#dataplane/http/request-head';
import { compileHeaderEdits } from '#dataplane/router/header-edits';
import type { CompiledHeaderEdits } from '#dataplane/router/types';
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

/** A seeded sequence, and a pick from a list by it. */
function seeded(seed: number): { next: () => number; pick: <T>(xs: readonly T[]) => T } {
  const next = prng(seed);
  return { next, pick: (xs) => xs[Math.floor(next() * xs.length)]! };
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

  it('routes Hosts that alternate, and more Hosts than it keeps, each by its own value', () => {
    const next = prng(21);
    // Two or three Hosts taking turns (the case one remembered value missed every time), then
    // more distinct values than are kept: every answer is the plain parse, and the count stays
    // within its bound.
    const many = Array.from({ length: ROUTING_AUTHORITIES_KEPT * 3 }, (_, i) => `h${i}.example:${8000 + i}`);
    for (let i = 0; i < 6000; i++) {
      const pool = i < 2000 ? HOSTS.slice(0, 3) : i < 4000 ? many : [...HOSTS, ...many];
      const host = pool[Math.floor(next() * pool.length)]!;
      const rh = routingHead(engineHead(`GET /p${i} HTTP/1.1\r\nHost: ${host}\r\n\r\n`));
      const expected = parseAuthority(host);
      expect(rh.host, `${i} ${host}`).to.equal(expected.host);
      expect(rh.hostPort, `${i} ${host}`).to.equal(expected.port);
      expect(routingAuthoritiesKept()).to.be.at.most(ROUTING_AUTHORITIES_KEPT);
    }
  });

  it("gives a connection's X-Forwarded-* fields exactly as made afresh, whatever came before", () => {
    const memo = new ForwardedMemo();
    const { next, pick } = seeded(33);
    const addresses = [
      '192.0.2.7',
      '192.0.2.8',
      '2001:db8::1',
      '10.0.0.1, 10.0.0.2',
      'a'.repeat(FORWARDED_VALUE_KEPT + 1),
    ];
    const hosts = [
      '127.0.0.1:8080',
      'example.com',
      '',
      'Example.COM:80',
      'h'.repeat(FORWARDED_VALUE_KEPT),
      'h'.repeat(300),
    ];
    const protos = ['http', 'https'] as const;
    for (let i = 0; i < 5000; i++) {
      // The same content as a new string sometimes: compared by value, never by identity.
      const fresh = (v: string): string => (next() < 0.5 ? v : `${v}#`.slice(0, -1));
      const xff = fresh(pick(addresses));
      const host = fresh(pick(hosts));
      const proto = pick(protos);
      const port = pick([80, 8080, 443]);
      const b = memo.block(xff, proto, host, port);
      const plain = addForwarded([], { clientAddress: xff, proto, host, port });
      expect(b.pairs, `${i}`).to.deep.equal(plain);
      expect(b.lines, `${i}`).to.equal(plain.map(([n, v]) => `${n}: ${v}\r\n`).join(''));
      expect(Object.isFrozen(b.pairs) && b.pairs.every((p) => Object.isFrozen(p))).to.equal(true);
    }
  });

  it("sends each request's own fields when a connection's requests share remembered ones", () => {
    const edits: Array<readonly CompiledHeaderEdits[]> = [
      [],
      [compileHeaderEdits({ add: [], set: [{ name: 'X-Served-By', value: 'bascule' }], remove: [] })!],
      [compileHeaderEdits({ add: [{ name: 'X-A', value: '2' }], set: [], remove: ['x-forwarded-for'] })!],
      [
        compileHeaderEdits({ add: [{ name: 'X-Added', value: 'one' }], set: [], remove: ['cookie'] })!,
        compileHeaderEdits({
          add: [{ name: 'Content-Length', value: '9' }],
          set: [{ name: 'x-added', value: 'two' }],
          remove: [],
        })!,
      ],
    ];
    const shared = edits.flat().map((e) => [...e.appendedPairs.map((p) => [...p])]);
    const memo = new ForwardedMemo();
    const { next, pick } = seeded(44);
    const heads = [
      'GET / HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n',
      'GET /a HTTP/1.1\r\nHost: example.com\r\nCookie: a=1\r\n\r\n',
      'GET / HTTP/1.1\r\nHost: h\r\nX-Forwarded-For: 10.0.0.1\r\nX-Forwarded-Port: 1\r\n\r\n',
      'POST / HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nContent-Length: 3\r\n\r\n',
    ];
    const sent = (
      text: string,
      e: readonly CompiledHeaderEdits[],
      client: string,
      remembered: boolean,
    ): string => {
      const buf = Buffer.from(text, 'latin1');
      const h = parseRequestHead(buf, 0, buf.length, true);
      const lines = h.lines!;
      if (remembered) lines.forwardedMemo = memo;
      return requestFieldLines(lines, {
        forwarded: { clientAddress: client, proto: 'http', host: lines.firstHostValue(), port: 8080 },
        edits: e,
        chunked: false,
        contentLength: h.framing === 'length' ? h.contentLength : -1,
        host: 'routed',
      });
    };
    for (let i = 0; i < 3000; i++) {
      const text = pick(heads);
      const e = pick(edits);
      const client = next() < 0.8 ? '192.0.2.7' : pick(['192.0.2.8', '::1']);
      expect(sent(text, e, client, true), `${i}`).to.equal(sent(text, e, client, false));
    }
    // The edits' own pairs, shared by every message, are as compiled.
    expect(edits.flat().map((e) => e.appendedPairs)).to.deep.equal(shared);
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
