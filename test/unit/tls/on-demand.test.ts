// Which frontends need the TLS termination code that an apply loads on demand
// (dataplane/src/tls/on-demand.ts): every frontend for which buildFrontendTls builds anything must
// be one, or its build would fail for want of the code; plain HTTP frontends and TCP frontends
// without rules must not be, or an idle dataplane would load it for nothing.
import { expect } from 'chai';
import type { FrontendSnap } from '#protocol/snapshot';
import { buildFrontendTls } from '#dataplane/tls/frontend';
import { needsTermination } from '#dataplane/tls/on-demand';
import { frontend, quietLogger } from '../dataplane/helpers.js';
import { TestCa } from './certs.js';

describe('tls: the frontends that need the termination code', () => {
  const ca = new TestCa();
  const pem = ca.issue({ dns: ['shop.example.test'] });
  const tls: NonNullable<FrontendSnap['tls']> = {
    certificates: [{ name: 'shop', certPem: pem.cert, keyPem: pem.key, serverNames: ['shop.example.test'] }],
    alpn: ['h2', 'http/1.1'],
    strictSNI: false,
    clientAuth: { mode: 'none' },
  };
  const rule = (
    name: string,
    match: FrontendSnap['rules'][number]['match'],
  ): FrontendSnap['rules'][number] => ({
    name,
    match,
    action: { type: 'backend', backend: 'default/b' },
  });
  const cases: Array<[string, FrontendSnap, boolean]> = [
    ['plain HTTP', frontend('default/a', 1), false],
    ['HTTP with rules', frontend('default/a', 1, { rules: [rule('r', { path: { prefix: '/' } })] }), false],
    ['HTTP with TLS', frontend('default/a', 1, { tls }), true],
    ['TCP', frontend('default/a', 1, { mode: 'tcp', defaultBackend: 'default/b' }), false],
    ['TCP with TLS', frontend('default/a', 1, { mode: 'tcp', tls, defaultBackend: 'default/b' }), true],
    [
      'TCP with SNI rules',
      frontend('default/a', 1, { mode: 'tcp', rules: [rule('r', { sni: ['x.test'] })] }),
      true,
    ],
    [
      'TCP with rules on the source only',
      frontend('default/a', 1, { mode: 'tcp', rules: [rule('r', { sourceCIDRs: ['10.0.0.0/8'] })] }),
      true,
    ],
  ];
  const backends = new Map([['default/b', { id: 'default/b' }]]);

  for (const [what, f, needs] of cases)
    it(`${what}: ${needs ? 'needs it' : 'does not need it'}, and buildFrontendTls agrees`, () => {
      expect(needsTermination(f)).to.equal(needs);
      const built = buildFrontendTls(f, backends, {}, quietLogger());
      if (built !== undefined) expect(needsTermination(f), 'built without the code').to.equal(true);
      if (f.tls) expect(built?.terminator).to.not.equal(undefined);
    });
});
