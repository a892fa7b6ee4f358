import { expect } from 'chai';
import { accessJson, accessText, escapeText, haproxyDate, healthText } from '#dataplane/access-log/format';
import { sampleDates } from '../dataplane/date-samples.js';
import { accessLogOptionsFromEnv, createAccessLog } from '#dataplane/access-log/access-log';
import type { HttpRecord, TcpRecord } from '#dataplane/types/traffic';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

const start = Date.UTC(2025, 10, 21, 5, 38, 10, 123);
const version = 'ab12cd34ef56'.padEnd(64, '0');

const http: HttpRecord = {
  type: 'http',
  start,
  clientAddress: '10.1.2.3',
  clientPort: 51234,
  frontend: 'default/web',
  backend: 'default/api',
  server: 'api-1',
  serverAddress: '10.0.0.7:8080',
  bytesIn: 312,
  bytesOut: 4821,
  Tw: 0,
  Tc: 1,
  Tr: 23,
  Ta: 25,
  retries: 1,
  redispatches: 1,
  termination: '--',
  version,
  method: 'GET',
  path: '/v1/items',
  httpVersion: 'HTTP/1.1',
  status: 200,
  serverStatus: 200,
};

describe('observability/access-log format', () => {
  it('formats HAProxy dates in UTC', () => {
    expect(haproxyDate(start)).to.equal('21/Nov/2025:05:38:10.123');
  });

  it("prints HAProxy dates as Date's UTC getters give them, on 20,000 dates and past 0–9999", () => {
    const viaDate = (ms: number): string => {
      const d = new Date(ms);
      const p2 = (n: number): string => String(n).padStart(2, '0');
      return (
        `${p2(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:` +
        `${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())}.${String(d.getUTCMilliseconds()).padStart(3, '0')}`
      );
    };
    const edges = [0, -1, 8.64e15, -8.64e15, new Date('9999-12-31T23:59:59.999Z').getTime() + 1];
    for (const ms of [...edges, ...sampleDates(9876, 10_000)])
      expect(haproxyDate(ms), String(ms)).to.equal(viaDate(ms));
  });

  it('writes the HTTP text layout (Tw/Tc/Tr/Ta, status, bytes, termination, retries)', () => {
    expect(accessText(http)).to.equal(
      '10.1.2.3:51234 [21/Nov/2025:05:38:10.123] default/web default/api/api-1 0/1/23/25 200 4821 -- 1/1 312 "GET /v1/items HTTP/1.1" ab12cd34ef56',
    );
  });

  it('marks requests that never reached a backend or server', () => {
    const local = {
      ...http,
      backend: null,
      server: null,
      serverAddress: null,
      Tw: -1,
      Tc: -1,
      Tr: -1,
      status: 403,
      termination: 'PR',
    };
    expect(accessText(local)).to.match(/ default\/web <NOBACKEND>\/<NOSRV> -1\/-1\/-1\/25 403 /);
  });

  it('writes the TCP layout, with IPv6 clients bracketed', () => {
    const tcp: TcpRecord = {
      type: 'tcp',
      start,
      clientAddress: '2001:db8::1',
      clientPort: 40000,
      frontend: 'default/db',
      backend: 'default/db',
      server: 'pg-1',
      serverAddress: '10.0.0.9:5432',
      bytesIn: 10,
      bytesOut: 20,
      Tw: 0,
      Tc: 2,
      Tt: 1500,
      retries: 0,
      redispatches: 0,
      termination: '--',
      version: null,
    };
    expect(accessText(tcp)).to.equal(
      '[2001:db8::1]:40000 [21/Nov/2025:05:38:10.123] default/db default/db/pg-1 0/2/1500 20 -- 0/0 10 -',
    );
    expect(accessJson(tcp)).to.include({ type: 'tcp', Tt: 1500, version: null });
  });

  it('escapes quotes and control characters in the request line', () => {
    expect(escapeText('a"b\\c\nd\x7f')).to.equal('a\\x22b\\x5cc\\x0ad\\x7f');
    const weird = { ...http, path: '/x"\n' };
    expect(accessText(weird)).to.include('"GET /x\\x22\\x0a HTTP/1.1"');
  });

  it('builds the JSON object with documented fields and a short version', () => {
    expect(accessJson(http)).to.deep.equal({
      type: 'http',
      start: '2025-11-21T05:38:10.123Z',
      clientAddress: '10.1.2.3',
      clientPort: 51234,
      frontend: 'default/web',
      backend: 'default/api',
      server: 'api-1',
      serverAddress: '10.0.0.7:8080',
      method: 'GET',
      path: '/v1/items',
      httpVersion: 'HTTP/1.1',
      status: 200,
      serverStatus: 200,
      Tw: 0,
      Tc: 1,
      Tr: 23,
      Ta: 25,
      bytesIn: 312,
      bytesOut: 4821,
      retries: 1,
      redispatches: 1,
      termination: '--',
      version: 'ab12cd34ef56',
    });
  });

  it('writes valid JSON lines, the line kind first', () => {
    const chunks: string[] = [];
    const log = createAccessLog({
      format: 'json',
      destination: { write: (s: string) => void chunks.push(s) },
    });
    log.request(http);
    log.health({
      backend: 'default/api',
      server: 'api-1',
      address: '10.0.0.7:8080',
      state: 'down',
      reason: 'Layer4 connection problem',
      since: start,
    });
    const lines = chunks.join('').trim().split('\n');
    expect(lines).to.have.length(2);
    expect(lines[0]).to.match(/^\{"log":"access","time":"/);
    expect(JSON.parse(lines[0]!)).to.include({ status: 200, path: '/v1/items' });
    expect(JSON.parse(lines[1]!)).to.include({
      log: 'health',
      type: 'health',
      state: 'down',
      server: 'api-1',
    });
  });

  it('describes health transitions like HAProxy', () => {
    expect(
      healthText({
        backend: 'default/api',
        server: 'api-1',
        address: '10.0.0.7:8080',
        state: 'down',
        reason: 'Layer7 wrong status 503',
        since: start,
      }),
    ).to.equal(
      '[21/Nov/2025:05:38:10.123] Server default/api/api-1 (10.0.0.7:8080) is DOWN, reason: Layer7 wrong status 503',
    );
  });

  it('reads its configuration from the environment, refusing unknown formats', () => {
    expect(accessLogOptionsFromEnv({})).to.deep.equal({});
    expect(
      accessLogOptionsFromEnv({ BASCULE_ACCESS_LOG: 'TEXT', BASCULE_ACCESS_LOG_FILE: '/var/log/x' }),
    ).to.deep.equal({ format: 'text', destination: '/var/log/x' });
    expect(() => accessLogOptionsFromEnv({ BASCULE_ACCESS_LOG: 'xml' })).to.throw(/json, text or off/);
    expect(createAccessLog({ format: 'off' }).format).to.equal('off');
  });
});
