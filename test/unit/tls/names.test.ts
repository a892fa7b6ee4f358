// Certificate selection by server name: exact, then wildcard (one label), then the default.
import { expect } from 'chai';
import { CertificateIndex, certificateNameMatches, normalizeServerName } from '#dataplane/tls/names';

describe('tls: certificate selection by SNI', () => {
  const index = new CertificateIndex([
    { names: ['a.example.com'], value: 'A' },
    { names: ['b.example.com', 'www.b.example.com'], value: 'B' },
    { names: ['*.example.com'], value: 'WILD' },
    { names: ['a.example.com', '*.example.com', '*.other.com'], value: 'LATER' },
  ]);

  it('exact names win over wildcards, wildcards over the default', () => {
    expect(index.select('a.example.com', false)).to.deep.equal({ value: 'A', kind: 'exact' });
    expect(index.select('www.b.example.com', false)).to.deep.equal({ value: 'B', kind: 'exact' });
    expect(index.select('c.example.com', false)).to.deep.equal({ value: 'WILD', kind: 'wildcard' });
    expect(index.select('x.other.com', false)).to.deep.equal({ value: 'LATER', kind: 'wildcard' });
    expect(index.select('unknown.test', false)).to.deep.equal({ value: 'A', kind: 'default' });
    expect(index.select(undefined, false)).to.deep.equal({ value: 'A', kind: 'default' });
  });

  it('a wildcard covers exactly one label, never the bare parent', () => {
    expect(index.select('a.b.example.com', false)?.kind).to.equal('default');
    expect(index.select('example.com', false)?.kind).to.equal('default');
    expect(certificateNameMatches('*.example.com', 'x.example.com')).to.equal(true);
    expect(certificateNameMatches('*.example.com', 'y.x.example.com')).to.equal(false);
    expect(certificateNameMatches('*.example.com', 'example.com')).to.equal(false);
  });

  it('is case-insensitive and ignores a trailing dot', () => {
    expect(normalizeServerName('A.Example.COM.')).to.equal('a.example.com');
    expect(index.select('A.EXAMPLE.com.', false)).to.deep.equal({ value: 'A', kind: 'exact' });
  });

  it('strict SNI: no match (or no name) selects nothing', () => {
    expect(index.select('unknown.test', true)).to.equal(undefined);
    expect(index.select(undefined, true)).to.equal(undefined);
    expect(index.select('c.example.com', true)?.value).to.equal('WILD');
  });

  it('the first certificate naming a name wins (spec order)', () => {
    expect(index.select('a.example.com', false)?.value).to.equal('A');
  });
});
