// Host values read without a regex when they are plain (lower-case name or address, maybe a
// port): the result must be exactly the regex path's, for plain values and for everything near
// them (upper case, brackets, spaces, long ports, userinfo), over a seeded sample.
import { expect } from 'chai';
import { parseAuthority, validAuthority } from '#dataplane/http/request-head';
import { prng } from '../../support/prng.js';

/** The regex-only reading, as it was before the plain fast path (the reference). */
function reference(value: string): { host: string; port?: number } {
  let host = value.trim().toLowerCase();
  let port: number | undefined;
  const m = /^(\[[^\]]*\]|[^:]*)(?::(\d{1,5}))?$/.exec(host);
  if (m) {
    host = m[1]!;
    if (m[2] !== undefined) port = Number(m[2]);
  }
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  if (host.endsWith('.')) host = host.slice(0, -1);
  return port === undefined ? { host } : { host, port };
}

const AUTHORITY = /^(?:\[[0-9A-Fa-f:.]+\]|(?:[A-Za-z0-9\-._~!$&'()*+,;=]|%[0-9A-Fa-f]{2})*)(?::\d*)?$/;

const CASES = [
  '127.0.0.1:8080',
  'example.com',
  'example.com.',
  'example.com.:443',
  'a-b.c:1',
  'a:123456',
  'a:',
  ':80',
  '',
  'Example.COM:80',
  ' example.com ',
  '[::1]:80',
  '[::1]',
  'user@host',
  'a:b:c',
  'host/path',
  'a_b.example:99999',
  'xn--nxasmq6b.example',
];

describe('dataplane/http: Host values, plain fast path against the regex path', () => {
  it('read the listed values exactly as the regex does', () => {
    for (const v of CASES) {
      expect(parseAuthority(v), v).to.deep.equal(reference(v));
      expect(validAuthority(v), v).to.equal(AUTHORITY.test(v));
    }
  });

  it('agree on a seeded sample of strings near plain ones', () => {
    const alphabet = 'abz09.-:AZ[]@ _%/';
    const rnd = prng(0x686f7374);
    for (let i = 0; i < 20000; i++) {
      const len = Math.floor(rnd() * 12);
      let v = '';
      for (let k = 0; k < len; k++) v += alphabet[Math.floor(rnd() * alphabet.length)];
      expect(parseAuthority(v), JSON.stringify(v)).to.deep.equal(reference(v));
      expect(validAuthority(v), JSON.stringify(v)).to.equal(AUTHORITY.test(v));
    }
  });
});
