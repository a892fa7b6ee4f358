import { expect } from 'chai';
import { parseConfig } from '#importer/parse';
import { TokenizeError, tokenizeLine } from '#importer/tokenize';

describe('import: haproxy.cfg tokenizer', () => {
  const words = (s: string) => tokenizeLine(s).words;

  it('splits on spaces and tabs, and drops comments', () => {
    expect(words('  server  web1\t10.0.0.1:80 check   # primary')).to.deep.equal([
      'server',
      'web1',
      '10.0.0.1:80',
      'check',
    ]);
    expect(tokenizeLine('  bind :80   # web').text).to.equal('bind :80');
    expect(words('# only a comment')).to.deep.equal([]);
  });

  it('handles backslash escapes like HAProxy (space, #, quotes, \\r \\n \\t, \\xHH; others stay)', () => {
    expect(words('rspadd X-Served-By:\\ web\\#1')).to.deep.equal(['rspadd', 'X-Served-By: web#1']);
    expect(words('option httpchk GET / HTTP/1.1\\r\\nHost:\\ www')).to.deep.equal([
      'option',
      'httpchk',
      'GET',
      '/',
      'HTTP/1.1\r\nHost: www',
    ]);
    expect(words('acl a path_reg ^/img/.*\\.png$')).to.deep.equal([
      'acl',
      'a',
      'path_reg',
      '^/img/.*\\.png$',
    ]);
    expect(words('x \\x41\\t\\\\')).to.deep.equal(['x', 'A\t\\']);
  });

  it('keeps spaces and # inside quotes; single quotes are literal', () => {
    expect(
      words('http-response set-header Strict-Transport-Security "max-age=31536000; includeSubDomains"'),
    ).to.deep.equal([
      'http-response',
      'set-header',
      'Strict-Transport-Security',
      'max-age=31536000; includeSubDomains',
    ]);
    expect(words(`x 'a\\ b # c' "d#e"`)).to.deep.equal(['x', 'a\\ b # c', 'd#e']);
    expect(words('x foo"bar baz"qux ""')).to.deep.equal(['x', 'foobar bazqux', '']);
  });

  it('keeps environment variables verbatim and lists them', () => {
    const t = tokenizeLine('server s1 "${BACKEND_HOST}:80" "$PORT"');
    expect(t.words).to.deep.equal(['server', 's1', '${BACKEND_HOST}:80', '$PORT']);
    expect(t.envVars).to.deep.equal(['BACKEND_HOST', 'PORT']);
  });

  it('rejects unmatched quotes and bad \\x sequences with a column', () => {
    expect(() => tokenizeLine('bind "127.0.0.1:80')).to.throw(TokenizeError, /unmatched double quote/);
    expect(() => tokenizeLine('x \\xZZ')).to.throw(TokenizeError, /\\x sequence/);
  });
});

describe('import: haproxy.cfg sections', () => {
  it('groups directives under sections with their line numbers', () => {
    const { sections, errors } = parseConfig(
      'global\n  daemon\n\ndefaults\r\n  mode http\nfrontend fe from base\n  bind :80\nlisten old 0.0.0.0:8080\n',
    );
    expect(errors).to.deep.equal([]);
    expect(sections.map((s) => [s.kind, s.name, s.line])).to.deep.equal([
      ['global', '', 1],
      ['defaults', '', 4],
      ['frontend', 'fe', 6],
      ['listen', 'old', 8],
    ]);
    expect(sections[2]!.from).to.equal('base');
    expect(sections[3]!.args).to.deep.equal(['0.0.0.0:8080']);
    expect(sections[1]!.directives[0]).to.include({ line: 5, text: 'mode http' });
  });

  it('reports directives outside sections, missing names and conditional blocks', () => {
    const { errors } = parseConfig('mode http\nbackend\n.if defined(X)\nfrontend "a b"\n  bind "oops\n');
    expect(errors.map((e) => e.line)).to.deep.equal([1, 2, 3, 4, 5]);
    expect(errors[0]!.message).to.match(/before any section/);
    expect(errors[1]!.message).to.match(/needs a name/);
    expect(errors[2]!.message).to.match(/conditional block/);
    expect(errors[3]!.message).to.match(/invalid character/);
    expect(errors[4]!.message).to.match(/unmatched double quote/);
  });

  it('recognises non-proxy sections so their lines are reported, not rejected', () => {
    const { sections, errors } = parseConfig(
      'userlist admins\n  user admin password x\nresolvers dns\n  nameserver a 1.1.1.1:53\n',
    );
    expect(errors).to.deep.equal([]);
    expect(sections.map((s) => [s.kind, s.keyword, s.directives.length])).to.deep.equal([
      ['other', 'userlist', 1],
      ['other', 'resolvers', 1],
    ]);
  });
});
